import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClientConfig } from "../../cli/local/aws-clients.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { assess, DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import {
  at,
  DAY_SECONDS,
  HOUR_SECONDS,
  unique,
  uniqueAddress,
  verdictOf,
} from "../fixtures/scenarios/feedback.ts";
import { NOW, ndjson, type OpsTable, startOpsTable } from "./ops-support.ts";

let table: OpsTable;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  table = await startOpsTable();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await table.close();
});

/** Another client on the same table, whose requests a test can hold back or interleave. */
function separateClient(): DynamoDBClient {
  const client = new DynamoDBClient(localClientConfig(table.dynamo.endpoint));
  clients.push(client);
  return client;
}

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/**
 * A store on its own client whose follow-up writes (the update requests `isFollowUp` picks) wait
 * until `release` fires; `eventWritten` settles once an event's own write is done, and `held`
 * lists the follow-ups' expressions.
 */
function storeHoldingFollowUps(isFollowUp: (expression: string) => boolean) {
  const eventWritten = signal();
  const release = signal();
  const held: string[] = [];
  const client = separateClient();
  client.middlewareStack.add(
    (next) => async (args) => {
      const expression = String((args.input as { UpdateExpression?: string }).UpdateExpression ?? "");
      if (isFollowUp(expression)) {
        held.push(expression);
        await release.promise;
      }
      const result = await next(args);
      if (expression.includes("list_append(if_not_exists(#hist")) eventWritten.fire();
      return result;
    },
    { step: "initialize", name: "holdTheFollowUps" },
  );
  const store = new DynamoDbSuppressionStore(client, table.dynamo.tableName, DEFAULT_POLICY);
  return { store, eventWritten: eventWritten.promise, release: release.fire, held };
}

/** The day `days` after the fixtures' start, at noon: every event of these tests is before NOW. */
function day(days: number): string {
  return at(days * DAY_SECONDS + 12 * HOUR_SECONDS);
}

describe("reactivation cannot be undone", () => {
  it("never lets a hard bounce dated before the reactivation suppress the address again, nor keep it from expiring", async () => {
    // Prepare
    const address = uniqueAddress("late-hard");
    await table.store.apply(address, decide(verdictOf("hard", { address, timestamp: day(1) })), NOW);
    const unsuppressed = await table.run(["unsuppress", address, "--reason", "verified by phone"]);
    const lateBounce = verdictOf("hard", { address, timestamp: day(2), eventId: unique("late") });

    // Act
    const applied = await table.store.apply(address, decide(lateBounce), NOW);
    const stored = await table.store.get(address);
    const checked = await table.run(["check", "--json", address]);

    // Assess
    expect(unsuppressed.code).toBe(0);
    expect(applied.kind === "applied" && applied.assessment.status).toBe("active");
    expect(assess(stored, DEFAULT_POLICY, NOW).status).toBe("active");
    expect(ndjson(checked.stdout).map((answer) => answer.verdict)).toEqual(["send"]);
    expect({ retained: stored?.retained, snapshot: stored?.suppression }).toEqual({
      retained: undefined,
      snapshot: undefined,
    });
    expect(typeof stored?.expiresAt).toBe("number");
  });

  it("does not write back the old suppression when a trim computed before a reactivation lands after it", async () => {
    // Prepare: a suppressed address one event short of the history limit, and a client whose
    // follow-up writes wait until the operator has reactivated the address.
    const address = uniqueAddress("trim-race");
    await table.store.apply(address, decide(verdictOf("hard", { address, timestamp: day(1) })), NOW);
    for (let index = 0; index < DEFAULT_POLICY.historyLimit - 1; index += 1) {
      await table.store.apply(
        address,
        decide(verdictOf("autoreply", { address, timestamp: day(2 + index) })),
        NOW,
      );
    }
    const racing = storeHoldingFollowUps((expression) => expression.includes("REMOVE #hist["));

    // Act
    const applying = racing.store.apply(
      address,
      decide(verdictOf("autoreply", { address, timestamp: day(25) })),
      NOW,
    );
    await racing.eventWritten;
    const unsuppressed = await table.run(["unsuppress", address, "--reason", "verified", "--force"]);
    racing.release();
    await applying;
    const stored = await table.store.get(address);

    // Assess
    expect(unsuppressed.code).toBe(0);
    expect(assess(stored, DEFAULT_POLICY, NOW).status).toBe("active");
    expect(stored?.suppression).toBeUndefined();
    expect(stored?.retained).toBeUndefined();
  });

  it("neither retains nor marks for SES a confirmation whose follow-up a reactivation overtook", async () => {
    // Prepare: one permanent failure without a reason, and a client whose follow-up writes wait
    // until the operator has reactivated the address.
    const address = uniqueAddress("confirm-race");
    await table.store.apply(address, decide(verdictOf("unconfirmed", { address, timestamp: day(1) })), NOW);
    const racing = storeHoldingFollowUps(
      (expression) => expression.includes("#retained = :retained") && !expression.includes("#hist"),
    );

    // Act: the second failure confirms the first; the operator reactivates before its follow-up.
    const applying = racing.store.apply(
      address,
      decide(verdictOf("unconfirmed", { address, timestamp: day(2) })),
      NOW,
      { sync: true },
    );
    await racing.eventWritten;
    const unsuppressed = await table.run(["unsuppress", address, "--reason", "verified"]);
    racing.release();
    const applied = await applying;
    const stored = await table.store.get(address);

    // Assess: the follow-up (retain and the SES mark) was tried once, conditioned, and lost.
    expect(unsuppressed.code).toBe(0);
    expect(racing.held).toHaveLength(1);
    expect(racing.held[0]).toContain("#sp = :markedPut");
    expect(applied.kind === "applied" && applied.assessment.status).toBe("active");
    expect(applied.kind === "applied" && applied.ses).toBeUndefined();
    expect(assess(stored, DEFAULT_POLICY, NOW).status).toBe("active");
    expect({ retained: stored?.retained, sesPut: stored?.sesPut }).toEqual({
      retained: undefined,
      sesPut: undefined,
    });
  });
});

