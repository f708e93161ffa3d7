import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { hmacKeys, PLAIN_KEYS } from "../../functions/core/address-key.ts";
import { type AuditEntry, assess, DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import { at, HOUR_SECONDS, instant, uniqueAddress, verdictOf } from "../fixtures/scenarios/feedback.ts";

const SECRET = "a-test-secret-that-is-long-enough-for-hmac-sha256";
const NOW = instant(10 * HOUR_SECONDS);

let local: LocalDynamoDb;
let keyed: DynamoDbSuppressionStore;
let plain: DynamoDbSuppressionStore;

beforeAll(async () => {
  local = await startLocalDynamoDb();
  keyed = new DynamoDbSuppressionStore(local.client, local.tableName, DEFAULT_POLICY, hmacKeys(SECRET));
  plain = new DynamoDbSuppressionStore(local.client, local.tableName, DEFAULT_POLICY, PLAIN_KEYS);
});

afterAll(async () => {
  await local.close();
});

async function rawItemsText(): Promise<string> {
  const items = await local.client.send(new ScanCommand({ TableName: local.tableName }));
  return JSON.stringify(items.Items ?? []).toLowerCase();
}

function hardBounceFor(address: string, offsetSeconds = HOUR_SECONDS) {
  return verdictOf("hard", {
    address,
    timestamp: at(offsetSeconds),
    status: "5.1.1",
    diagnostic: `smtp; 550 5.1.1 <${address.toUpperCase()}>... User unknown`,
  });
}

const eraseAudit: AuditEntry = {
  at: NOW.toISOString(),
  action: "erase",
  actor: "dpo",
  reason: "erasure request",
};

describe("keyed mode", () => {
  it("rejects a secret too short to key addresses safely", () => {
    expect(() => hmacKeys("short")).toThrow(/at least 32 bytes/);
  });

  it("stores no plaintext address anywhere, not even inside quoted diagnostics", async () => {
    const address = uniqueAddress("private");

    await keyed.apply(address, decide(hardBounceFor(address)), NOW);
    await keyed.apply(address, decide(verdictOf("soft", { address, timestamp: at(2 * HOUR_SECONDS) })), NOW);

    const text = await rawItemsText();
    expect(text).not.toContain(address.toLowerCase());
    expect(text).toContain("<recipient>");
    const stored = await keyed.get(address);
    expect(stored?.address).toMatch(/^h1:/);
    expect(assess(stored, DEFAULT_POLICY, NOW)).toMatchObject({
      status: "suppressed",
      reason: "userunknown",
    });
  });

  it("gives the pre-send check the same verdicts as plain mode", async () => {
    const hard = uniqueAddress("hard");
    const soft = uniqueAddress("soft");
    const fresh = uniqueAddress("fresh");
    for (const store of [keyed, plain]) {
      await store.apply(hard, decide(hardBounceFor(hard)), NOW);
      await store.apply(
        soft,
        decide(verdictOf("soft", { address: soft, timestamp: at(9 * HOUR_SECONDS) })),
        NOW,
      );
    }
    const payload = { addresses: [hard, soft, fresh, "not an address", "x@mailinator.com"] };
    const ask = (store: DynamoDbSuppressionStore) =>
      createPresendCheck({ store, policy: DEFAULT_POLICY, logger: silentLogger, now: () => NOW })(payload);

    const [keyedAnswer, plainAnswer] = await Promise.all([ask(keyed), ask(plain)]);

    expect("results" in keyedAnswer && keyedAnswer.results.map((answer) => answer.verdict)).toEqual([
      "suppress",
      "defer",
      "send",
      "invalid",
      "invalid",
    ]);
    const withoutEvidence = (answer: typeof keyedAnswer) =>
      "results" in answer ? answer.results.map(({ evidence: _evidence, ...rest }) => rest) : answer;
    expect(withoutEvidence(keyedAnswer)).toEqual(withoutEvidence(plainAnswer));
  });
});

describe("erase", () => {
  it("keeps a keyed tombstone for a suppressed address and drops its history and evidence", async () => {
    const address = uniqueAddress("erase-me");
    await keyed.apply(address, decide(hardBounceFor(address)), NOW);

    const outcome = await keyed.erase(address, eraseAudit, NOW);

    const stored = await keyed.get(address);
    expect(outcome).toBe("tombstoned");
    expect(stored?.history).toEqual([]);
    expect(stored?.suppression).toEqual({ at: at(HOUR_SECONDS), by: "hard", reason: "userunknown" });
    expect(stored?.audit).toEqual([eraseAudit]);
    expect(stored?.retained).toBe(true);
    expect(assess(stored, DEFAULT_POLICY, NOW)).toMatchObject({
      status: "suppressed",
      since: at(HOUR_SECONDS),
    });
  });

  it("keeps a tombstone for a soft-threshold suppression that lived only in the history", async () => {
    const address = uniqueAddress("streak");
    for (let index = 0; index < 5; index += 1) {
      await keyed.apply(
        address,
        decide(verdictOf("soft", { address, timestamp: at(index * HOUR_SECONDS) })),
        NOW,
      );
    }

    await keyed.erase(address, eraseAudit, NOW);

    const stored = await keyed.get(address);
    expect(stored?.suppression).toMatchObject({ by: "soft-threshold", reason: "mailboxfull" });
    expect(assess(stored, DEFAULT_POLICY, NOW).status).toBe("suppressed");
  });

  it("deletes the item of an address that is not suppressed", async () => {
    const address = uniqueAddress("delivered");
    await keyed.apply(address, decide(verdictOf("delivered", { address, timestamp: at(HOUR_SECONDS) })), NOW);

    const outcome = await keyed.erase(address, eraseAudit, NOW);

    expect(outcome).toBe("deleted");
    expect(await keyed.get(address)).toBeUndefined();
  });

  it("answers absent for an address it never saw", async () => {
    expect(await keyed.erase(uniqueAddress("never"), eraseAudit, NOW)).toBe("absent");
  });
});
