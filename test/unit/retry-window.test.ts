import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { ConfigurationError, readEnvironment } from "../../functions/adapters/environment.ts";
import { createStepFunctionsScheduler } from "../../functions/adapters/retry-scheduler.ts";
import {
  type Assessment,
  assess,
  DEFAULT_POLICY,
  decide,
  defers,
  type HistoryEntry,
  type PolicyConfig,
  policyConfig,
} from "../../functions/core/policy.ts";
import {
  DEFAULT_RETRY_WINDOW,
  executionName,
  NEVER_RELEASED,
  newWindow,
  opensWindow,
  type RetryWindowConfig,
  repairOf,
  retryWindowConfig,
  type StoredWindow,
  WINDOW_ATTRIBUTES,
  type WindowStart,
  windowFromItem,
  windowStartOf,
} from "../../functions/core/retry-window.ts";
import type { VerdictClass } from "../../functions/core/types.ts";
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

const RETRY = DEFAULT_POLICY.retryIntervalSeconds;
const WINDOW = DEFAULT_RETRY_WINDOW.retryWindowSeconds;
const CONFIG = retryWindowConfig();
const KEY = "someone@example.com";
const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:bounce-guard-retry-window";

/** Step Functions execution names: 1 to 80 letters, digits, hyphens and underscores. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The window a deferring event at `offsetSeconds` opens under the default settings, as stored. */
function storedWindow(offsetSeconds: number, overrides: Partial<StoredWindow> = {}): StoredWindow {
  return {
    start: at(offsetSeconds),
    end: at(offsetSeconds + WINDOW),
    due: at(offsetSeconds + RETRY),
    releasedAt: NEVER_RELEASED,
    reason: "mailboxfull",
    ...overrides,
  };
}

/** The assessment of `history` at `nowSeconds` under `policy`. */
function assessmentOf(
  history: readonly HistoryEntry[],
  nowSeconds: number,
  policy: PolicyConfig = DEFAULT_POLICY,
): Assessment {
  return assess(stateOf(history), policy, instant(nowSeconds));
}

describe("retryWindowConfig", () => {
  it("defaults to a 48 hour window and a poll of 4 hours 15 minutes", () => {
    // Act
    const config = retryWindowConfig();

    // Assess
    expect(config).toEqual({ retryWindowSeconds: 48 * HOUR_SECONDS, pollSeconds: 4 * HOUR_SECONDS + 900 });
    expect(config).toEqual(DEFAULT_RETRY_WINDOW);
  });

  it("merges valid overrides over the defaults", () => {
    // Act
    const config = retryWindowConfig({ retryWindowSeconds: 7 * DAY_SECONDS, pollSeconds: 2 * HOUR_SECONDS });

    // Assess
    expect(config).toEqual({ retryWindowSeconds: 7 * DAY_SECONDS, pollSeconds: 2 * HOUR_SECONDS });
  });

  it("accepts the limits themselves", () => {
    // Act / Assess
    expect(retryWindowConfig({ retryWindowSeconds: HOUR_SECONDS, pollSeconds: 60 })).toEqual({
      retryWindowSeconds: HOUR_SECONDS,
      pollSeconds: 60,
    });
    expect(
      retryWindowConfig({ retryWindowSeconds: 30 * DAY_SECONDS, pollSeconds: 31 * DAY_SECONDS }),
    ).toEqual({
      retryWindowSeconds: 30 * DAY_SECONDS,
      pollSeconds: 31 * DAY_SECONDS,
    });
  });

  it.each<[string, Partial<RetryWindowConfig>, RegExp]>([
    [
      "retryWindowSeconds below an hour",
      { retryWindowSeconds: HOUR_SECONDS - 1 },
      /retryWindowSeconds must be an integer between 3600 and 2592000, got 3599/,
    ],
    [
      "retryWindowSeconds above 30 days",
      { retryWindowSeconds: 30 * DAY_SECONDS + 1 },
      /retryWindowSeconds must be an integer between 3600 and 2592000, got 2592001/,
    ],
    [
      "a fractional retryWindowSeconds",
      { retryWindowSeconds: 7200.5 },
      /retryWindowSeconds must be an integer between 3600 and 2592000, got 7200\.5/,
    ],
    [
      "pollSeconds below a minute",
      { pollSeconds: 59 },
      /pollSeconds must be an integer between 60 and 2678400, got 59/,
    ],
    [
      "pollSeconds above 31 days",
      { pollSeconds: 31 * DAY_SECONDS + 1 },
      /pollSeconds must be an integer between 60 and 2678400, got 2678401/,
    ],
    [
      "a NaN pollSeconds",
      { pollSeconds: Number.NaN },
      /pollSeconds must be an integer between 60 and 2678400, got NaN/,
    ],
  ])("rejects %s with a RangeError naming the setting and the value", (_name, overrides, message) => {
    // Act / Assess
    expect(() => retryWindowConfig(overrides)).toThrow(RangeError);
    expect(() => retryWindowConfig(overrides)).toThrow(message);
  });
});

