// One address stored under two keys: the case-folded key, and the spelling as sent that versions
// before case folding keyed it by. Readers see both as one state. Pure.
import {
  type AddressState,
  type AuditEntry,
  COUNTERS,
  type Counter,
  type HistoryEntry,
  type Suppression,
  suppressionCounts,
} from "./policy.ts";

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/**
 * The address as one state: both histories (an event in both counts once), counters added, the
 * latest reactivation (it was of the same address, so it applies to both), the earliest
 * suppression that still counts, the window and versions of the current item. Operator commands
 * that write act on each item; this is what they and the pre-send check read.
 */
export function mergeStates(
  current: AddressState | undefined,
  legacy: AddressState | undefined,
): AddressState | undefined {
  if (legacy === undefined) return current;
  if (current === undefined) return legacy;
  const ids = new Set(current.history.map((entry) => entry.id));
  const history: HistoryEntry[] = [
    ...current.history,
    ...legacy.history.filter((entry) => entry.id === "" || !ids.has(entry.id)),
  ];
  const counts = Object.fromEntries(
    COUNTERS.map((counter) => [counter, current.counts[counter] + legacy.counts[counter]]),
  ) as Record<Counter, number>;
  const reactivatedAt = later(current.reactivatedAt, legacy.reactivatedAt);
  const snapshots = [current.suppression, legacy.suppression].filter(
    (suppression): suppression is Suppression =>
      suppression !== undefined && suppressionCounts(suppression, reactivatedAt),
  );
  const suppression = snapshots.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))[0];
  const audit: AuditEntry[] = [...(legacy.audit ?? []), ...(current.audit ?? [])].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
  );
  const updatedAt = later(current.updatedAt, legacy.updatedAt);
  const {
    suppression: _suppression,
    reactivatedAt: _reactivatedAt,
    audit: _audit,
    retained: _retained,
    ...rest
  } = current;
  return {
    ...rest,
    history,
    counts,
    ...(current.retained === true || legacy.retained === true ? { retained: true } : {}),
    ...(suppression !== undefined ? { suppression } : {}),
    ...(reactivatedAt !== undefined ? { reactivatedAt } : {}),
    ...(audit.length > 0 ? { audit } : {}),
    ...(updatedAt !== undefined ? { updatedAt } : {}),
  };
}
