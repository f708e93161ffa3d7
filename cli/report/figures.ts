// The figures of `bounce-guard report`, gathered from the table one address at a time (a scan page
// at a time: the table is never held in memory). Pure: the policy and the clock are parameters. The
// HTML report draws exactly these figures; `report --json` prints them.
import {
  type AddressState,
  assess,
  type HistoryEntry,
  type PolicyConfig,
} from "../../functions/core/policy.ts";
import { VERDICT_CLASSES, type VerdictClass } from "../../functions/core/types.ts";

/** How a run of soft bounces to one address ended. */
export const STREAK_ENDINGS = [
  "delivered",
  "threshold",
  "confirmed",
  "hard-or-complaint",
  "lapsed",
  "open",
] as const;
export type StreakEnding = (typeof STREAK_ENDINGS)[number];

/** The classes that mean a receiving server refused (or a recipient complained about) our mail. */
export const REFUSING_CLASSES = [
  "hard",
  "unconfirmed",
  "soft",
  "block",
  "complaint",
] as const satisfies readonly VerdictClass[];

export interface Series {
  readonly name: string;
  /** One value per bucket of the timeline. */
  readonly counts: readonly number[];
}

export interface DomainFigures {
  readonly domain: string;
  /** Events kept in the history, by class. */
  readonly counts: Readonly<Record<VerdictClass, number>>;
  readonly refused: number;
}

export interface ReasonFigures {
  readonly reason: string;
  /** The class the reason was seen with most often. */
  readonly class: VerdictClass;
  readonly count: number;
  /** The latest diagnostic seen with this reason: what a receiving server actually said. */
  readonly sample?: { readonly diagnostic: string; readonly status?: string; readonly at: string };
}

/**
 * A sending scope's rates (a configuration set or an identity). The store does not record the scope
 * of an event yet, so the report has none; this is where they will go.
 */
export interface ScopeRates {
  readonly scope: string;
  readonly sent: number;
  readonly bounceRate: number;
  readonly complaintRate: number;
}

export interface ReportFigures {
  readonly generatedAt: string;
  /** What was read: "the local store .bounce-guard/data", "stack BounceGuard (table …)". */
  readonly source: string;
  /** The table is keyed by HMAC: no address, and so no receiving domain, can be read. */
  readonly keyed: boolean;
  readonly policy: {
    readonly softBounceThreshold: number;
    readonly softBounceMemorySeconds: number;
    readonly retryIntervalSeconds: number;
  };
  readonly addresses: {
    readonly total: number;
    readonly suppressed: number;
    readonly deferred: number;
    readonly active: number;
  };
  readonly timeline: {
    /** The days shown, YYYY-MM-DD (UTC): up to the last 90, ending today. */
    readonly buckets: readonly string[];
    /** Suppressions and blocks before the first day shown, counted but not drawn. */
    readonly earlier: { readonly suppressions: number; readonly blocks: number };
    /** New suppressions by reason (an address counts once, on the day it was suppressed). */
    readonly suppressions: readonly Series[];
    /** Block events (the sender refused, not the address) by reason. */
    readonly blocks: readonly Series[];
  };
  /** The receiving domains that refused most, with every class of event they gave. */
  readonly domains: readonly DomainFigures[];
  readonly streaks: {
    readonly total: number;
    readonly endings: Readonly<Record<StreakEnding, number>>;
    /** How many soft bounces each streak had when it ended (the last bucket is "threshold or more"). */
    readonly lengths: readonly { readonly length: number; readonly count: number }[];
  };
  readonly windows: {
    readonly open: number;
    /** Open windows by the reason of the bounce that opened (or last extended) them. */
    readonly openByReason: Readonly<Record<string, number>>;
    /** Windows whose state machine recorded a failure. */
    readonly failed: number;
    readonly nextDue?: string;
  };
  readonly reasons: readonly ReasonFigures[];
  readonly scopes: readonly ScopeRates[];
  /** What the figures cannot show, in words. */
  readonly notes: readonly string[];
}

