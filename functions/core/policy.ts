// The suppression policy: what a recipient verdict does to an address, and what an address's
// stored history means now. Pure: the clock is a parameter.
import { checkIntegerLimits } from "./limits.ts";
import type { StoredWindow } from "./retry-window.ts";
import type {
  FeedbackEvent,
  Reason,
  RecipientVerdict,
  SesListReason,
  TimestampNote,
  VerdictClass,
} from "./types.ts";

export interface PolicyConfig {
  /** Consecutive soft bounces after which the address is suppressed. */
  readonly softBounceThreshold: number;
  /** A streak with no soft bounce for this long starts over. */
  readonly softBounceMemorySeconds: number;
  /** Each soft or block bounce defers the address for this long. */
  readonly retryIntervalSeconds: number;
  /** Unsuppressed items (soft state and history) expire this long after their last event. */
  readonly historyTtlSeconds: number;
  /** Recent events kept on an item, for "why" and for duplicate detection. */
  readonly historyLimit: number;
  /**
   * Block handling: whether a block of the sender (blocklist, reputation, policy) defers the
   * address like a soft bounce. Blocks never suppress either way and are always counted.
   */
  readonly deferBlocks: boolean;
}

const DAY_SECONDS = 86_400;

export const DEFAULT_POLICY: PolicyConfig = {
  softBounceThreshold: 5,
  softBounceMemorySeconds: 30 * DAY_SECONDS,
  retryIntervalSeconds: 4 * 3_600,
  historyTtlSeconds: 90 * DAY_SECONDS,
  // Small on purpose: every event rewrites the whole item and pays a write unit per started KB.
  historyLimit: 20,
  deferBlocks: true,
};

/** Limits that keep the item small and the streak inside the kept history. */
const LIMITS = {
  softBounceThreshold: [1, 25],
  softBounceMemorySeconds: [3_600, 365 * DAY_SECONDS],
  retryIntervalSeconds: [60, 30 * DAY_SECONDS],
  historyTtlSeconds: [DAY_SECONDS, 3_650 * DAY_SECONDS],
  historyLimit: [10, 200],
} as const satisfies Record<Exclude<keyof PolicyConfig, "deferBlocks">, readonly [number, number]>;

/** The local run (`bounce-guard demo`) turns hours into seconds: its waits may be as short as a second. */
const LOCAL_RUN_LIMITS = {
  ...LIMITS,
  softBounceMemorySeconds: [1, LIMITS.softBounceMemorySeconds[1]],
  retryIntervalSeconds: [1, LIMITS.retryIntervalSeconds[1]],
} as const satisfies Record<keyof typeof LIMITS, readonly [number, number]>;

export interface PolicyConfigOptions {
  /** A policy of the local run, whose waits may be seconds long; never a deployed one's. */
  readonly localRun?: boolean;
}

/** Build a policy from partial settings, failing fast with the bad value named. */
export function policyConfig(
  overrides: Partial<PolicyConfig> = {},
  options: PolicyConfigOptions = {},
): PolicyConfig {
  const config = { ...DEFAULT_POLICY, ...overrides };
  checkIntegerLimits(config, options.localRun === true ? LOCAL_RUN_LIMITS : LIMITS);
  if (typeof config.deferBlocks !== "boolean") {
    throw new RangeError(`deferBlocks must be true or false, got ${String(config.deferBlocks)}`);
  }
  if (config.historyLimit < 2 * config.softBounceThreshold) {
    throw new RangeError(
      `historyLimit (${config.historyLimit}) must be at least twice softBounceThreshold (${config.softBounceThreshold}) so a whole streak stays in the history`,
    );
  }
  return config;
}

/**
 * A policy written down as JSON (the stack's Policy output, the local store's record): the settings
 * it names over the defaults, checked like `policyConfig`; a setting it does not know is refused.
 */
