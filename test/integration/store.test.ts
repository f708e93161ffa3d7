import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClientConfig, quietSdkWarnings } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { countRequests } from "../../cli/local/request-counter.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { TABLE_SCHEMA } from "../../functions/adapters/table-schema.ts";
import { DEFAULT_POLICY, decide, type PolicyConfig, policyConfig } from "../../functions/core/policy.ts";
import type { Reason, RecipientVerdict, VerdictClass } from "../../functions/core/types.ts";
import {
  at,
  HOUR_SECONDS,
  instant,
  MINUTE_SECONDS,
  uniqueAddress,
  verdictOf,
} from "../fixtures/scenarios/feedback.ts";

quietSdkWarnings();

let dynamo: LocalDynamoDb;
const extraClients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});

afterAll(async () => {
  for (const client of extraClients) client.destroy();
  await dynamo.close();
});

/** A second client on the same local table, for counting or failing its requests. */
function separateClient(): DynamoDBClient {
  const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  extraClients.push(client);
  return client;
}

function storeOf(config: PolicyConfig = DEFAULT_POLICY, client = dynamo.client): DynamoDbSuppressionStore {
  return new DynamoDbSuppressionStore(client, dynamo.tableName, config);
}

/** The stored item exactly as DynamoDB returns it, attribute values and all. */
async function rawItem(address: string) {
  const result = await dynamo.client.send(
    new GetItemCommand({
      TableName: dynamo.tableName,
      Key: marshall({ [TABLE_SCHEMA.partitionKey]: address }),
      ConsistentRead: true,
    }),
  );
  return result.Item;
}

/** Apply one verdict at its own event time plus a minute, as the classifier would shortly after. */
async function applyVerdict(store: DynamoDbSuppressionStore, verdict: RecipientVerdict, now?: Date) {
  return store.apply(
    verdict.address,
    decide(verdict),
    now ?? new Date(Date.parse(verdict.timestamp) + 60_000),
  );
}

/** Soft bounces for `address`, an hour apart, with the given reasons in turn. */
function softBounces(address: string, reasons: readonly Reason[], fromSeconds = 0): RecipientVerdict[] {
  return reasons.map((reason, index) =>
    verdictOf("soft", {
      address,
      reason,
      status: "4.2.2",
      timestamp: at(fromSeconds + index * HOUR_SECONDS),
    }),
  );
}

const FIVE_REASONS: Reason[] = ["mailboxfull", "systemfull", "networkerror", "mailboxfull", "expired"];

