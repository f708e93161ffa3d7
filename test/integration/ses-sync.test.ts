import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { discardMetrics, type Metrics } from "../../functions/adapters/metrics.ts";
import type {
  SesSuppressionReason,
  SuppressionListSync,
} from "../../functions/adapters/ses-suppression-sync.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { at, HOUR_SECONDS, instant, sesBounce, uniqueAddress } from "../fixtures/scenarios/feedback.ts";

let local: LocalDynamoDb;
let store: DynamoDbSuppressionStore;

beforeAll(async () => {
  local = await startLocalDynamoDb();
  store = new DynamoDbSuppressionStore(local.client, local.tableName, DEFAULT_POLICY);
});

afterAll(async () => {
  await local.close();
});

function recordOf(notification: unknown, messageId = "m-1"): SQSRecord {
  return {
    messageId,
    receiptHandle: "r",
    body: JSON.stringify(snsEnvelopeOf(notification)),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
    awsRegion: "us-east-1",
  };
}

// SES cannot run here: the stand-in records what the classifier would have sent to SES v2.
function recordingSync(fail = false) {
  const puts: { address: string; reason: SesSuppressionReason }[] = [];
  const sync: SuppressionListSync = {
    put: async (address, reason) => {
      puts.push({ address, reason });
      if (fail) throw new Error("TooManyRequestsException: Rate exceeded");
    },
    remove: async () => {},
  };
  return { puts, sync };
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the condition never held");
}

function classifierWith(sync: SuppressionListSync, metrics: Metrics = discardMetrics) {
  return createClassifier({
    store,
    logger: silentLogger,
    metrics,
    sesSync: sync,
    now: () => instant(HOUR_SECONDS),
  });
}

const complaint = (address: string) => ({
  notificationType: "Complaint",
  complaint: {
    complainedRecipients: [{ emailAddress: address }],
    complaintFeedbackType: "abuse",
    feedbackId: `complaint-${address}`,
    timestamp: at(HOUR_SECONDS),
  },
  mail: { messageId: `message-${address}`, timestamp: at(0), destination: [address] },
});

describe("SES account-level suppression list sync", () => {
  it("puts a new hard bounce as BOUNCE and a complaint as COMPLAINT", async () => {
    const hard = uniqueAddress("sync-hard");
    const complainer = uniqueAddress("sync-complaint");
    const { puts, sync } = recordingSync();

    await classifierWith(sync).processRecord(recordOf(sesBounce({ address: hard, at: at(HOUR_SECONDS) })));
    await classifierWith(sync).processRecord(recordOf(complaint(complainer)));

    expect(puts).toEqual([
      { address: hard, reason: "BOUNCE" },
      { address: complainer, reason: "COMPLAINT" },
    ]);
  });

  it("does not put again for a duplicate, nor for what SES itself already listed, nor for soft bounces", async () => {
    const address = uniqueAddress("sync-dup");
    const listed = uniqueAddress("sync-listed");
    const soft = uniqueAddress("sync-soft");
    const bounce = sesBounce({ address, at: at(HOUR_SECONDS) });
    const { puts, sync } = recordingSync();
    const classifier = classifierWith(sync);

    await classifier.processRecord(recordOf(bounce));
    await classifier.processRecord(recordOf(bounce));
    await classifier.processRecord(
      recordOf(sesBounce({ address: listed, bounceSubType: "OnAccountSuppressionList", status: "5.1.1" })),
    );
    await classifier.processRecord(
      recordOf(
        sesBounce({
          address: soft,
          bounceType: "Transient",
          bounceSubType: "MailboxFull",
          status: "4.2.2",
          diagnosticCode: "smtp; 452 4.2.2 mailbox full",
        }),
      ),
    );

    expect(puts).toEqual([{ address, reason: "BOUNCE" }]);
  });

  it("fails the record when SES refuses, counts the failure, and puts the address on the redelivery", async () => {
    // Prepare
    const address = uniqueAddress("sync-down");
    const record = recordOf(sesBounce({ address, at: at(HOUR_SECONDS) }));
    const down = recordingSync(true);
    const up = recordingSync();
    let failures = 0;
    const metrics: Metrics = { ...discardMetrics, sesSyncFailure: () => (failures += 1) };

    // Act
    const first = await classifierWith(down.sync, metrics).processRecord(record);
    const pendingAfterFailure = (await store.get(address))?.sesPut;
    const redelivered = await classifierWith(up.sync).processRecord(record);

    // Assess
    expect(first).toMatchObject({ kind: "failed", failure: "transient" });
    expect(failures).toBe(1);
    expect((await store.get(address))?.suppression?.by).toBe("hard");
    expect(pendingAfterFailure).toBe("BOUNCE");
    expect(redelivered.kind).toBe("applied");
    expect(up.puts).toEqual([{ address, reason: "BOUNCE" }]);
    expect((await store.get(address))?.sesPut).toBeUndefined();
  });

  it("puts the address when the function stopped after the table write and before SES (the redelivery is a duplicate)", async () => {
    // Prepare: the first attempt wrote the bounce and its mark, then the function died.
    const address = uniqueAddress("sync-crash");
    const bounce = sesBounce({ address, at: at(HOUR_SECONDS) });
    const crashed = createClassifier({
      store,
      logger: silentLogger,
      metrics: discardMetrics,
      sesSync: {
        put: () => new Promise<never>(() => {}),
        remove: async () => {},
      },
      now: () => instant(HOUR_SECONDS),
    });
    void crashed.processRecord(recordOf(bounce));
    await waitFor(async () => (await store.get(address))?.sesPut === "BOUNCE");
    const { puts, sync } = recordingSync();

    // Act
    const redelivered = await classifierWith(sync).processRecord(recordOf(bounce));

    // Assess
    expect(redelivered.kind).toBe("applied");
    expect(
      redelivered.kind === "applied" ? redelivered.recipients.map(({ result }) => result.kind) : [],
    ).toEqual(["duplicate"]);
    expect(puts).toEqual([{ address, reason: "BOUNCE" }]);
    expect((await store.get(address))?.sesPut).toBeUndefined();
  });
});

