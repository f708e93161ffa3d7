import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClientConfig, quietSdkWarnings } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { countRequests } from "../../cli/local/request-counter.ts";
import {
  DynamoDbSuppressionStore,
  stateFromItem,
  storedEventId,
} from "../../functions/adapters/dynamodb-store.ts";
import { decodeEntry, encodeEntry } from "../../functions/adapters/history-entry.ts";
import { TABLE_SCHEMA } from "../../functions/adapters/table-schema.ts";
import {
  type AddressState,
  assess,
  DEFAULT_POLICY,
  decide,
  type HistoryEntry,
  type PolicyConfig,
  policyConfig,
} from "../../functions/core/policy.ts";
import {
  FEEDBACK_EVENTS,
  REASONS,
  type Reason,
  type RecipientVerdict,
  TIMESTAMP_NOTES,
  VERDICT_CLASSES,
  type VerdictClass,
} from "../../functions/core/types.ts";
import {
  at,
  DAY_SECONDS,
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

/** What the stored history means at `now`: the answer every reader of the store gets. */
function suppressionOf(stored: AddressState | undefined, now: Date, config: PolicyConfig = DEFAULT_POLICY) {
  return assess(stored, config, now).suppression;
}

/** The TTL attribute as stored: a string on a retained item, which DynamoDB's TTL process ignores. */
async function storedTtl(address: string) {
  return (await rawItem(address))?.[TABLE_SCHEMA.ttlAttribute];
}

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
    // The snapshot holds what decides; the evidence lives once, on the history entry.
    expect(stored?.suppression).toEqual({ at: at(0), by: "hard", reason: "userunknown", status: "5.1.1" });
    expect(suppressionOf(stored, instant(HOUR_SECONDS))).toEqual({
      at: at(0),
      by: "hard",
      reason: "userunknown",
      status: "5.1.1",
      diagnostic: "smtp; 550 5.1.1 user unknown",
      messageId: hard.messageId,
    });
    expect(stored?.counts.hard).toBe(1);
    // The ids list holds the first 12 characters of an event id.
    expect(stored?.history.map((entry) => entry.id)).toEqual([hard.eventId.slice(0, 12)]);
    expect(stored?.retained).toBe(true);
    expect(stored?.expiresAt).toBeUndefined();
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
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

  it("reads the item when a hard bounce arrives a second time, to finish what an interrupted attempt left", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("hard-again");
    const hard = verdictOf("hard", { address, timestamp: at(0) });
    await applyVerdict(store, hard);

    // Act
    const again = await applyVerdict(store, hard);

    // Assess
    expect(again).toMatchObject({ kind: "duplicate", promoted: false, assessment: { status: "suppressed" } });
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
    expect(suppressionOf(stored, instant(5 * HOUR_SECONDS))).toMatchObject({
      by: "soft-threshold",
      at: at(4 * HOUR_SECONDS),
      reason: "expired",
      streakReasons: FIVE_REASONS,
    });
    expect(stored?.counts.soft).toBe(5);
    expect(stored?.retained).toBe(true);
    expect(stored?.expiresAt).toBeUndefined();
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
  });

  it("defers a permanent failure without a reason, ignores its redelivery, and suppresses at a second one", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("unconfirmed");
    const first = verdictOf("unconfirmed", { address, reason: "onhold", status: "5.0.0", timestamp: at(0) });
    const second = verdictOf("unconfirmed", {
      address,
      reason: "undefined",
      timestamp: at(5 * HOUR_SECONDS),
    });

    // Act
    const applied = await applyVerdict(store, first);
    const redelivered = await applyVerdict(store, first, instant(2 * HOUR_SECONDS));
    const afterOne = await store.get(address);
    const confirmed = await applyVerdict(store, second);
    const stored = await store.get(address);

    // Assess
    expect(applied).toMatchObject({ kind: "applied", promoted: false, assessment: { status: "deferred" } });
    expect(redelivered).toMatchObject({
      kind: "duplicate",
      promoted: false,
      assessment: { status: "deferred" },
    });
    expect(afterOne?.history).toHaveLength(1);
    expect(afterOne?.retained).toBeUndefined();
    expect(confirmed).toMatchObject({
      kind: "applied",
      promoted: true,
      assessment: { status: "suppressed", since: at(5 * HOUR_SECONDS) },
    });
    expect(suppressionOf(stored, instant(6 * HOUR_SECONDS))).toMatchObject({
      by: "confirmed",
      at: at(5 * HOUR_SECONDS),
      confirms: at(0),
    });
    expect(stored?.counts.soft).toBe(2);
    expect(stored?.retained).toBe(true);
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
  });

  it("confirms the same suppression whichever of two permanent failures without a reason arrives first", async () => {
    // Prepare
    const store = storeOf();
    const [inOrder, reversed] = [uniqueAddress("confirm-in-order"), uniqueAddress("confirm-reversed")];
    const pair = (address: string) => [
      verdictOf("unconfirmed", { address, timestamp: at(0) }),
      verdictOf("unconfirmed", { address, timestamp: at(HOUR_SECONDS) }),
    ];
    const now = instant(2 * HOUR_SECONDS);

    // Act
    for (const verdict of pair(inOrder)) await applyVerdict(store, verdict, now);
    for (const verdict of pair(reversed).reverse()) await applyVerdict(store, verdict, now);

    // Assess
    const [a, b] = [await store.get(inOrder), await store.get(reversed)];
    expect(suppressionOf(a, now)).toMatchObject({ by: "confirmed", at: at(HOUR_SECONDS), confirms: at(0) });
    expect(suppressionOf(b, now)).toMatchObject({ by: "confirmed", at: at(HOUR_SECONDS), confirms: at(0) });
    expect(a?.retained).toBe(true);
    expect(b?.retained).toBe(true);
  });

  it("retains the item at the threshold without writing a suppression snapshot: the history decides", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("no-snapshot");

    // Act
    for (const soft of softBounces(address, FIVE_REASONS)) await applyVerdict(store, soft);
    const item = await rawItem(address);
    const stored = await store.get(address);

    // Assess
    expect(item?.sup).toBeUndefined();
    expect(stored?.suppression).toBeUndefined();
    expect(stored?.retained).toBe(true);
    expect(suppressionOf(stored, instant(5 * HOUR_SECONDS))?.by).toBe("soft-threshold");
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
    expect(suppressionOf(stored, instant(6 * HOUR_SECONDS))).toBeUndefined();
    expect(stored?.suppression).toBeUndefined();
    expect(stored?.retained).toBeUndefined();
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
    expect(suppressionOf(stored, instant(5 * HOUR_SECONDS))?.streakReasons).toEqual(FIVE_REASONS);
    expect(stored?.retained).toBe(true);
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
    expect(item?.[TABLE_SCHEMA.ttlAttribute]).toEqual({ S: "suppressed" });
    expect(stored?.retained).toBe(true);
    expect(stored?.expiresAt).toBeUndefined();
    expect(suppressionOf(stored, instant(2 * HOUR_SECONDS))).toMatchObject({ by: "hard", at: at(0) });
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

  it("recognises a redelivery of an event trimmed from the history for as long as the duplicate horizon", async () => {
    // Prepare: a delivery a day at the default history limit, each handled the day it happened,
    // so the first is trimmed away at the 21st; then the first arrives again, ten days later.
    const store = storeOf();
    const address = uniqueAddress("horizon");
    const deliveries = Array.from({ length: 30 }, (_, index) =>
      verdictOf("delivered", { address, timestamp: at(index * DAY_SECONDS) }),
    );
    for (const delivery of deliveries) await applyVerdict(store, delivery);
    const first = deliveries[0] as RecipientVerdict;
    const trimmed = await store.get(address);

    // Act
    const redelivered = await applyVerdict(store, first, instant(30 * DAY_SECONDS));
    const stored = await store.get(address);

    // Assess
    expect(trimmed?.history.map((entry) => entry.id)).not.toContain(storedEventId(first.eventId));
    expect(redelivered.kind).toBe("duplicate");
    expect(stored?.counts.delivery).toBe(30);
  });

  it("forgets the ids it retired once the duplicate horizon has passed, so the item stays small", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("horizon-passed");
    const deliveries = Array.from({ length: 80 }, (_, index) =>
      verdictOf("delivered", { address, timestamp: at(index * DAY_SECONDS) }),
    );
    for (const delivery of deliveries) await applyVerdict(store, delivery);
    const item = await rawItem(address);
    const redeliver = (index: number) =>
      applyVerdict(store, deliveries[index] as RecipientVerdict, instant(80 * DAY_SECONDS));

    // Act
    const recent = await redeliver(60);
    const old = await redeliver(0);

    // Assess: ids retired within the last 15 days are kept, older ones are gone (8 characters each).
    expect(recent.kind).toBe("duplicate");
    expect(old.kind).toBe("applied");
    expect(item?.rid?.S?.length ?? 0).toBeLessThan(25 * 8);
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
    // Entries do not repeat their id: the id at the same index of the ids list is theirs, so the
    // entry at each index must be the event whose id is there (the entry starts with its time).
    const stored = await store.get(address);
    const idOfTime = new Map(
      deliveries.map((delivery) => [delivery.timestamp, storedEventId(delivery.eventId)]),
    );
    const historyIds = stored?.history.map((entry) => idOfTime.get(entry.at));
    expect(item?.hist?.L?.every((value) => value.S !== undefined)).toBe(true);
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

  it("retains the item when the fifth soft bounce is redelivered after a crash before the retain write", async () => {
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
          if (updates === 2) throw new Error("simulated crash before retaining the item");
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

    // Assess: the history already says suppressed after the crash; only the retain was missing
    expect(updates).toBe(2);
    expect(afterCrash?.counts.soft).toBe(5);
    expect(afterCrash?.retained).toBeUndefined();
    expect(afterCrash?.expiresAt).toBeTypeOf("number");
    expect(suppressionOf(afterCrash, instant(5 * HOUR_SECONDS))?.by).toBe("soft-threshold");
    expect(retried).toMatchObject({
      kind: "duplicate",
      promoted: true,
      assessment: { status: "suppressed", since: at(4 * HOUR_SECONDS) },
    });
    expect(suppressionOf(stored, instant(5 * HOUR_SECONDS))).toMatchObject({
      by: "soft-threshold",
      at: at(4 * HOUR_SECONDS),
      streakReasons: FIVE_REASONS,
    });
    expect(stored?.counts.soft).toBe(5);
    expect(stored?.history).toHaveLength(5);
    expect(stored?.retained).toBe(true);
    expect(stored?.expiresAt).toBeUndefined();
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
  });

  it("does not write again when a duplicate soft bounce finds the item already retained", async () => {
    // Prepare
    const address = uniqueAddress("retained-duplicate");
    const softs = softBounces(address, FIVE_REASONS);
    for (const soft of softs) await applyVerdict(storeOf(), soft);
    const before = await rawItem(address);
    const client = separateClient();
    const requests = countRequests(client);
    const fifth = softs[4];
    if (fifth === undefined) throw new Error("the scenario needs five soft bounces");

    // Act
    const again = await applyVerdict(storeOf(DEFAULT_POLICY, client), fifth, instant(6 * HOUR_SECONDS));

    // Assess
    expect(again).toMatchObject({ kind: "duplicate", promoted: false, assessment: { status: "suppressed" } });
    expect(Object.fromEntries(requests.counts)).toEqual({ UpdateItemCommand: 1, GetItemCommand: 1 });
    expect(JSON.stringify(await rawItem(address))).toBe(JSON.stringify(before));
  });

  it("retains once: the fifth soft bounce takes a second UpdateItem, later events on the retained item one", async () => {
    // Prepare
    const client = separateClient();
    const requests = countRequests(client);
    const store = storeOf(DEFAULT_POLICY, client);
    const address = uniqueAddress("retain-once");
    const softs = softBounces(address, [...FIVE_REASONS, "mailboxfull", "systemfull"]);
    for (const soft of softs.slice(0, 4)) await applyVerdict(store, soft);
    requests.reset();

    // Act
    const fifth = softs[4];
    if (fifth !== undefined) await applyVerdict(store, fifth);
    const forFifth = Object.fromEntries(requests.counts);
    requests.reset();
    for (const soft of softs.slice(5)) await applyVerdict(store, soft);
    await applyVerdict(store, verdictOf("delivered", { address, timestamp: at(8 * HOUR_SECONDS) }));
    const afterwards = Object.fromEntries(requests.counts);
    const stored = await store.get(address);

    // Assess
    expect(forFifth).toEqual({ UpdateItemCommand: 2 });
    expect(afterwards).toEqual({ UpdateItemCommand: 3 });
    expect(stored?.retained).toBe(true);
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
    expect(suppressionOf(stored, instant(9 * HOUR_SECONDS))?.at).toBe(at(4 * HOUR_SECONDS));
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

describe("DynamoDbSuppressionStore: arrival order", () => {
  /** Five soft bounces an hour apart (s1..s5) and a delivery (d) between the third and the fourth. */
  function streakScenario(address: string) {
    const softs = softBounces(address, FIVE_REASONS);
    const delivered = verdictOf("delivered", {
      address,
      timestamp: at(2 * HOUR_SECONDS + 30 * MINUTE_SECONDS),
    });
    const byLabel = new Map<string, RecipientVerdict>([
      ...softs.map((soft, index): [string, RecipientVerdict] => [`s${index + 1}`, soft]),
      ["d", delivered],
    ]);
    return (order: readonly string[]) =>
      order.map((label) => {
        const verdict = byLabel.get(label);
        if (verdict === undefined) throw new Error(`no event ${label} in the scenario`);
        return verdict;
      });
  }

  /** Apply in the given order, each arriving a minute after the previous, all after the last event. */
  async function applyInOrder(store: DynamoDbSuppressionStore, verdicts: readonly RecipientVerdict[]) {
    const results = [];
    for (const [index, verdict] of verdicts.entries()) {
      results.push(await applyVerdict(store, verdict, instant(5 * HOUR_SECONDS + index * MINUTE_SECONDS)));
    }
    return results;
  }

  const ORDERS: [string, string[]][] = [
    ["event order", ["s1", "s2", "s3", "d", "s4", "s5"]],
    ["delivery first", ["d", "s1", "s2", "s3", "s4", "s5"]],
    ["delivery last", ["s1", "s2", "s3", "s4", "s5", "d"]],
    ["newest first", ["s5", "s4", "d", "s3", "s2", "s1"]],
    ["newest first, delivery last", ["s5", "s4", "s3", "s2", "s1", "d"]],
    ["scrambled", ["s4", "s1", "s5", "d", "s3", "s2"]],
  ];
  const AFTER_ALL = instant(6 * HOUR_SECONDS);

  it.each(ORDERS)(
    "never suppresses five soft bounces with a delivery between the third and fourth, arriving in %s",
    async (_name, order) => {
      // Prepare
      const store = storeOf();
      const address = uniqueAddress("streak-broken");
      const verdicts = streakScenario(address)(order);

      // Act
      await applyInOrder(store, verdicts);
      const stored = await store.get(address);
      const assessment = assess(stored, DEFAULT_POLICY, AFTER_ALL);

      // Assess
      expect(assessment.suppression).toBeUndefined();
      expect(assessment.status).not.toBe("suppressed");
      expect(assessment.streak).toMatchObject({ count: 2, startedAt: at(3 * HOUR_SECONDS) });
      expect(stored?.suppression).toBeUndefined();
      expect(stored?.counts).toMatchObject({ soft: 5, delivery: 1 });
    },
  );

  it.each(ORDERS.filter(([name]) => !name.includes("delivery")))(
    "suppresses five soft bounces without the delivery at the fifth bounce's time, arriving in %s",
    async (_name, order) => {
      // Prepare
      const store = storeOf();
      const address = uniqueAddress("streak-whole");
      const verdicts = streakScenario(address)(order.filter((label) => label !== "d"));

      // Act
      const results = await applyInOrder(store, verdicts);
      const stored = await store.get(address);

      // Assess
      expect(results.at(-1)).toMatchObject({
        kind: "applied",
        promoted: true,
        assessment: { status: "suppressed", since: at(4 * HOUR_SECONDS) },
      });
      expect(suppressionOf(stored, AFTER_ALL)).toEqual({
        at: at(4 * HOUR_SECONDS),
        by: "soft-threshold",
        reason: "expired",
        status: "4.2.2",
        messageId: verdicts.find((verdict) => verdict.timestamp === at(4 * HOUR_SECONDS))?.messageId,
        streakReasons: FIVE_REASONS,
      });
      expect(stored?.retained).toBe(true);
      expect(await storedTtl(address)).toEqual({ S: "suppressed" });
    },
  );

  it("reads the fifth soft bounce as suppressing until the delivery that breaks the streak arrives last", async () => {
    // Prepare
    const store = storeOf();
    const address = uniqueAddress("streak-late-delivery");
    const verdicts = streakScenario(address)(["s1", "s2", "s3", "s4", "s5", "d"]);

    // Act
    const results = await applyInOrder(store, verdicts);

    // Assess: what the fifth bounce's and the delivery's writes returned, as the classifier saw them
    expect(results[4]).toMatchObject({
      kind: "applied",
      promoted: true,
      assessment: { status: "suppressed" },
    });
    expect(results[5]).toMatchObject({
      kind: "applied",
      assessment: { status: "deferred", streak: { count: 2 } },
    });
  });

  it("lets an item expire again once a late delivery shows the streak never reached the threshold", async () => {
    // Prepare: the fifth soft bounce retained the item before the delivery inside the streak arrived
    const store = storeOf();
    const address = uniqueAddress("streak-unretain");
    const verdicts = streakScenario(address)(["s1", "s2", "s3", "s4", "s5", "d"]);

    // Act
    await applyInOrder(store, verdicts);
    const stored = await store.get(address);

    // Assess: the history says not suppressed, so the item should be an expiring, unsuppressed item
    // ("Unsuppressed items expire historyTtlSeconds after their last event") like in every other order
    expect(assess(stored, DEFAULT_POLICY, AFTER_ALL).suppression).toBeUndefined();
    expect(stored?.retained).toBeUndefined();
    expect(stored?.expiresAt).toBeTypeOf("number");
  });

  it.each<[string, "hard-first" | "complaint-first"]>([
    ["after", "hard-first"],
    ["before", "complaint-first"],
  ])(
    "keeps the earlier complaint as the suppression when it arrives %s a later hard bounce",
    async (_when, order) => {
      // Prepare
      const store = storeOf();
      const address = uniqueAddress("earliest");
      const complaint = verdictOf("complaint", { address, timestamp: at(HOUR_SECONDS) });
      const hard = verdictOf("hard", { address, timestamp: at(2 * HOUR_SECONDS) });
      const verdicts = order === "hard-first" ? [hard, complaint] : [complaint, hard];

      // Act
      const results = [];
      for (const [index, verdict] of verdicts.entries()) {
        results.push(await applyVerdict(store, verdict, instant(3 * HOUR_SECONDS + index * MINUTE_SECONDS)));
      }
      const stored = await store.get(address);

      // Assess
      expect(results.at(-1)).toMatchObject({
        kind: "applied",
        assessment: { status: "suppressed", reason: "feedback", since: at(HOUR_SECONDS) },
      });
      expect(suppressionOf(stored, instant(DAY_SECONDS))).toEqual({
        at: at(HOUR_SECONDS),
        by: "complaint",
        reason: "feedback",
        messageId: complaint.messageId,
      });
      // The snapshot keeps the first arrival; the history corrects it.
      expect(stored?.suppression?.by).toBe(order === "hard-first" ? "hard" : "complaint");
      expect(stored?.counts).toMatchObject({ hard: 1, complaint: 1 });
      expect(stored?.retained).toBe(true);
    },
  );
});

describe("DynamoDbSuppressionStore: trimming a suppressed address", () => {
  const config = policyConfig({ historyLimit: 30 });

  /** `count` deliveries a minute apart, starting `fromSeconds` after START. */
  function deliveries(address: string, count: number, fromSeconds: number): RecipientVerdict[] {
    return Array.from({ length: count }, (_, index) =>
      verdictOf("delivered", { address, timestamp: at(fromSeconds + (index + 1) * MINUTE_SECONDS) }),
    );
  }

  it("stays suppressed by its hard bounce after the bounce has been trimmed out of the history", async () => {
    // Prepare
    const store = storeOf(config);
    const address = uniqueAddress("trim-hard");
    const hard = verdictOf("hard", { address, status: "5.1.1", timestamp: at(0) });
    await applyVerdict(store, hard);

    // Act
    for (const delivery of deliveries(address, 45, 0)) await applyVerdict(store, delivery);
    const stored = await store.get(address);

    // Assess
    expect(stored?.history.map((entry) => entry.id)).not.toContain(hard.eventId);
    expect(stored?.history.length).toBeLessThanOrEqual(config.historyLimit);
    expect(assess(stored, config, instant(DAY_SECONDS))).toMatchObject({
      status: "suppressed",
      reason: "userunknown",
      since: at(0),
      // once its history entry is trimmed, the snapshot answers: cause, reason and status, no ids
      suppression: { by: "hard", status: "5.1.1" },
    });
    expect(stored?.counts).toMatchObject({ hard: 1, delivery: 45 });
    expect(stored?.retained).toBe(true);
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
  });

  it("writes the soft-bounce threshold as the snapshot when trimming drops the streak", async () => {
    // Prepare
    const store = storeOf(config);
    const address = uniqueAddress("trim-threshold");
    const softs = softBounces(address, FIVE_REASONS);
    for (const soft of softs) await applyVerdict(store, soft);
    const beforeTrim = await store.get(address);

    // Act
    for (const delivery of deliveries(address, 30, 5 * HOUR_SECONDS)) await applyVerdict(store, delivery);
    const stored = await store.get(address);

    // Assess
    expect(beforeTrim?.suppression).toBeUndefined();
    const keptIds = stored?.history.map((entry) => entry.id) ?? [];
    expect(softs.filter((soft) => keptIds.includes(soft.eventId))).toEqual([]);
    expect(stored?.suppression).toMatchObject({
      by: "soft-threshold",
      at: at(4 * HOUR_SECONDS),
      reason: "expired",
      streakReasons: FIVE_REASONS,
    });
    expect(assess(stored, config, instant(DAY_SECONDS))).toMatchObject({
      status: "suppressed",
      since: at(4 * HOUR_SECONDS),
    });
    expect(stored?.retained).toBe(true);
    expect(await storedTtl(address)).toEqual({ S: "suppressed" });
  });

  it("writes the earliest suppression as the snapshot when trimming, not the first to arrive", async () => {
    // Prepare: the hard bounce (later) arrives first and writes the snapshot
    const store = storeOf(config);
    const address = uniqueAddress("trim-earliest");
    const complaint = verdictOf("complaint", { address, timestamp: at(HOUR_SECONDS) });
    const hard = verdictOf("hard", { address, timestamp: at(2 * HOUR_SECONDS) });
    await applyVerdict(store, hard, instant(3 * HOUR_SECONDS));
    await applyVerdict(store, complaint, instant(3 * HOUR_SECONDS));

    // Act
    for (const delivery of deliveries(address, 40, 3 * HOUR_SECONDS)) await applyVerdict(store, delivery);
    const stored = await store.get(address);

    // Assess
    const keptIds = stored?.history.map((entry) => entry.id) ?? [];
    expect(keptIds).not.toContain(hard.eventId);
    expect(keptIds).not.toContain(complaint.eventId);
    expect(stored?.suppression).toMatchObject({ by: "complaint", at: at(HOUR_SECONDS) });
    expect(assess(stored, config, instant(DAY_SECONDS))).toMatchObject({
      status: "suppressed",
      reason: "feedback",
      since: at(HOUR_SECONDS),
    });
  });

  it.each<[string, "hard" | "none"]>([
    ["an unsuppressed address", "none"],
    ["an address already suppressed by a hard bounce", "hard"],
  ])("does not report a trim of %s as promoted", async (_name, first) => {
    // Prepare: promoted means "this write suppressed the address"; the classifier counts it as a
    // new suppression and the demo prints it as a threshold suppression
    const store = storeOf(config);
    const address = uniqueAddress("trim-promoted");
    const events = [
      ...(first === "hard" ? [verdictOf("hard", { address, timestamp: at(0) })] : []),
      ...deliveries(address, first === "hard" ? 30 : 31, 0),
    ];
    const results = [];

    // Act
    for (const verdict of events) results.push(await applyVerdict(store, verdict));
    const stored = await store.get(address);

    // Assess
    expect(stored?.history).toHaveLength(15);
    expect(results.filter((result) => result.kind === "applied" && result.promoted)).toEqual([]);
  });

  it("trims an unsuppressed address without writing a snapshot or retaining it", async () => {
    // Prepare
    const store = storeOf(config);
    const address = uniqueAddress("trim-unsuppressed");

    // Act
    for (const delivery of deliveries(address, 31, 0)) await applyVerdict(store, delivery);
    const item = await rawItem(address);
    const stored = await store.get(address);

    // Assess
    expect(stored?.history).toHaveLength(15);
    expect(item?.sup).toBeUndefined();
    expect(stored?.retained).toBeUndefined();
    expect(stored?.expiresAt).toBeTypeOf("number");
  });
});

describe("stored history entries", () => {
  it("read entries stored as maps, with their id in the ids list or in the entry itself", () => {
    const entry = { t: "2026-11-26T10:00:00.000Z", e: "bounce", c: "soft", r: "mailboxfull", m: "message-1" };

    const current = stateFromItem({ pk: "a@example.com", hist: [entry], ids: ["id-from-list"] });
    const legacy = stateFromItem({ pk: "a@example.com", hist: [{ ...entry, i: "id-in-entry" }] });

    expect(current.history[0]?.id).toBe("id-from-list");
    expect(legacy.history[0]?.id).toBe("id-in-entry");
    expect(current.history[0]).toMatchObject({
      at: entry.t,
      event: "bounce",
      class: "soft",
      reason: "mailboxfull",
    });
  });

  it.each(REASONS.map((reason) => [reason]))(
    "encode and decode an entry with reason %s unchanged",
    (reason) => {
      const entry: HistoryEntry = {
        id: "event-id",
        at: "2026-11-26T10:00:00.123Z",
        event: "bounce",
        class: "soft",
        reason,
        status: "4.2.2",
        diagnostic: "smtp; 452 4.2.2 mailbox full",
        messageId: "0100019abc-def",
      };

      expect(decodeEntry(encodeEntry(entry), "event-id")).toEqual(entry);
    },
  );

  it.each(
    FEEDBACK_EVENTS.flatMap((event) => VERDICT_CLASSES.map((verdictClass) => [event, verdictClass] as const)),
  )("encode and decode a %s entry of class %s unchanged", (event, verdictClass) => {
    const entry: HistoryEntry = {
      id: "x",
      at: "2026-01-01T00:00:00.000Z",
      event,
      class: verdictClass,
      reason: "undefined",
    };

    expect(decodeEntry(encodeEntry(entry), "x")).toEqual(entry);
  });

  it.each(
    VERDICT_CLASSES.flatMap((verdictClass) => TIMESTAMP_NOTES.map((note) => [verdictClass, note] as const)),
  )(
    "encode and decode a %s entry with the note %s unchanged (class and note letters live in different fields)",
    (verdictClass, note) => {
      const entry: HistoryEntry = {
        id: "x",
        at: "2026-01-01T00:00:00.000Z",
        event: "bounce",
        class: verdictClass,
        reason: "undefined",
        status: "5.0.0",
        note,
      };

      expect(decodeEntry(encodeEntry(entry), "x")).toEqual(entry);
    },
  );

  it("keeps separators, percent signs and odd times in the fields exactly as they were", () => {
    const entry: HistoryEntry = {
      id: "x",
      at: "not a time|really",
      event: "delivery",
      class: "delivered",
      reason: "delivered",
      status: "2.0.0|%7C",
      diagnostic: "250 ok | queued as 100% | done",
      messageId: "id|with%pipes%25",
    };

    const stored = encodeEntry(entry);

    expect(decodeEntry(stored, "x")).toEqual(entry);
    expect(decodeEntry(encodeEntry({ ...entry, at: "1969-12-31T23:59:59.999Z" }), "x").at).toBe(
      "1969-12-31T23:59:59.999Z",
    );
  });

  it("refuses a stored string it cannot read rather than inventing an entry", () => {
    expect(() => decodeEntry("m9tjs7fo|d", "x")).toThrow(/too few fields/);
    expect(() => decodeEntry("m9tjs7fo|q|d||2.0.0||", "x")).toThrow(/unknown event, class or reason/);
    expect(() => decodeEntry("m9tjs7fo|b|s|zz|4.2.2||", "x")).toThrow(/unknown event, class or reason/);
  });

  it("recognises a redelivered event whose whole id an older version stored", async () => {
    // Prepare: the item as a version that kept 22-character ids and map entries wrote it
    const store = storeOf();
    const address = uniqueAddress("legacy-id");
    const soft = verdictOf("soft", { address, timestamp: at(0), eventId: "K3q9ZbW1xY7tR2mP5nL8vA" });
    await dynamo.client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: marshall({
          [TABLE_SCHEMA.partitionKey]: address,
          hist: [{ t: soft.timestamp, e: "bounce", c: "soft", r: soft.reason, m: soft.messageId }],
          ids: [soft.eventId],
          softCount: 1,
          updatedAt: at(60),
        }),
      }),
    );

    // Act
    const result = await applyVerdict(store, soft);
    const stored = await store.get(address);

    // Assess
    expect(result.kind).toBe("duplicate");
    expect(stored?.counts.soft).toBe(1);
    expect(stored?.history.map((entry) => entry.id)).toEqual([soft.eventId]);
  });

  it("keeps an address with a week of typical feedback within one write unit per event", async () => {
    // Prepare: two soft bounces, a delay, a block and three deliveries, with diagnostics as SES sends them
    const client = separateClient();
    const units: number[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "TOTAL";
        const result = await next(args);
        units.push(
          (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity
            ?.CapacityUnits ?? 0,
        );
        return result;
      },
      { step: "initialize", name: "unitMeter" },
    );
    const store = storeOf(DEFAULT_POLICY, client);
    const address = uniqueAddress("one-unit");
    const messageId = (n: number) => `010001936f2a${n}b4c-1a2b3c4d-5e6f-4a5b-9c8d-7e6f5a4b3c2d-000000`;
    const verdicts = [
      verdictOf("delivered", { address, timestamp: at(0), messageId: messageId(1), status: "2.0.0" }),
      verdictOf("soft", {
        address,
        timestamp: at(DAY_SECONDS),
        messageId: messageId(2),
        status: "4.2.2",
        diagnostic:
          "smtp; 452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
      }),
      verdictOf("soft", {
        address,
        event: "delay",
        timestamp: at(2 * DAY_SECONDS),
        messageId: messageId(3),
        status: "4.4.7",
        diagnostic: "smtp; 421 4.4.7 Unable to connect to remote host in time",
      }),
      verdictOf("soft", {
        address,
        timestamp: at(3 * DAY_SECONDS),
        messageId: messageId(4),
        status: "4.2.2",
        diagnostic: "smtp; 452 4.2.2 Mailbox full",
      }),
      verdictOf("delivered", {
        address,
        timestamp: at(4 * DAY_SECONDS),
        messageId: messageId(5),
        status: "2.0.0",
      }),
      verdictOf("block", {
        address,
        timestamp: at(5 * DAY_SECONDS),
        messageId: messageId(6),
        status: "5.7.1",
        diagnostic: "smtp; 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus",
      }),
      verdictOf("delivered", {
        address,
        timestamp: at(6 * DAY_SECONDS),
        messageId: messageId(7),
        status: "2.0.0",
      }),
    ];

    // Act
    for (const verdict of verdicts) await applyVerdict(store, verdict);

    // Assess: DynamoDB bills a write unit per started KB of the larger of the item before and after
    expect(units).toEqual(verdicts.map(() => 1));
  });
});

describe("DynamoDbSuppressionStore: scan", () => {
  it("reads every item once across the segments of a parallel scan, as a whole scan does", async () => {
    // Prepare: forty more addresses beside whatever the tests above stored.
    const store = storeOf();
    for (let index = 0; index < 40; index += 1) {
      await applyVerdict(
        store,
        verdictOf("hard", { address: uniqueAddress(`scan-${index}`), timestamp: at(0) }),
      );
    }
    const addressesOf = async (pages: AsyncGenerator<AddressState[]>) => {
      const addresses: string[] = [];
      for await (const page of pages) addresses.push(...page.map((state) => state.address));
      return addresses;
    };

    // Act: pages of 7 so every segment takes several.
    const whole = await addressesOf(store.scan(7));
    const segments = await Promise.all(
      [0, 1, 2, 3].map((index) => addressesOf(store.scan(7, { index, of: 4 }))),
    );

    // Assess
    const joined = segments.flat();
    expect(whole.length).toBeGreaterThanOrEqual(40);
    expect(new Set(joined).size).toBe(joined.length);
    expect(joined.sort()).toEqual([...whole].sort());
    expect(segments.filter((segment) => segment.length > 0).length).toBeGreaterThan(1);
  });
});