describe("executionName", () => {
  it("is the same for the same key and window start", () => {
    // Act / Assess
    expect(executionName(KEY, at(0))).toBe(executionName(KEY, at(0)));
  });

  it("differs for the next window of the same address", () => {
    // Act / Assess
    expect(executionName(KEY, at(0))).not.toBe(executionName(KEY, at(WINDOW + HOUR_SECONDS)));
  });

  it("differs for another key with the same window start", () => {
    // Act / Assess
    expect(executionName(KEY, at(0))).not.toBe(executionName("other@example.com", at(0)));
  });

  it.each<[string, string]>([
    ["a plain address", "Private.Person+tag@Example.com"],
    ["a keyed-mode HMAC", `h1:${"ab".repeat(32)}`],
    ["a very long key", `${"x".repeat(300)}@example.com`],
    ["an empty key", ""],
  ])("meets Step Functions' name rules for %s", (_name, key) => {
    // Act
    const name = executionName(key, at(0));

    // Assess
    expect(name).toMatch(EXECUTION_NAME);
  });

  it("carries neither the key nor the address, in the name or the window start built from them", () => {
    // Prepare
    const address = "Private.Person@example.com";
    const key = "private.person@example.com";

    // Act
    const start = windowStartOf(key, address, storedWindow(0), CONFIG);

    // Assess
    expect(start.name).toBe(executionName(key, at(0)));
    expect(start.name.toLowerCase()).not.toContain("private");
    expect(start.name.toLowerCase()).not.toContain("example");
    expect(start.name).toMatch(EXECUTION_NAME);
  });
});

describe("windowStartOf", () => {
  it("starts the execution with everything it needs: key, address, window, due time and poll", () => {
    // Prepare
    const window = storedWindow(HOUR_SECONDS);
    const config = retryWindowConfig({ pollSeconds: 5 * HOUR_SECONDS });

    // Act
    const start: WindowStart = windowStartOf("h1:abc", KEY, window, config);

    // Assess
    expect(start).toEqual({
      name: executionName("h1:abc", at(HOUR_SECONDS)),
      input: {
        key: "h1:abc",
        address: KEY,
        windowStart: at(HOUR_SECONDS),
        windowEnd: at(HOUR_SECONDS + WINDOW),
        dueAt: at(HOUR_SECONDS + RETRY),
        pollSeconds: 5 * HOUR_SECONDS,
      },
    });
  });
});

