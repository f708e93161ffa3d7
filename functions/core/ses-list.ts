// What the SES account-level suppression list should hold for an address: the policy of the sync
// (sesSuppressionListSync) and of the deferral mirror, pure.
import {
  type AddressState,
  type Assessment,
  confirmationOf,
  type Decision,
  type PolicyConfig,
} from "./policy.ts";
import type { SesListReason } from "./types.ts";

/**
 * The reason the sync puts on SES's list for a decision, marked in the event's own write: our own
 * hard bounces and complaints. What SES itself reported as already listed is not put again, and
 * soft-bounce streaks stay ours. A confirmed failure is known only after the write (`sesReasonAfterWrite`).
 */
export function sesReasonOfDecision(decision: Decision): SesListReason | undefined {
  if (decision.kind !== "suppress" || decision.counter === undefined) return undefined;
  return decision.counter === "complaint" ? "COMPLAINT" : decision.counter === "hard" ? "BOUNCE" : undefined;
}

/**
 * The reason the sync puts on SES's list for what only the written item shows: a permanent failure
 * without a stated reason that the history now holds confirmed (by this event, or by one dated
 * before it that arrived later) is a dead address like a hard bounce, so it goes on as BOUNCE,
 * whichever suppression the table answers with. Unconfirmed events that confirm nothing, and
 * everything else, put nothing here (`sesReasonOfDecision` covers hard bounces and complaints).
 */
export function sesReasonAfterWrite(
  decision: Decision,
  written: AddressState,
  config: PolicyConfig,
): SesListReason | undefined {
  if (decision.kind !== "record" || decision.entry.class !== "unconfirmed") return undefined;
  return confirmationOf(written, config) !== undefined ? "BOUNCE" : undefined;
}

/**
 * Whether a pending put belongs on SES's list now: only while the address is suppressed. A bounce
 * dated before a reactivation, say, wrote the pending put but does not count, so the put is dropped
 * instead of suppressing the address on SES again. (Whatever suppression the table answers with,
 * an address our own hard bounce or complaint reached is held by SES too: the list the sync keeps
 * is a subset of the table's suppressed addresses that holds every one of those.)
 */
export function sesPutStillDue(assessment: Assessment): boolean {
  return assessment.status === "suppressed";
}
