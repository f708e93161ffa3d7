import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { sqsRecordOf } from "../../cli/local/sqs.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { createLogger, silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { type ClassifierDependencies, createClassifier } from "../../functions/classifier.ts";
import { hmacKeys } from "../../functions/core/address-key.ts";
import { assess, DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { DEFAULT_RETRY_WINDOW } from "../../functions/core/retry-window.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import {
  at,
  DAY_SECONDS,
  instant,
  sesBounce,
  unique,
  uniqueAddress,
} from "../fixtures/scenarios/feedback.ts";
import { runCommand } from "./ops-support.ts";

const QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:bounce-guard-feedback`;
const NOW = instant(DAY_SECONDS);
const SECRET = "an-intake-test-secret-long-enough-for-hmac-sha256";

let dynamo: LocalDynamoDb;
let store: DynamoDbSuppressionStore;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY);
});

afterAll(async () => {
  await dynamo.close();
});

function recordOf(body: unknown): SQSRecord {
  const id = unique("sqs");
  return sqsRecordOf(
    { MessageId: id, ReceiptHandle: `receipt-${id}`, Body: JSON.stringify(body) },
    QUEUE_ARN,
    1,
  );
}

function classifier(overrides: Partial<ClassifierDependencies> = {}) {
  return createClassifier({
    store,
    logger: silentLogger,
    metrics: createEmfMetrics("BounceGuardTest", () => {}),
    now: () => NOW,
    ...overrides,
  });
}

/** One bounce notification naming several recipients, as SES sends for a mail to many. */
function bounceTo(recipients: readonly string[], timestamp = at(0)): Record<string, unknown> {
  const notification = sesBounce({ address: recipients[0] ?? "", at: timestamp });
  const bounce = notification.bounce as Record<string, unknown>;
  return {
    ...notification,
    bounce: {
      ...bounce,
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        action: "failed",
        status: "5.1.1",
        diagnosticCode: "smtp; 550 5.1.1 user unknown",
      })),
    },
  };
}

describe("addresses refused at intake", () => {
  it.each([
    ["300 characters", () => `${"a".repeat(280)}${unique("x")}@example.com`],
    ["100,000 characters", () => `${"b".repeat(100_000)}@example.com`],
    ["a CR/LF", () => `${unique("crlf")}@example.com\r\nBcc: all@example.com`],
    ["a control character", () => `${unique("nul")}\u0000@example.com`],
  ])("ignores a recipient with %s, never writes it, and applies the recipients beside it", async (_, bad) => {
    // Prepare
    const before = uniqueAddress("neighbour");
    const after = uniqueAddress("neighbour");
    const record = recordOf(snsEnvelopeOf(bounceTo([before, bad(), after])));

    // Act
    const outcome = await classifier().processRecord(record);
    const items = await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName }));

    // Assess
    expect(outcome.kind).toBe("applied");
    const results = outcome.kind === "applied" ? outcome.recipients.map(({ result }) => result.kind) : [];
    expect(results).toEqual(["applied", "skipped", "applied"]);
    expect((await store.get(before))?.suppression?.by).toBe("hard");
    expect((await store.get(after))?.suppression?.by).toBe("hard");
    expect((items.Items ?? []).every((item) => (item.pk?.S ?? "").length <= 254)).toBe(true);
  });

  it("answers invalid for such an address in a pre-send request without looking it up, and answers the rest", async () => {
    // Prepare
    const suppressed = uniqueAddress("presend-neighbour");
    await classifier().processRecord(recordOf(snsEnvelopeOf(bounceTo([suppressed]))));
    const asked: string[] = [];
    const check = createPresendCheck({
      store: {
        getMany: (addresses) => {
          asked.push(...addresses);
          return store.getMany(addresses);
        },
      },
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      now: () => NOW,
    });
    const long = `${"c".repeat(100_000)}@example.com`;
    const injected = "jane@example.com\r\nBcc: all@example.com";

    // Act
    const answer = await check({ addresses: [long, suppressed, injected], checks: [] });

    // Assess
    expect("results" in answer && answer.results.map((result) => result.verdict)).toEqual([
      "invalid",
      "suppress",
      "invalid",
    ]);
    expect(asked).toEqual([suppressed]);
  });
});

describe("timestamps SES gets wrong", () => {
  it.each([
    ["unreadable", "not a time at all", "timestamp-unreadable"],
    ["in the future", at(400 * DAY_SECONDS), "timestamp-in-future"],
  ])(
    "applies a soft bounce whose timestamp is %s at the receive time, with a note, instead of failing",
    async (_, timestamp, note) => {
      // Prepare: retry windows on, as deployed (the window's times are computed from the event's).
      const windowed = new DynamoDbSuppressionStore(
        dynamo.client,
        dynamo.tableName,
        DEFAULT_POLICY,
        undefined,
        DEFAULT_RETRY_WINDOW,
      );
      const address = uniqueAddress("timestamp");
      const soft = sesBounce({
        address,
        at: timestamp,
        bounceType: "Transient",
        bounceSubType: "MailboxFull",
        status: "4.2.2",
        diagnosticCode: "smtp; 452 4.2.2 mailbox full",
      });
      const started: string[] = [];

      // Act
      const outcome = await classifier({
        store: windowed,
        scheduler: {
          start: async (window) => {
            started.push(window.input.windowStart);
            return "started";
          },
          stop: async () => "stopped",
        },
      }).processRecord(recordOf(snsEnvelopeOf(soft)));
      const stored = await store.get(address);
      const assessment = assess(stored, DEFAULT_POLICY, NOW);

      // Assess
      expect(outcome.kind).toBe("applied");
      expect(stored?.history.map((entry) => [entry.at, entry.note])).toEqual([[NOW.toISOString(), note]]);
      expect(assessment).toMatchObject({ status: "deferred", since: NOW.toISOString() });
      expect(assessment.retryAt).toBe(
        new Date(NOW.getTime() + DEFAULT_POLICY.retryIntervalSeconds * 1000).toISOString(),
      );
      expect(started).toEqual([NOW.toISOString()]);
    },
  );
});

describe("the note on a replaced timestamp", () => {
  it("is shown by why beside the entry it dates", async () => {
    // Prepare
    const address = uniqueAddress("why-note");
    const soft = sesBounce({
      address,
      at: "yesterday, maybe",
      bounceType: "Transient",
      bounceSubType: "MailboxFull",
      status: "4.2.2",
      diagnosticCode: "smtp; 452 4.2.2 mailbox full",
    });
    await classifier().processRecord(recordOf(snsEnvelopeOf(soft)));

    // Act
    const why = await runCommand(["why", address, "--table", dynamo.tableName], {
      now: NOW,
      aws: { dynamodb: () => dynamo.client },
    });

    // Assess
    expect(why.code).toBe(0);
    expect(why.stdout).toContain("timestamp-unreadable: dated when received");
  });
});

describe("keyed mode's diagnostics", () => {
  it("takes the address out of a diagnostic before cutting it, so no part of it is kept", async () => {
    // Prepare: the address starts at the 196th of the 200 characters the history keeps of a diagnostic.
    const keyed = new DynamoDbSuppressionStore(
      dynamo.client,
      dynamo.tableName,
      DEFAULT_POLICY,
      hmacKeys(SECRET),
    );
    const address = `${unique("straddling.person")}@example.com`;
    const prefix = "smtp; 550 5.1.1 ";
    const diagnostic = `${prefix}${"x".repeat(195 - prefix.length - 1)}<${address}> user unknown`;
    const bounce = sesBounce({ address, at: at(0), diagnosticCode: diagnostic });
    const lines: string[] = [];

    // Act
    await classifier({
      store: keyed,
      scrubDiagnostics: true,
      logger: createLogger({ logAddresses: false, write: (line) => lines.push(line) }),
    }).processRecord(recordOf(snsEnvelopeOf(bounce)));
    const items = await dynamo.client.send(new ScanCommand({ TableName: dynamo.tableName }));

    // Assess
    const text = JSON.stringify(items.Items ?? []);
    expect(diagnostic.indexOf(address)).toBe(195);
    expect(text).toContain("x<<reci");
    expect(text).not.toContain("x<strad");
    expect(lines.join("\n")).not.toContain(address);
  });
});