describe("windowFromItem", () => {
  it("reads every stored window attribute", () => {
    // Prepare
    const item = {
      address: KEY,
      [WINDOW_ATTRIBUTES.start]: at(0),
      [WINDOW_ATTRIBUTES.end]: at(WINDOW),
      [WINDOW_ATTRIBUTES.due]: at(RETRY),
      [WINDOW_ATTRIBUTES.released]: at(RETRY - HOUR_SECONDS),
      [WINDOW_ATTRIBUTES.reason]: "mailboxfull",
      [WINDOW_ATTRIBUTES.failure]: "States.TaskFailed",
    };

    // Act
    const window = windowFromItem(item);

    // Assess
    expect(window).toEqual({
      start: at(0),
      end: at(WINDOW),
      due: at(RETRY),
      releasedAt: at(RETRY - HOUR_SECONDS),
      reason: "mailboxfull",
      failure: "States.TaskFailed",
    });
  });

  it("reads a window that was never released as NEVER_RELEASED, without a failure", () => {
    // Prepare
    const item = {
      [WINDOW_ATTRIBUTES.start]: at(0),
      [WINDOW_ATTRIBUTES.end]: at(WINDOW),
      [WINDOW_ATTRIBUTES.due]: at(RETRY),
      [WINDOW_ATTRIBUTES.reason]: "blocked",
    };

    // Act
    const window = windowFromItem(item);

    // Assess
    expect(window).toEqual({
      start: at(0),
      end: at(WINDOW),
      due: at(RETRY),
      releasedAt: NEVER_RELEASED,
      reason: "blocked",
    });
    expect(window).not.toHaveProperty("failure");
  });

  it.each<keyof typeof WINDOW_ATTRIBUTES>(["start", "end", "due"])(
    "reads no window when %s is missing",
    (missing) => {
      // Prepare
      const item: Record<string, unknown> = {
        [WINDOW_ATTRIBUTES.start]: at(0),
        [WINDOW_ATTRIBUTES.end]: at(WINDOW),
        [WINDOW_ATTRIBUTES.due]: at(RETRY),
        [WINDOW_ATTRIBUTES.released]: NEVER_RELEASED,
        [WINDOW_ATTRIBUTES.reason]: "mailboxfull",
      };
      delete item[WINDOW_ATTRIBUTES[missing]];

      // Act / Assess
      expect(windowFromItem(item)).toBeUndefined();
    },
  );

  it("reads no window from an item without one", () => {
    // Act / Assess
    expect(windowFromItem({ address: KEY, history: [] })).toBeUndefined();
  });

  it("sorts NEVER_RELEASED before any ISO timestamp, so released < due holds until the first release", () => {
    // Prepare
    const timestamps = [at(0), "0001-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z", at(RETRY)];

    // Act / Assess
    for (const timestamp of timestamps) {
      expect(NEVER_RELEASED < timestamp).toBe(true);
    }
    expect([at(RETRY), NEVER_RELEASED, at(0)].sort()).toEqual([NEVER_RELEASED, at(0), at(RETRY)]);
  });
});

describe("newWindow", () => {
  it("opens at the event, ends retryWindowSeconds later and is due at the given retry time", () => {
    // Act
    const window = newWindow(at(HOUR_SECONDS), "blocked", at(HOUR_SECONDS + RETRY), CONFIG);

    // Assess
    expect(window).toEqual({
      start: at(HOUR_SECONDS),
      end: at(HOUR_SECONDS + WINDOW),
      due: at(HOUR_SECONDS + RETRY),
      reason: "blocked",
    });
  });
});

describe("opensWindow", () => {
  it.each<[string, number]>([
    ["just now", 0],
    ["an hour ago", HOUR_SECONDS],
    ["a second short of the window", WINDOW - 1],
  ])("opens a window for a deferring event %s", (_when, ageSeconds) => {
    // Act / Assess
    expect(opensWindow(at(0), instant(ageSeconds), CONFIG)).toBe(true);
  });

  it.each<[string, number]>([
    ["exactly the window ago", WINDOW],
    ["older than the window", WINDOW + 1],
    ["days older than the window", WINDOW + 10 * DAY_SECONDS],
  ])("opens none for an event %s (a replay of old feedback)", (_when, ageSeconds) => {
    // Act / Assess
    expect(opensWindow(at(0), instant(ageSeconds), CONFIG)).toBe(false);
  });

  it("follows the configured window length", () => {
    // Prepare
    const short = retryWindowConfig({ retryWindowSeconds: HOUR_SECONDS });

    // Act / Assess
    expect(opensWindow(at(0), instant(2 * HOUR_SECONDS), short)).toBe(false);
    expect(opensWindow(at(0), instant(2 * HOUR_SECONDS), CONFIG)).toBe(true);
  });
});

