import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClientConfig } from "../../cli/local/aws-clients.ts";
import { EXIT } from "../../cli/main.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { PLAIN_KEYS } from "../../functions/core/address-key.ts";
import { DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import type { VerdictClass } from "../../functions/core/types.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import { at, uniqueAddress, verdictOf } from "../fixtures/scenarios/feedback.ts";
import { NOW, ndjson, type OpsTable, startOpsTable } from "./ops-support.ts";

let table: OpsTable;

beforeAll(async () => {
  table = await startOpsTable();
});

afterAll(async () => {
  await table.close();
});

/** Store one feedback event for `address` through the store, as the classifier would. */
async function feedback(
  address: string,
  verdictClass: VerdictClass,
  offsetSeconds = 0,
  writtenAt = NOW,
): Promise<void> {
  await table.store.apply(
    address,
    decide(verdictOf(verdictClass, { address, timestamp: at(offsetSeconds) })),
    writtenAt,
  );
}

async function why(address: string) {
  const result = await table.run(["why", address, "--json"]);
  expect(result.code).toBe(EXIT.ok);
  const [answer] = ndjson(result.stdout);
  return answer ?? {};
}

describe("bounce-guard suppress and why", () => {
  it("records a manual suppression that why shows with its actor, reason and audit entry", async () => {
    // Prepare
    const address = uniqueAddress("manual");

    // Act
    const suppressed = await table.run([
      "suppress",
      address,
      "--reason",
      "asked by legal",
      "--actor",
      "alice",
    ]);
    const answer = await why(address);

    // Assess
    expect(suppressed.code).toBe(EXIT.ok);
    expect(suppressed.stdout).toMatch(new RegExp(`${address}\\s+suppressed`));
    expect(answer).toMatchObject({
      address,
      verdict: "suppress",
      status: "suppressed",
      reason: "manual",
      since: NOW.toISOString(),
      suppression: { by: "manual", actor: "alice", note: "asked by legal" },
      audit: [{ at: NOW.toISOString(), action: "suppress", actor: "alice", reason: "asked by legal" }],
    });
  });

  it("prints who suppressed and the audit for people", async () => {
    // Prepare
    const address = uniqueAddress("manual-text");
    await table.run(["suppress", address, "--reason", "typo trap", "--actor", "bob"]);

    // Act
    const result = await table.run(["why", address]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(`${address}: suppress`);
    expect(result.stdout).toMatch(/by\s+an operator/);
    expect(result.stdout).toMatch(/actor\s+bob/);
    expect(result.stdout).toMatch(/suppress\s+bob\s+typo trap/);
  });

  it("keeps an earlier hard bounce as the answer and still audits the manual action", async () => {
    // Prepare
    const address = uniqueAddress("bounced-then-manual");
    await feedback(address, "hard");

    // Act
    const result = await table.run(["suppress", address, "--reason", "belt and braces", "--json"]);
    const answer = await why(address);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(ndjson(result.stdout)[0]).toMatchObject({ outcome: "already-suppressed" });
    expect(answer).toMatchObject({ suppression: { by: "hard" }, audit: [{ action: "suppress" }] });
  });

  it("shows the recent history with diagnostics", async () => {
    // Prepare
    const address = uniqueAddress("history");
    await feedback(address, "soft", 0);
    await feedback(address, "delivered", 60);

    // Act
    const result = await table.run(["why", address]);

    // Assess
    expect(result.stdout).toMatch(/history \(latest first, 2 of 2 kept\)/);
    expect(result.stdout).toMatch(/delivery\s+delivered\s+delivered/);
    expect(result.stdout).toMatch(/bounce\s+soft\s+mailboxfull/);
  });

  it("explains a permanent failure awaiting confirmation, then the suppression that confirmed it", async () => {
    // Prepare
    const address = uniqueAddress("unconfirmed");
    const hoursBeforeNow = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
    const unconfirmed = (timestamp: string) =>
      table.store.apply(address, decide(verdictOf("unconfirmed", { address, timestamp })), NOW);
    await unconfirmed(hoursBeforeNow(2));

    // Act
    const pending = await table.run(["why", address]);
    const pendingJson = await why(address);
    await unconfirmed(hoursBeforeNow(1));
    const confirmed = await table.run(["why", address]);

    // Assess
    expect(pending.stdout).toContain(
      `unconfirmed a permanent failure without a stated reason at ${hoursBeforeNow(2)}: not suppressed on SES's word alone`,
    );
    expect(pending.stdout).toMatch(/a second one by \S+ suppresses the address, a delivery clears it/);
    expect(pendingJson).toMatchObject({
      status: "deferred",
      awaitingConfirmation: { at: hoursBeforeNow(2) },
    });
    expect(confirmed.stdout).toMatch(
      /by\s+a second permanent failure without a stated reason, confirming the first/,
    );
    expect(confirmed.stdout).toContain(`confirms    the permanent failure of ${hoursBeforeNow(2)}`);
  });

  it("refuses suppress without --reason as a usage error and writes nothing", async () => {
    // Prepare
    const address = uniqueAddress("no-reason");

    // Act
    const result = await table.run(["suppress", address]);

    // Assess
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("suppress needs --reason TEXT");
    expect(await table.store.get(address)).toBeUndefined();
  });

  it("names an unreadable address, exits 1, and still suppresses the others", async () => {
    // Prepare
    const good = uniqueAddress("good");

    // Act
    const result = await table.run(["suppress", "not-an-address", good, "--reason", "x"]);

    // Assess
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain('"not-an-address" is not an e-mail address');
    expect((await why(good)).status).toBe("suppressed");
  });
});

describe("bounce-guard unsuppress", () => {
  it("reactivates a hard bounce, resets the counters, audits what it was, and the pre-send check answers send", async () => {
    // Prepare
    const address = uniqueAddress("hard");
    await feedback(address, "hard");
    const check = createPresendCheck({
      store: table.store,
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      now: () => NOW,
    });
    expect(await check({ addresses: [address] })).toMatchObject({ results: [{ verdict: "suppress" }] });

    // Act
    const result = await table.run([
      "unsuppress",
      address,
      "--reason",
      "mailbox exists again",
      "--actor",
      "carol",
    ]);
    const answer = await why(address);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(
      new RegExp(`${address}\\s+reactivated\\s+was suppressed \\(hard, userunknown\\)`),
    );
    expect(answer).toMatchObject({
      status: "active",
      verdict: "send",
      reactivatedAt: NOW.toISOString(),
      counts: { hard: 0, soft: 0, block: 0, complaint: 0, delivery: 0 },
      audit: [
        {
          action: "unsuppress",
          actor: "carol",
          reason: "mailbox exists again",
          previous: { by: "hard", reason: "userunknown", since: at(0) },
        },
      ],
    });
    expect(await check({ addresses: [address] })).toMatchObject({
      results: [{ address, verdict: "send", reason: "ok" }],
    });
  });

  it("refuses a complaint without --force (exit 1) while reactivating the other addresses", async () => {
    // Prepare
    const complained = uniqueAddress("complaint");
    const bounced = uniqueAddress("bounced");
    await feedback(complained, "complaint");
    await feedback(bounced, "hard");

    // Act
    const result = await table.run(["unsuppress", complained, bounced, "--reason", "cleanup", "--json"]);

    // Assess
    expect(result.code).toBe(EXIT.badInput);
    expect(ndjson(result.stdout)).toEqual([
      expect.objectContaining({
        address: complained,
        outcome: "refused",
        detail: expect.stringContaining("--force"),
      }),
      expect.objectContaining({ address: bounced, outcome: "reactivated" }),
    ]);
    expect((await why(complained)).status).toBe("suppressed");
    expect((await why(bounced)).status).toBe("active");
  });

  it("reactivates a complaint with --force and audits the complaint it overrode", async () => {
    // Prepare
    const address = uniqueAddress("forced");
    await feedback(address, "complaint");

    // Act
    const result = await table.run([
      "unsuppress",
      address,
      "--reason",
      "recipient asked to resubscribe",
      "--force",
    ]);
    const answer = await why(address);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(answer).toMatchObject({
      status: "active",
      audit: [{ action: "unsuppress", previous: { by: "complaint", reason: "feedback" } }],
    });
  });

  it("requires --reason", async () => {
    // Act
    const result = await table.run(["unsuppress", uniqueAddress("no-reason")]);

    // Assess
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("unsuppress needs --reason TEXT");
  });

  it("writes nothing and exits 1 when new feedback lands between its read and its write", async () => {
    // Prepare
    const address = uniqueAddress("raced");
    await feedback(address, "hard");
    // A client whose first UpdateItem is preceded by a complaint arriving through the pipeline.
    const racing = new DynamoDBClient(localClientConfig(table.dynamo.endpoint));
    let raced = false;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "UpdateItemCommand" && !raced) {
          raced = true;
          await feedback(address, "complaint", 60, new Date(NOW.getTime() + 1_000));
        }
        return next(args);
      },
      { step: "initialize", name: "complaintArrivesMeanwhile" },
    );

    try {
      // Act
      const result = await table.run(["unsuppress", address, "--reason", "too early", "--json"], {
        aws: { dynamodb: () => racing },
      });
      const answer = await why(address);

      // Assess
      expect(result.code).toBe(EXIT.badInput);
      expect(ndjson(result.stdout)[0]).toMatchObject({ address, outcome: "changed" });
      expect(answer).toMatchObject({ status: "suppressed", counts: { hard: 1, complaint: 1 }, audit: [] });
      expect(answer.reactivatedAt).toBeUndefined();
    } finally {
      racing.destroy();
    }
  });

  it("reports an address with no record without writing one", async () => {
    // Prepare
    const address = uniqueAddress("unknown");

    // Act
    const result = await table.run(["unsuppress", address, "--reason", "just in case"]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/not-found/);
    expect(await table.store.get(address)).toBeUndefined();
  });
});