const DAY_MS = 86_400_000;
/** The timeline's days, ending today. */
export const TIMELINE_DAYS = 90;
const MIN_TIMELINE_DAYS = 14;
/** Series beyond this many are summed into "other", so a chart keeps a readable legend. */
const MAX_SERIES = 6;
export const TOP_DOMAINS = 12;
export const TOP_REASONS = 10;

const emptyClassCounts = (): Record<VerdictClass, number> =>
  Object.fromEntries(VERDICT_CLASSES.map((name) => [name, 0])) as Record<VerdictClass, number>;

function dayOf(iso: string): string | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at === -1 ? "(unreadable)" : address.slice(at + 1).toLowerCase();
}

function secondsBetween(earlier: string, later: string): number {
  return (Date.parse(later) - Date.parse(earlier)) / 1000;
}

/** Count into a nested map: outer key, inner key. */
function bump(map: Map<string, Map<string, number>>, outer: string, inner: string, by = 1): void {
  let row = map.get(outer);
  if (row === undefined) {
    row = new Map();
    map.set(outer, row);
  }
  row.set(inner, (row.get(inner) ?? 0) + by);
}

/**
 * The soft-bounce streaks of one address's history in event order, each with how it ended. The same
 * reading as the policy's: a delivery resets a streak, a gap longer than the memory starts a new one.
 */
export function streaksOf(
  history: readonly HistoryEntry[],
  reactivatedAt: string | undefined,
  config: PolicyConfig,
  now: Date,
): { length: number; ending: StreakEnding }[] {
  const events = history
    .filter((entry) => entry.event !== "delay" && (reactivatedAt === undefined || entry.at > reactivatedAt))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const streaks: { length: number; ending: StreakEnding }[] = [];
  let length = 0;
  let lastSoft: string | undefined;
  let lastUnconfirmed: string | undefined;
  const end = (ending: StreakEnding) => {
    if (length > 0) streaks.push({ length, ending });
    length = 0;
  };
  for (const entry of events) {
    if (
      length > 0 &&
      lastSoft !== undefined &&
      secondsBetween(lastSoft, entry.at) > config.softBounceMemorySeconds
    ) {
      end("lapsed");
    }
    if (entry.class === "soft" || entry.class === "unconfirmed") {
      // A permanent failure without a reason counts in the streak; a second one confirms it.
      const confirms =
        entry.class === "unconfirmed" &&
        lastUnconfirmed !== undefined &&
        secondsBetween(lastUnconfirmed, entry.at) <= config.softBounceMemorySeconds;
      length += 1;
      lastSoft = entry.at;
      if (entry.class === "unconfirmed") lastUnconfirmed = entry.at;
      if (confirms) end("confirmed");
      else if (length === config.softBounceThreshold) end("threshold");
    } else if (entry.class === "delivered") {
      lastUnconfirmed = undefined;
      end("delivered");
    } else if (entry.class === "hard" || entry.class === "complaint") {
      end("hard-or-complaint");
    }
  }
  if (length > 0) {
    const live =
      lastSoft !== undefined && secondsBetween(lastSoft, now.toISOString()) <= config.softBounceMemorySeconds;
    end(live ? "open" : "lapsed");
  }
  return streaks;
}

/**
 * One bucket a day up to today, at most TIMELINE_DAYS of them: an operator looks at recent weeks;
 * what happened before the first day shown is counted, not drawn.
 */
function bucketsOf(days: readonly string[], now: Date): { starts: string[]; of: (day: string) => string } {
  const today = now.toISOString().slice(0, 10);
  const sorted = [...days].sort();
  const latest = sorted.at(-1) ?? today;
  const last = Math.max(Date.parse(latest), Date.parse(today));
  const windowStart = last - (TIMELINE_DAYS - 1) * DAY_MS;
  // From the first day with events in the window, but at least two weeks, so a trend can show.
  const earliestShown = Date.parse(sorted.find((day) => Date.parse(day) >= windowStart) ?? latest);
  const first = Math.max(windowStart, Math.min(earliestShown, last - (MIN_TIMELINE_DAYS - 1) * DAY_MS));
  const starts: string[] = [];
  if (days.length === 0) return { starts, of: (day) => day };
  for (let ms = first; ms <= last; ms += DAY_MS) starts.push(new Date(ms).toISOString().slice(0, 10));
  return { starts, of: (day) => day };
}

