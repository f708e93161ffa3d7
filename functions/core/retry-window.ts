// The retry window: what is stored on an address's item while soft bounces (or blocks) are being
// retried, and what the state machine that runs the window is started with. Pure.
import { createHash } from "node:crypto";
import { checkIntegerLimits } from "./limits.ts";
import type { Assessment } from "./policy.ts";
import type { Reason } from "./types.ts";

export interface RetryWindowConfig {
  /** How long a window stays open after the deferring event that opened it. */
  readonly retryWindowSeconds: number;
  /**
   * How long the state machine waits after publishing RetryDue before it looks for the next
   * bounce: the retry interval plus an allowance for the re-sent message to bounce and be reported.
   */
  readonly pollSeconds: number;
}

const HOUR = 3_600;

export const DEFAULT_RETRY_WINDOW: RetryWindowConfig = {
  retryWindowSeconds: 48 * HOUR,
  pollSeconds: 4 * HOUR + 15 * 60,
};

export const RETRY_WINDOW_LIMITS = {
  retryWindowSeconds: [HOUR, 30 * 24 * HOUR],
  pollSeconds: [60, 31 * 24 * HOUR],
} as const satisfies Record<keyof RetryWindowConfig, readonly [number, number]>;

/** Build a window configuration, failing fast with the bad value named. */
export function retryWindowConfig(overrides: Partial<RetryWindowConfig> = {}): RetryWindowConfig {
  const config = { ...DEFAULT_RETRY_WINDOW, ...overrides };
  checkIntegerLimits(config, RETRY_WINDOW_LIMITS);
  return config;
}

/** Item attribute names of the window: short, because every write of the item pays for them. */
export const WINDOW_ATTRIBUTES = {
  start: "wS",
  end: "wE",
  due: "wD",
  /** The due time last released; `NEVER_RELEASED` until the first release. */
  released: "wR",
  /** The reason of the deferring event the due time comes from. */
  reason: "wN",
  /** Set by the state machine when it failed: what went wrong, for operators. */
  failure: "wF",
  /** How often the state machine looked at the window since the last deferring event (reset by each). */
  inspections: "wP",
} as const;

/** Expression attribute names of the window, shared by the store and the state machine. */
export const WINDOW_NAMES = {
  "#wS": WINDOW_ATTRIBUTES.start,
  "#wE": WINDOW_ATTRIBUTES.end,
  "#wD": WINDOW_ATTRIBUTES.due,
  "#wR": WINDOW_ATTRIBUTES.released,
  "#wN": WINDOW_ATTRIBUTES.reason,
  "#wF": WINDOW_ATTRIBUTES.failure,
  "#wP": WINDOW_ATTRIBUTES.inspections,
} as const;

/** The entries of `names` an expression uses: DynamoDB refuses names an expression does not use. */
export function namesUsedIn(
  expression: string,
  names: Readonly<Record<string, string>>,
): Record<string, string> {
  // Whole names only: "#sp" is not used by an expression that names "#spelling".
  const used = new Set(expression.match(/#[A-Za-z0-9_]+/g));
  return Object.fromEntries(Object.entries(names).filter(([name]) => used.has(name)));
}

/** Sorts before every ISO timestamp, so "released < due" holds until the first release. */
export const NEVER_RELEASED = "0";

/** The window as stored on the item. */
export interface StoredWindow {
  readonly start: string;
  readonly end: string;
  readonly due: string;
  readonly releasedAt: string;
  readonly reason: string;
  readonly failure?: string;
}

export function windowFromItem(item: Record<string, unknown>): StoredWindow | undefined {
  const text = (name: keyof typeof WINDOW_ATTRIBUTES) => {
    const value = item[WINDOW_ATTRIBUTES[name]];
    return typeof value === "string" ? value : undefined;
  };
  const start = text("start");
  const end = text("end");
  const due = text("due");
  if (start === undefined || end === undefined || due === undefined) return undefined;
  const failure = text("failure");
  return {
    start,
    end,
    due,
    releasedAt: text("released") ?? NEVER_RELEASED,
    reason: text("reason") ?? "unknown",
    ...(failure !== undefined ? { failure } : {}),
  };
}

/** What a retry-window execution is started with; everything it needs, nothing it must look up. */
export interface WindowExecutionInput {
  /** The item's key: the address, or its HMAC in keyed mode. */
  readonly key: string;
  /** For the RetryDue event: the sender re-sends to this address. */
  readonly address: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly dueAt: string;
  readonly pollSeconds: number;
}

export interface WindowStart {
  readonly name: string;
  readonly input: WindowExecutionInput;
}

/**
 * The execution name: the same for every attempt to start the same window (duplicates, retries,
 * redeliveries), different for the next window of the address, and free of the address itself.
 */
export function executionName(key: string, windowStart: string): string {
  const digest = createHash("sha256").update(`${key}\n${windowStart}`).digest("hex");
  return `window-${digest}`;
}

export function windowStartOf(
  key: string,
  address: string,
  window: Pick<StoredWindow, "start" | "end" | "due">,
  config: RetryWindowConfig,
): WindowStart {
  return {
    name: executionName(key, window.start),
    input: {
      key,
      address,
      windowStart: window.start,
      windowEnd: window.end,
      dueAt: window.due,
      pollSeconds: config.pollSeconds,
    },
  };
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** A new window opened by a deferring event at `at`. */
export function newWindow(at: string, reason: Reason, retryAt: string, config: RetryWindowConfig) {
  return { start: at, end: addSeconds(at, config.retryWindowSeconds), due: retryAt, reason };
}

/** Is a deferring event at `at` recent enough to open a window at `now`? (Replays of old feedback open none.) */
export function opensWindow(at: string, now: Date, config: RetryWindowConfig): boolean {
  return Date.parse(at) + config.retryWindowSeconds * 1000 > now.getTime();
}

/**
 * What the stored window should become after a write, given the address's assessment. The write
 * itself opens the window (if_not_exists) and sets its due time, so this is almost always "keep";
 * the other answers are the rare follow-up writes: close the window of an address that is now
 * suppressed or whose latest event is a delivery; replace a window that ended before the latest
 * deferral (the state machine had not closed it yet); move the due time back to the latest
 * deferral when an older event arrived late and set it from its own time.
 */
export type WindowRepair =
  | { readonly kind: "keep" }
  | { readonly kind: "close"; readonly start: string }
  | {
      readonly kind: "replace";
      readonly previousStart: string;
      readonly window: ReturnType<typeof newWindow>;
    }
  | {
      readonly kind: "move-due";
      readonly start: string;
      readonly from: string;
      readonly due: string;
      readonly reason: Reason;
    };

export function repairOf(
  window: StoredWindow | undefined,
  assessment: Assessment,
  now: Date,
  config: RetryWindowConfig,
): WindowRepair {
  if (window === undefined) return { kind: "keep" };
  const deferral = assessment.status === "suppressed" ? undefined : assessment.deferral;
  if (deferral === undefined) return { kind: "close", start: window.start };
  if (window.end <= deferral.at) {
    return opensWindow(deferral.at, now, config)
      ? {
          kind: "replace",
          previousStart: window.start,
          window: newWindow(deferral.at, deferral.reason, deferral.retryAt, config),
        }
      : { kind: "keep" };
  }
  if (window.due !== deferral.retryAt) {
    return {
      kind: "move-due",
      start: window.start,
      from: window.due,
      due: deferral.retryAt,
      reason: deferral.reason,
    };
  }
  return { kind: "keep" };
}
