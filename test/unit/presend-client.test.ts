import { LambdaClient } from "@aws-sdk/client-lambda";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS, LOCAL_REGION, quietSdkWarnings } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import {
  checkRecipients,
  filterSendEmailInput,
  PresendCheckError,
  presendFilter,
  type RemovedRecipient,
} from "../../functions/client/index.ts";
import { DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import type { PresendAnswer } from "../../functions/core/presend.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import {
  at,
  DAY_SECONDS,
  HOUR_SECONDS,
  instant,
  uniqueAddress,
  verdictOf,
} from "../fixtures/scenarios/feedback.ts";

quietSdkWarnings();

const FUNCTION_NAME = "bounce-guard-presend-check";
const CHECKED_AT_SECONDS = 10 * DAY_SECONDS;
const CHECKED_AT = instant(CHECKED_AT_SECONDS);

/** A function deployed on the stand-in Lambda service: the decoded payload in, a JSON value out. */
type DeployedFunction = (payload: unknown) => Promise<unknown>;

interface Invocation {
  readonly functionName: string;
  readonly payload: { addresses?: unknown[]; checks?: unknown[] };
}

function jsonBody(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * The Lambda service cannot run here, so this stands in for it at the SDK's HTTP layer: the real
 * LambdaClient serialises the Invoke request and parses the response (payload bytes, the
 * X-Amz-Function-Error header, service errors), and the function behind it is the real check.
 */
function lambdaServiceStandIn(functions: Record<string, DeployedFunction>) {
  const invocations: Invocation[] = [];
  const requestHandler = {
    async handle(request: { path: string; body?: unknown }) {
      // POST /2015-03-31/functions/{FunctionName}/invocations
      const functionName = decodeURIComponent(request.path.split("/")[3] ?? "");
      const deployed = functions[functionName];
      if (deployed === undefined) {
        return {
          response: {
            statusCode: 404,
            headers: { "content-type": "application/json", "x-amzn-errortype": "ResourceNotFoundException" },
            body: jsonBody({ Type: "User", Message: `Function not found: ${functionName}` }),
          },
        };
      }
      const payload = JSON.parse(
        new TextDecoder().decode(request.body as Uint8Array),
      ) as Invocation["payload"];
      invocations.push({ functionName, payload });
      try {
        const result = await deployed(payload);
        return { response: { statusCode: 200, headers: {}, body: jsonBody(result) } };
      } catch (error) {
        // What the Lambda runtime sends back for an exception the handler did not catch.
        return {
          response: {
            statusCode: 200,
            headers: { "x-amz-function-error": "Unhandled" },
            body: jsonBody({
              errorType: (error as Error).name,
              errorMessage: (error as Error).message,
              trace: [],
            }),
          },
        };
      }
    },
  };
  const client = new LambdaClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler });
  return { client, invocations };
}

let dynamo: LocalDynamoDb;
const lambdaClients: LambdaClient[] = [];

function presendCheckOn(tableName: string): DeployedFunction {
  return createPresendCheck({
    store: new DynamoDbSuppressionStore(dynamo.client, tableName, DEFAULT_POLICY),
    policy: DEFAULT_POLICY,
    logger: silentLogger,
    now: () => CHECKED_AT,
  });
}

/** The stand-in Lambda service with the pre-send check deployed, plus any other functions. */
function lambdaWithPresendCheck(others: Record<string, DeployedFunction> = {}) {
  const service = lambdaServiceStandIn({ [FUNCTION_NAME]: presendCheckOn(dynamo.tableName), ...others });
  lambdaClients.push(service.client);
  return service;
}

const hard = uniqueAddress("hard");
const deferred = uniqueAddress("deferred");
const disposable = "someone@mailinator.com";
const kept = "kept@example.com";
const alsoKept = "also-kept@example.com";
const deferredRetryAt = at(CHECKED_AT_SECONDS - HOUR_SECONDS + DEFAULT_POLICY.retryIntervalSeconds);

