import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  localClientConfig,
  quietSdkWarnings,
} from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { pumpQueue, queueDepth, sendMessages, sqsRecordOf, startLocalQueues } from "../../cli/local/sqs.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import {
  type ClassifierDependencies,
  createClassifier,
  createHandler,
  InvalidEventError,
} from "../../functions/classifier.ts";
import { parseNotification } from "../../functions/core/parse.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";
import {
  at,
  DAY_SECONDS,
  HOUR_SECONDS,
  instant,
  sesBounce,
  sesDelivery,
  snsSubscriptionConfirmation,
  unique,
  uniqueAddress,
} from "../fixtures/scenarios/feedback.ts";

quietSdkWarnings();

const FIXTURES = join(import.meta.dirname, "../fixtures/ses");
const examples = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name): [string, Record<string, unknown>] => [
    name,
    JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>,
  ]);
const complete = examples.filter(
  ([, notification]) => "notificationType" in notification || "eventType" in notification,
);
const fragments = examples.filter(
  ([, notification]) => !("notificationType" in notification || "eventType" in notification),
);

const QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:bounce-guard-feedback`;
const NOW = instant(DAY_SECONDS);

/** An SQS record as Lambda's event source mapping builds it, around `body`. */
function recordOf(body: unknown, messageId = unique("sqs")): SQSRecord {
  return sqsRecordOf(
    {
      MessageId: messageId,
      ReceiptHandle: `receipt-${messageId}`,
      Body: typeof body === "string" ? body : JSON.stringify(body),
    },
    QUEUE_ARN,
    1,
  );
}

function eventOf(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "bounce-guard-classifier",
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:bounce-guard-classifier`,
    memoryLimitInMB: "256",
    awsRequestId: "local-request",
    logGroupName: "/aws/lambda/bounce-guard-classifier",
    logStreamName: "local",
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

let dynamo: LocalDynamoDb;
let store: DynamoDbSuppressionStore;
const extraClients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY);
});

afterAll(async () => {
  for (const client of extraClients) client.destroy();
  await dynamo.close();
});

function dependencies(overrides: Partial<ClassifierDependencies> = {}): ClassifierDependencies {
  return {
    store,
    logger: silentLogger,
    metrics: createEmfMetrics("BounceGuardTest", () => {}),
    now: () => NOW,
    ...overrides,
  };
}

/** The handler as Lambda calls it: middy wrapper, SQS event, a context. */
function invoke(event: unknown, overrides: Partial<ClassifierDependencies> = {}) {
  const handler = createHandler(dependencies(overrides));
  return handler(event as SQSEvent, lambdaContext());
}

/** What each official example means for its recipients: event/class, in SES's recipient order. */
const EXPECTED_VERDICTS: Record<string, string[]> = {
  "01-aws-docs-identity-bounce-with-dsn.json": ["bounce/hard"],
  // Permanent with no status or diagnostic: SES's word alone, so unconfirmed until a second one.
  "02-aws-docs-identity-bounce-no-dsn.json": ["bounce/unconfirmed", "bounce/unconfirmed"],
  "03-aws-docs-identity-complaint-with-feedback.json": ["complaint/complaint"],
  "04-aws-docs-identity-complaint-no-feedback.json": ["complaint/complaint"],
  "05-aws-docs-identity-delivery.json": ["delivery/delivered"],
  "06-aws-docs-eventpub-bounce.json": ["bounce/hard"],
  "07-aws-docs-eventpub-complaint.json": ["complaint/complaint"],
  "08-aws-docs-eventpub-delivery.json": ["delivery/delivered"],
  "09-aws-docs-eventpub-send.json": ["other/ignore"],
  "10-aws-docs-eventpub-reject.json": ["other/ignore"],
  "11-aws-docs-eventpub-open.json": ["other/ignore"],
  "12-aws-docs-eventpub-click.json": ["other/ignore"],
  "13-aws-docs-eventpub-failure.json": ["other/ignore"],
  "14-aws-docs-eventpub-delayed-delivery.json": ["delay/soft"],
  "15-aws-docs-eventpub-subscription.json": ["other/ignore"],
};

