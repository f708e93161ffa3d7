import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readEnvironment } from "../../functions/adapters/environment.ts";
import {
  type Assessment,
  assess,
  type Counter,
  checkReactivation,
  DEFAULT_POLICY,
  decide,
  defers,
  type HistoryEntry,
  type PolicyConfig,
  policyConfig,
  policyOfSettings,
  type Suppression,
} from "../../functions/core/policy.ts";
import type { Reason, VerdictClass } from "../../functions/core/types.ts";
import {
  at,
  DAY_SECONDS,
  entryOf,
  HOUR_SECONDS,
  instant,
  MINUTE_SECONDS,
  stateOf,
  verdictOf,
} from "../fixtures/scenarios/feedback.ts";

/** `count` soft bounces an hour apart from `fromSeconds`, with the given reasons in turn. */
function softStreak(
  count: number,
  fromSeconds = 0,
  reasons: readonly Reason[] = ["mailboxfull"],
): HistoryEntry[] {
  return Array.from({ length: count }, (_, index) =>
    entryOf("soft", fromSeconds + index * HOUR_SECONDS, {
      reason: reasons[index % reasons.length] ?? "mailboxfull",
    }),
  );
}

/** Every ordering of `items`: the arrival orders SNS/SQS may choose. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe("policyConfig", () => {
  it("returns the defaults when given nothing", () => {
    // Prepare / Act
    const config = policyConfig();

    // Assess
    expect(config).toEqual(DEFAULT_POLICY);
    expect(config.softBounceThreshold).toBe(5);
  });

  it("merges valid overrides over the defaults", () => {
    // Act
    const config = policyConfig({ softBounceThreshold: 3, retryIntervalSeconds: 600 });

    // Assess
    expect(config).toEqual({ ...DEFAULT_POLICY, softBounceThreshold: 3, retryIntervalSeconds: 600 });
  });

  it.each<[string, Partial<PolicyConfig>, RegExp]>([
    [
      "softBounceThreshold 0",
      { softBounceThreshold: 0 },
      /softBounceThreshold must be an integer between 1 and 25, got 0/,
    ],
    [
      "softBounceThreshold 2.5",
      { softBounceThreshold: 2.5 },
      /softBounceThreshold must be an integer between 1 and 25, got 2\.5/,
    ],
    [
      "softBounceMemorySeconds 60",
      { softBounceMemorySeconds: 60 },
      /softBounceMemorySeconds must be an integer between 3600 and 31536000, got 60/,
    ],
    [
      "retryIntervalSeconds NaN",
      { retryIntervalSeconds: Number.NaN },
      /retryIntervalSeconds must be an integer between 60 and 2592000, got NaN/,
    ],
    [
      "historyTtlSeconds 10",
      { historyTtlSeconds: 10 },
      /historyTtlSeconds must be an integer between 86400 and 315360000, got 10/,
    ],
    [
      "historyLimit 500",
      { historyLimit: 500 },
      /historyLimit must be an integer between 10 and 200, got 500/,
    ],
    [
      "historyLimit 30 with softBounceThreshold 20",
      { softBounceThreshold: 20, historyLimit: 30 },
      /historyLimit \(30\) must be at least twice softBounceThreshold \(20\)/,
    ],
  ])("rejects %s with an error naming the setting and the bad value", (_name, setting, message) => {
    // Act / Assess
    expect(() => policyConfig(setting)).toThrow(RangeError);
    expect(() => policyConfig(setting)).toThrow(message);
  });

  it("lets a local run's policy wait seconds, never a deployed one", () => {
    // Act
    const local = policyConfig({ retryIntervalSeconds: 1, softBounceMemorySeconds: 5 }, { localRun: true });

    // Assess
    expect(local).toMatchObject({ retryIntervalSeconds: 1, softBounceMemorySeconds: 5 });
    expect(() => policyConfig({ retryIntervalSeconds: 1 })).toThrow(/retryIntervalSeconds must be/);
    expect(() => policyConfig({ softBounceThreshold: 0 }, { localRun: true })).toThrow(/softBounceThreshold/);
  });
});

describe("policyOfSettings", () => {
  it("reads a policy written as JSON over the defaults", () => {
    // Act
    const policy = policyOfSettings(
      JSON.parse(JSON.stringify({ softBounceThreshold: 3, deferBlocks: false })),
    );

    // Assess
    expect(policy).toEqual({ ...DEFAULT_POLICY, softBounceThreshold: 3, deferBlocks: false });
  });

  it.each<[string, unknown, RegExp]>([
    ["a string", "threshold 3", /a policy must be an object of settings, got "threshold 3"/],
    ["an array", [3], /a policy must be an object of settings, got \[3\]/],
    ["an unknown setting", { softBounceLimit: 3 }, /unknown policy setting "softBounceLimit"/],
    ["a value out of its limits", { historyTtlSeconds: 10 }, /historyTtlSeconds must be an integer/],
    ["a number written as a string", { softBounceThreshold: "3" }, /softBounceThreshold must be an integer/],
  ])("refuses %s, naming what is wrong", (_name, value, message) => {
    // Act / Assess
    expect(() => policyOfSettings(value)).toThrow(message);
  });
});

describe("decide", () => {
  it.each<["hard" | "complaint", Counter]>([
    ["hard", "hard"],
    ["complaint", "complaint"],
  ])("suppresses a %s verdict at once and counts it as %s", (verdictClass, counter) => {
    // Prepare
    const verdict = verdictOf(verdictClass, { status: "5.1.1", diagnostic: "smtp; 550 5.1.1 user unknown" });

    // Act
    const decision = decide(verdict);

    // Assess
    expect(decision).toEqual({
      kind: "suppress",
      counter,
      entry: {
        id: verdict.eventId,
        at: verdict.timestamp,
        event: verdict.event,
        class: verdictClass,
        reason: verdict.reason,
        status: "5.1.1",
        diagnostic: "smtp; 550 5.1.1 user unknown",
        messageId: verdict.messageId,
      },
      suppression: {
        at: verdict.timestamp,
        by: verdictClass,
        reason: verdict.reason,
        status: "5.1.1",
        diagnostic: "smtp; 550 5.1.1 user unknown",
        messageId: verdict.messageId,
      },
    });
  });

  it.each<VerdictClass>(["hard", "complaint"])(
    "suppresses a %s SES did not send (already on an SES list) by ses without counting it",
    (verdictClass) => {
      // Prepare
      const verdict = verdictOf(verdictClass, { reason: "suppressed", suppressedBySes: true });

      // Act
      const decision = decide(verdict);

      // Assess
      expect(decision.kind).toBe("suppress");
      expect(decision).not.toHaveProperty("counter");
      expect(decision.kind === "suppress" && decision.suppression).toMatchObject({
        by: "ses",
        reason: "suppressed",
      });
    },
  );

  it.each<[VerdictClass, Counter | "no counter", boolean]>([
    ["soft", "soft", true],
    ["block", "block", false],
    ["delivered", "delivery", false],
    ["autoreply", "no counter", false],
  ])(
    "records a verdict of class %s with %s and mayReachThreshold %s",
    (verdictClass, counterName, mayReachThreshold) => {
      const counter = counterName === "no counter" ? undefined : counterName;
      // Prepare
      const verdict = verdictOf(verdictClass);

      // Act
      const decision = decide(verdict);

      // Assess
      expect(decision.kind).toBe("record");
      expect(decision.kind === "record" && decision.mayReachThreshold).toBe(mayReachThreshold);
      expect(decision.kind === "record" && decision.counter).toBe(counter);
      expect(decision.kind === "record" && decision.entry.id).toBe(verdict.eventId);
    },
  );

  it("never suppresses a block: a blocked sender is not a dead address", () => {
    // Act
    const decision = decide(verdictOf("block", { reason: "blocked", status: "5.7.1" }));

    // Assess
    expect(decision.kind).not.toBe("suppress");
  });

  it("does nothing for an ignored verdict and says why", () => {
    // Prepare
    const verdict = verdictOf("ignore", { explanation: "ignored: Open is an open tracking event" });

    // Act
    const decision = decide(verdict);

    // Assess
    expect(decision).toEqual({ kind: "none", why: "ignored: Open is an open tracking event" });
  });

  it.each<VerdictClass>(["soft", "block", "hard", "complaint", "delivered"])(
    "records a delay event of class %s without counting it, since SES is still retrying",
    (verdictClass) => {
      // Prepare
      const verdict = verdictOf(verdictClass, { event: "delay", sesType: "DeliveryDelay" });

      // Act
      const decision = decide(verdict);

      // Assess
      expect(decision).toEqual({
        kind: "record",
        entry: expect.objectContaining({ event: "delay" }),
        mayReachThreshold: false,
      });
      expect(decision).not.toHaveProperty("counter");
    },
  );

  it("keeps at most 200 characters of a diagnostic in the history entry", () => {
    // Prepare
    const verdict = verdictOf("soft", { diagnostic: "x".repeat(2_000) });

    // Act
    const decision = decide(verdict);

    // Assess
    expect(decision.kind === "record" && decision.entry.diagnostic).toHaveLength(200);
  });
});

describe("assess: soft-bounce streak", () => {
  it("reads an address with no stored state as active with no streak", () => {
    // Act
    const assessment = assess(undefined, DEFAULT_POLICY, instant(0));

    // Assess
    expect(assessment).toEqual({ status: "active", streak: { count: 0, reasons: [] }, blockCount: 0 });
  });

  it("counts four soft bounces in a row without reaching the default threshold of five", () => {
    // Prepare
    const history = softStreak(4);

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(4 * HOUR_SECONDS));

    // Assess
    expect(assessment.streak.count).toBe(4);
    expect(assessment.suppression).toBeUndefined();
    expect(assessment.status).not.toBe("suppressed");
    expect(assessment).not.toHaveProperty("thresholdSuppression");
  });

  it("reaches the threshold at the fifth soft bounce with the streak's reasons, oldest first", () => {
    // Prepare
    const reasons: Reason[] = ["mailboxfull", "systemfull", "networkerror", "mailboxfull", "expired"];
    const history = softStreak(5, 0, reasons);
    const fifth = history[4];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(5 * HOUR_SECONDS));

    // Assess
    expect(assessment).toMatchObject({
      status: "suppressed",
      reason: "expired",
      since: at(4 * HOUR_SECONDS),
    });
    expect(assessment.suppression).toEqual<Suppression>({
      at: at(4 * HOUR_SECONDS),
      by: "soft-threshold",
      reason: "expired",
      messageId: fifth?.messageId ?? "",
      streakReasons: reasons,
    });
    expect(assessment.streak).toEqual({ count: 5, reasons, startedAt: at(0), lastAt: at(4 * HOUR_SECONDS) });
  });

  it.each([1, 3, 5, 8])(
    "needs exactly %i soft bounces when that is the configured threshold",
    (threshold) => {
      // Prepare
      const config = policyConfig({ softBounceThreshold: threshold });

      // Act
      const below = assess(stateOf(softStreak(threshold - 1)), config, instant(threshold * HOUR_SECONDS));
      const reached = assess(stateOf(softStreak(threshold)), config, instant(threshold * HOUR_SECONDS));

      // Assess
      expect(below.suppression).toBeUndefined();
      expect(reached.suppression?.by).toBe("soft-threshold");
      expect(reached.suppression?.streakReasons).toHaveLength(threshold);
    },
  );

  it("starts the streak over after a delivery", () => {
    // Prepare
    const history = [
      ...softStreak(4),
      entryOf("delivered", 4 * HOUR_SECONDS),
      entryOf("soft", 5 * HOUR_SECONDS, { reason: "systemfull" }),
    ];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(5 * HOUR_SECONDS));

    // Assess
    expect(assessment.suppression).toBeUndefined();
    expect(assessment.streak).toMatchObject({
      count: 1,
      reasons: ["systemfull"],
      startedAt: at(5 * HOUR_SECONDS),
    });
  });

  it("starts the streak over when soft bounces are further apart than softBounceMemorySeconds", () => {
    // Prepare
    const memory = DEFAULT_POLICY.softBounceMemorySeconds;
    const lastOfFirst = 3 * HOUR_SECONDS;
    const history = [...softStreak(4), ...softStreak(4, lastOfFirst + memory + 1)];

    // Act
    const assessment = assess(
      stateOf(history),
      DEFAULT_POLICY,
      instant(lastOfFirst + memory + 4 * HOUR_SECONDS),
    );

    // Assess
    expect(assessment.suppression).toBeUndefined();
    expect(assessment.streak.count).toBe(4);
  });

  it("keeps the streak when the gap is exactly softBounceMemorySeconds", () => {
    // Prepare
    const memory = DEFAULT_POLICY.softBounceMemorySeconds;
    const history = [...softStreak(4), entryOf("soft", 3 * HOUR_SECONDS + memory)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(4 * HOUR_SECONDS + memory));

    // Assess
    expect(assessment.suppression?.by).toBe("soft-threshold");
  });

  it.each<[string, number, number]>([
    ["exactly at the end of the memory", 0, 3],
    ["one second past the memory", 1, 0],
  ])("reads a streak %s as count %i", (_when, afterLastSeconds, count) => {
    // Prepare
    const history = softStreak(3);
    const lastSoft = 2 * HOUR_SECONDS;
    const now = instant(lastSoft + DEFAULT_POLICY.softBounceMemorySeconds + afterLastSeconds);

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, now);

    // Assess
    expect(assessment.streak.count).toBe(count);
    expect(assessment.streak.reasons).toHaveLength(count);
  });

  it("does not add blocks to the soft streak", () => {
    // Prepare
    const history = [
      ...softStreak(4),
      entryOf("block", 4 * HOUR_SECONDS),
      entryOf("block", 5 * HOUR_SECONDS),
      entryOf("block", 6 * HOUR_SECONDS),
    ];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(6 * HOUR_SECONDS));

    // Assess
    expect(assessment.streak.count).toBe(4);
    expect(assessment.suppression).toBeUndefined();
  });

  it("never counts delay events, whatever their class", () => {
    // Prepare
    const history = [
      ...softStreak(4),
      entryOf("soft", 4 * HOUR_SECONDS, { event: "delay" }),
      entryOf("soft", 5 * HOUR_SECONDS, { event: "delay" }),
    ];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(5 * HOUR_SECONDS));

    // Assess
    expect(assessment.streak.count).toBe(4);
    expect(assessment.suppression).toBeUndefined();
  });

  it("does not let autoreplies reset or extend the streak", () => {
    // Prepare
    const history = [...softStreak(4), entryOf("autoreply", 4 * HOUR_SECONDS)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(4 * HOUR_SECONDS));

    // Assess
    expect(assessment.streak.count).toBe(4);
  });
});

describe("assess: deferral", () => {
  const retry = DEFAULT_POLICY.retryIntervalSeconds;

  it.each<VerdictClass>(["soft", "block"])(
    "defers an address after a %s bounce until retryIntervalSeconds after its event time",
    (verdictClass) => {
      // Prepare
      const bounce = entryOf(verdictClass, HOUR_SECONDS);

      // Act
      const assessment = assess(stateOf([bounce]), DEFAULT_POLICY, instant(HOUR_SECONDS + retry - 1));

      // Assess
      expect(assessment).toMatchObject({
        status: "deferred",
        reason: bounce.reason,
        since: at(HOUR_SECONDS),
        retryAt: at(HOUR_SECONDS + retry),
      });
    },
  );

  it.each<[string, number]>([
    ["at", 0],
    ["a minute after", 60],
  ])("reads the address as active again %s retryAt", (_when, afterRetrySeconds) => {
    // Prepare
    const history = [entryOf("soft", 0)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(retry + afterRetrySeconds));

    // Assess
    expect(assessment.status).toBe("active");
    expect(assessment.retryAt).toBeUndefined();
    expect(assessment.streak.count).toBe(1);
  });

  it("takes retryAt from the latest soft or block bounce by event time", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("block", 2 * HOUR_SECONDS, { reason: "spamdetected" })];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(2 * HOUR_SECONDS + MINUTE_SECONDS));

    // Assess
    expect(assessment).toMatchObject({
      status: "deferred",
      reason: "spamdetected",
      retryAt: at(2 * HOUR_SECONDS + retry),
    });
  });

  it("lifts the deferral when a later delivery succeeds", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("delivered", 10 * MINUTE_SECONDS)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(20 * MINUTE_SECONDS));

    // Assess
    expect(assessment.status).toBe("active");
  });

  it("does not defer on a delay event", () => {
    // Prepare
    const history = [entryOf("soft", 0, { event: "delay" })];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(MINUTE_SECONDS));

    // Assess
    expect(assessment.status).toBe("active");
  });

  it("reports the stored block counter as blockCount", () => {
    // Prepare
    const state = stateOf([entryOf("block", 0)], {
      counts: { hard: 0, soft: 0, block: 7, complaint: 0, delivery: 0 },
    });

    // Act
    const assessment = assess(state, DEFAULT_POLICY, instant(MINUTE_SECONDS));

    // Assess
    expect(assessment.blockCount).toBe(7);
  });
});

describe("assess: suppression", () => {
  it("keeps a stored suppression after a later delivery", () => {
    // Prepare
    const hard = entryOf("hard", 0);
    const suppression: Suppression = {
      at: hard.at,
      by: "hard",
      reason: "userunknown",
      messageId: hard.messageId,
    };
    const state = stateOf([hard, entryOf("delivered", DAY_SECONDS)], { suppression });

    // Act
    const assessment = assess(state, DEFAULT_POLICY, instant(2 * DAY_SECONDS));

    // Assess
    expect(assessment).toMatchObject({
      status: "suppressed",
      reason: "userunknown",
      since: at(0),
      suppression,
    });
  });

  it("keeps a reached soft threshold after later deliveries: the history decides, not a stored snapshot", () => {
    // Prepare
    const history = [...softStreak(5), entryOf("delivered", 6 * HOUR_SECONDS)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(7 * HOUR_SECONDS));

    // Assess
    expect(assessment.status).toBe("suppressed");
    expect(assessment.suppression?.by).toBe("soft-threshold");
    expect(assessment.streak.count).toBe(0);
  });

  it("keeps the stored suppression's reason over a threshold reached later", () => {
    // Prepare
    const suppression: Suppression = { at: at(0), by: "complaint", reason: "feedback" };
    const state = stateOf(softStreak(5, HOUR_SECONDS), { suppression });

    // Act
    const assessment = assess(state, DEFAULT_POLICY, instant(DAY_SECONDS));

    // Assess
    expect(assessment.suppression).toEqual(suppression);
  });

  it("keeps a stored snapshot once the history no longer holds its evidence", () => {
    // Prepare: the hard bounce has been trimmed out; only deliveries are left
    const suppression: Suppression = { at: at(0), by: "hard", reason: "userunknown", status: "5.1.1" };
    const state = stateOf([entryOf("delivered", DAY_SECONDS), entryOf("delivered", 2 * DAY_SECONDS)], {
      suppression,
    });

    // Act
    const assessment = assess(state, DEFAULT_POLICY, instant(3 * DAY_SECONDS));

    // Assess
    expect(assessment).toMatchObject({
      status: "suppressed",
      reason: "userunknown",
      since: at(0),
      suppression,
    });
  });

  it.each<["hard" | "complaint", Reason, "hard" | "complaint" | "ses"]>([
    ["hard", "userunknown", "hard"],
    ["complaint", "feedback", "complaint"],
    ["hard", "suppressed", "ses"],
    ["complaint", "suppressed", "ses"],
  ])(
    "reads a %s entry with reason %s in the history as a suppression by %s, with no snapshot stored",
    (verdictClass, reason, by) => {
      // Prepare
      const entry = entryOf(verdictClass, HOUR_SECONDS, {
        reason,
        status: "5.1.1",
        diagnostic: "smtp; 550 5.1.1 user unknown",
        feedbackId: "feedback-1",
      });

      // Act
      const assessment = assess(
        stateOf([entryOf("delivered", 0), entry, entryOf("delivered", DAY_SECONDS)]),
        DEFAULT_POLICY,
        instant(2 * DAY_SECONDS),
      );

      // Assess
      expect(assessment).toMatchObject({ status: "suppressed", reason, since: at(HOUR_SECONDS) });
      expect(assessment.suppression).toEqual<Suppression>({
        at: at(HOUR_SECONDS),
        by,
        reason,
        status: "5.1.1",
        diagnostic: "smtp; 550 5.1.1 user unknown",
        feedbackId: "feedback-1",
        messageId: entry.messageId,
      });
    },
  );

  it("does not suppress on a hard bounce or complaint reported as a delay", () => {
    // Prepare
    const history = [
      entryOf("hard", 0, { event: "delay" }),
      entryOf("complaint", HOUR_SECONDS, { event: "delay" }),
    ];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(2 * HOUR_SECONDS));

    // Assess
    expect(assessment.status).toBe("active");
    expect(assessment.suppression).toBeUndefined();
  });

  it("takes the earliest hard bounce or complaint by event time, whatever the arrival order", () => {
    // Prepare: the complaint happened first but arrived after the hard bounce
    const hard = entryOf("hard", 2 * HOUR_SECONDS);
    const complaint = entryOf("complaint", HOUR_SECONDS);

    // Act
    const hardFirst = assess(stateOf([hard, complaint]), DEFAULT_POLICY, instant(DAY_SECONDS));
    const complaintFirst = assess(stateOf([complaint, hard]), DEFAULT_POLICY, instant(DAY_SECONDS));

    // Assess
    expect(hardFirst).toMatchObject({ status: "suppressed", reason: "feedback", since: at(HOUR_SECONDS) });
    expect(hardFirst.suppression).toMatchObject({ by: "complaint", messageId: complaint.messageId });
    expect(complaintFirst).toEqual(hardFirst);
  });

  it("prefers an earlier complaint in the history over a later snapshot written by the first arrival", () => {
    // Prepare: the hard bounce arrived first and wrote the snapshot; the earlier complaint came later
    const hard = entryOf("hard", 2 * HOUR_SECONDS);
    const complaint = entryOf("complaint", HOUR_SECONDS);
    const snapshot: Suppression = {
      at: hard.at,
      by: "hard",
      reason: "userunknown",
      messageId: hard.messageId,
    };

    // Act
    const assessment = assess(
      stateOf([hard, complaint], { suppression: snapshot }),
      DEFAULT_POLICY,
      instant(DAY_SECONDS),
    );

    // Assess
    expect(assessment).toMatchObject({ status: "suppressed", reason: "feedback", since: at(HOUR_SECONDS) });
    expect(assessment.suppression?.by).toBe("complaint");
  });

  it("prefers an earlier snapshot over a later hard bounce in the history", () => {
    // Prepare
    const snapshot: Suppression = { at: at(0), by: "soft-threshold", reason: "mailboxfull" };

    // Act
    const assessment = assess(
      stateOf([entryOf("hard", HOUR_SECONDS)], { suppression: snapshot }),
      DEFAULT_POLICY,
      instant(DAY_SECONDS),
    );

    // Assess
    expect(assessment.suppression).toEqual(snapshot);
  });

  it("prefers a soft-bounce threshold reached before a later hard bounce", () => {
    // Prepare
    const history = [entryOf("hard", 5 * HOUR_SECONDS), ...softStreak(5)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(DAY_SECONDS));

    // Assess
    expect(assessment).toMatchObject({ status: "suppressed", since: at(4 * HOUR_SECONDS) });
    expect(assessment.suppression?.by).toBe("soft-threshold");
  });

  it("prefers a hard bounce before the soft-bounce threshold was reached", () => {
    // Prepare
    const hard = entryOf("hard", 3 * HOUR_SECONDS + MINUTE_SECONDS);
    const history = [...softStreak(5), hard];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(DAY_SECONDS));

    // Assess
    expect(assessment).toMatchObject({ status: "suppressed", since: hard.at, reason: "userunknown" });
    expect(assessment.suppression?.by).toBe("hard");
  });

  it("keeps a hard bounce in the history after later deliveries", () => {
    // Prepare
    const history = [
      entryOf("hard", 0),
      entryOf("delivered", HOUR_SECONDS),
      entryOf("delivered", DAY_SECONDS),
    ];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(2 * DAY_SECONDS));

    // Assess
    expect(assessment).toMatchObject({ status: "suppressed", since: at(0) });
  });
});

describe("assess: event order", () => {
  const config = policyConfig({
    softBounceThreshold: 3,
    softBounceMemorySeconds: 2 * HOUR_SECONDS,
    retryIntervalSeconds: 30 * MINUTE_SECONDS,
    historyLimit: 30,
  });
  // "unconfirmed" among them: the confirmation path must be as order-independent as the streak.
  const classes: VerdictClass[] = ["soft", "soft", "soft", "block", "delivered", "autoreply", "unconfirmed"];
  const reasons: Reason[] = ["mailboxfull", "systemfull", "networkerror", "expired"];

  /** Histories of up to 12 events at distinct minutes within 10 hours, some of them delays. */
  const histories = fc
    .uniqueArray(
      fc.record({
        minute: fc.integer({ min: 0, max: 600 }),
        verdictClass: fc.constantFrom(...classes),
        reason: fc.constantFrom(...reasons),
        delay: fc.boolean(),
      }),
      { minLength: 1, maxLength: 12, selector: (event) => event.minute },
    )
    .map((events) =>
      events.map(({ minute, verdictClass, reason, delay }) =>
        entryOf(verdictClass, minute * MINUTE_SECONDS, {
          ...(verdictClass === "soft" || verdictClass === "block" ? { reason } : {}),
          ...(delay && verdictClass !== "delivered" ? { event: "delay" as const } : {}),
        }),
      ),
    );

  function byEventTime(history: readonly HistoryEntry[]): HistoryEntry[] {
    return [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  }

  it("gives the same assessment for a history in any arrival order", () => {
    fc.assert(
      fc.property(
        histories.chain((history) =>
          fc.tuple(
            fc.constant(history),
            fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }),
            fc.integer({ min: 0, max: 12 * 60 }),
          ),
        ),
        ([history, shuffled, nowMinutes]) => {
          // Prepare
          const now = instant(nowMinutes * MINUTE_SECONDS);

          // Act
          const inEventOrder: Assessment = assess(stateOf(byEventTime(history)), config, now);
          const inArrivalOrder: Assessment = assess(stateOf(shuffled), config, now);

          // Assess
          expect(inArrivalOrder).toEqual(inEventOrder);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a streak that arrived newest first as if it had arrived in order", () => {
    // Prepare
    const reasons: Reason[] = ["mailboxfull", "systemfull", "networkerror", "mailboxfull", "expired"];
    const history = softStreak(5, 0, reasons).reverse();

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(5 * HOUR_SECONDS));

    // Assess
    expect(assessment.suppression?.streakReasons).toEqual(reasons);
  });

  it("never reaches the threshold when a delivery happened inside the streak, in any of the 720 arrival orders", () => {
    // Prepare: five soft bounces an hour apart; the delivery lies between the third and the fourth
    const softs = softStreak(5);
    const delivered = entryOf("delivered", 2 * HOUR_SECONDS + 30 * MINUTE_SECONDS);
    const now = instant(5 * HOUR_SECONDS);
    const orders = permutations([...softs, delivered]);

    // Act
    const assessments = orders.map((history) => assess(stateOf(history), DEFAULT_POLICY, now));

    // Assess
    expect(orders).toHaveLength(720);
    for (const assessment of assessments) {
      expect(assessment.suppression).toBeUndefined();
      expect(assessment).toMatchObject({
        status: "deferred",
        since: at(4 * HOUR_SECONDS),
        streak: { count: 2, startedAt: at(3 * HOUR_SECONDS) },
      });
    }
  });

  it("reaches the threshold at the fifth soft bounce's time in any of the 120 arrival orders", () => {
    // Prepare
    const reasons: Reason[] = ["mailboxfull", "systemfull", "networkerror", "mailboxfull", "expired"];
    const softs = softStreak(5, 0, reasons);
    const orders = permutations(softs);

    // Act
    const suppressions = orders.map(
      (history) => assess(stateOf(history), DEFAULT_POLICY, instant(5 * HOUR_SECONDS)).suppression,
    );

    // Assess
    expect(orders).toHaveLength(120);
    for (const suppression of suppressions) {
      expect(suppression).toEqual({
        at: at(4 * HOUR_SECONDS),
        by: "soft-threshold",
        reason: "expired",
        messageId: softs[4]?.messageId,
        streakReasons: reasons,
      });
    }
  });

  it("reads a delivery at the same instant as the fifth soft bounce as after it, so the threshold is reached", () => {
    // Prepare
    const history = [entryOf("delivered", 4 * HOUR_SECONDS), ...softStreak(5)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(5 * HOUR_SECONDS));

    // Assess
    expect(assessment.suppression).toMatchObject({ by: "soft-threshold", at: at(4 * HOUR_SECONDS) });
    expect(assessment.streak.count).toBe(0);
  });

  it("gives the same assessment for a soft bounce and a delivery with the same timestamp in either order", () => {
    // Prepare: SNS/SQS may deliver the two in either order; only their timestamps are equal.
    const soft = entryOf("soft", HOUR_SECONDS);
    const delivered = entryOf("delivered", HOUR_SECONDS);

    // Act
    const softFirst = assess(
      stateOf([soft, delivered]),
      DEFAULT_POLICY,
      instant(HOUR_SECONDS + MINUTE_SECONDS),
    );
    const deliveredFirst = assess(
      stateOf([delivered, soft]),
      DEFAULT_POLICY,
      instant(HOUR_SECONDS + MINUTE_SECONDS),
    );

    // Assess
    expect(deliveredFirst).toEqual(softFirst);
  });

  /** Like `histories`, with hard bounces and complaints (some SES-suppressed) among the events. */
  const suppressingHistories = fc
    .uniqueArray(
      fc.record({
        minute: fc.integer({ min: 0, max: 600 }),
        verdictClass: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...classes) },
          { weight: 1, arbitrary: fc.constantFrom<VerdictClass>("hard", "complaint") },
        ),
        reason: fc.constantFrom(...reasons),
        sesSuppressed: fc.boolean(),
        delay: fc.boolean(),
      }),
      { minLength: 1, maxLength: 12, selector: (event) => event.minute },
    )
    .map((events) =>
      events.map(({ minute, verdictClass, reason, sesSuppressed, delay }) =>
        entryOf(verdictClass, minute * MINUTE_SECONDS, {
          ...(verdictClass === "soft" || verdictClass === "block" ? { reason } : {}),
          ...((verdictClass === "hard" || verdictClass === "complaint") && sesSuppressed
            ? { reason: "suppressed" as const }
            : {}),
          ...(delay && verdictClass !== "delivered" ? { event: "delay" as const } : {}),
        }),
      ),
    );

  const snapshots = fc.option(
    fc.record({
      minute: fc.integer({ min: 0, max: 600 }),
      by: fc.constantFrom<Suppression["by"]>("hard", "complaint", "soft-threshold", "confirmed", "manual"),
    }),
    { nil: undefined },
  );

  it("gives the same assessment, with hard bounces, complaints and a snapshot, in any arrival order", () => {
    fc.assert(
      fc.property(
        suppressingHistories.chain((history) =>
          fc.tuple(
            fc.constant(history),
            fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }),
            snapshots,
            fc.integer({ min: 0, max: 12 * 60 }),
          ),
        ),
        ([history, shuffled, snapshot, nowMinutes]) => {
          // Prepare
          const now = instant(nowMinutes * MINUTE_SECONDS);
          const suppression: Suppression | undefined =
            snapshot === undefined
              ? undefined
              : { at: at(snapshot.minute * MINUTE_SECONDS), by: snapshot.by, reason: "userunknown" };
          const overrides = suppression !== undefined ? { suppression } : {};

          // Act
          const inEventOrder = assess(stateOf(byEventTime(history), overrides), config, now);
          const inArrivalOrder = assess(stateOf(shuffled, overrides), config, now);

          // Assess
          expect(inArrivalOrder).toEqual(inEventOrder);
          if (suppression !== undefined) {
            expect(inEventOrder.status).toBe("suppressed");
            expect(inEventOrder.since !== undefined && inEventOrder.since <= suppression.at).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never changes the assessment by storing its own suppression as the snapshot", () => {
    fc.assert(
      fc.property(suppressingHistories, fc.integer({ min: 0, max: 12 * 60 }), (history, nowMinutes) => {
        // Prepare
        const now = instant(nowMinutes * MINUTE_SECONDS);
        const before = assess(stateOf(history), config, now);
        const overrides = before.suppression !== undefined ? { suppression: before.suppression } : {};

        // Act
        const after = assess(stateOf(history, overrides), config, now);

        // Assess
        expect(after).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a suppressed address suppressed, no later than before, once the oldest arrivals are trimmed behind a snapshot", () => {
    fc.assert(
      fc.property(
        suppressingHistories.chain((history) =>
          fc.tuple(
            fc.shuffledSubarray(history, { minLength: history.length, maxLength: history.length }),
            fc.integer({ min: 0, max: history.length }),
          ),
        ),
        fc.integer({ min: 0, max: 12 * 60 }),
        ([arrived, dropped], nowMinutes) => {
          // Prepare
          const now = instant(nowMinutes * MINUTE_SECONDS);
          const before = assess(stateOf(arrived), config, now);
          fc.pre(before.suppression !== undefined);
          const snapshot = before.suppression !== undefined ? { suppression: before.suppression } : {};

          // Act
          const after = assess(stateOf(arrived.slice(dropped), snapshot), config, now);

          // Assess
          expect(after.status).toBe("suppressed");
          expect(after.since !== undefined && before.since !== undefined && after.since <= before.since).toBe(
            true,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("assess: permanent failures without a stated reason (the confirmation path)", () => {
  const unconfirmed = (offsetSeconds: number, overrides: Partial<HistoryEntry> = {}) =>
    entryOf("unconfirmed", offsetSeconds, { reason: "onhold", status: "5.0.0", ...overrides });

  it("defers the address after one, without suppressing it, and says until when a second one would", () => {
    // Prepare
    const history = [unconfirmed(0)];

    // Act
    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(MINUTE_SECONDS));

    // Assess
    expect(assessment).toMatchObject({
      status: "deferred",
      reason: "onhold",
      since: at(0),
      retryAt: at(DEFAULT_POLICY.retryIntervalSeconds),
      awaitingConfirmation: { at: at(0), until: at(DEFAULT_POLICY.softBounceMemorySeconds) },
    });
    expect(assessment.suppression).toBeUndefined();
  });

  it("suppresses at the second one, by confirmation, naming the first", () => {
    // Prepare
    const second = unconfirmed(5 * HOUR_SECONDS, { reason: "undefined", diagnostic: "smtp; 550 xyzzy" });

    // Act
    const assessment = assess(stateOf([unconfirmed(0), second]), DEFAULT_POLICY, instant(6 * HOUR_SECONDS));

    // Assess
    expect(assessment.status).toBe("suppressed");
    expect(assessment.suppression).toEqual({
      at: at(5 * HOUR_SECONDS),
      by: "confirmed",
      reason: "undefined",
      confirms: at(0),
      status: "5.0.0",
      diagnostic: "smtp; 550 xyzzy",
      messageId: second.messageId,
    });
    expect(assessment.awaitingConfirmation).toBeUndefined();
  });

  it("does not confirm across a delivery: the address answered in between", () => {
    const history = [unconfirmed(0), entryOf("delivered", HOUR_SECONDS), unconfirmed(2 * HOUR_SECONDS)];

    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(3 * HOUR_SECONDS));

    expect(assessment.status).not.toBe("suppressed");
    expect(assessment.awaitingConfirmation).toEqual({
      at: at(2 * HOUR_SECONDS),
      until: at(2 * HOUR_SECONDS + DEFAULT_POLICY.softBounceMemorySeconds),
    });
  });

  it("does not confirm one older than the soft-bounce memory, and forgets it once the memory has passed", () => {
    const memory = DEFAULT_POLICY.softBounceMemorySeconds;
    const history = [unconfirmed(0), unconfirmed(memory + 1)];

    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(memory + 2));
    const muchLater = assess(stateOf([unconfirmed(0)]), DEFAULT_POLICY, instant(memory + 1));

    expect(assessment.status).not.toBe("suppressed");
    expect(muchLater).toMatchObject({ status: "active" });
    expect(muchLater.awaitingConfirmation).toBeUndefined();
  });

  it("is not confirmed by soft bounces or blocks, which still keep it deferred", () => {
    const history = [unconfirmed(0), entryOf("soft", HOUR_SECONDS), entryOf("block", 2 * HOUR_SECONDS)];

    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(2 * HOUR_SECONDS + MINUTE_SECONDS));

    expect(assessment).toMatchObject({ status: "deferred", awaitingConfirmation: { at: at(0) } });
  });

  it("counts in the soft-bounce streak like a soft bounce", () => {
    const history = [...softStreak(3), unconfirmed(3 * HOUR_SECONDS)];

    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(4 * HOUR_SECONDS));

    expect(assessment.streak.count).toBe(4);
  });

  it("still suppresses a real hard bounce at once", () => {
    const history = [unconfirmed(0), entryOf("hard", HOUR_SECONDS)];

    const assessment = assess(stateOf(history), DEFAULT_POLICY, instant(2 * HOUR_SECONDS));

    expect(assessment.suppression).toMatchObject({ by: "hard", at: at(HOUR_SECONDS) });
  });

  it("confirms at the same moment in every arrival order of two unconfirmed failures among other feedback", () => {
    // Prepare
    const history = [
      unconfirmed(0),
      entryOf("soft", HOUR_SECONDS),
      entryOf("autoreply", 90 * MINUTE_SECONDS),
      entryOf("block", 2 * HOUR_SECONDS),
      unconfirmed(3 * HOUR_SECONDS, { reason: "undefined" }),
    ];
    const now = instant(4 * HOUR_SECONDS);
    const expected = assess(stateOf(history), DEFAULT_POLICY, now);

    // Act
    const assessments = permutations(history).map((order) => assess(stateOf(order), DEFAULT_POLICY, now));

    // Assess
    expect(expected.suppression).toMatchObject({
      by: "confirmed",
      at: at(3 * HOUR_SECONDS),
      confirms: at(0),
    });
    expect(assessments).toHaveLength(120);
    for (const assessment of assessments) expect(assessment).toEqual(expected);
  });

  it("decides an unconfirmed verdict as a counted, deferring record that may bring a suppression", () => {
    const decision = decide(verdictOf("unconfirmed", { reason: "onhold", status: "5.0.0" }));

    expect(decision).toMatchObject({ kind: "record", counter: "soft", mayReachThreshold: true });
    expect(defers(decision, DEFAULT_POLICY)).toBe(true);
  });
});

describe("checkReactivation", () => {
  const hard = entryOf("hard", HOUR_SECONDS);
  const complaint = { ...entryOf("complaint", 2 * HOUR_SECONDS), reason: "feedback" as const };

  it("refuses without force when a complaint followed the hard bounce that is shown as the suppression", () => {
    const state = stateOf([hard, complaint]);
    const assessment = assess(state, DEFAULT_POLICY, instant(3 * HOUR_SECONDS));

    expect(assessment.suppression?.by).toBe("hard");
    expect(checkReactivation(state, assessment, false)).toMatchObject({ ok: false });
    expect(checkReactivation(state, assessment, true)).toMatchObject({ ok: true, previous: { by: "hard" } });
  });

  it("allows a hard bounce alone to be reactivated and keeps what it was", () => {
    const state = stateOf([hard]);
    const assessment = assess(state, DEFAULT_POLICY, instant(3 * HOUR_SECONDS));

    expect(checkReactivation(state, assessment, false)).toEqual({
      ok: true,
      previous: { by: "hard", reason: "userunknown", since: at(HOUR_SECONDS) },
    });
  });

  it("forgets a complaint that an earlier, forced reactivation already dealt with", () => {
    const state = {
      ...stateOf([complaint, entryOf("hard", 5 * HOUR_SECONDS)]),
      reactivatedAt: at(3 * HOUR_SECONDS),
    };
    const assessment = assess(state, DEFAULT_POLICY, instant(6 * HOUR_SECONDS));

    expect(checkReactivation(state, assessment, false)).toMatchObject({ ok: true });
  });
});

describe("block handling", () => {
  const block = entryOf("block", 9 * HOUR_SECONDS);

  it("defers a blocked address by default and counts the block without suppressing", () => {
    const assessment = assess(stateOf([block]), DEFAULT_POLICY, instant(10 * HOUR_SECONDS));

    expect(assessment).toMatchObject({
      status: "deferred",
      reason: "blocked",
      retryAt: at(13 * HOUR_SECONDS),
    });
  });

  it("leaves a blocked address active when deferBlocks is off", () => {
    const config = policyConfig({ deferBlocks: false });

    const assessment = assess(stateOf([block]), config, instant(10 * HOUR_SECONDS));

    expect(assessment.status).toBe("active");
  });

  it("reads DEFER_BLOCKS from the environment, on unless it says false", () => {
    expect(readEnvironment({ TABLE_NAME: "t" }).policy.deferBlocks).toBe(true);
    expect(readEnvironment({ TABLE_NAME: "t", DEFER_BLOCKS: "false" }).policy.deferBlocks).toBe(false);
  });
});