describe("assess: the deferral the retry window schedules", () => {
  it("carries the soft bounce's time, reason and retryAt while the address is deferred", () => {
    // Prepare
    const history = [entryOf("soft", HOUR_SECONDS, { reason: "mailboxfull" })];

    // Act
    const assessment = assessmentOf(history, HOUR_SECONDS + MINUTE_SECONDS);

    // Assess
    expect(assessment.status).toBe("deferred");
    expect(assessment.deferral).toEqual({
      at: at(HOUR_SECONDS),
      reason: "mailboxfull",
      retryAt: at(HOUR_SECONDS + RETRY),
    });
  });

  it("still carries the deferral once its retryAt has passed and the address reads active", () => {
    // Prepare
    const history = [entryOf("soft", 0, { reason: "systemfull" })];

    // Act
    const assessment = assessmentOf(history, RETRY + HOUR_SECONDS);

    // Assess
    expect(assessment.status).toBe("active");
    expect(assessment.retryAt).toBeUndefined();
    expect(assessment.deferral).toEqual({ at: at(0), reason: "systemfull", retryAt: at(RETRY) });
  });

  it("takes its retryAt from the policy's retry interval", () => {
    // Prepare
    const policy = policyConfig({ retryIntervalSeconds: 30 * MINUTE_SECONDS });

    // Act
    const assessment = assessmentOf([entryOf("soft", 0)], MINUTE_SECONDS, policy);

    // Assess
    expect(assessment.deferral?.retryAt).toBe(at(30 * MINUTE_SECONDS));
  });

  it("carries a block when blocks defer", () => {
    // Prepare
    const history = [entryOf("block", 0, { reason: "spamdetected" })];

    // Act
    const assessment = assessmentOf(history, MINUTE_SECONDS);

    // Assess
    expect(assessment.deferral).toEqual({ at: at(0), reason: "spamdetected", retryAt: at(RETRY) });
  });

  it("carries no block when blocks do not defer", () => {
    // Prepare
    const policy = policyConfig({ deferBlocks: false });

    // Act
    const assessment = assessmentOf([entryOf("block", 0)], MINUTE_SECONDS, policy);

    // Assess
    expect(assessment.deferral).toBeUndefined();
  });

  it("carries the soft bounce, not a later block, when blocks do not defer", () => {
    // Prepare
    const policy = policyConfig({ deferBlocks: false });
    const history = [entryOf("soft", 0), entryOf("block", HOUR_SECONDS)];

    // Act
    const assessment = assessmentOf(history, 2 * HOUR_SECONDS, policy);

    // Assess
    expect(assessment.deferral).toEqual({ at: at(0), reason: "mailboxfull", retryAt: at(RETRY) });
  });

  it("carries the latest deferring event by event time, whatever the arrival order", () => {
    // Prepare
    const history = [
      entryOf("soft", 2 * HOUR_SECONDS, { reason: "systemfull" }),
      entryOf("soft", 0, { reason: "mailboxfull" }),
      entryOf("block", HOUR_SECONDS, { reason: "blocked" }),
    ];

    // Act
    const assessment = assessmentOf(history, 3 * HOUR_SECONDS);

    // Assess
    expect(assessment.deferral).toEqual({
      at: at(2 * HOUR_SECONDS),
      reason: "systemfull",
      retryAt: at(2 * HOUR_SECONDS + RETRY),
    });
  });

  it("has none after a later delivery", () => {
    // Prepare
    const history = [
      entryOf("soft", 0),
      entryOf("block", MINUTE_SECONDS),
      entryOf("delivered", HOUR_SECONDS),
    ];

    // Act
    const assessment = assessmentOf(history, 2 * HOUR_SECONDS);

    // Assess
    expect(assessment.deferral).toBeUndefined();
  });

  it("carries a soft bounce that came after a delivery", () => {
    // Prepare
    const history = [entryOf("delivered", 0), entryOf("soft", HOUR_SECONDS)];

    // Act
    const assessment = assessmentOf(history, 2 * HOUR_SECONDS);

    // Assess
    expect(assessment.deferral?.at).toBe(at(HOUR_SECONDS));
  });

  it("is not ended by a delay, which never defers either", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("soft", HOUR_SECONDS, { event: "delay" })];

    // Act
    const assessment = assessmentOf(history, 2 * HOUR_SECONDS);

    // Assess
    expect(assessment.deferral?.at).toBe(at(0));
    expect(assessmentOf([entryOf("soft", 0, { event: "delay" })], HOUR_SECONDS).deferral).toBeUndefined();
  });

  it.each<[string, HistoryEntry[]]>([
    ["a hard bounce after the soft bounce", [entryOf("soft", 0), entryOf("hard", HOUR_SECONDS)]],
    ["a complaint before the soft bounce", [entryOf("complaint", 0), entryOf("soft", HOUR_SECONDS)]],
    [
      "a streak that reached the threshold",
      Array.from({ length: DEFAULT_POLICY.softBounceThreshold }, (_, index) =>
        entryOf("soft", index * HOUR_SECONDS),
      ),
    ],
  ])("has none for an address suppressed by %s", (_name, history) => {
    // Act
    const assessment = assessmentOf(history, 10 * HOUR_SECONDS);

    // Assess
    expect(assessment.status).toBe("suppressed");
    expect(assessment.deferral).toBeUndefined();
  });

  it("has none for an address without history", () => {
    // Act / Assess
    expect(assess(undefined, DEFAULT_POLICY, instant(0)).deferral).toBeUndefined();
  });
});

