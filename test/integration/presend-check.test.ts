import {
  type AttributeValue,
  type BatchGetItemCommandInput,
  type BatchGetItemCommandOutput,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { localClientConfig, quietSdkWarnings } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { countRequests } from "../../cli/local/request-counter.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { createLogger, silentLogger } from "../../functions/adapters/logger.ts";
import { TABLE_SCHEMA } from "../../functions/adapters/table-schema.ts";
import { DEFAULT_CHECKS, validateAddress } from "../../functions/core/address-validation.ts";
import { DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import type { PresendAnswer, PresendVerdict } from "../../functions/core/presend.ts";
import type { Reason, RecipientVerdict } from "../../functions/core/types.ts";
import { type CheckResponse, createPresendCheck } from "../../functions/presend-check.ts";
import {
  at,
  DAY_SECONDS,
  HOUR_SECONDS,
  instant,
  MINUTE_SECONDS,
  unique,
  uniqueAddress,
  verdictOf,
} from "../fixtures/scenarios/feedback.ts";

quietSdkWarnings();

/** When every check in this file runs: ten days after the scenarios' clock starts. */
const CHECKED_AT_SECONDS = 10 * DAY_SECONDS;
const CHECKED_AT = instant(CHECKED_AT_SECONDS);
const RETRY_SECONDS = DEFAULT_POLICY.retryIntervalSeconds;

let dynamo: LocalDynamoDb;
const extraClients: DynamoDBClient[] = [];

/** A second client on the same local table, for counting, recording or disturbing its requests. */
function separateClient(): DynamoDBClient {
  const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  extraClients.push(client);
  return client;
}

function checkOn(
  client: DynamoDBClient = dynamo.client,
  tableName = dynamo.tableName,
  logger = silentLogger,
) {
  return createPresendCheck({
    store: new DynamoDbSuppressionStore(client, tableName, DEFAULT_POLICY),
    policy: DEFAULT_POLICY,
    logger,
    now: () => CHECKED_AT,
  });
}

/** Apply verdicts through the store exactly as the classifier would, a minute after each event. */
async function seed(...verdicts: RecipientVerdict[]): Promise<void> {
  const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY);
  for (const verdict of verdicts) {
    await store.apply(verdict.address, decide(verdict), new Date(Date.parse(verdict.timestamp) + 60_000));
  }
}

function resultsOf(response: CheckResponse): readonly PresendAnswer[] {
  if (!("results" in response)) throw new Error(`expected results, got ${JSON.stringify(response)}`);
  return response.results;
}

/** The partition keys of one BatchGetItem request. */
function keysOf(input: BatchGetItemCommandInput, tableName: string): string[] {
  return (input.RequestItems?.[tableName]?.Keys ?? []).map((key) =>
    String(unmarshall(key)[TABLE_SCHEMA.partitionKey]),
  );
}

/** Records the keys of every BatchGetItem request `client` sends. */
function recordBatchGetKeys(client: DynamoDBClient, tableName: string): string[][] {
  const requests: string[][] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "BatchGetItemCommand") {
        requests.push(keysOf(args.input as BatchGetItemCommandInput, tableName));
      }
      return next(args);
    },
    { step: "initialize", name: "recordBatchGetKeys" },
  );
  return requests;
}

/**
 * Makes DynamoDB leave keys unprocessed: `withhold(call, keys)` says how many keys, from the end of
 * the call-th BatchGetItem request, are not sent and come back as UnprocessedKeys, as the service
 * does under throttling or the 16 MB response limit; the other keys are read from the table for real.
 */
function leaveKeysUnprocessed(
  client: DynamoDBClient,
  tableName: string,
  withhold: (call: number, keys: Record<string, AttributeValue>[]) => number,
): void {
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "BatchGetItemCommand") return next(args);
      calls += 1;
      const input = args.input as BatchGetItemCommandInput;
      const keys = input.RequestItems?.[tableName]?.Keys ?? [];
      const withheldCount = withhold(calls, keys);
      if (withheldCount === 0) return next(args);
      const sent = keys.slice(0, keys.length - withheldCount);
      const withheld = keys.slice(keys.length - withheldCount);
      const result =
        sent.length > 0
          ? await next({ ...args, input: { RequestItems: { [tableName]: { Keys: sent } } } })
          : { output: { Responses: { [tableName]: [] }, $metadata: {} }, response: {} };
      const output = result.output as BatchGetItemCommandOutput;
      return { ...result, output: { ...output, UnprocessedKeys: { [tableName]: { Keys: withheld } } } };
    },
    { step: "initialize", name: "leaveKeysUnprocessed" },
  );
}