export function policyOfSettings(value: unknown, options: PolicyConfigOptions = {}): PolicyConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`a policy must be an object of settings, got ${JSON.stringify(value)}`);
  }
  const unknown = Object.keys(value).find((name) => !Object.hasOwn(DEFAULT_POLICY, name));
  if (unknown !== undefined) throw new RangeError(`unknown policy setting "${unknown}"`);
  return policyConfig(value as Partial<PolicyConfig>, options);
}

/** One event as kept on the item: enough to answer "why" without the notification. */
export interface HistoryEntry {
  readonly id: string;
  readonly at: string;
  readonly event: FeedbackEvent;
  readonly class: VerdictClass;
  readonly reason: Reason;
  readonly status?: string;
  readonly diagnostic?: string;
  /** Only on entries written by versions that kept it. */
  readonly feedbackId?: string;
  /** Not on deliveries. */
  readonly messageId?: string;
  /** Set when `at` is the receive time because SES's timestamp could not be used. */
  readonly note?: TimestampNote;
}

/**
 * What made an address suppressed. `confirmed`: a second permanent failure without a stated reason
 * confirmed the first (see `assess`).
 */
export const SUPPRESSED_BY = ["hard", "complaint", "ses", "soft-threshold", "confirmed", "manual"] as const;
export type SuppressedBy = (typeof SUPPRESSED_BY)[number];

/** The reason of a suppression an operator made by hand. */
export const MANUAL_REASON = "manual";
export type SuppressionReason = Reason | typeof MANUAL_REASON;

/** Why an address is suppressed; the earliest suppression of an address wins and is kept. */
export interface Suppression {
  readonly at: string;
  readonly by: SuppressedBy;
  readonly reason: SuppressionReason;
  /** Who made a manual suppression and why, in their words. */
  readonly actor?: string;
  readonly note?: string;
  readonly status?: string;
  readonly diagnostic?: string;
  readonly feedbackId?: string;
  readonly messageId?: string;
  /** For a soft-bounce threshold: the reasons of the streak, oldest first. */
  readonly streakReasons?: readonly Reason[];
  /** For a confirmed permanent failure: when the first, unconfirmed one happened. */
  readonly confirms?: string;
}

export const COUNTERS = ["hard", "soft", "block", "complaint", "delivery"] as const;
export type Counter = (typeof COUNTERS)[number];

/**
 * What applying one verdict means, independent of the address's current state so the adapter can
 * apply it in one conditional write without reading first.
 */
export type Decision =
  | {
      readonly kind: "suppress";
      readonly entry: HistoryEntry;
      readonly suppression: Suppression;
      readonly counter?: Counter;
    }
  | {
      readonly kind: "record";
      readonly entry: HistoryEntry;
      readonly counter?: Counter;
      readonly mayReachThreshold: boolean;
    }
  | { readonly kind: "none"; readonly why: string };

/** Enough for the status line and the receiver's reason; long NDR prose adds cost, not evidence. */
const DIAGNOSTIC_LIMIT = 200;

/**
 * What the history keeps of a verdict. Every event rewrites the item, so only what decides or
 * explains an answer is kept: not SES's feedbackId (the event id is hashed from it, and the message
 * id names the mail), and of a delivery only its time and status (its message id and SMTP response
 * explain nothing a delivery changes; SES's delivery events keep them).
 */
export function historyEntryOf(verdict: RecipientVerdict): HistoryEntry {
  const delivery = verdict.event === "delivery";
  return {
    id: verdict.eventId,
    at: verdict.timestamp,
    event: verdict.event,
    class: verdict.class,
    reason: verdict.reason,
    ...(delivery || verdict.messageId === undefined ? {} : { messageId: verdict.messageId }),
    ...(verdict.status !== undefined ? { status: verdict.status } : {}),
    ...(verdict.diagnostic !== undefined && !delivery
      ? { diagnostic: verdict.diagnostic.slice(0, DIAGNOSTIC_LIMIT) }
      : {}),
    ...(verdict.timestampNote !== undefined ? { note: verdict.timestampNote } : {}),
  };
}

