import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeEntry } from "../../functions/adapters/history-entry.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { hmacKeys } from "../../functions/core/address-key.ts";
import { assess, DEFAULT_POLICY, decide, type HistoryEntry } from "../../functions/core/policy.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import { at, HOUR_SECONDS, unique, verdictOf } from "../fixtures/scenarios/feedback.ts";
import { NOW, ndjson, type OpsTable, startOpsTable } from "./ops-support.ts";

const SECRET = "a-case-folding-secret-long-enough-for-hmac-sha256";

let table: OpsTable;

beforeAll(async () => {
  table = await startOpsTable();
});

afterAll(async () => {
  await table.close();
});

afterEach(() => {
  delete process.env.BOUNCE_GUARD_ADDRESS_KEY;
});

/** A mixed-case local part no other test of the file uses. */
function mixedCase(label: string): string {
  return `${unique(label)}.Doe@example.com`.replace(/^./, (first) => first.toUpperCase());
}

function hardBounceOf(address: string) {
  return verdictOf("hard", {
    address,
    timestamp: at(HOUR_SECONDS),
    status: "5.1.1",
    diagnostic: "smtp; 550 5.1.1 user unknown",
  });
}

/** An item as versions before case folding wrote it: keyed by the spelling as sent, no version. */
async function putLegacyHardBounce(key: string): Promise<void> {
  const entry: HistoryEntry = {
    id: unique("legacy-event"),
    at: at(HOUR_SECONDS),
    event: "bounce",
    class: "hard",
    reason: "userunknown",
    status: "5.1.1",
    messageId: unique("message"),
  };
  await table.dynamo.client.send(
    new PutItemCommand({
      TableName: table.dynamo.tableName,
      Item: marshall({
        pk: key,
        hist: [encodeEntry(entry)],
        ids: [entry.id.slice(0, 12)],
        sup: { at: entry.at, by: "hard", reason: "userunknown", status: "5.1.1" },
        retained: "suppressed",
        expiresAt: "suppressed",
        hardCount: 1,
        updatedAt: at(HOUR_SECONDS),
      }),
    }),
  );
}