const REMOVED: Record<string, RemovedRecipient> = {
  [hard]: { address: hard, verdict: "suppress", reason: "userunknown" },
  [deferred]: { address: deferred, verdict: "defer", reason: "mailboxfull", retryAt: deferredRetryAt },
  [disposable]: { address: disposable, verdict: "invalid", reason: "disposable" },
};

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY);
  const verdicts = [
    verdictOf("hard", { address: hard, timestamp: at(DAY_SECONDS) }),
    verdictOf("soft", { address: deferred, timestamp: at(CHECKED_AT_SECONDS - HOUR_SECONDS) }),
  ];
  for (const verdict of verdicts) {
    await store.apply(verdict.address, decide(verdict), new Date(Date.parse(verdict.timestamp) + 60_000));
  }
});

afterAll(async () => {
  for (const client of lambdaClients) client.destroy();
  await dynamo.close();
});

describe("checkRecipients", () => {
  it("answers each address through the pre-send check function, in input order", async () => {
    // Prepare
    const { client, invocations } = lambdaWithPresendCheck();
    const fresh = uniqueAddress("fresh");

    // Act
    const answers = await checkRecipients([fresh, hard, deferred, disposable], {
      functionName: FUNCTION_NAME,
      lambdaClient: client,
    });

    // Assess
    expect(answers.map((answer) => [answer.address, answer.verdict, answer.reason])).toEqual([
      [fresh, "send", "ok"],
      [hard, "suppress", "userunknown"],
      [deferred, "defer", "mailboxfull"],
      [disposable, "invalid", "disposable"],
    ]);
    expect(answers[2]?.retryAt).toBe(deferredRetryAt);
    expect(invocations).toEqual([
      { functionName: FUNCTION_NAME, payload: { addresses: [fresh, hard, deferred, disposable] } },
    ]);
  });

  it("passes the chosen checks to the function", async () => {
    // Prepare
    const { client, invocations } = lambdaWithPresendCheck();

    // Act
    const answers = await checkRecipients([disposable], {
      functionName: FUNCTION_NAME,
      lambdaClient: client,
      checks: ["syntax"],
    });

    // Assess
    expect(answers.map((answer) => answer.verdict)).toEqual(["send"]);
    expect(invocations.map((invocation) => invocation.payload.checks)).toEqual([["syntax"]]);
  });

  it("splits 2,500 addresses into three invocations and joins the answers in input order", async () => {
    // Prepare
    const { client, invocations } = lambdaWithPresendCheck();
    const addresses = Array.from({ length: 2_500 }, (_, index) =>
      index === 1_234 ? hard : `many-${index}@example.com`,
    );

    // Act
    const answers = await checkRecipients(addresses, { functionName: FUNCTION_NAME, lambdaClient: client });

    // Assess
    expect(invocations.map((invocation) => invocation.payload.addresses?.length)).toEqual([
      1_000, 1_000, 500,
    ]);
    expect(answers.map((answer) => answer.address)).toEqual(addresses);
    expect(answers.filter((answer) => answer.verdict !== "send").map((answer) => answer.address)).toEqual([
      hard,
    ]);
  });

  it("makes no invocation for an empty list", async () => {
    // Prepare
    const { client, invocations } = lambdaWithPresendCheck();

    // Act
    const answers = await checkRecipients([], { functionName: FUNCTION_NAME, lambdaClient: client });

    // Assess
    expect(answers).toEqual([]);
    expect(invocations).toEqual([]);
  });

  it("turns an error answer of the function into a PresendCheckError with its code", async () => {
    // Prepare
    const { client } = lambdaServiceStandIn({ [FUNCTION_NAME]: presendCheckOn("no-such-table") });
    lambdaClients.push(client);

    // Act
    const failure = checkRecipients([hard], { functionName: FUNCTION_NAME, lambdaClient: client });

    // Assess
    await expect(failure).rejects.toThrow(PresendCheckError);
    await expect(failure).rejects.toMatchObject({
      code: "unavailable",
      message: "the suppression table could not be read; try again",
    });
  });

  it("turns a function error into a PresendCheckError with the code function-error", async () => {
    // Prepare
    const crashing = "bounce-guard-crashing";
    const { client } = lambdaWithPresendCheck({
      [crashing]: async () => {
        throw new Error("out of memory");
      },
    });

    // Act
    const failure = checkRecipients([hard], { functionName: crashing, lambdaClient: client });

    // Assess
    await expect(failure).rejects.toThrow(PresendCheckError);
    await expect(failure).rejects.toMatchObject({
      code: "function-error",
      message: expect.stringContaining("out of memory"),
    });
  });

  // Fails today: see the report. PresendCheckError says it covers a function that "could not be
  // invoked", but checkRecipients lets the SDK's own error through unwrapped.
  it("turns an invocation the Lambda service refuses into a PresendCheckError with the cause", async () => {
    // Prepare
    const { client } = lambdaWithPresendCheck();

    // Act
    const failure = checkRecipients([hard], { functionName: "no-such-function", lambdaClient: client });

    // Assess
    await expect(failure).rejects.toThrow(PresendCheckError);
    await expect(failure).rejects.toMatchObject({ cause: { name: "ResourceNotFoundException" } });
  });
});