/** A Permanent bounce whose code and text name no reason: an unconfirmed failure. */
const unconfirmedBounce = (address: string, seconds: number) =>
  sesBounce({ address, at: at(seconds), status: "5.0.0", diagnosticCode: "smtp; 554 5.0.0" });

describe("SES account-level suppression list sync of confirmed failures", () => {
  it("puts a permanent failure without a stated reason as BOUNCE once a second one confirms it, not before", async () => {
    // Prepare
    const address = uniqueAddress("sync-confirmed");
    const { puts, sync } = recordingSync();
    const classifier = classifierWith(sync);

    // Act
    await classifier.processRecord(recordOf(unconfirmedBounce(address, 0)));
    const putsAfterFirst = [...puts];
    await classifier.processRecord(recordOf(unconfirmedBounce(address, 1_800)));
    const stored = await store.get(address);

    // Assess
    expect(stored?.history.map((entry) => entry.class)).toEqual(["unconfirmed", "unconfirmed"]);
    expect(putsAfterFirst).toEqual([]);
    expect(puts).toEqual([{ address, reason: "BOUNCE" }]);
    expect(stored?.sesPut).toBeUndefined();
    expect(stored?.retained).toBe(true);
  });

  it("puts the confirmation when the two failures arrive in the reverse order", async () => {
    // Prepare
    const address = uniqueAddress("sync-confirmed-reversed");
    const { puts, sync } = recordingSync();
    const classifier = classifierWith(sync);

    // Act
    await classifier.processRecord(recordOf(unconfirmedBounce(address, 1_800)));
    await classifier.processRecord(recordOf(unconfirmedBounce(address, 0)));

    // Assess
    expect(puts).toEqual([{ address, reason: "BOUNCE" }]);
  });

  it("puts nothing for a failure dated before a reactivation, which confirms nothing", async () => {
    // Prepare: one failure, then the operator reactivates the address.
    const address = uniqueAddress("sync-confirmed-reactivated");
    const { puts, sync } = recordingSync();
    const classifier = classifierWith(sync);
    await classifier.processRecord(recordOf(unconfirmedBounce(address, 0)));
    const audit = { at: at(HOUR_SECONDS), action: "unsuppress", actor: "ops", reason: "verified" } as const;
    await store.reactivate(address, await store.read(address), audit, instant(HOUR_SECONDS));

    // Act: a second failure dated before the reactivation arrives late.
    await classifier.processRecord(recordOf(unconfirmedBounce(address, 1_800)));

    // Assess
    expect(puts).toEqual([]);
    expect((await store.get(address))?.retained).toBeUndefined();
  });

  it("puts the confirmation on the redelivery when the function stopped before SES (the redelivery is a duplicate)", async () => {
    // Prepare: the first attempt at the confirming failure wrote it and marked the put, then died.
    const address = uniqueAddress("sync-confirmed-crash");
    const { puts, sync } = recordingSync();
    await classifierWith(sync).processRecord(recordOf(unconfirmedBounce(address, 0)));
    const second = unconfirmedBounce(address, 1_800);
    const crashed = createClassifier({
      store,
      logger: silentLogger,
      metrics: discardMetrics,
      sesSync: { put: () => new Promise<never>(() => {}), remove: async () => {} },
      now: () => instant(HOUR_SECONDS),
    });
    void crashed.processRecord(recordOf(second));
    await waitFor(async () => (await store.get(address))?.sesPut === "BOUNCE");

    // Act
    const redelivered = await classifierWith(sync).processRecord(recordOf(second));

    // Assess
    expect(
      redelivered.kind === "applied" ? redelivered.recipients.map(({ result }) => result.kind) : [],
    ).toEqual(["duplicate"]);
    expect(puts).toEqual([{ address, reason: "BOUNCE" }]);
    expect((await store.get(address))?.sesPut).toBeUndefined();
  });
});
