import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { hmacKeys } from "../../functions/core/address-key.ts";
import { assess, DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import { at, HOUR_SECONDS, uniqueAddress, verdictOf } from "../fixtures/scenarios/feedback.ts";
import { NOW, ndjson, type OpsTable, startOpsTable } from "./ops-support.ts";

const SECRET = "another-test-secret-long-enough-for-hmac-sha256";

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

describe("bounce-guard erase", () => {
  it("keeps a suppressed address suppressed while removing its history and evidence", async () => {
    const address = uniqueAddress("erase-cli");
    await table.store.apply(
      address,
      decide(verdictOf("hard", { address, timestamp: at(HOUR_SECONDS) })),
      NOW,
    );

    const erased = await table.run([
      "erase",
      address,
      "--reason",
      "erasure request",
      "--actor",
      "dpo",
      "--json",
    ]);
    const why = await table.run(["why", address, "--json"]);

    expect(erased.code).toBe(0);
    expect(ndjson(erased.stdout)).toEqual([{ address, outcome: "tombstoned" }]);
    const [state] = ndjson(why.stdout);
    expect(state).toMatchObject({ status: "suppressed", reason: "userunknown" });
    expect(JSON.stringify(state)).not.toContain("smtp;");
  });

  it("requires a reason", async () => {
    const result = await table.run(["erase", uniqueAddress("no-reason")]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("erase needs --reason");
  });
});

describe("keyed mode on the command line", () => {
  it("suppresses and checks by address while the table holds only HMAC keys", async () => {
    process.env.BOUNCE_GUARD_ADDRESS_KEY = SECRET;
    const address = uniqueAddress("keyed-cli");

    const suppressed = await table.run([
      "suppress",
      address,
      "--reason",
      "asked us not to mail",
      "--actor",
      "ops",
    ]);
    const checked = await table.run(["check", address, "--json"]);
    const raw = await table.dynamo.client.send(new ScanCommand({ TableName: table.dynamo.tableName }));
    const keyedStore = new DynamoDbSuppressionStore(
      table.dynamo.client,
      table.dynamo.tableName,
      DEFAULT_POLICY,
      hmacKeys(SECRET),
    );
    const stored = await keyedStore.get(address);

    expect(suppressed.code).toBe(0);
    expect(ndjson(checked.stdout)[0]).toMatchObject({ address, verdict: "suppress", reason: "manual" });
    expect(JSON.stringify(raw.Items)).not.toContain(address);
    expect(stored?.address).toMatch(/^h1:/);
    expect(assess(stored, DEFAULT_POLICY, NOW).suppression).toMatchObject({ by: "manual", actor: "ops" });
  });
});

describe("bounce-guard unsuppress --ses-sync", () => {
  // SES cannot run here: a stand-in records the SES v2 calls the command makes.
  function recordingSes(fail = false) {
    const calls: { name: string; input: unknown }[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: unknown }) => {
        calls.push({ name: command.constructor.name, input: command.input });
        if (fail) throw Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" });
        return {};
      },
    };
    return { calls, maker: () => client as never };
  }

  it("removes the reactivated address from the SES account-level list", async () => {
    const address = uniqueAddress("ses-sync");
    await table.store.apply(
      address,
      decide(verdictOf("hard", { address, timestamp: at(HOUR_SECONDS) })),
      NOW,
    );
    const ses = recordingSes();

    const result = await table.run(["unsuppress", address, "--reason", "verified", "--ses-sync", "--json"], {
      aws: { sesv2Writer: ses.maker },
    });

    expect(result.code).toBe(0);
    expect(ses.calls).toEqual([
      { name: "DeleteSuppressedDestinationCommand", input: { EmailAddress: address } },
    ]);
  });

  it("reports an SES failure with exit code 1 while keeping the reactivation", async () => {
    const address = uniqueAddress("ses-down");
    await table.store.apply(
      address,
      decide(verdictOf("hard", { address, timestamp: at(HOUR_SECONDS) })),
      NOW,
    );

    const result = await table.run(["unsuppress", address, "--reason", "verified", "--ses-sync", "--json"], {
      aws: { sesv2Writer: recordingSes(true).maker },
    });

    expect(result.code).toBe(1);
    expect(ndjson(result.stdout)[0]).toMatchObject({ address, outcome: "ses-sync-failed" });
    expect(assess(await table.store.get(address), DEFAULT_POLICY, NOW).status).toBe("active");
  });
});

describe("bounce-guard erase --ses-sync", () => {
  it("removes the erased address from the SES account-level list too, keeping the tombstone", async () => {
    // Prepare
    const address = uniqueAddress("erase-ses");
    await table.store.apply(
      address,
      decide(verdictOf("complaint", { address, timestamp: at(HOUR_SECONDS) })),
      NOW,
    );
    const calls: { name: string; input: unknown }[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: unknown }) => {
        calls.push({ name: command.constructor.name, input: command.input });
        return {};
      },
    };

    // Act
    const result = await table.run(
      ["erase", address, "--reason", "erasure request", "--ses-sync", "--json"],
      {
        aws: { sesv2Writer: () => client as never },
      },
    );

    // Assess
    expect(result.code).toBe(0);
    expect(ndjson(result.stdout)).toEqual([
      { address, outcome: "tombstoned", ses: "removed from the SES account list" },
    ]);
    expect(calls).toEqual([{ name: "DeleteSuppressedDestinationCommand", input: { EmailAddress: address } }]);
    expect(assess(await table.store.get(address), DEFAULT_POLICY, NOW).status).toBe("suppressed");
  });
});