describe("defers", () => {
  const noBlocks = policyConfig({ deferBlocks: false });

  it.each<[string, VerdictClass, PolicyConfig, boolean]>([
    ["a soft bounce", "soft", DEFAULT_POLICY, true],
    ["a soft bounce when blocks do not defer", "soft", noBlocks, true],
    ["a block when blocks defer", "block", DEFAULT_POLICY, true],
    ["a block when blocks do not defer", "block", noBlocks, false],
    ["a delivery", "delivered", DEFAULT_POLICY, false],
    ["a hard bounce", "hard", DEFAULT_POLICY, false],
    ["a complaint", "complaint", DEFAULT_POLICY, false],
    ["an auto-reply", "autoreply", DEFAULT_POLICY, false],
    ["an ignored event", "ignore", DEFAULT_POLICY, false],
  ])("answers for %s", (_name, verdictClass, policy, expected) => {
    // Act / Assess
    expect(defers(decide(verdictOf(verdictClass)), policy)).toBe(expected);
  });

  it.each<VerdictClass>(["soft", "block"])("does not defer on a delay classed %s", (verdictClass) => {
    // Prepare
    const decision = decide(verdictOf(verdictClass, { event: "delay" }));

    // Act / Assess
    expect(defers(decision, DEFAULT_POLICY)).toBe(false);
  });
});