describe("classifier: the official SES examples", () => {
  it("finds fifteen complete examples and two fragments", () => {
    // Assess
    expect(complete).toHaveLength(15);
    expect(fragments.map(([name]) => name)).toEqual([
      "16-aws-docs-fragment-bounce-object.json",
      "42-aws-docs-fragment-bounced-recipient.json",
    ]);
  });

  it.each(complete)("reads every recipient of %s as the expected event and class", (name, notification) => {
    // Act
    const parsed = parseNotification(notification);

    // Assess
    expect(parsed.kind).toBe("notification");
    expect(
      parsed.kind === "notification" &&
        verdictsOf(parsed.notification).map((verdict) => `${verdict.event}/${verdict.class}`),
    ).toEqual(EXPECTED_VERDICTS[name]);
  });

  it.each(complete)(
    "gives the same verdicts for %s bare, in an SNS envelope and in an SQS record",
    async (_name, notification) => {
      // Prepare
      const envelope = snsEnvelopeOf(notification);
      const bareRecord = recordOf(notification);
      const snsRecord = recordOf(envelope);
      const classifier = createClassifier(dependencies());
      const direct = parseNotification(notification);
      const expected = direct.kind === "notification" ? verdictsOf(direct.notification) : [];

      // Act
      const fromSnsEnvelope = parseNotification(envelope);
      const fromRecordStraight = parseNotification(snsRecord);
      const handledBare = await classifier.processRecord(bareRecord);
      const handledSns = await classifier.processRecord(snsRecord);

      // Assess
      expect(expected.length).toBeGreaterThan(0);
      expect(fromSnsEnvelope.kind === "notification" && verdictsOf(fromSnsEnvelope.notification)).toEqual(
        expected,
      );
      expect(
        fromRecordStraight.kind === "notification" && verdictsOf(fromRecordStraight.notification),
      ).toEqual(expected);
      for (const handled of [handledBare, handledSns]) {
        expect(handled.kind).toBe("applied");
        expect(handled.kind === "applied" && handled.recipients.map(({ verdict }) => verdict)).toEqual(
          expected,
        );
      }
    },
  );

  it.each(fragments)(
    "rejects the fragment %s in every wrapping, naming what is missing",
    async (_name, notification) => {
      // Prepare
      const classifier = createClassifier(dependencies());
      const inputs = [
        notification,
        snsEnvelopeOf(notification),
        recordOf(notification),
        recordOf(snsEnvelopeOf(notification)),
      ];

      // Act
      const parsed = inputs.map((input) => parseNotification(input));
      const handled = await classifier.processRecord(recordOf(snsEnvelopeOf(notification)));

      // Assess
      for (const result of parsed) {
        expect(result.kind).toBe("error");
        expect(result.kind === "error" && result.error.code).toBe("not-a-notification");
        expect(result.kind === "error" && result.error.message).toMatch(/no notificationType, eventType/);
      }
      expect(handled.kind).toBe("failed");
      expect(handled.kind === "failed" && handled.error).toMatch(/notificationType/);
    },
  );

  it("rejects a Bounce notification without its bounce object, naming the missing object", async () => {
    // Prepare
    const { bounce: _bounce, ...withoutBounce } = sesBounce({ address: uniqueAddress() });
    const classifier = createClassifier(dependencies());

    // Act
    const handled = await classifier.processRecord(recordOf(snsEnvelopeOf(withoutBounce)));

    // Assess
    expect(handled.kind === "failed" && handled.error).toMatch(/a Bounce notification needs "bounce"/);
  });
});