describe("case folding: one address whatever the letter case", () => {
  it("answers suppress for every spelling after a hard bounce for John.Doe (check --json, the acceptance)", async () => {
    // Prepare
    await table.store.apply("John.Doe@example.com", decide(hardBounceOf("John.Doe@example.com")), NOW);

    // Act
    const checked = await table.run(["check", "--json", "john.doe@example.com", "JOHN.DOE@EXAMPLE.COM"]);

    // Assess
    expect(checked.code).toBe(0);
    expect(ndjson(checked.stdout).map((answer) => [answer.address, answer.verdict])).toEqual([
      ["john.doe@example.com", "suppress"],
      ["JOHN.DOE@EXAMPLE.COM", "suppress"],
    ]);
  });

  it("keys the item by the folded address and keeps the spelling as sent for display", async () => {
    // Prepare
    const spelling = mixedCase("display");

    // Act
    await table.store.apply(spelling, decide(hardBounceOf(spelling)), NOW);
    const item = await table.dynamo.client.send(
      new GetItemCommand({
        TableName: table.dynamo.tableName,
        Key: marshall({ pk: spelling.toLowerCase() }),
      }),
    );
    const listed = await table.run(["list", "--json"]);

    // Assess
    expect(item.Item?.addr?.S).toBe(spelling);
    expect(ndjson(listed.stdout).map((row) => row.address)).toContain(spelling);
  });

  it("counts a bounce reported in another spelling as the same address's event, once", async () => {
    // Prepare
    const spelling = mixedCase("twice");
    const first = verdictOf("soft", { address: spelling, timestamp: at(HOUR_SECONDS) });
    const again = { ...first, address: spelling.toUpperCase() };

    // Act
    await table.store.apply(first.address, decide(first), NOW);
    const second = await table.store.apply(again.address, decide(again), NOW);
    const state = await table.store.get(spelling.toLowerCase());

    // Assess
    expect(second.kind).toBe("duplicate");
    expect(state?.counts.soft).toBe(1);
  });

  it("reads an item an older version keyed by the spelling as sent: the pre-send check, why and the store", async () => {
    // Prepare
    const spelling = mixedCase("legacy");
    await putLegacyHardBounce(spelling);
    const check = createPresendCheck({
      store: table.store,
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      now: () => NOW,
    });

    // Act
    const answers = await check({ addresses: [spelling], checks: [] });
    const why = await table.run(["why", spelling, "--json"]);
    const state = await table.store.get(spelling);

    // Assess
    expect("results" in answers && answers.results.map((answer) => answer.verdict)).toEqual(["suppress"]);
    expect(ndjson(why.stdout)[0]).toMatchObject({ verdict: "suppress", reason: "userunknown" });
    expect(assess(state, DEFAULT_POLICY, NOW).status).toBe("suppressed");
  });

  it("keeps an older item's suppression when new feedback for the address lands under the folded key", async () => {
    // Prepare
    const spelling = mixedCase("both");
    await putLegacyHardBounce(spelling);
    await table.store.apply(
      spelling,
      decide(verdictOf("delivered", { address: spelling, timestamp: at(2 * HOUR_SECONDS) })),
      NOW,
    );

    // Act
    const checked = await table.run(["check", "--json", spelling]);

    // Assess
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["suppress"]);
  });

  it("reactivates both items of an address, so no spelling stays suppressed", async () => {
    // Prepare
    const spelling = mixedCase("reactivate");
    await putLegacyHardBounce(spelling);
    await table.store.apply(spelling, decide(hardBounceOf(spelling)), NOW);

    // Act
    const unsuppressed = await table.run([
      "unsuppress",
      spelling.toUpperCase(),
      spelling,
      "--reason",
      "verified by phone",
      "--json",
    ]);
    const checked = await table.run(["check", "--json", spelling, spelling.toLowerCase()]);

    // Assess
    expect(unsuppressed.code).toBe(0);
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["send", "send"]);
  });

  it("erases both items of an address and keeps it suppressed by one tombstone under the folded key", async () => {
    // Prepare
    const spelling = mixedCase("erase");
    await putLegacyHardBounce(spelling);

    // Act
    const erased = await table.run(["erase", spelling, "--reason", "erasure request", "--json"]);
    const legacy = await table.dynamo.client.send(
      new GetItemCommand({ TableName: table.dynamo.tableName, Key: marshall({ pk: spelling }) }),
    );
    const checked = await table.run(["check", "--json", spelling.toLowerCase()]);

    // Assess
    expect(ndjson(erased.stdout)).toEqual([{ address: spelling, outcome: "tombstoned" }]);
    expect(legacy.Item).toBeUndefined();
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["suppress"]);
  });

  it("finds a manual suppression made in one spelling when another spelling is checked or suppressed", async () => {
    // Prepare
    const spelling = mixedCase("manual");

    // Act
    await table.run(["suppress", spelling, "--reason", "asked by phone"]);
    const checked = await table.run(["check", "--json", spelling.toUpperCase()]);
    const again = await table.run(["suppress", spelling.toLowerCase(), "--reason", "asked again", "--json"], {
      now: new Date(NOW.getTime() + 3_600_000),
    });

    // Assess
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["suppress"]);
    expect(ndjson(again.stdout)[0]).toMatchObject({ outcome: "already-suppressed" });
  });

  it("imports two spellings of one address in a file as one address: one added, one skipped", async () => {
    // Prepare
    const spelling = mixedCase("import");
    const file = join(tmpdir(), `${unique("case-import")}.csv`);
    writeFileSync(file, `address,reason\n${spelling},manual\n${spelling.toLowerCase()},manual\n`);

    // Act
    const imported = await table.run(["import", file, "--json"]);
    const checked = await table.run(["check", "--json", spelling.toUpperCase()]);

    // Assess
    expect(imported.stdout).toMatch(/"added":1\b/);
    expect(imported.stdout).toMatch(/"skipped":1\b/);
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["suppress"]);
  });

  it("keys by the HMAC of the folded address in keyed mode, so every spelling finds the item", async () => {
    // Prepare
    process.env.BOUNCE_GUARD_ADDRESS_KEY = SECRET;
    const spelling = mixedCase("keyed");
    const keys = hmacKeys(SECRET);

    // Act
    await table.run(["suppress", spelling, "--reason", "asked by letter"]);
    const checked = await table.run(["check", "--json", spelling.toLowerCase(), spelling.toUpperCase()]);
    const item = await table.dynamo.client.send(
      new GetItemCommand({
        TableName: table.dynamo.tableName,
        Key: marshall({ pk: keys.keyOf(spelling.toLowerCase()) }),
      }),
    );

    // Assess
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["suppress", "suppress"]);
    expect(item.Item).toBeDefined();
    expect(JSON.stringify(item.Item).toLowerCase()).not.toContain(spelling.toLowerCase());
  });
});