describe("interrupted attempts", () => {
  it("releases a late hard bounce's item on its redelivery when the first attempt stopped after its write", async () => {
    // Prepare: a reactivated address, and a first attempt whose follow-up write never happens.
    const address = uniqueAddress("late-hard-crash");
    await table.store.apply(address, decide(verdictOf("hard", { address, timestamp: day(1) })), NOW);
    await table.run(["unsuppress", address, "--reason", "verified"]);
    const late = verdictOf("hard", { address, timestamp: day(2), eventId: unique("late") });
    const crashing = separateClient();
    crashing.middlewareStack.add(
      (next) => async (args) => {
        const expression = String((args.input as { UpdateExpression?: string }).UpdateExpression ?? "");
        if (expression.includes("REMOVE #retained")) throw new Error("the function was killed");
        return next(args);
      },
      { step: "initialize", name: "dieBeforeTheFollowUp" },
    );
    const crashingStore = new DynamoDbSuppressionStore(crashing, table.dynamo.tableName, DEFAULT_POLICY);
    await expect(crashingStore.apply(address, decide(late), NOW)).rejects.toThrow("killed");

    // Act
    const redelivered = await table.store.apply(address, decide(late), NOW);
    const stored = await table.store.get(address);

    // Assess
    expect(redelivered.kind).toBe("duplicate");
    expect({ retained: stored?.retained, snapshot: stored?.suppression }).toEqual({
      retained: undefined,
      snapshot: undefined,
    });
    expect(typeof stored?.expiresAt).toBe("number");
  });
});

describe("erase races", () => {
  it("does not lose a complaint that lands between the erase's read and its delete", async () => {
    // Prepare: an address that is not suppressed, and a client that lets a complaint land just
    // before the erase's first write.
    const address = uniqueAddress("erase-race");
    await table.store.apply(address, decide(verdictOf("soft", { address, timestamp: day(1) })), NOW);
    const complaint = verdictOf("complaint", { address, timestamp: day(2) });
    let complained = false;
    const racing = separateClient();
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const writes = ["DeleteItemCommand", "UpdateItemCommand"];
        if (!complained && writes.includes(String(context.commandName))) {
          complained = true;
          await table.store.apply(address, decide(complaint), NOW);
        }
        return next(args);
      },
      { step: "initialize", name: "complainBeforeTheErase" },
    );

    // Act
    const erased = await table.run(["erase", address, "--reason", "erasure request", "--json"], {
      aws: { dynamodb: () => racing },
    });
    const checked = await table.run(["check", "--json", address]);

    // Assess
    expect(complained).toBe(true);
    expect(ndjson(erased.stdout)).toEqual([{ address, outcome: "tombstoned" }]);
    expect(ndjson(checked.stdout)[0]).toMatchObject({ verdict: "suppress", reason: "feedback" });
  });

  it("keeps the erased events' ids, so a redelivered bounce cannot bring the history back", async () => {
    // Prepare
    const address = uniqueAddress("erase-redelivered");
    const bounce = verdictOf("hard", { address, timestamp: day(1), diagnostic: "550 5.1.1 no such user" });
    await table.store.apply(address, decide(bounce), NOW);
    await table.run(["erase", address, "--reason", "erasure request"]);

    // Act
    const redelivered = await table.store.apply(address, decide(bounce), NOW);
    const stored = await table.store.get(address);

    // Assess
    expect(redelivered.kind).toBe("duplicate");
    expect(stored?.history).toEqual([]);
    expect(stored?.counts.hard).toBe(1);
  });
});
