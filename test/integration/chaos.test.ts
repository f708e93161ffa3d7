import { beforeAll, describe, expect, it } from "vitest";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { assess, DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import { DEFAULT_RECORD_RETRY, retryBudgetSeconds } from "../../functions/core/record-retry.ts";
import type { RecipientVerdict } from "../../functions/core/types.ts";
import {
  at,
  DAY_SECONDS,
  instant,
  unique,
  uniqueAddress,
  verdictOf,
} from "../fixtures/scenarios/feedback.ts";
import { type ChaosOptions, type ChaosReport, runChaos, sameInstantReplay } from "../support/chaos-replay.ts";
import { runHorizonReplay } from "../support/horizon-replay.ts";
import { runOutage } from "../support/outage-replay.ts";

/** About 2,000 notifications over a few hundred addresses, with every kind of trouble at once. */
const CHAOS: ChaosOptions = {
  stream: {
    seed: 20261126,
    notifications: 2_000,
    addresses: 280,
    end: new Date("2025-06-01T00:00:00.000Z"),
  },
  faults: { seed: 7, rate: 0.08 },
  // As deployed: the stack's receives, poison to the DLQ at once, transient failures held back with
  // growing delays (here in seconds, not the deployed minutes and hours).
  maxReceiveCount: DEFAULT_RECORD_RETRY.maxReceiveCount,
  recordRetry: { ...DEFAULT_RECORD_RETRY, firstDelaySeconds: 1, maxDelaySeconds: 2 },
  windows: { seed: 5, throttleRate: 0.25 },
  sesSync: { seed: 6, failureRate: 0.25 },
  kills: { seed: 8, rate: 0.04 },
  operators: { seed: 9, rate: 0.02 },
  visibilityTimeoutSeconds: 2,
  concurrency: 4,
  // Fed in while the pollers work, as the bench does: the end of the stream is sent after its start was worked.
  queueWindow: 500,
  deadlineMs: 90_000,
};

describe("chaos replay: ~2,000 notifications through the local SQS with duplicates, reordering, poison and DynamoDB faults", () => {
  let report: ChaosReport;

  beforeAll(async () => {
    // Act (shared by the assertions below: one replay, judged from several sides)
    report = await runChaos(CHAOS);
  }, 120_000);

  it("generates the stream it claims: copies in both formats, rewrapped and exact duplicates, poison, control messages", () => {
    // Assess
    expect(report.notifications).toBeGreaterThanOrEqual(2_000);
    expect(report.addresses).toBeGreaterThan(200);
    expect(report.messagesByKind["exact-duplicate"]).toBeGreaterThan(0);
    expect(report.messagesByKind["other-format"]).toBeGreaterThan(0);
    expect(report.messagesByKind.rewrapped).toBeGreaterThan(0);
    expect(report.messagesByKind.poison).toBeGreaterThan(20);
    expect(report.messagesByKind.control).toBeGreaterThan(0);
    expect({ poisonAccepted: report.poisonAccepted, goodRejected: report.goodRejected }).toEqual({
      poisonAccepted: 0,
      goodRejected: 0,
    });
  });

  it("exercises every suppression path, live deferrals and addresses that were never suppressed", () => {
    // Assess
    for (const status of [
      "suppressed:hard",
      "suppressed:complaint",
      "suppressed:ses",
      "suppressed:soft-threshold",
      "deferred",
      "active",
    ]) {
      expect(report.modelStatuses[status] ?? 0, status).toBeGreaterThan(0);
    }
  });

  it("injects faults before and after DynamoDB applied a write, and some reach the handler so SQS redelivers", () => {
    // Assess
    const moments = Object.keys(report.faultsThrown).map((label) => label.split("/").slice(1).join("/"));
    expect(new Set(moments)).toEqual(new Set(["before/handler", "after/handler", "before/sdk", "after/sdk"]));
    expect(report.goodRecordsRedelivered).toBeGreaterThan(0);
    expect(report.receives).toBeGreaterThan(report.messages);
  });

  it("gives every event id one meaning across duplicates, formats and wrappings", () => {
    // Assess
    expect(report.eventIdConflicts).toBe(0);
  });

  it("leaves a table that matches the model computed by the pure policy over the de-duplicated stream", () => {
    // Assess
    expect(report.differences.slice(0, 20)).toEqual([]);
    expect(report.mismatchedAddresses).toBe(0);
    expect(report.unexpectedItems).toEqual([]);
  });

  it("counts no event twice", () => {
    // Assess
    expect(report.doubleCountedAddresses).toBe(0);
  });

  it("applies every good message", () => {
    // Assess
    expect(report.unappliedMessages).toBe(0);
    expect(report.queueDepthAfter).toBe(0);
  });

  it("moves every poison message to the DLQ and nothing else", () => {
    // Assess
    expect(report.deadLetters.unexpected).toEqual([]);
    expect(report.deadLetters.missingPoison).toEqual([]);
    expect(report.deadLetters.count).toBe(report.messagesByKind.poison + report.deadLetters.repeatedPoison);
    expect(report.goodRecordsDeadLettered).toBe(0);
  });

  it("kills invocations after some of their writes, and their redeliveries finish the work", () => {
    // Assess (that the table matches the model is asserted above, with the kills on)
    expect(report.killedInvocations).toBeGreaterThan(0);
  });

  it("starts an execution for every window on the table, though StartExecution was throttled", () => {
    // Assess
    expect(report.windows?.throttled).toBeGreaterThan(0);
    expect(report.windows?.open).toBeGreaterThan(0);
    expect(report.windows?.withoutExecution).toEqual([]);
  });

  it("leaves SES's (emulated) list agreeing with the table, though puts failed", () => {
    // Assess
    expect(report.sesList?.failedPuts).toBeGreaterThan(0);
    expect(report.sesList?.listed).toBeGreaterThan(0);
    expect({ extra: report.sesList?.extra, missing: report.sesList?.missing }).toEqual({
      extra: [],
      missing: [],
    });
  });

  it("keeps what operators did while the queue was worked: reactivated addresses stay active, tombstones suppressed", () => {
    // Assess
    expect(report.operators?.unsuppressed).toBeGreaterThan(0);
    expect(report.operators?.erased).toBeGreaterThan(0);
    expect(report.operators?.violations).toEqual([]);
  });
});

describe("chaos: a DynamoDB outage of hours, in simulated time", () => {
  const small = {
    seed: 31,
    notifications: 30,
    addresses: 12,
    end: new Date("2025-06-01T00:00:00.000Z"),
    poisonRate: 0.05,
  };

  it("keeps every good record out of the DLQ through a 6-hour outage, and sends poison there at once", async () => {
    // Act
    const report = await runOutage({ stream: small, outageSeconds: 6 * 3_600 });

    // Assess
    expect(report.poison).toBeGreaterThan(0);
    expect(report.goodRecordsDeadLettered).toBe(0);
    expect(report.poisonDeadLettered).toBe(report.poison);
    expect(report.simulatedHours).toBeGreaterThanOrEqual(6);
    expect(report.mismatchedAddresses).toBe(0);
  }, 120_000);

  it("dead-letters good records in an outage longer than the retry budget, and a redrive brings every one back", async () => {
    // Prepare: an hour beyond the budget, with the jitter at its shortest (the replay's choice).
    const outageSeconds = retryBudgetSeconds(DEFAULT_RECORD_RETRY) + 3_600;

    // Act
    const report = await runOutage({ stream: small, outageSeconds, redrive: true });

    // Assess
    expect(report.goodRecordsDeadLettered).toBeGreaterThan(0);
    expect(report.redriven).toBe(report.goodRecordsDeadLettered);
    expect(report.mismatchedAddresses).toBe(0);
  }, 120_000);
});

describe("chaos: the default history limit, a clock that advances, and late duplicates", () => {
  it("recognises late copies of events trimmed from the history and answers as the model", async () => {
    // Act
    const report = await runHorizonReplay({
      stream: {
        seed: 21,
        notifications: 700,
        addresses: 25,
        end: new Date("2025-06-01T00:00:00.000Z"),
        exactDuplicateRate: 0,
        rewrapRate: 0,
        poisonRate: 0,
      },
      lateCopyRate: 0.2,
    });

    // Assess
    expect(report.trimmedAddresses).toBeGreaterThan(0);
    expect(report.lateCopiesOfTrimmedEvents).toBeGreaterThan(0);
    expect(report.differences.slice(0, 10)).toEqual([]);
  }, 120_000);
});

describe("chaos replay: a stream it cannot generate", () => {
  it("fails with the generator's error and stops the emulator process it started beside", async () => {
    // Prepare
    const options: ChaosOptions = { ...CHAOS, stream: { ...CHAOS.stream, poisonSpan: 2 } };

    // Act
    const replay = runChaos(options);

    // Assess (a child left running would also keep this test file from finishing)
    await expect(replay).rejects.toThrow(/poisonSpan must be in \(0, 1\], got 2/);
  });
});

describe("chaos replay: events at the same instant", () => {
  it("keeps the same suppression whatever order a hard bounce and a complaint of the same instant arrive in", async () => {
    // Prepare: each address gets a hard bounce and a complaint stamped with the same millisecond;
    // the shuffle sends about half of them complaint first.
    const options = sameInstantReplay(16);

    // Act
    const report = await runChaos(options);

    // Assess
    expect(report.addresses).toBe(16);
    expect(
      (report.modelStatuses["suppressed:hard"] ?? 0) + (report.modelStatuses["suppressed:complaint"] ?? 0),
    ).toBe(16);
    expect(report.differences).toEqual([]);
  });
});

describe("chaos: concurrent events on one address", () => {
  it("keeps a suppressed address retained when a late delivery's release races a soft bounce that reaches the threshold again", async () => {
    // Prepare: six soft bounces a day apart (the fifth reached the threshold, so the item is
    // retained); then, at once, a late delivery from day 1.5 (which breaks that streak) and a
    // seventh soft bounce (which makes the streak after the delivery five long again).
    const dynamo = await startLocalDynamoDb();
    try {
      const address = uniqueAddress("race");
      const softs = Array.from({ length: 7 }, (_, day) =>
        verdictOf("soft", { address, timestamp: at(day * DAY_SECONDS), eventId: unique("soft") }),
      );
      const lateDelivery = verdictOf("delivered", {
        address,
        timestamp: at(1.5 * DAY_SECONDS),
        eventId: unique("delivery"),
      });
      const seventh = softs[6] as RecipientVerdict;
      const now = instant(7 * DAY_SECONDS);
      const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY);
      for (const soft of softs.slice(0, 6)) await store.apply(address, decide(soft), now);
      // The interleaving a busy table produces: the delivery's write, the seventh bounce's write,
      // then the delivery's follow-up write, which was computed before the seventh bounce landed.
      let deliveryWritten: () => void = () => {};
      let seventhWritten: () => void = () => {};
      const afterDelivery = new Promise<void>((resolve) => {
        deliveryWritten = resolve;
      });
      const afterSeventh = new Promise<void>((resolve) => {
        seventhWritten = resolve;
      });
      dynamo.client.middlewareStack.add(
        (next) => async (args) => {
          const input = JSON.stringify(args.input);
          const followUp = !input.includes("ConditionExpression");
          if (input.includes(seventh.eventId)) await afterDelivery;
          if (followUp) await afterSeventh;
          const result = await next(args);
          if (input.includes(lateDelivery.eventId)) deliveryWritten();
          if (input.includes(seventh.eventId)) seventhWritten();
          return result;
        },
        { step: "initialize", name: "interleaveDeliveryAndSeventhBounce" },
      );

      // Act
      await Promise.all([
        store.apply(address, decide(lateDelivery), now),
        store.apply(address, decide(seventh), now),
      ]);
      const stored = await store.get(address);

      // Assess
      expect(assess(stored, DEFAULT_POLICY, now).suppression?.by).toBe("soft-threshold");
      expect({ retained: stored?.retained === true, expiresAt: stored?.expiresAt }).toEqual({
        retained: true,
        expiresAt: undefined,
      });
    } finally {
      await dynamo.close();
    }
  });
});