/** Series by name over the buckets; the smallest beyond MAX_SERIES are summed as "other". */
function seriesOf(byDay: Map<string, Map<string, number>>, buckets: ReturnType<typeof bucketsOf>): Series[] {
  const shown = new Set(buckets.starts);
  const totals = new Map<string, number>();
  for (const [day, row] of byDay) {
    if (!shown.has(day)) continue;
    for (const [name, count] of row) totals.set(name, (totals.get(name) ?? 0) + count);
  }
  const ranked = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
  const kept = new Set(ranked.slice(0, ranked.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES));
  const names = [...kept, ...(ranked.length > kept.size ? ["other"] : [])];
  const index = new Map(buckets.starts.map((start, position) => [start, position]));
  const counts = new Map(names.map((name) => [name, new Array<number>(buckets.starts.length).fill(0)]));
  for (const [day, row] of byDay) {
    const position = index.get(buckets.of(day));
    if (position === undefined) continue;
    for (const [name, count] of row) {
      const values = counts.get(kept.has(name) ? name : "other");
      if (values !== undefined) values[position] = (values[position] ?? 0) + count;
    }
  }
  return names.map((name) => ({ name, counts: counts.get(name) ?? [] }));
}

export interface ReportAccumulator {
  add(state: AddressState): void;
  finish(): ReportFigures;
}