describe("DynamoDbSuppressionStore", () => {
  it("suppresses an address at its first hard bounce and keeps the evidence", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("hard");
    const hard = verdictOf("hard", {
      address,
      status: "5.1.1",
      diagnostic: "smtp; 550 5.1.1 user unknown",
      timestamp: at(0),
    });

    // Act
    const result = await applyVerdict(store, hard);
    const stored = await store.get(address);

    // Assess
    expect(result).toMatchObject({ kind: "applied", promoted: false, assessment: { status: "suppressed" } });
    expect(stored?.suppression).toEqual({
      at: at(0),
      by: "hard",
      reason: "userunknown",
      status: "5.1.1",
      diagnostic: "smtp; 550 5.1.1 user unknown",
      feedbackId: hard.feedbackId,
      messageId: hard.messageId,
    });
    expect(stored?.counts.hard).toBe(1);
    expect(stored?.history.map((entry) => entry.id)).toEqual([hard.eventId]);
    expect(stored?.expiresAt).toBeUndefined();
  });

  it.each<VerdictClass>(["hard", "complaint", "soft", "block", "delivered", "autoreply"])(
    "changes nothing when the same %s event is applied a second time",
    async (verdictClass) => {
      // Prepare
      const store = storeOf();
      const address = uniqueAddress(verdictClass);
      const verdict = verdictOf(verdictClass, { address, timestamp: at(0) });
      await applyVerdict(store, verdict, instant(MINUTE_SECONDS));
      const before = await rawItem(address);

      // Act: an hour later, so any write would at least change updatedAt
      const again = await applyVerdict(store, verdict, instant(HOUR_SECONDS));
      const after = await rawItem(address);

      // Assess
      expect(again.kind).toBe("duplicate");
      expect(before).toBeDefined();
      expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    },
  );

  it("does not claim a status it did not read when a hard bounce arrives a second time", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("hard-again");
    const hard = verdictOf("hard", { address, timestamp: at(0) });
    await applyVerdict(store, hard);

    // Act
    const again = await applyVerdict(store, hard);

    // Assess
    expect(again).toEqual({ kind: "duplicate", promoted: false });
  });

  it("suppresses at the fifth soft bounce by soft-threshold with the five reasons", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("five-soft");
    const [first, second, third, fourth, fifth] = softBounces(address, FIVE_REASONS);
    const results = [];
    for (const soft of [first, second, third, fourth]) {
      if (soft !== undefined) results.push(await applyVerdict(store, soft));
    }

    // Act
    const fifthResult = fifth !== undefined ? await applyVerdict(store, fifth) : undefined;
    const stored = await store.get(address);

    // Assess
    expect(results.map((result) => result.kind !== "skipped" && result.assessment?.status)).toEqual([
      "deferred",
      "deferred",
      "deferred",
      "deferred",
    ]);
    expect(fifthResult).toMatchObject({
      kind: "applied",
      promoted: true,
      assessment: { status: "suppressed" },
    });
    expect(stored?.suppression).toMatchObject({
      by: "soft-threshold",
      at: at(4 * HOUR_SECONDS),
      reason: "expired",
      streakReasons: FIVE_REASONS,
    });
    expect(stored?.counts.soft).toBe(5);
    expect(stored?.expiresAt).toBeUndefined();
  });

  it("does not suppress four soft bounces, a delivery and one more soft bounce", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("reset");
    const verdicts = [
      ...softBounces(address, FIVE_REASONS.slice(0, 4)),
      verdictOf("delivered", { address, timestamp: at(4 * HOUR_SECONDS) }),
      ...softBounces(address, ["mailboxfull"], 5 * HOUR_SECONDS),
    ];

    // Act
    for (const verdict of verdicts) await applyVerdict(store, verdict);
    const stored = await store.get(address);

    // Assess
    expect(stored?.suppression).toBeUndefined();
    expect(stored?.counts).toMatchObject({ soft: 5, delivery: 1 });
    expect(stored?.expiresAt).toBeTypeOf("number");
  });

  it("never lets a duplicate soft bounce advance the streak", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("soft-twice");
    const softs = softBounces(address, FIVE_REASONS);
    const outcomes: string[] = [];

    // Act
    for (const soft of softs) {
      for (let copy = 0; copy < 2; copy += 1) {
        const result = await applyVerdict(store, soft);
        outcomes.push(`${result.kind}:${result.kind !== "skipped" ? result.assessment?.status : "-"}`);
      }
    }
    const stored = await store.get(address);

    // Assess
    expect(outcomes).toEqual([
      ...Array.from({ length: 4 }, () => ["applied:deferred", "duplicate:deferred"]).flat(),
      "applied:suppressed",
      "duplicate:suppressed",
    ]);
    expect(stored?.counts.soft).toBe(5);
    expect(stored?.suppression?.streakReasons).toEqual(FIVE_REASONS);
  });

  it("records an event for a suppressed address without a numeric TTL, so TTL never deletes it", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("suppressed");
    await applyVerdict(store, verdictOf("hard", { address, timestamp: at(0) }));

    // Act
    const result = await applyVerdict(
      store,
      verdictOf("delivered", { address, timestamp: at(HOUR_SECONDS) }),
    );
    const item = await rawItem(address);
    const stored = await store.get(address);

    // Assess: DynamoDB's TTL process deletes only items whose TTL attribute is a Number
    expect(result.kind).toBe("applied");
    expect(item).toBeDefined();
    expect(item?.[TABLE_SCHEMA.ttlAttribute]?.N).toBeUndefined();
    expect(stored?.expiresAt).toBeUndefined();
    expect(stored?.history).toHaveLength(2);
    expect(stored?.counts).toMatchObject({ hard: 1, delivery: 1 });
  });

  it("gives an unsuppressed address a TTL of historyTtlSeconds from now", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("unsuppressed");
    const now = instant(HOUR_SECONDS);

    // Act
    await applyVerdict(store, verdictOf("delivered", { address, timestamp: at(0) }), now);
    const stored = await store.get(address);

    // Assess
    expect(stored?.expiresAt).toBe(Math.floor(now.getTime() / 1000) + DEFAULT_POLICY.historyTtlSeconds);
  });

  it("trims the history to half of historyLimit once it grows past the limit, oldest first", async () => {
    // Prepare
    const config = policyConfig({ historyLimit: 30 });
    const store = storeOf(config);
    const address = uniqueAddress("trim");
    const deliveries = Array.from({ length: 31 }, (_, index) =>
      verdictOf("delivered", { address, timestamp: at(index * MINUTE_SECONDS) }),
    );
    for (const delivery of deliveries.slice(0, 30)) await applyVerdict(store, delivery);
    const beforeTrim = await store.get(address);

    // Act
    const last = deliveries[30];
    if (last !== undefined) await applyVerdict(store, last);
    const stored = await store.get(address);

    // Assess
    expect(beforeTrim?.history).toHaveLength(30);
    expect(stored?.history.map((entry) => entry.id)).toEqual(
      deliveries.slice(16).map((verdict) => verdict.eventId),
    );
    expect(stored?.counts.delivery).toBe(31);
  });

  it("still recognises duplicates of recent events after trimming the history", async () => {
    // Prepare
    const config = policyConfig({ historyLimit: 30 });
    const store = storeOf(config);
    const address = uniqueAddress("trim-duplicates");
    const deliveries = Array.from({ length: 31 }, (_, index) =>
      verdictOf("delivered", { address, timestamp: at(index * MINUTE_SECONDS) }),
    );
    for (const delivery of deliveries) await applyVerdict(store, delivery);
    const recent = deliveries.slice(16);

    // Act
    const results = [];
    for (const delivery of recent) results.push(await applyVerdict(store, delivery));
    const stored = await store.get(address);

    // Assess
    expect(results.map((result) => result.kind)).toEqual(recent.map(() => "duplicate"));
    expect(stored?.counts.delivery).toBe(31);
  });

  it("keeps the ids list and the history aligned after trimming", async () => {
    // Prepare
    const config = policyConfig({ historyLimit: 30 });
    const store = storeOf(config);
    const address = uniqueAddress("trim-aligned");
    const deliveries = Array.from({ length: 31 }, (_, index) =>
      verdictOf("delivered", { address, timestamp: at(index * MINUTE_SECONDS) }),
    );

    // Act
    for (const delivery of deliveries) await applyVerdict(store, delivery);
    const item = await rawItem(address);

    // Assess
    const ids = item?.ids?.L?.map((value) => value.S);
    const historyIds = item?.hist?.L?.map((value) => value.M?.id?.S);
    expect(ids).toHaveLength(15);
    expect(ids).toEqual(historyIds);
  });

  it("uses exactly one UpdateItem and no GetItem per distinct event below the threshold", async () => {
    // Prepare
    const client = separateClient();
    const requests = countRequests(client);
    const store = storeOf(DEFAULT_POLICY, client);
    const softAddress = uniqueAddress("count-soft");
    const mixedAddress = uniqueAddress("count-mixed");
    const verdicts = [
      ...softBounces(softAddress, FIVE_REASONS.slice(0, 4)),
      verdictOf("block", { address: mixedAddress, timestamp: at(0) }),
      verdictOf("block", { address: mixedAddress, timestamp: at(HOUR_SECONDS) }),
      verdictOf("delivered", { address: mixedAddress, timestamp: at(2 * HOUR_SECONDS) }),
      verdictOf("autoreply", { address: mixedAddress, timestamp: at(3 * HOUR_SECONDS) }),
      verdictOf("soft", { address: mixedAddress, event: "delay", timestamp: at(4 * HOUR_SECONDS) }),
      verdictOf("hard", { address: uniqueAddress("count-hard"), timestamp: at(0) }),
      verdictOf("complaint", { address: uniqueAddress("count-complaint"), timestamp: at(0) }),
    ];

    // Act
    for (const verdict of verdicts) await applyVerdict(store, verdict);

    // Assess
    expect(Object.fromEntries(requests.counts)).toEqual({ UpdateItemCommand: verdicts.length });
  });

  it("finishes a threshold suppression that crashed after the fifth soft bounce was written", async () => {
    // Prepare
    const address = uniqueAddress("crash");
    const softs = softBounces(address, FIVE_REASONS);
    const fifth = softs[4];
    for (const soft of softs.slice(0, 4)) await applyVerdict(storeOf(), soft);
    const crashingClient = separateClient();
    let updates = 0;
    crashingClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "UpdateItemCommand") {
          updates += 1;
          if (updates === 2) throw new Error("simulated crash before the threshold suppression");
        }
        return next(args);
      },
      { step: "initialize", name: "crashOnSecondUpdate" },
    );
    if (fifth === undefined) throw new Error("the scenario needs five soft bounces");
    await expect(applyVerdict(storeOf(DEFAULT_POLICY, crashingClient), fifth)).rejects.toThrow(
      /simulated crash/,
    );
    const afterCrash = await storeOf().get(address);

    // Act
    const retried = await applyVerdict(storeOf(), fifth);
    const stored = await storeOf().get(address);

    // Assess
    expect(afterCrash?.suppression).toBeUndefined();
    expect(afterCrash?.counts.soft).toBe(5);
    expect(retried).toMatchObject({
      kind: "duplicate",
      promoted: true,
      assessment: { status: "suppressed" },
    });
    expect(stored?.suppression).toMatchObject({ by: "soft-threshold", streakReasons: FIVE_REASONS });
    expect(stored?.counts.soft).toBe(5);
    expect(stored?.expiresAt).toBeUndefined();
  });

  it("skips an ignored verdict without touching the table", async () => {
    // Prepare
    const client = separateClient();
    const requests = countRequests(client);
    const address = uniqueAddress("ignored");

    // Act
    const result = await applyVerdict(storeOf(DEFAULT_POLICY, client), verdictOf("ignore", { address }));

    // Assess
    expect(result.kind).toBe("skipped");
    expect(requests.total()).toBe(0);
    expect(await rawItem(address)).toBeUndefined();
  });
});