/** Does this decision defer the address (a counted soft bounce, or a block when blocks defer)? */
export function defers(decision: Decision, config: PolicyConfig): boolean {
  if (decision.kind !== "record" || decision.entry.event === "delay") return false;
  return decision.counter === "soft" || (decision.counter === "block" && config.deferBlocks);
}

/** The decision for one recipient verdict. */
export function decide(verdict: RecipientVerdict): Decision {
  const entry = historyEntryOf(verdict);
  if (verdict.event === "delay") {
    // SES is still retrying; its final Bounce or Delivery decides, so a delay never counts.
    return { kind: "record", entry, mayReachThreshold: false };
  }
  switch (verdict.class) {
    case "hard":
    case "complaint": {
      // Already on an SES list: recorded as suppressed-by-SES, never counted as a new bounce.
      const counter = verdict.suppressedBySes ? undefined : verdict.class;
      return {
        kind: "suppress",
        entry,
        suppression: suppressionOfEntry(entry),
        ...(counter !== undefined ? { counter } : {}),
      };
    }
    case "soft":
      return { kind: "record", entry, counter: "soft", mayReachThreshold: true };
    case "unconfirmed":
      // Deferred like a soft bounce (and in its streak); a second one confirms it (see assess).
      return { kind: "record", entry, counter: "soft", mayReachThreshold: true };
    case "block":
      return { kind: "record", entry, counter: "block", mayReachThreshold: false };
    case "delivered":
      return { kind: "record", entry, counter: "delivery", mayReachThreshold: false };
    case "autoreply":
      return { kind: "record", entry, mayReachThreshold: false };
    case "ignore":
      return { kind: "none", why: verdict.explanation };
  }
}

/** What the store holds for one address (the adapter maps it to and from DynamoDB). */
export interface AddressState {
  readonly address: string;
  /**
   * A snapshot of the suppression, written with the first hard bounce or complaint and when
   * trimming would drop the events behind a suppression. The history decides; this keeps the
   * answer once the history no longer holds its evidence.
   */
  readonly suppression?: Suppression;
  readonly history: readonly HistoryEntry[];
  readonly counts: Readonly<Record<Counter, number>>;
  readonly updatedAt?: string;
  /** Epoch seconds of the TTL while the item may expire; absent once it is retained. */
  readonly expiresAt?: number;
  /** The item is marked to be kept: TTL never deletes it. */
  readonly retained?: boolean;
  /** An operator reactivated the address then: events up to this time no longer count. */
  readonly reactivatedAt?: string;
  /** Operator actions on this address, oldest first. */
  readonly audit?: readonly AuditEntry[];
  /** The open retry window, if any (functions/core/retry-window.ts). */
  readonly window?: StoredWindow;
  /** What made the last retry-window execution fail, kept after the window closed. */
  readonly windowFailure?: string;
  /** The spelling first sent, when it differs from the case-folded key (plain mode only). */
  readonly spelling?: string;
  /**
   * Raised by every write of the classifier and of the operator commands (not the state
   * machine's): a write that follows a read is conditioned on it, so it never acts on a stale item.
   */
  readonly version?: number;
  /** The ids of events trimmed from the history, kept for the duplicate horizon (functions/core/retired-ids.ts). */
  readonly retiredIds?: string;
  /** A suppression still to be put on the SES account-level list: written with the event, cleared once SES has it. */
  readonly sesPut?: SesListReason;
  /** A mirrored deferral still to be removed from the SES account-level list: set when its window closed. */
  readonly sesRemove?: boolean;
}