describe("repairOf", () => {
  it("keeps when there is no window, whatever the assessment", () => {
    // Prepare
    const suppressed = assessmentOf([entryOf("hard", 0)], HOUR_SECONDS);
    const deferred = assessmentOf([entryOf("soft", 0)], HOUR_SECONDS);

    // Act / Assess
    expect(repairOf(undefined, suppressed, instant(HOUR_SECONDS), CONFIG)).toEqual({ kind: "keep" });
    expect(repairOf(undefined, deferred, instant(HOUR_SECONDS), CONFIG)).toEqual({ kind: "keep" });
  });

  it("keeps the window its own deferral opened", () => {
    // Prepare
    const assessment = assessmentOf([entryOf("soft", 0)], MINUTE_SECONDS);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(MINUTE_SECONDS), CONFIG);

    // Assess
    expect(repair).toEqual({ kind: "keep" });
  });

  it("keeps a window whose due time a later deferral inside it already set", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("block", 5 * HOUR_SECONDS, { reason: "blocked" })];
    const assessment = assessmentOf(history, 5 * HOUR_SECONDS);
    const window = storedWindow(0, { due: at(5 * HOUR_SECONDS + RETRY), releasedAt: at(RETRY) });

    // Act
    const repair = repairOf(window, assessment, instant(5 * HOUR_SECONDS), CONFIG);

    // Assess
    expect(repair).toEqual({ kind: "keep" });
  });

  it("keeps a window after its deferral's retryAt has passed, while the window is open", () => {
    // Prepare
    const assessment = assessmentOf([entryOf("soft", 0)], RETRY + HOUR_SECONDS);

    // Act
    const repair = repairOf(
      storedWindow(0, { releasedAt: at(RETRY) }),
      assessment,
      instant(RETRY + HOUR_SECONDS),
      CONFIG,
    );

    // Assess
    expect(assessment.status).toBe("active");
    expect(repair).toEqual({ kind: "keep" });
  });

  it.each<[string, HistoryEntry[]]>([
    ["a hard bounce", [entryOf("soft", 0), entryOf("hard", HOUR_SECONDS)]],
    ["a complaint", [entryOf("soft", 0), entryOf("complaint", HOUR_SECONDS)]],
    [
      "the soft-bounce threshold",
      Array.from({ length: DEFAULT_POLICY.softBounceThreshold }, (_, index) =>
        entryOf("soft", index * HOUR_SECONDS),
      ),
    ],
  ])("closes the window of an address suppressed by %s", (_name, history) => {
    // Prepare
    const assessment = assessmentOf(history, 6 * HOUR_SECONDS);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(6 * HOUR_SECONDS), CONFIG);

    // Assess
    expect(assessment.status).toBe("suppressed");
    expect(repair).toEqual({ kind: "close", start: at(0) });
  });

  it("closes the window even when a suppressed assessment carries a deferral", () => {
    // Prepare: suppressed assessments never carry one from assess(); repairOf must not trust that.
    const assessment: Assessment = {
      ...assessmentOf([entryOf("hard", HOUR_SECONDS)], 2 * HOUR_SECONDS),
      deferral: { at: at(0), reason: "mailboxfull", retryAt: at(RETRY) },
    };

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(2 * HOUR_SECONDS), CONFIG);

    // Assess
    expect(repair).toEqual({ kind: "close", start: at(0) });
  });

  it("closes the window when the latest event is a delivery", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("delivered", HOUR_SECONDS)];
    const assessment = assessmentOf(history, HOUR_SECONDS);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(HOUR_SECONDS), CONFIG);

    // Assess
    expect(repair).toEqual({ kind: "close", start: at(0) });
  });

  it("closes the window when only a block is left and blocks do not defer", () => {
    // Prepare
    const policy = policyConfig({ deferBlocks: false });
    const history = [
      entryOf("soft", 0),
      entryOf("delivered", HOUR_SECONDS),
      entryOf("block", 2 * HOUR_SECONDS),
    ];
    const assessment = assessmentOf(history, 2 * HOUR_SECONDS, policy);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(2 * HOUR_SECONDS), CONFIG);

    // Assess
    expect(repair).toEqual({ kind: "close", start: at(0) });
  });

  it("replaces a window that ended before the latest deferral with the window that deferral opens", () => {
    // Prepare
    const bounceAt = WINDOW + HOUR_SECONDS;
    const history = [entryOf("soft", 0), entryOf("block", bounceAt, { reason: "blocked" })];
    const now = bounceAt + MINUTE_SECONDS;
    const assessment = assessmentOf(history, now);

    // Act
    const repair = repairOf(storedWindow(0, { releasedAt: at(RETRY) }), assessment, instant(now), CONFIG);

    // Assess
    expect(repair).toEqual({
      kind: "replace",
      previousStart: at(0),
      window: {
        start: at(bounceAt),
        end: at(bounceAt + WINDOW),
        due: at(bounceAt + RETRY),
        reason: "blocked",
      },
    });
  });

  it("replaces a window whose end is exactly the latest deferral's time", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("soft", WINDOW)];
    const assessment = assessmentOf(history, WINDOW);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(WINDOW), CONFIG);

    // Assess
    expect(repair).toMatchObject({ kind: "replace", previousStart: at(0), window: { start: at(WINDOW) } });
  });

  it("keeps an ended window when the latest deferral is itself too old to open one", () => {
    // Prepare
    const bounceAt = WINDOW + HOUR_SECONDS;
    const history = [entryOf("soft", 0), entryOf("soft", bounceAt)];
    const now = bounceAt + WINDOW + MINUTE_SECONDS;
    const assessment = assessmentOf(history, now);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(now), CONFIG);

    // Assess
    expect(assessment.deferral?.at).toBe(at(bounceAt));
    expect(repair).toEqual({ kind: "keep" });
  });

  it("moves the due time back to the latest deferral when an older bounce arrived late and set its own", () => {
    // Prepare: the bounce at 2 h opened nothing new (the window from 0 is open) and set the due time;
    // the bounce at 1 h arrived after it and set the due time from its own, earlier time.
    const history = [
      entryOf("soft", 0),
      entryOf("soft", 2 * HOUR_SECONDS, { reason: "systemfull" }),
      entryOf("soft", HOUR_SECONDS, { reason: "mailboxfull" }),
    ];
    const now = 3 * HOUR_SECONDS;
    const assessment = assessmentOf(history, now);
    const window = storedWindow(0, { due: at(HOUR_SECONDS + RETRY) });

    // Act
    const repair = repairOf(window, assessment, instant(now), CONFIG);

    // Assess
    expect(repair).toEqual({
      kind: "move-due",
      start: at(0),
      from: at(HOUR_SECONDS + RETRY),
      due: at(2 * HOUR_SECONDS + RETRY),
      reason: "systemfull",
    });
  });

  it("moves the due time after the latest deferral's retryAt has passed, while the window is open", () => {
    // Prepare
    const history = [entryOf("soft", 0), entryOf("block", HOUR_SECONDS, { reason: "blocked" })];
    const now = HOUR_SECONDS + RETRY + HOUR_SECONDS;
    const assessment = assessmentOf(history, now);

    // Act
    const repair = repairOf(storedWindow(0), assessment, instant(now), CONFIG);

    // Assess
    expect(assessment.status).toBe("active");
    expect(repair).toEqual({
      kind: "move-due",
      start: at(0),
      from: at(RETRY),
      due: at(HOUR_SECONDS + RETRY),
      reason: "blocked",
    });
  });
});