/** Answers from the real check for every address in `addresses`, keyed by address. */
async function answersFor(addresses: readonly string[]): Promise<Map<string, PresendAnswer>> {
  const { client } = lambdaWithPresendCheck();
  const answers = await checkRecipients(addresses, { functionName: FUNCTION_NAME, lambdaClient: client });
  return new Map(answers.map((answer) => [answer.address, answer]));
}

describe("filterSendEmailInput", () => {
  it.each([
    {
      shape: "SES v2 SendEmail",
      input: {
        FromEmailAddress: "news@sender.example",
        Destination: {
          ToAddresses: [kept, hard],
          CcAddresses: [deferred],
          BccAddresses: [disposable, alsoKept],
        },
        Content: { Simple: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } } },
      },
      expected: {
        FromEmailAddress: "news@sender.example",
        Destination: { ToAddresses: [kept], CcAddresses: [], BccAddresses: [alsoKept] },
        Content: { Simple: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } } },
      },
      removed: [hard, deferred, disposable],
    },
    {
      shape: "SES v1 SendEmail",
      input: {
        Source: "news@sender.example",
        Destination: { ToAddresses: [hard, kept], BccAddresses: [deferred] },
        Message: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } },
      },
      expected: {
        Source: "news@sender.example",
        Destination: { ToAddresses: [kept], BccAddresses: [] },
        Message: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } },
      },
      removed: [hard, deferred],
    },
    {
      shape: "SES v1 SendRawEmail",
      input: {
        Source: "news@sender.example",
        Destinations: [kept, disposable, alsoKept, hard],
        RawMessage: { Data: "Subject: Hi\r\n\r\nHello" },
      },
      expected: {
        Source: "news@sender.example",
        Destinations: [kept, alsoKept],
        RawMessage: { Data: "Subject: Hi\r\n\r\nHello" },
      },
      removed: [disposable, hard],
    },
    {
      shape: "SES v2 SendBulkEmail",
      input: {
        FromEmailAddress: "news@sender.example",
        DefaultContent: { Template: { TemplateName: "news" } },
        BulkEmailEntries: [
          { Destination: { ToAddresses: [kept] }, ReplacementTags: [{ Name: "n", Value: "1" }] },
          { Destination: { ToAddresses: [deferred], CcAddresses: [alsoKept] } },
          { Destination: { ToAddresses: [hard] } },
        ],
      },
      expected: {
        FromEmailAddress: "news@sender.example",
        DefaultContent: { Template: { TemplateName: "news" } },
        BulkEmailEntries: [
          { Destination: { ToAddresses: [kept] }, ReplacementTags: [{ Name: "n", Value: "1" }] },
          { Destination: { ToAddresses: [], CcAddresses: [alsoKept] } },
          // the entry whose only recipient was removed is dropped: SES rejects an empty entry
        ],
      },
      removed: [deferred, hard],
    },
  ])(
    "removes from a $shape input every recipient not to be mailed, saying why",
    async ({ input, expected, removed }) => {
      // Prepare
      const answers = await answersFor([kept, alsoKept, hard, deferred, disposable]);
      const before = structuredClone(input);

      // Act
      const filtered = filterSendEmailInput(input, answers);

      // Assess
      expect(filtered.input).toEqual(expected);
      expect(filtered.removed).toEqual(removed.map((address) => REMOVED[address]));
      expect(input).toEqual(before);
    },
  );

  it("keeps a recipient the answers say nothing about", () => {
    // Prepare
    const input = { Destination: { ToAddresses: ["unchecked@example.com"] } };

    // Act
    const filtered = filterSendEmailInput(input, new Map());

    // Assess
    expect(filtered).toEqual({ input, removed: [] });
  });
});

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "sender",
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:sender`,
    memoryLimitInMB: "256",
    awsRequestId: "local-request",
    logGroupName: "/aws/lambda/sender",
    logStreamName: "local",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

interface SendEmailEvent {
  FromEmailAddress: string;
  Destination: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
}

describe("presendFilter", () => {
  it("removes recipients not to be mailed before the handler sees the event and says what it removed", async () => {
    // Prepare
    const { client } = lambdaWithPresendCheck();
    let removed: unknown;
    const handler = middy<SendEmailEvent, SendEmailEvent["Destination"]>()
      .use(presendFilter<SendEmailEvent>({ functionName: FUNCTION_NAME, lambdaClient: client }))
      .after((request) => {
        removed = (request.internal as Record<string, unknown>).bounceGuardRemoved;
      })
      .handler(async (event) => structuredClone(event.Destination));
    const event: SendEmailEvent = {
      FromEmailAddress: "news@sender.example",
      Destination: { ToAddresses: [kept, hard], CcAddresses: [deferred], BccAddresses: [disposable] },
    };

    // Act
    const seen = await handler(event, lambdaContext());

    // Assess
    expect(seen).toEqual({ ToAddresses: [kept], CcAddresses: [], BccAddresses: [] });
    expect(removed).toEqual([REMOVED[hard], REMOVED[deferred], REMOVED[disposable]]);
  });

  it("filters an input inside the event when told where it is", async () => {
    // Prepare
    const { client } = lambdaWithPresendCheck();
    interface Wrapped {
      requestId: string;
      email: SendEmailEvent;
    }
    const handler = middy<Wrapped, string[] | undefined>()
      .use(
        presendFilter<Wrapped>({
          functionName: FUNCTION_NAME,
          lambdaClient: client,
          select: (event) => event.email,
          replace: (event, input) => {
            event.email = { ...event.email, ...input };
          },
        }),
      )
      .handler(async (event) => event.email.Destination.ToAddresses);
    const event: Wrapped = {
      requestId: "r-1",
      email: { FromEmailAddress: "news@sender.example", Destination: { ToAddresses: [hard, kept] } },
    };

    // Act
    const seen = await handler(event, lambdaContext());

    // Assess
    expect(seen).toEqual([kept]);
  });

  it("invokes nothing for an event without recipients", async () => {
    // Prepare
    const { client, invocations } = lambdaWithPresendCheck();
    const handler = middy<SendEmailEvent, string>()
      .use(presendFilter<SendEmailEvent>({ functionName: FUNCTION_NAME, lambdaClient: client }))
      .handler(async () => "sent");

    // Act
    const result = await handler(
      { FromEmailAddress: "news@sender.example", Destination: {} },
      lambdaContext(),
    );

    // Assess
    expect(result).toBe("sent");
    expect(invocations).toEqual([]);
  });
});