export function createReportAccumulator(config: PolicyConfig, now: Date, source: string): ReportAccumulator {
  const addresses = { total: 0, suppressed: 0, deferred: 0, active: 0 };
  const suppressionsByDay = new Map<string, Map<string, number>>();
  const blocksByDay = new Map<string, Map<string, number>>();
  const domains = new Map<string, Record<VerdictClass, number>>();
  const endings = Object.fromEntries(STREAK_ENDINGS.map((ending) => [ending, 0])) as Record<
    StreakEnding,
    number
  >;
  const lengths = new Map<number, number>();
  const reasons = new Map<
    string,
    { count: number; classes: Map<VerdictClass, number>; sample?: ReasonFigures["sample"] }
  >();
  const windows = {
    open: 0,
    failed: 0,
    openByReason: {} as Record<string, number>,
    nextDue: undefined as string | undefined,
  };
  let keyedItems = 0;
  let streakTotal = 0;

  const countEntry = (entry: HistoryEntry, domain: string | undefined) => {
    if (entry.event === "delay") return;
    if (domain !== undefined) {
      let counts = domains.get(domain);
      if (counts === undefined) {
        counts = emptyClassCounts();
        domains.set(domain, counts);
      }
      counts[entry.class] += 1;
    }
    if (entry.class === "block") {
      const day = dayOf(entry.at);
      if (day !== undefined) bump(blocksByDay, day, entry.reason);
    }
    if (!(REFUSING_CLASSES as readonly string[]).includes(entry.class)) return;
    let reason = reasons.get(entry.reason);
    if (reason === undefined) {
      reason = { count: 0, classes: new Map() };
      reasons.set(entry.reason, reason);
    }
    reason.count += 1;
    reason.classes.set(entry.class, (reason.classes.get(entry.class) ?? 0) + 1);
    if (
      entry.diagnostic !== undefined &&
      entry.diagnostic !== "" &&
      (reason.sample === undefined || entry.at > reason.sample.at)
    ) {
      reason.sample = {
        diagnostic: entry.diagnostic,
        at: entry.at,
        ...(entry.status !== undefined ? { status: entry.status } : {}),
      };
    }
  };

  return {
    add(state) {
      addresses.total += 1;
      const assessment = assess(state, config, now);
      addresses[assessment.status] += 1;
      const keyed = state.address.startsWith("h1:");
      if (keyed) keyedItems += 1;
      const domain = keyed ? undefined : domainOf(state.address);
      if (assessment.status === "suppressed" && assessment.suppression !== undefined) {
        const day = dayOf(assessment.suppression.at);
        if (day !== undefined) bump(suppressionsByDay, day, assessment.suppression.reason);
      }
      for (const entry of state.history) countEntry(entry, domain);
      for (const streak of streaksOf(state.history, state.reactivatedAt, config, now)) {
        streakTotal += 1;
        endings[streak.ending] += 1;
        const length = Math.min(streak.length, config.softBounceThreshold);
        lengths.set(length, (lengths.get(length) ?? 0) + 1);
      }
      if (state.window !== undefined) {
        windows.open += 1;
        windows.openByReason[state.window.reason] = (windows.openByReason[state.window.reason] ?? 0) + 1;
        if (windows.nextDue === undefined || state.window.due < windows.nextDue)
          windows.nextDue = state.window.due;
      }
      if (state.windowFailure !== undefined) windows.failed += 1;
    },
    finish() {
      const days = [...new Set([...suppressionsByDay.keys(), ...blocksByDay.keys()])];
      const buckets = bucketsOf(days, now);
      const first = buckets.starts[0] ?? "";
      const before = (byDay: Map<string, Map<string, number>>) =>
        [...byDay]
          .filter(([day]) => day < first)
          .reduce((sum, [, row]) => sum + [...row.values()].reduce((a, b) => a + b, 0), 0);
      const rankedDomains = [...domains]
        .map(([domain, counts]) => ({
          domain,
          counts,
          refused: REFUSING_CLASSES.reduce((sum, name) => sum + counts[name], 0),
        }))
        .filter((domain) => domain.refused > 0)
        .sort((a, b) => b.refused - a.refused || a.domain.localeCompare(b.domain))
        .slice(0, TOP_DOMAINS);
      const rankedReasons = [...reasons]
        .map(([reason, figures]) => ({
          reason,
          class: [...figures.classes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "hard",
          count: figures.count,
          ...(figures.sample !== undefined ? { sample: figures.sample } : {}),
        }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
        .slice(0, TOP_REASONS);
      const notes = [
        "Events come from each address's kept history (the most recent events per address, expiring with the item's TTL for addresses that are not suppressed), so older blocks and bounces may be missing.",
        "Per-scope rates (by configuration set or identity) will appear once the store records the scope of each event.",
      ];
      if (keyedItems > 0) {
        notes.unshift(
          "The table is keyed by HMAC: addresses, and so receiving domains, cannot be read from it; the domain chart is empty.",
        );
      }
      return {
        generatedAt: now.toISOString(),
        source,
        keyed: keyedItems > 0,
        policy: {
          softBounceThreshold: config.softBounceThreshold,
          softBounceMemorySeconds: config.softBounceMemorySeconds,
          retryIntervalSeconds: config.retryIntervalSeconds,
        },
        addresses,
        timeline: {
          buckets: buckets.starts,
          earlier: { suppressions: before(suppressionsByDay), blocks: before(blocksByDay) },
          suppressions: seriesOf(suppressionsByDay, buckets),
          blocks: seriesOf(blocksByDay, buckets),
        },
        domains: rankedDomains,
        streaks: {
          total: streakTotal,
          endings,
          lengths: [...lengths].sort((a, b) => a[0] - b[0]).map(([length, count]) => ({ length, count })),
        },
        windows: {
          open: windows.open,
          openByReason: windows.openByReason,
          failed: windows.failed,
          ...(windows.nextDue !== undefined ? { nextDue: windows.nextDue } : {}),
        },
        reasons: rankedReasons,
        scopes: [],
        notes,
      };
    },
  };
}