describe("the functions' environment: retry window", () => {
  it("runs no retry window without RETRY_WINDOW_STATE_MACHINE_ARN, whatever else is set", () => {
    // Act
    const environment = readEnvironment({
      TABLE_NAME: "t",
      RETRY_WINDOW_SECONDS: "7200",
      RETRY_POLL_SECONDS: "600",
    });

    // Assess
    expect(environment.retryWindow).toBeUndefined();
    expect(environment).not.toHaveProperty("retryWindow");
    expect(readEnvironment({ TABLE_NAME: "t", RETRY_WINDOW_STATE_MACHINE_ARN: "" })).not.toHaveProperty(
      "retryWindow",
    );
  });

  it("runs the window with the default settings when only the state machine is given", () => {
    // Act
    const environment = readEnvironment({
      TABLE_NAME: "t",
      RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
    });

    // Assess
    expect(environment.retryWindow).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      config: DEFAULT_RETRY_WINDOW,
    });
  });

  it("reads RETRY_WINDOW_SECONDS and RETRY_POLL_SECONDS", () => {
    // Act
    const environment = readEnvironment({
      TABLE_NAME: "t",
      RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      RETRY_WINDOW_SECONDS: "86400",
      RETRY_INTERVAL_SECONDS: "7200",
      RETRY_POLL_SECONDS: "9000",
    });

    // Assess
    expect(environment.retryWindow).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      config: { retryWindowSeconds: 86_400, pollSeconds: 9_000 },
    });
  });

  it("reads one setting and defaults the other", () => {
    // Act
    const environment = readEnvironment({
      TABLE_NAME: "t",
      RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      RETRY_INTERVAL_SECONDS: "300",
      RETRY_POLL_SECONDS: "600",
    });

    // Assess
    expect(environment.retryWindow?.config).toEqual({
      retryWindowSeconds: DEFAULT_RETRY_WINDOW.retryWindowSeconds,
      pollSeconds: 600,
    });
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ RETRY_WINDOW_SECONDS: "two days" }, /RETRY_WINDOW_SECONDS must be an integer, got "two days"/],
    [{ RETRY_POLL_SECONDS: "1.5" }, /RETRY_POLL_SECONDS must be an integer, got "1\.5"/],
    [
      { RETRY_WINDOW_SECONDS: "60" },
      /invalid retry window settings: retryWindowSeconds must be an integer between 3600 and 2592000, got 60/,
    ],
    [
      { RETRY_POLL_SECONDS: "10" },
      /invalid retry window settings: pollSeconds must be an integer between 60 and 2678400, got 10/,
    ],
  ])("stops at cold start with the bad value named: %o", (settings, message) => {
    // Prepare
    const environment = { TABLE_NAME: "t", RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN, ...settings };

    // Act / Assess
    expect(() => readEnvironment(environment)).toThrow(ConfigurationError);
    expect(() => readEnvironment(environment)).toThrow(message);
  });

  it("keeps the RangeError as the cause of an out-of-range setting", () => {
    // Act
    let thrown: unknown;
    try {
      readEnvironment({
        TABLE_NAME: "t",
        RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
        RETRY_WINDOW_SECONDS: "60",
      });
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).cause).toBeInstanceOf(RangeError);
  });

  it.each<[string, Record<string, string>, boolean]>([
    ["absent", {}, false],
    ["empty", { SES_DEFERRAL_MIRROR: "" }, false],
    ["false", { SES_DEFERRAL_MIRROR: "false" }, false],
    ["true", { SES_DEFERRAL_MIRROR: "true" }, true],
    ["TRUE", { SES_DEFERRAL_MIRROR: "TRUE" }, true],
  ])("reads SES_DEFERRAL_MIRROR %s", (_name, settings, expected) => {
    // Act
    const environment = readEnvironment({
      TABLE_NAME: "t",
      RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      ...settings,
    });

    // Assess
    expect(environment.sesDeferralMirror).toBe(expected);
  });

  it("stops at cold start on a deferral mirror without the retry window, which alone removes mirrored entries", () => {
    // Act / Assess
    expect(() => readEnvironment({ TABLE_NAME: "t", SES_DEFERRAL_MIRROR: "true" })).toThrow(
      /SES_DEFERRAL_MIRROR needs RETRY_WINDOW_STATE_MACHINE_ARN/,
    );
    expect(readEnvironment({ TABLE_NAME: "t", SES_DEFERRAL_MIRROR: "false" }).sesDeferralMirror).toBe(false);
  });

  it("stops at cold start on a poll shorter than the retry interval", () => {
    // Prepare
    const environment = {
      TABLE_NAME: "t",
      RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      RETRY_INTERVAL_SECONDS: "28800",
    };

    // Act / Assess
    expect(() => readEnvironment(environment)).toThrow(ConfigurationError);
    expect(() => readEnvironment(environment)).toThrow(
      /RETRY_POLL_SECONDS \(15300\) must be at least RETRY_INTERVAL_SECONDS \(28800\)/,
    );
    expect(
      readEnvironment({ ...environment, RETRY_POLL_SECONDS: "29700" }).retryWindow?.config.pollSeconds,
    ).toBe(29_700);
  });

  it("stops at cold start on a SES_DEFERRAL_MIRROR that is neither true nor false", () => {
    // Prepare
    const environment = {
      TABLE_NAME: "t",
      RETRY_WINDOW_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      SES_DEFERRAL_MIRROR: "yes",
    };

    // Act / Assess
    expect(() => readEnvironment(environment)).toThrow(ConfigurationError);
    expect(() => readEnvironment(environment)).toThrow(
      /SES_DEFERRAL_MIRROR must be "true" or "false", got "yes"/,
    );
  });
});