describe("classifier: notifications without their mail object", () => {
  it("applies a bounce and a delivery pasted without mail, with no message id, and counts their copies once", async () => {
    // Prepare
    const address = uniqueAddress("no-mail");
    const { mail: _bounceMail, ...bounce } = sesBounce({
      address,
      bounceType: "Transient",
      status: "4.2.2",
      diagnosticCode: "smtp; 452 4.2.2 mailbox full",
      at: at(0),
    });
    const { mail: _deliveryMail, ...delivery } = sesDelivery({ address, at: at(HOUR_SECONDS) });
    const classifier = createClassifier(dependencies());

    // Act
    const { response, outcomes } = await classifier.processEvent(
      eventOf(
        [bounce, snsEnvelopeOf(bounce), delivery, snsEnvelopeOf(delivery)].map((body) => recordOf(body)),
      ),
    );
    const stored = await store.get(address);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(
      outcomes.flatMap((outcome) =>
        outcome.kind === "applied"
          ? outcome.recipients.map(({ verdict, result }) => [verdict.class, result.kind])
          : [],
      ),
    ).toEqual([
      ["soft", "applied"],
      ["soft", "duplicate"],
      ["delivered", "applied"],
      ["delivered", "duplicate"],
    ]);
    expect(stored?.counts).toMatchObject({ soft: 1, delivery: 1 });
    expect(stored?.history.map((entry) => entry.messageId)).toEqual([undefined, undefined]);
  });
});

describe("classifier: SQS batches", () => {
  it.each([
    { poison: "a body that is not JSON", body: "{not json" },
    { poison: "an SES fragment", body: JSON.stringify(snsEnvelopeOf({ bouncedRecipients: [] })) },
    {
      poison: "an SNS message that is not a notification",
      body: JSON.stringify({ Type: "Weird", MessageId: "x" }),
    },
  ])("reports only the record holding $poison and applies the other nine", async ({ body }) => {
    // Prepare
    const addresses = Array.from({ length: 9 }, () => uniqueAddress("batch"));
    const good = addresses.map((address) => recordOf(snsEnvelopeOf(sesBounce({ address }))));
    const poison = recordOf(body);
    const records = [...good.slice(0, 4), poison, ...good.slice(4)];

    // Act
    const response = await invoke(eventOf(records));
    const states = await Promise.all(addresses.map((address) => store.get(address)));

    // Assess
    expect(records).toHaveLength(10);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poison.messageId }] });
    expect(states.map((state) => state?.suppression?.by)).toEqual(addresses.map(() => "hard"));
  });

  it("reports a record whose store write fails so SQS retries it", async () => {
    // Prepare
    const failing = new DynamoDBClient(localClientConfig(dynamo.endpoint));
    extraClients.push(failing);
    const unlucky = uniqueAddress("unlucky");
    failing.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify(args.input).includes(unlucky)) throw new Error("simulated throttling");
        return next(args);
      },
      { step: "initialize", name: "failOneAddress" },
    );
    const failingStore = new DynamoDbSuppressionStore(failing, dynamo.tableName, DEFAULT_POLICY);
    const lucky = uniqueAddress("lucky");
    const luckyRecord = recordOf(snsEnvelopeOf(sesBounce({ address: lucky })));
    const unluckyRecord = recordOf(snsEnvelopeOf(sesBounce({ address: unlucky })));

    // Act
    const response = await invoke(eventOf([luckyRecord, unluckyRecord]), { store: failingStore });

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: unluckyRecord.messageId }] });
    expect((await store.get(lucky))?.suppression?.by).toBe("hard");
    expect(await store.get(unlucky)).toBeUndefined();
  });

  it("does not fail an SNS SubscriptionConfirmation record", async () => {
    // Prepare
    const record = recordOf(snsSubscriptionConfirmation());
    const classifier = createClassifier(dependencies());

    // Act
    const { response, outcomes } = await classifier.processEvent(eventOf([record]));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(outcomes).toEqual([
      { kind: "control", messageId: record.messageId, controlType: "SubscriptionConfirmation" },
    ]);
  });

  it.each<[string, unknown]>([
    ["an empty object", {}],
    ["null", null],
    ["Records that is not an array", { Records: "not a list" }],
    ["an SNS envelope", { Type: "Notification", Message: "{}" }],
  ])("throws InvalidEventError for %s instead of an SQS event", async (_description, event) => {
    // Act / Assess
    await expect(invoke(event)).rejects.toBeInstanceOf(InvalidEventError);
  });
});