/** The addresses seeded in beforeAll, one per stored situation. */
const seeded = {
  hard: uniqueAddress("hard"),
  complaint: uniqueAddress("complaint"),
  softThreshold: uniqueAddress("soft-threshold"),
  recentSoft: uniqueAddress("recent-soft"),
  oldSoft: uniqueAddress("old-soft"),
  block: uniqueAddress("block"),
  fresh: uniqueAddress("fresh"),
  /** Suppressed, but also failing validation. */
  hardAndMalformed: `${unique("hard")}..bounced@example.com`,
  hardAndDisposable: `${unique("hard")}@mailinator.com`,
  /** Deferred, but also failing validation. */
  softAndDisposable: `${unique("soft")}@mailinator.com`,
};

const SOFT_REASONS: Reason[] = ["mailboxfull", "systemfull", "networkerror", "mailboxfull", "expired"];

const hardBounce = verdictOf("hard", {
  address: seeded.hard,
  status: "5.1.1",
  diagnostic: "smtp; 550 5.1.1 user unknown",
  timestamp: at(DAY_SECONDS),
});
const complaint = verdictOf("complaint", { address: seeded.complaint, timestamp: at(2 * DAY_SECONDS) });
const softStreak = SOFT_REASONS.map((reason, index) =>
  verdictOf("soft", {
    address: seeded.softThreshold,
    reason,
    status: "4.2.2",
    diagnostic: `smtp; 452 4.2.2 attempt ${index + 1}`,
    timestamp: at(3 * DAY_SECONDS + index * HOUR_SECONDS),
  }),
);
const lastOfStreak = softStreak[softStreak.length - 1] as RecipientVerdict;
const recentSoft = verdictOf("soft", {
  address: seeded.recentSoft,
  status: "4.2.2",
  diagnostic: "smtp; 452 4.2.2 mailbox full",
  timestamp: at(CHECKED_AT_SECONDS - HOUR_SECONDS),
});
const oldSoft = verdictOf("soft", {
  address: seeded.oldSoft,
  status: "4.2.2",
  timestamp: at(CHECKED_AT_SECONDS - RETRY_SECONDS - HOUR_SECONDS),
});
const block = verdictOf("block", {
  address: seeded.block,
  status: "5.7.1",
  diagnostic: "smtp; 554 5.7.1 blocked by policy",
  timestamp: at(CHECKED_AT_SECONDS - 30 * MINUTE_SECONDS),
});

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  await seed(
    hardBounce,
    complaint,
    ...softStreak,
    recentSoft,
    oldSoft,
    block,
    verdictOf("hard", { address: seeded.hardAndMalformed, timestamp: at(DAY_SECONDS) }),
    verdictOf("hard", { address: seeded.hardAndDisposable, timestamp: at(DAY_SECONDS) }),
    verdictOf("soft", {
      address: seeded.softAndDisposable,
      timestamp: at(CHECKED_AT_SECONDS - HOUR_SECONDS),
    }),
  );
});

