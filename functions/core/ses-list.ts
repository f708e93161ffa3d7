// What the SES account-level suppression list should hold for an address: the policy of the sync
// (sesSuppressionListSync) and of the deferral mirror, pure.
import type { Assessment, Decision } from "./policy.ts";
import type { SesListReason } from "./types.ts";

/**
 * The reason the sync puts on SES's list for a decision: our own hard bounces and complaints. What
 * SES itself reported as already listed is not put again, and soft-bounce streaks stay ours.
 */
export function sesReasonOfDecision(decision: Decision): SesListReason | undefined {
  if (decision.kind !== "suppress" || decision.counter === undefined) return undefined;
  return decision.counter === "complaint" ? "COMPLAINT" : decision.counter === "hard" ? "BOUNCE" : undefined;
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
