// What each reason means for the address: dead (hard), refused sender (block) or try again (soft).
import { classDigitOf } from "../status-code.ts";
import type { Reason } from "../types.ts";
import type { BounceClass } from "./evidence.ts";

/**
 * hard: the address is dead. block: the *sender* was refused (reputation, lists, content, policy,
 * authentication), so the recipient must not be suppressed for it. soft: try again later.
 * Only the reasons that say the address or its domain does not exist are hard, as in Sisimai's
 * reading: a suspended, filtering or misconfigured mailbox may come back, so it is retried and the
 * soft-bounce streak suppresses it if it never does.
 * Mailbox full and message too large stay soft even with a 5.x.x status: the product's users treat
 * them as temporary (seeds 000–002), and a mailbox that empties accepts mail again.
 * feedback, vacation and delivered never come out of a failed delivery; they are soft so that a
 * caller misusing this table never suppresses an address for them.
 */
export const CLASS_OF_REASON = {
  userunknown: "hard",
  hostunknown: "hard",
  hasmoved: "hard",
  notaccept: "hard",
  suppressed: "hard",
  blocked: "block",
  spamdetected: "block",
  policyviolation: "block",
  badreputation: "block",
  requireptr: "block",
  authfailure: "block",
  virusdetected: "block",
  contenterror: "block",
  rejected: "block",
  securityerror: "block",
  notcompliantrfc: "block",
  failedstarttls: "block",
  mailboxfull: "soft",
  mailererror: "soft",
  norelaying: "soft",
  filtered: "soft",
  syntaxerror: "soft",
  suspend: "soft",
  exceedlimit: "soft",
  mesgtoobig: "soft",
  systemfull: "soft",
  toomanyconn: "soft",
  speeding: "soft",
  systemerror: "soft",
  networkerror: "soft",
  expired: "soft",
  onhold: "soft",
  undefined: "soft",
  feedback: "soft",
  vacation: "soft",
  delivered: "soft",
} as const satisfies Record<Reason, BounceClass>;

/**
 * The isHardBounce-style decision: the class a reason stands for, given the status code (enhanced,
 * e.g. 4.2.2, or basic, e.g. 450) that came with it. A reason that would kill the address is only a
 * retry when the receiver itself said the failure is temporary (4.x.x or 4xx). Suppression by SES
 * carries no status and is never demoted.
 */
export function classOfReason(reason: Reason, status?: string): BounceClass {
  if (reason === "undefined" || reason === "onhold") {
    // Nothing says what happened: the receiver's code class is the only evidence (5 permanent).
    return classDigitOf(status) === 5 ? "hard" : "soft";
  }
  const base: BounceClass = CLASS_OF_REASON[reason];
  if (base === "hard" && reason !== "suppressed" && classDigitOf(status) === 4) return "soft";
  return base;
}