afterAll(async () => {
  for (const client of extraClients) client.destroy();
  await dynamo.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the check answers for each seeded situation at CHECKED_AT. */
const STORED_VERDICTS: { situation: string; address: string; answer: PresendAnswer }[] = [
  {
    situation: "a hard bounce",
    address: seeded.hard,
    answer: {
      address: seeded.hard,
      normalized: seeded.hard,
      verdict: "suppress",
      reason: "userunknown",
      since: hardBounce.timestamp,
      evidence: {
        messageId: hardBounce.messageId,
        diagnostic: "smtp; 550 5.1.1 user unknown",
        status: "5.1.1",
      },
      explanation: "suppressed (hard) for userunknown",
    },
  },
  {
    situation: "a complaint",
    address: seeded.complaint,
    answer: {
      address: seeded.complaint,
      normalized: seeded.complaint,
      verdict: "suppress",
      reason: "feedback",
      since: complaint.timestamp,
      evidence: { messageId: complaint.messageId },
      explanation: "suppressed (complaint) for feedback",
    },
  },
  {
    situation: "five soft bounces in a row",
    address: seeded.softThreshold,
    answer: {
      address: seeded.softThreshold,
      normalized: seeded.softThreshold,
      verdict: "suppress",
      reason: "expired",
      since: lastOfStreak.timestamp,
      evidence: {
        messageId: lastOfStreak.messageId,
        diagnostic: "smtp; 452 4.2.2 attempt 5",
        status: "4.2.2",
      },
      explanation: "suppressed (soft-threshold) for expired",
    },
  },
  {
    situation: "one soft bounce inside the retry interval",
    address: seeded.recentSoft,
    answer: {
      address: seeded.recentSoft,
      normalized: seeded.recentSoft,
      verdict: "defer",
      reason: "mailboxfull",
      since: recentSoft.timestamp,
      retryAt: at(CHECKED_AT_SECONDS - HOUR_SECONDS + RETRY_SECONDS),
      explanation: `recently bounced (mailboxfull); retry after ${at(CHECKED_AT_SECONDS - HOUR_SECONDS + RETRY_SECONDS)}`,
    },
  },
  {
    situation: "one soft bounce past the retry interval",
    address: seeded.oldSoft,
    answer: {
      address: seeded.oldSoft,
      normalized: seeded.oldSoft,
      verdict: "send",
      reason: "ok",
      explanation: "no suppression, deferral or validation problem",
    },
  },
  {
    situation: "a block bounce inside the retry interval",
    address: seeded.block,
    answer: {
      address: seeded.block,
      normalized: seeded.block,
      verdict: "defer",
      reason: "blocked",
      since: block.timestamp,
      retryAt: at(CHECKED_AT_SECONDS - 30 * MINUTE_SECONDS + RETRY_SECONDS),
      explanation: `recently bounced (blocked); retry after ${at(CHECKED_AT_SECONDS - 30 * MINUTE_SECONDS + RETRY_SECONDS)}`,
    },
  },
  {
    situation: "no history",
    address: seeded.fresh,
    answer: {
      address: seeded.fresh,
      normalized: seeded.fresh,
      verdict: "send",
      reason: "ok",
      explanation: "no suppression, deferral or validation problem",
    },
  },
];

describe("the pre-send check: stored verdicts", () => {
  it.each(STORED_VERDICTS)(
    "answers an address with $situation: $answer.verdict",
    async ({ address, answer }) => {
      // Prepare
      const check = checkOn();

      // Act
      const response = await check({ address });

      // Assess
      expect(response).toEqual({ results: [answer] });
    },
  );

  it.each([
    { situation: "malformed", address: seeded.hardAndMalformed },
    { situation: "at a disposable domain", address: seeded.hardAndDisposable },
  ])("answers suppress for a suppressed address that is also $situation", async ({ address }) => {
    // Prepare
    const check = checkOn();

    // Act
    const [answer] = resultsOf(await check({ address }));

    // Assess
    expect(answer).toMatchObject({
      address,
      verdict: "suppress",
      reason: "userunknown",
      since: at(DAY_SECONDS),
    });
  });

  it("answers invalid, not defer, for a deferred address that fails validation", async () => {
    // Prepare
    const check = checkOn();

    // Act
    const [answer] = resultsOf(await check({ address: seeded.softAndDisposable }));

    // Assess
    expect(answer).toMatchObject({ verdict: "invalid", reason: "disposable" });
    expect(answer?.retryAt).toBeUndefined();
  });
});

describe("the pre-send check: validation verdicts", () => {
  it.each<{ situation: string; address: string; answer: PresendAnswer }>([
    {
      situation: "invalid syntax",
      address: "john..doe@example.com",
      answer: {
        address: "john..doe@example.com",
        normalized: "john..doe@example.com",
        verdict: "invalid",
        reason: "syntax",
        explanation: 'not a valid address: unexpected "." at position 6',
      },
    },
    {
      situation: "no @ at all",
      address: "john.example.com",
      answer: {
        address: "john.example.com",
        verdict: "invalid",
        reason: "syntax",
        explanation: '"john.example.com" is not an e-mail address (no local part and domain around "@")',
      },
    },
    {
      situation: "a disposable domain",
      address: "someone@mailinator.com",
      answer: {
        address: "someone@mailinator.com",
        normalized: "someone@mailinator.com",
        verdict: "invalid",
        reason: "disposable",
        explanation: "mailinator.com is a disposable (temporary) mailbox domain",
      },
    },
    {
      situation: "a typo of a major provider",
      address: "someone@gmal.com",
      answer: {
        address: "someone@gmal.com",
        normalized: "someone@gmal.com",
        verdict: "invalid",
        reason: "typo",
        suggestion: "someone@gmail.com",
        explanation: "gmal.com looks like a typo of gmail.com",
      },
    },
    {
      situation: "a typo of another domain",
      address: "someone@acme.cpm",
      answer: {
        address: "someone@acme.cpm",
        normalized: "someone@acme.cpm",
        verdict: "send",
        reason: "ok",
        suggestion: "someone@acme.com",
        explanation: "no suppression, deferral or validation problem",
      },
    },
    {
      situation: "a display name and an IDN domain",
      address: "Jörg <jörg@Bücher.de>",
      answer: {
        address: "Jörg <jörg@Bücher.de>",
        normalized: "jörg@xn--bcher-kva.de",
        verdict: "send",
        reason: "ok",
        explanation: "no suppression, deferral or validation problem",
      },
    },
  ])("answers an address with $situation: $answer.verdict", async ({ address, answer }) => {
    // Prepare
    const check = checkOn();

    // Act
    const response = await check({ addresses: [address] });

    // Assess
    expect(response).toEqual({ results: [answer] });
  });

  it("answers send for a malformed address when the caller switches the syntax check off", async () => {
    // Prepare
    const check = checkOn();

    // Act
    const [answer] = resultsOf(await check({ addresses: ["john..doe@example.com"], checks: ["disposable"] }));

    // Assess
    expect(answer).toMatchObject({ verdict: "send", reason: "ok" });
  });
});

describe("the pre-send check: addresses only the full RFC 5321 parser can read", () => {
  it("answers them beside plain ones, each as the full validation does", async () => {
    // Prepare: quoted local parts are valid; doubled and trailing dots are not.
    const check = checkOn();
    const addresses = [
      "plain@example.com",
      '"john doe"@example.com',
      '"john..doe"@example.com',
      "john..doe@example.com",
      "jane@example.com.",
    ];

    // Act
    const answers = resultsOf(await check({ addresses }));

    // Assess
    const expected = addresses.map((address) => validateAddress(address, new Set(DEFAULT_CHECKS)));
    expect(answers.map((answer) => answer.verdict)).toEqual(["send", "send", "send", "invalid", "invalid"]);
    answers.forEach((answer, index) => {
      const validation = expected[index];
      expect(answer.reason).toBe(validation?.invalid?.reason ?? "ok");
      if (validation?.invalid !== undefined) expect(answer.explanation).toContain(validation.invalid.message);
    });
  });
});

describe("the pre-send check: batches", () => {
  it("answers in input order, each duplicate answered and its key read once", async () => {
    // Prepare
    const client = separateClient();
    const requests = recordBatchGetKeys(client, dynamo.tableName);
    const check = checkOn(client);
    const [local, domain] = seeded.hard.split("@") as [string, string];
    const addresses = [
      seeded.hard,
      seeded.fresh,
      `Someone <${seeded.hard}>`,
      seeded.block,
      `${local}@${domain.toUpperCase()}`,
      seeded.hard,
    ];

    // Act
    const results = resultsOf(await check({ addresses }));

    // Assess
    expect(results.map((answer) => [answer.address, answer.verdict])).toEqual([
      [seeded.hard, "suppress"],
      [seeded.fresh, "send"],
      [`Someone <${seeded.hard}>`, "suppress"],
      [seeded.block, "defer"],
      [`${local}@${domain.toUpperCase()}`, "suppress"],
      [seeded.hard, "suppress"],
    ]);
    expect(requests).toEqual([[seeded.hard, seeded.fresh, seeded.block]]);
  });

  it("checks a mixed batch of 1,000 addresses with 10 BatchGetItem requests and no other read", async () => {
    // Prepare
    const client = separateClient();
    const requests = countRequests(client);
    const check = checkOn(client);
    const rows: { address: string; verdict: PresendVerdict }[] = STORED_VERDICTS.map(
      ({ address, answer }) => ({
        address,
        verdict: answer.verdict,
      }),
    );
    const kinds: { make: (index: number) => string; verdict: PresendVerdict }[] = [
      { make: (index) => `batch-${index}@example.com`, verdict: "send" },
      { make: (index) => `batch..${index}@example.com`, verdict: "invalid" },
      { make: (index) => `batch-${index}@mailinator.com`, verdict: "invalid" },
      { make: (index) => `batch-${index}@gmal.com`, verdict: "invalid" },
    ];
    for (let index = 0; rows.length < 1_000; index += 1) {
      const kind = kinds[index % kinds.length] as (typeof kinds)[number];
      rows.push({ address: kind.make(index), verdict: kind.verdict });
    }
    const addresses = rows.map((row) => row.address);

    // Act
    const results = resultsOf(await check({ addresses }));

    // Assess
    expect(Object.fromEntries(requests.counts)).toEqual({ BatchGetItemCommand: 10 });
    expect(results.map((answer) => answer.address)).toEqual(addresses);
    expect(results.map((answer) => answer.verdict)).toEqual(rows.map((row) => row.verdict));
  });

  it("asks again for the keys DynamoDB left unprocessed and still answers every address", async () => {
    // Prepare
    const client = separateClient();
    const requests = recordBatchGetKeys(client, dynamo.tableName);
    leaveKeysUnprocessed(client, dynamo.tableName, (call, keys) => (call === 1 ? keys.length - 2 : 0));
    const check = checkOn(client);
    const addresses = STORED_VERDICTS.map((row) => row.address);

    // Act
    const response = await check({ addresses });

    // Assess
    expect(response).toEqual({ results: STORED_VERDICTS.map((row) => row.answer) });
    expect(requests).toEqual([addresses, addresses.slice(2)]);
  });

  it("answers unavailable, without throwing, when DynamoDB keeps leaving keys unprocessed", async () => {
    // Prepare
    const client = separateClient();
    const requests = countRequests(client);
    leaveKeysUnprocessed(client, dynamo.tableName, (_call, keys) => keys.length);
    // The backoff's jitter is Math.random() times the delay: zero keeps the eight retries instant.
    vi.spyOn(Math, "random").mockReturnValue(0);
    const lines: string[] = [];
    const check = checkOn(
      client,
      dynamo.tableName,
      createLogger({ logAddresses: false, write: (line) => lines.push(line) }),
    );

    // Act
    const response = await check({ addresses: [seeded.hard, seeded.fresh] });

    // Assess
    expect(response).toEqual({
      error: { code: "unavailable", message: "the suppression table could not be read; try again" },
    });
    expect(requests.counts.get("BatchGetItemCommand")).toBe(9);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: "error",
      message: "suppression table read failed",
    });
    expect(lines[0]).not.toContain(seeded.hard);
  });

  it("answers unavailable, without throwing, when the table cannot be read", async () => {
    // Prepare
    const check = checkOn(dynamo.client, "no-such-table");

    // Act
    const response = await check({ addresses: [seeded.fresh] });

    // Assess
    expect(response).toEqual({
      error: { code: "unavailable", message: "the suppression table could not be read; try again" },
    });
  });
});

describe("the pre-send check: bad payloads", () => {
  it.each([
    { payload: "someone@example.com", code: "invalid-payload" },
    { payload: [seeded.hard], code: "invalid-payload" },
    { payload: null, code: "invalid-payload" },
    { payload: {}, code: "no-addresses" },
    { payload: { addresses: [] }, code: "no-addresses" },
    {
      payload: { addresses: Array.from({ length: 1_001 }, (_, index) => `p${index}@example.com`) },
      code: "too-many-addresses",
    },
    { payload: { addresses: [seeded.hard, null] }, code: "invalid-address" },
    { payload: { addresses: [seeded.hard], checks: ["dkim"] }, code: "unknown-check" },
  ])("answers a bad payload with the structured error $code", async ({ payload, code }) => {
    // Prepare
    const client = separateClient();
    const requests = countRequests(client);
    const check = checkOn(client);

    // Act
    const response = await check(payload);

    // Assess
    expect(response).toEqual({ error: { code, message: expect.any(String) } });
    expect(requests.total()).toBe(0);
  });
});
