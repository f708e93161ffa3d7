// The model a replay is judged by: the pure policy over the stream's distinct recipient events,
// and the comparison of a stored table with it.
import { storedEventId } from "../../functions/adapters/dynamodb-store.ts";
import { foldedAddress } from "../../functions/core/address.ts";
import { parseNotification } from "../../functions/core/parse.ts";
import {
  type AddressState,
  type Assessment,
  assess,
  COUNTERS,
  type Counter,
  decide,
  type HistoryEntry,
  type PolicyConfig,
} from "../../functions/core/policy.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";

/** One recipient event a good message must leave in the table. */
export interface ExpectedEvent {
  readonly address: string;
  readonly eventId: string;
}

export interface FeedbackModel {
  /** Case-folded address (the store's key) → the state it should hold, built from distinct events only. */
  readonly states: ReadonlyMap<string, AddressState>;
  /** Per good message body: the events it carries that the store records. */
  readonly expectedEvents: ReadonlyMap<string, readonly ExpectedEvent[]>;
  /** Recipient verdicts over all good messages, copies included. */
  readonly recipientVerdicts: number;
  /** Distinct recipient events the store records (ignored verdicts excluded). */
  readonly distinctEvents: number;
  /** Event ids that two messages carry with different content: the id would not be a safe key. */
  readonly conflicts: readonly string[];
  /** Good bodies the parser refused (a generator fault: there must be none). */
  readonly rejected: readonly string[];
}

const ZERO_COUNTS: Readonly<Record<Counter, number>> = {
  hard: 0,
  soft: 0,
  block: 0,
  complaint: 0,
  delivery: 0,
};

/**
 * Build the model from the bodies of every good message (poison left out). Copies of an event
 * (duplicates, the other SES format, another wrapping) share its event id and count once.
 */
export function buildModel(goodBodies: readonly string[]): FeedbackModel {
  const entries = new Map<string, { address: string; entry: HistoryEntry; counter?: Counter }>();
  const expectedEvents = new Map<string, ExpectedEvent[]>();
  const conflicts: string[] = [];
  const rejected: string[] = [];
  let recipientVerdicts = 0;
  for (const body of goodBodies) {
    const parsed = parseNotification(body);
    if (parsed.kind === "error") rejected.push(body);
    if (parsed.kind !== "notification") continue;
    const expected: ExpectedEvent[] = [];
    for (const verdict of verdictsOf(parsed.notification)) {
      recipientVerdicts += 1;
      const decision = decide(verdict);
      if (decision.kind === "none") continue;
      const key = foldedAddress(verdict.address);
      expected.push({ address: key, eventId: decision.entry.id });
      const seen = entries.get(decision.entry.id);
      if (seen === undefined) {
        entries.set(decision.entry.id, {
          address: key,
          entry: decision.entry,
          ...(decision.counter !== undefined ? { counter: decision.counter } : {}),
        });
      } else if (seen.address !== key || JSON.stringify(seen.entry) !== JSON.stringify(decision.entry)) {
        conflicts.push(decision.entry.id);
      }
    }
    expectedEvents.set(body, expected);
  }
  const states = new Map<string, { history: HistoryEntry[]; counts: Record<Counter, number> }>();
  for (const { address, entry, counter } of entries.values()) {
    const state = states.get(address) ?? { history: [], counts: { ...ZERO_COUNTS } };
    state.history.push(entry);
    if (counter !== undefined) state.counts[counter] += 1;
    states.set(address, state);
  }
  return {
    states: new Map(
      [...states].map(([address, state]): [string, AddressState] => [address, { address, ...state }]),
    ),
    expectedEvents,
    recipientVerdicts,
    distinctEvents: entries.size,
    conflicts,
    rejected,
  };
}

export interface Difference {
  readonly address: string;
  readonly field: string;
  readonly table: unknown;
  readonly model: unknown;
}

/** The answer a sender gets for an address. */
export function answerOf(assessment: Assessment): Record<string, unknown> {
  return {
    status: assessment.status,
    reason: assessment.reason,
    since: assessment.since,
    retryAt: assessment.retryAt,
    suppressedBy: assessment.suppression?.by,
  };
}

/** What two assessments are compared on: the answer a sender gets, and its evidence. */
function visibleOf(assessment: Assessment): Record<string, unknown> {
  return {
    ...answerOf(assessment),
    suppressionMessageId: assessment.suppression?.messageId,
    suppressionStatus: assessment.suppression?.status,
    suppressionDiagnostic: assessment.suppression?.diagnostic,
    streak: assessment.streak.count,
    blockCount: assessment.blockCount,
  };
}

/**
 * Every way the stored state of one address differs from the model's: the assessment at `now`,
 * each counter, the recorded event ids (missing, extra, repeated), and the retention of a
 * suppressed item (TTL must never delete a suppression).
 */
export function differencesOf(
  address: string,
  table: AddressState | undefined,
  model: AddressState,
  config: PolicyConfig,
  now: Date,
): Difference[] {
  const differences: Difference[] = [];
  const add = (field: string, tableValue: unknown, modelValue: unknown) => {
    if (JSON.stringify(tableValue) !== JSON.stringify(modelValue)) {
      differences.push({ address, field, table: tableValue, model: modelValue });
    }
  };
  if (table === undefined) {
    add("item", "absent", "present");
    return differences;
  }
  const expected = assess(model, config, now);
  const stored = visibleOf(assess(table, config, now));
  for (const [field, value] of Object.entries(visibleOf(expected))) add(field, stored[field], value);
  for (const counter of COUNTERS) add(`counts.${counter}`, table.counts[counter], model.counts[counter]);
  const storedIds = table.history.map((entry) => entry.id);
  // The table holds the short form of each event id.
  const modelIds = new Set(model.history.map((entry) => storedEventId(entry.id)));
  const repeated = storedIds.filter((id, index) => storedIds.indexOf(id) !== index);
  add("history.repeated", repeated, []);
  add(
    "history.missing",
    [...modelIds].filter((id) => !storedIds.includes(id)),
    [],
  );
  add(
    "history.extra",
    storedIds.filter((id) => !modelIds.has(id)),
    [],
  );
  if (expected.status === "suppressed") {
    add("retained", table.retained === true && table.expiresAt === undefined, true);
  }
  return differences;
}

/** True when the table counted something more often than it happened. */
export function isDoubleCounted(table: AddressState | undefined, model: AddressState): boolean {
  if (table === undefined) return false;
  const ids = table.history.map((entry) => entry.id);
  return (
    new Set(ids).size !== ids.length ||
    COUNTERS.some((counter) => table.counts[counter] > model.counts[counter])
  );
}