describe("bounce-guard why and the retry window", () => {
  it("shows the open window: its start, end, next due time and whether it was released", async () => {
    const address = uniqueAddress("window");
    const windowed = new DynamoDbSuppressionStore(
      table.dynamo.client,
      table.dynamo.tableName,
      DEFAULT_POLICY,
      PLAIN_KEYS,
      {
        retryWindowSeconds: 48 * 3_600,
        pollSeconds: 4 * 3_600 + 900,
      },
    );
    const bouncedAt = new Date(NOW.getTime() - 3_600_000).toISOString();
    await windowed.apply(address, decide(verdictOf("soft", { address, timestamp: bouncedAt })), NOW);

    const answer = await why(address);
    const text = await table.run(["why", address]);

    expect(answer.window).toEqual({
      start: bouncedAt,
      end: new Date(Date.parse(bouncedAt) + 48 * 3_600_000).toISOString(),
      due: new Date(Date.parse(bouncedAt) + 4 * 3_600_000).toISOString(),
      releasedAt: "0",
      reason: answer.reason,
    });
    expect(text.stdout).toContain(`window      open ${bouncedAt} until `);
    expect(text.stdout).toContain("nothing released yet");
  });

  it("shows what made the last window's execution fail, as the state machine recorded it", async () => {
    const address = uniqueAddress("window-failed");
    await feedback(address, "soft");
    // What RecordFailure writes: the error as JSON, the window removed.
    await table.dynamo.client.send(
      new UpdateItemCommand({
        TableName: table.dynamo.tableName,
        Key: { pk: { S: address } },
        UpdateExpression: "SET wF = :failure",
        ExpressionAttributeValues: {
          ":failure": { S: '{"Error":"DynamoDB.ValidationException","Cause":"bad request"}' },
        },
      }),
    );

    const answer = await why(address);
    const text = await table.run(["why", address]);

    expect(answer.windowFailure).toContain("DynamoDB.ValidationException");
    expect(answer.window).toBeUndefined();
    expect(text.stdout).toContain('last window failed: {"Error":"DynamoDB.ValidationException"');
  });
});