export const AUDIT_ACTIONS = ["suppress", "unsuppress", "erase", "import"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One operator action, kept on the item so "who changed this and why" has an answer. */
export interface AuditEntry {
  readonly at: string;
  readonly action: AuditAction;
  readonly actor: string;
  readonly reason: string;
  /** For unsuppress: what the suppression was. */
  readonly previous?: {
    readonly by: SuppressedBy;
    readonly reason: SuppressionReason;
    readonly since: string;
  };
}

export interface Streak {
  readonly count: number;
  readonly reasons: readonly Reason[];
  readonly startedAt?: string;
  readonly lastAt?: string;
}

export type AddressStatus = "suppressed" | "deferred" | "active";

export interface Assessment {
  readonly status: AddressStatus;
  readonly reason?: SuppressionReason;
  /** When the current status began (suppression time, or the bounce that deferred). */
  readonly since?: string;
  /** For deferred addresses: when the next attempt is due. */
  readonly retryAt?: string;
  readonly suppression?: Suppression;
  /** The live soft-bounce streak (0 once expired or reset by a delivery). */
  readonly streak: Streak;
  readonly blockCount: number;
  /**
   * The latest deferring event (soft bounce, or block when blocks defer) since the last delivery,
   * in event order, whether or not its retry time has passed: what the retry window schedules.
   * Absent for suppressed addresses.
   */
  readonly deferral?: Deferral;
  /**
   * A permanent failure without a stated reason that no delivery has answered: a second one by
   * `until` (the soft-bounce memory after it) suppresses the address. Absent for suppressed addresses.
   */
  readonly awaitingConfirmation?: { readonly at: string; readonly until: string };
}

export interface Deferral {
  readonly at: string;
  readonly reason: Reason;
  /** When the next attempt is due: `at` plus the retry interval. */
  readonly retryAt: string;
}

const EMPTY_STREAK: Streak = { count: 0, reasons: [] };

function secondsBetween(earlier: string, later: string): number {
  return (Date.parse(later) - Date.parse(earlier)) / 1000;
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** Events at the same instant still need one order: bounces before the delivery, then by id. */
const SAME_TIME_ORDER = {
  hard: 0,
  complaint: 0,
  unconfirmed: 1,
  block: 1,
  soft: 1,
  autoreply: 2,
  ignore: 2,
  delivered: 3,
} as const satisfies Record<VerdictClass, number>;

function happenedBefore(a: HistoryEntry, b: HistoryEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  const byClass = SAME_TIME_ORDER[a.class] - SAME_TIME_ORDER[b.class];
  if (byClass !== 0) return byClass;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A suppression an operator makes by hand. */
export function manualSuppression(at: Date, actor: string, note: string): Suppression {
  return { at: at.toISOString(), by: "manual", reason: MANUAL_REASON, actor, note };
}

export type ReactivationCheck =
  | { readonly ok: true; readonly previous?: AuditEntry["previous"] }
  | { readonly ok: false; readonly why: string };

/**
 * May an operator reactivate this address? A complaint is a recipient's explicit "stop", so any
 * complaint that still counts (in the history since the last reactivation, or as the stored
 * suppression) needs `force`, even when a hard bounce came first and is the suppression shown.
 * Reactivating an address that is not suppressed is allowed (it clears counters).
 */
export function checkReactivation(
  state: AddressState | undefined,
  assessment: Assessment,
  force: boolean,
): ReactivationCheck {
  const suppression = assessment.status === "suppressed" ? assessment.suppression : undefined;
  const previous =
    suppression === undefined
      ? undefined
      : { by: suppression.by, reason: suppression.reason, since: suppression.at };
  const reactivatedAt = state?.reactivatedAt;
  const complained =
    suppression?.by === "complaint" ||
    suppression?.reason === "feedback" ||
    (state?.history ?? []).some(
      (entry) => entry.class === "complaint" && (reactivatedAt === undefined || entry.at > reactivatedAt),
    );
  if (complained && !force) {
    return { ok: false, why: "the recipient complained (marked mail as spam); reactivating needs --force" };
  }
  return previous === undefined ? { ok: true } : { ok: true, previous };
}

/** What a suppressing history entry (hard bounce or complaint) means as a suppression. */
function suppressionOfEntry(entry: HistoryEntry): Suppression {
  const by: SuppressedBy =
    entry.reason === "suppressed" ? "ses" : entry.class === "complaint" ? "complaint" : "hard";
  return {
    at: entry.at,
    by,
    reason: entry.reason,
    ...(entry.messageId !== undefined ? { messageId: entry.messageId } : {}),
    ...(entry.status !== undefined ? { status: entry.status } : {}),
    ...(entry.diagnostic !== undefined ? { diagnostic: entry.diagnostic } : {}),
    ...(entry.feedbackId !== undefined ? { feedbackId: entry.feedbackId } : {}),
  };
}

/**
 * Does a stored suppression still count after a reactivation? One an event made (a hard bounce, a
 * complaint, a streak, SES) at or before `reactivatedAt` does not: a late bounce dated before the
 * reactivation writes its snapshot without reading, and must not suppress the address again. One
 * an operator made (it names its actor: suppress, import) always counts.
 */
export function suppressionCounts(suppression: Suppression, reactivatedAt: string | undefined): boolean {
  return reactivatedAt === undefined || suppression.at > reactivatedAt || suppression.actor !== undefined;
}

function earliest(candidates: readonly (Suppression | undefined)[]): Suppression | undefined {
  let first: Suppression | undefined;
  for (const candidate of candidates) {
    if (candidate !== undefined && (first === undefined || candidate.at < first.at)) first = candidate;
  }
  return first;
}

/** What folding an address's history in event order finds; only events that still count are folded. */
interface HistoryFold {
  /** The soft bounces and unconfirmed failures of the latest streak. */
  readonly streak: readonly HistoryEntry[];
  /** The moment a streak first reached the threshold. */
  readonly reached?: Suppression;
  readonly firstSuppressing?: HistoryEntry;
  readonly lastDeferring?: HistoryEntry;
  /** The latest permanent failure without a stated reason since the last delivery. */
  readonly unconfirmed?: HistoryEntry;
  /** The moment a second such failure confirmed one. */
  readonly confirmed?: Suppression;
}

function foldHistory(state: AddressState, config: PolicyConfig): HistoryFold {
  // After a reactivation only what happened later counts (late arrivals dated before it included);
  // the older history stays for "why".
  const reactivatedAt = state.reactivatedAt;
  const events = [...state.history]
    .filter((entry) => reactivatedAt === undefined || entry.at > reactivatedAt)
    .sort(happenedBefore);
  let streak: HistoryEntry[] = [];
  let reached: Suppression | undefined;
  let firstSuppressing: HistoryEntry | undefined;
  let lastDeferring: HistoryEntry | undefined;
  // The latest permanent failure without a stated reason since the last delivery, and the moment
  // a second one confirmed such a failure.
  let unconfirmed: HistoryEntry | undefined;
  let confirmed: Suppression | undefined;
  for (const entry of events) {
    if (entry.event === "delay") continue;
    if (entry.class === "hard" || entry.class === "complaint") {
      firstSuppressing ??= entry;
    } else if (entry.class === "delivered") {
      streak = [];
      lastDeferring = undefined;
      unconfirmed = undefined;
    } else if (entry.class === "soft" || entry.class === "unconfirmed") {
      const last = streak.at(-1);
      if (last !== undefined && secondsBetween(last.at, entry.at) > config.softBounceMemorySeconds) {
        streak = [];
      }
      streak.push(entry);
      lastDeferring = entry;
      if (reached === undefined && streak.length >= config.softBounceThreshold) {
        reached = {
          ...suppressionOfEntry(entry),
          by: "soft-threshold",
          streakReasons: streak.map((soft) => soft.reason),
        };
      }
      if (entry.class === "unconfirmed") {
        if (
          confirmed === undefined &&
          unconfirmed !== undefined &&
          secondsBetween(unconfirmed.at, entry.at) <= config.softBounceMemorySeconds
        ) {
          confirmed = { ...suppressionOfEntry(entry), by: "confirmed", confirms: unconfirmed.at };
        }
        unconfirmed = entry;
      }
    } else if (entry.class === "block" && config.deferBlocks) {
      lastDeferring = entry;
    }
  }
  return { streak, reached, firstSuppressing, lastDeferring, unconfirmed, confirmed };
}

/**
 * The confirmation the address's history holds, if any: a second permanent failure without a
 * stated reason within `softBounceMemory` of one, no delivery between, both after any reactivation
 * (as `assess` finds it, whether or not an earlier suppression is the one it answers with).
 */
export function confirmationOf(
  state: AddressState | undefined,
  config: PolicyConfig,
): Suppression | undefined {
  return state === undefined ? undefined : foldHistory(state, config).confirmed;
}

/**
 * Read an address's state at `now`. The history is folded in the order events happened (not the
 * order they arrived), and the suppression is the earliest of the stored snapshot, any hard
 * bounce or complaint, and the moment a soft-bounce streak reached the threshold, so reordered or
 * redelivered SNS/SQS messages give the same answer. Times decide, never whether TTL has removed
 * the item yet.
 */
export function assess(state: AddressState | undefined, config: PolicyConfig, now: Date): Assessment {
  const blockCount = state?.counts.block ?? 0;
  if (state === undefined) {
    return { status: "active", streak: EMPTY_STREAK, blockCount };
  }
  const reactivatedAt = state.reactivatedAt;
  const { streak, reached, firstSuppressing, lastDeferring, unconfirmed, confirmed } = foldHistory(
    state,
    config,
  );
  const nowIso = now.toISOString();
  const lastSoft = streak.at(-1);
  const live =
    lastSoft !== undefined && secondsBetween(lastSoft.at, nowIso) <= config.softBounceMemorySeconds;
  const currentStreak: Streak =
    live && lastSoft !== undefined
      ? {
          count: streak.length,
          reasons: streak.map((soft) => soft.reason),
          startedAt: streak[0]?.at ?? lastSoft.at,
          lastAt: lastSoft.at,
        }
      : EMPTY_STREAK;
  // The history first: on a tie it decides (in event order), and the snapshot, written by whichever
  // event arrived first, wins only when strictly earlier, i.e. when its evidence was trimmed away.
  const snapshot =
    state.suppression !== undefined && suppressionCounts(state.suppression, reactivatedAt)
      ? state.suppression
      : undefined;
  const suppression = earliest([
    firstSuppressing !== undefined ? suppressionOfEntry(firstSuppressing) : undefined,
    reached,
    confirmed,
    snapshot,
  ]);
  const common = { streak: currentStreak, blockCount };
  if (suppression !== undefined) {
    return {
      status: "suppressed",
      reason: suppression.reason,
      since: suppression.at,
      suppression,
      ...common,
    };
  }
  const until =
    unconfirmed === undefined ? undefined : addSeconds(unconfirmed.at, config.softBounceMemorySeconds);
  const pending =
    unconfirmed !== undefined && until !== undefined && until >= nowIso
      ? { awaitingConfirmation: { at: unconfirmed.at, until } }
      : {};
  if (lastDeferring !== undefined) {
    const retryAt = addSeconds(lastDeferring.at, config.retryIntervalSeconds);
    const deferral: Deferral = { at: lastDeferring.at, reason: lastDeferring.reason, retryAt };
    if (retryAt > nowIso) {
      return {
        status: "deferred",
        reason: lastDeferring.reason,
        since: lastDeferring.at,
        retryAt,
        ...common,
        deferral,
        ...pending,
      };
    }
    return { status: "active", ...common, deferral, ...pending };
  }
  return { status: "active", ...common, ...pending };
}