describe("classifier: duplicates", () => {
  it("counts a notification delivered twice in one batch once", async () => {
    // Prepare
    const address = uniqueAddress("twice");
    const body = snsEnvelopeOf(sesBounce({ address }));
    const classifier = createClassifier(dependencies());

    // Act
    const { response, outcomes } = await classifier.processEvent(eventOf([recordOf(body), recordOf(body)]));
    const stored = await store.get(address);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(
      outcomes
        .flatMap((outcome) =>
          outcome.kind === "applied" ? outcome.recipients.map(({ result }) => result.kind) : [],
        )
        .sort(),
    ).toEqual(["applied", "duplicate"]);
    expect(stored?.counts.hard).toBe(1);
    expect(stored?.history).toHaveLength(1);
  });

  it("counts a notification redelivered in a later batch once", async () => {
    // Prepare
    const address = uniqueAddress("redelivered");
    const body = snsEnvelopeOf(sesBounce({ address }));
    await invoke(eventOf([recordOf(body)]));

    // Act
    const response = await invoke(eventOf([recordOf(body)]));
    const stored = await store.get(address);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(stored?.counts.hard).toBe(1);
  });

  it("counts one bounce published both as an identity notification and as a configuration-set event once", async () => {
    // Prepare
    const address = uniqueAddress("both-formats");
    const shared = { address, feedbackId: unique("feedback"), messageId: unique("message"), at: at(0) };
    const identity = sesBounce({ ...shared, format: "identity" });
    const eventPublishing = sesBounce({ ...shared, format: "event-publishing" });

    // Act
    await invoke(eventOf([recordOf(snsEnvelopeOf(identity))]));
    await invoke(eventOf([recordOf(snsEnvelopeOf(eventPublishing))]));
    const stored = await store.get(address);

    // Assess
    expect(stored?.counts.hard).toBe(1);
    expect(stored?.history).toHaveLength(1);
  });

  it("counts one delivery published in both SES formats once", async () => {
    // Prepare
    const address = uniqueAddress("delivered-both");
    const shared = { address, messageId: unique("message"), at: at(0) };

    // Act
    await invoke(
      eventOf([
        recordOf(snsEnvelopeOf(sesDelivery({ ...shared, format: "identity" }))),
        recordOf(snsEnvelopeOf(sesDelivery({ ...shared, format: "event-publishing" }))),
      ]),
    );
    const stored = await store.get(address);

    // Assess
    expect(stored?.counts.delivery).toBe(1);
  });
});

describe("classifier: end to end through a local SQS queue with a DLQ", () => {
  it("moves exactly the two poison messages to the DLQ and applies the eighteen good ones", async () => {
    // Prepare
    const queues = await startLocalQueues({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    try {
      const bounced = Array.from({ length: 9 }, () => uniqueAddress("e2e-bounce"));
      const delivered = Array.from({ length: 9 }, () => uniqueAddress("e2e-delivery"));
      const notJson = "{not json";
      const fragment = JSON.stringify(snsEnvelopeOf({ bouncedRecipients: [] }));
      const goodBodies = [
        ...bounced.map((address) => JSON.stringify(snsEnvelopeOf(sesBounce({ address })))),
        ...delivered.map((address) => JSON.stringify(sesDelivery({ address }))),
      ];
      const bodies = [
        ...goodBodies.slice(0, 7),
        notJson,
        ...goodBodies.slice(7, 15),
        fragment,
        ...goodBodies.slice(15),
      ];
      await sendMessages(
        queues,
        bodies.map((body) => ({ body })),
      );
      const handler = createHandler(dependencies());

      // Act
      await pumpQueue(queues, (event) => handler(event, lambdaContext()), { deadlineMs: 20_000 });
      const deadLetters = await queues.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        }),
      );
      const bouncedStates = await Promise.all(bounced.map((address) => store.get(address)));
      const deliveredStates = await Promise.all(delivered.map((address) => store.get(address)));

      // Assess
      expect(bodies).toHaveLength(20);
      expect((deadLetters.Messages ?? []).map((message) => message.Body).sort()).toEqual(
        [notJson, fragment].sort(),
      );
      expect(await queueDepth(queues)).toBe(0);
      expect(bouncedStates.map((state) => [state?.suppression?.by, state?.counts.hard])).toEqual(
        bounced.map(() => ["hard", 1]),
      );
      expect(deliveredStates.map((state) => state?.counts.delivery)).toEqual(delivered.map(() => 1));
    } finally {
      await queues.close();
    }
  });
});