describe("createStepFunctionsScheduler", () => {
  const window = windowStartOf("h1:abc", KEY, storedWindow(0), CONFIG);

  /** A stand-in for the SFN client: records what each send was given, then answers with `answer`. */
  function recordingClient(answer: () => unknown = () => ({ executionArn: "arn", $metadata: {} })) {
    const commands: unknown[] = [];
    const client = {
      send: async (command: unknown) => {
        commands.push(command);
        return answer();
      },
    } as unknown as Pick<SFNClient, "send">;
    return { client, commands };
  }

  it("starts the window's execution on the state machine by its name with its input", async () => {
    // Prepare
    const { client, commands } = recordingClient();
    const scheduler = createStepFunctionsScheduler(client, STATE_MACHINE_ARN);

    // Act
    const outcome = await scheduler.start(window);

    // Assess
    expect(outcome).toBe("started");
    expect(commands).toHaveLength(1);
    const command = commands[0];
    expect(command).toBeInstanceOf(StartExecutionCommand);
    const input = (command as StartExecutionCommand).input;
    expect(input.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(input.name).toBe(window.name);
    expect(JSON.parse(input.input ?? "null")).toEqual({
      key: "h1:abc",
      address: KEY,
      windowStart: at(0),
      windowEnd: at(WINDOW),
      dueAt: at(RETRY),
      pollSeconds: CONFIG.pollSeconds,
    });
  });

  it("reads ExecutionAlreadyExists as already started", async () => {
    // Prepare
    const { client, commands } = recordingClient(() => {
      throw new ExecutionAlreadyExists({ message: "x", $metadata: {} });
    });
    const scheduler = createStepFunctionsScheduler(client, STATE_MACHINE_ARN);

    // Act
    const outcome = await scheduler.start(window);

    // Assess
    expect(outcome).toBe("already-started");
    expect(commands).toHaveLength(1);
  });

  it("reads an error named ExecutionAlreadyExists from another copy of the SDK as already started", async () => {
    // Prepare
    const { client } = recordingClient(() => {
      throw Object.assign(new Error("x"), { name: "ExecutionAlreadyExists" });
    });

    // Act / Assess
    await expect(createStepFunctionsScheduler(client, STATE_MACHINE_ARN).start(window)).resolves.toBe(
      "already-started",
    );
  });

  it("lets every other error through", async () => {
    // Prepare
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const { client } = recordingClient(() => {
      throw throttled;
    });

    // Act / Assess
    await expect(createStepFunctionsScheduler(client, STATE_MACHINE_ARN).start(window)).rejects.toBe(
      throttled,
    );
  });
});
