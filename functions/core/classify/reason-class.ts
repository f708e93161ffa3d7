// What each reason means for the address: dead (hard), refused sender (block), try again (soft), or
// a permanent failure nobody explained (unconfirmed).
import { classDigitOf } from "../status-code.ts";
import type { Reason } from "../types.ts";
import type { BounceClass } from "./evidence.ts";

/**
 * hard: the address is dead. block: the receiver refused *us* or this message (reputation, lists,
 * IP and PTR, authentication, relaying, sender address, group membership, content, policy, TLS, or
 * the recipient's own filter), which says nothing about whether the address exists, so it is never
 * suppressed for it. soft: try again later.
 * The classes follow the corpus's rule (Sisimai's hard-bounce decision, and its refusals of the
 * sender or message as blocks):
 * - only the reasons that say the address or its domain does not exist are hard;
 * - `filtered` (the recipient's or the receiver's filter refused this sender or message) and
 *   `norelaying` (the receiver will not relay for us) are blocks: the mailbox may be fine, and a
 *   filter or a relay setting that never lets us through is for the operator to judge from the
 *   block count, not for the address to be suppressed for;
 * - a suspended or misconfigured mailbox may come back, so it is retried and the soft-bounce streak
 *   suppresses it if it never does;
 * - mailbox full and message too large stay soft even with a 5.x.x status: the product's users treat
 *   them as temporary (seeds 000–002), and a mailbox that empties accepts mail again.
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
  norelaying: "block",
  filtered: "block",
  mailboxfull: "soft",
  mailererror: "soft",
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
} as const satisfies Record<Reason, Exclude<BounceClass, "unconfirmed">>;

/**
 * Reasons that stay hard under a temporary (4xx) code when the receiver says them in words: a
 * bounce is final (SES has stopped retrying), and a receiver that still says the user is unknown, or
 * has moved, means it. A bare 4.1.1, a DNS answer that a domain does not exist (often a resolver's
 * passing failure) or a host that takes no mail today are retries.
 */
const HARD_WHEN_SAID: ReadonlySet<Reason> = new Set<Reason>(["userunknown", "hasmoved"]);

/**
 * The isHardBounce-style decision: the class a reason stands for, given the status code (enhanced,
 * e.g. 4.2.2, or basic, e.g. 450) that came with it and whether the receiver's own words named the
 * reason. With no reason at all, a permanent code is a permanent failure nobody explained:
 * `unconfirmed`, never hard on its own.
 */
export function classOfReason(reason: Reason, status?: string, saidInWords = false): BounceClass {
  if (reason === "undefined" || reason === "onhold") {
    return classDigitOf(status) === 5 ? "unconfirmed" : "soft";
  }
  const base = CLASS_OF_REASON[reason];
  if (base !== "hard" || reason === "suppressed" || classDigitOf(status) !== 4) return base;
  return saidInWords && HARD_WHEN_SAID.has(reason) ? "hard" : "soft";
}
