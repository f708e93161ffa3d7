// The ordered phrase tables: which family of phrases names which reason, and which wins when a
// diagnostic holds several. Strong phrases name a reason on their own; weak phrases only where no
// specific status code says otherwise. The families themselves are in recipient-phrases.ts,
// sender-phrases.ts and delivery-phrases.ts.
import type { Reason } from "../types.ts";
import * as delivery from "./delivery-phrases.ts";
import * as recipient from "./recipient-phrases.ts";
import * as sender from "./sender-phrases.ts";

/** Reasons that a phrase in the diagnostic can name. */
export type TextReason = Exclude<Reason, "feedback" | "delivered" | "suppressed" | "undefined">;

/** One family of phrases and the reason it names. */
export interface PhraseRule {
  readonly reason: TextReason;
  readonly phrases: RegExp;
}

const rule = (reason: TextReason, phrases: RegExp): PhraseRule => ({ reason, phrases });

/**
 * The strong families, the more telling first. A few families come before the general rule for
 * their reason because they explain away a phrase that would otherwise win: a delivery program's
 * "no such user", a reverse DNS check (not a DNS failure of ours), a DNS lookup that failed
 * (neither a dead domain nor the expiry it led to), a
 * connection frequency cap whose detail says "blocked", a blocklisted link (content, not our IP),
 * a refusal that names policy as its reason.
 */
export const STRONG_RULES: readonly PhraseRule[] = [
  rule("vacation", recipient.AUTO_REPLY),
  rule("onhold", delivery.GREYLISTED),
  rule("mailererror", delivery.DELIVERY_PROGRAM),
  rule("requireptr", sender.REVERSE_DNS),
  rule("networkerror", delivery.DNS_FAILURE),
  rule("norelaying", sender.NO_RELAYING),
  rule("authfailure", sender.AUTHENTICATION_FAILED),
  rule("rejected", sender.GROUP_POSTING),
  rule("filtered", recipient.RECIPIENT_FILTER),
  rule("badreputation", sender.BAD_REPUTATION),
  rule("toomanyconn", delivery.FREQUENCY_LIMITED),
  rule("spamdetected", sender.CONTENT_BLOCKLISTED),
  rule("blocked", sender.SENDER_BLOCKED),
  rule("policyviolation", sender.POLICY_REFUSAL),
  rule("rejected", sender.SENDER_REJECTED),
  rule("virusdetected", sender.VIRUS_DETECTED),
  rule("spamdetected", sender.SPAM_DETECTED),
  rule("toomanyconn", delivery.TOO_MANY_CONNECTIONS),
  rule("speeding", delivery.SENDING_TOO_FAST),
  rule("mailboxfull", recipient.MAILBOX_FULL),
  rule("exceedlimit", delivery.EXCEEDS_ADMINISTRATIVE_LIMIT),
  rule("mesgtoobig", delivery.MESSAGE_TOO_BIG),
  rule("hasmoved", recipient.HAS_MOVED),
  rule("suspend", recipient.SUSPENDED),
  rule("notaccept", recipient.NOT_ACCEPTING),
  rule("userunknown", recipient.USER_UNKNOWN),
  rule("hostunknown", recipient.HOST_UNKNOWN),
  rule("policyviolation", sender.POLICY_VIOLATION),
  rule("notcompliantrfc", sender.NOT_COMPLIANT),
  rule("contenterror", sender.CONTENT_ERROR),
  rule("failedstarttls", sender.TLS_FAILED),
  rule("securityerror", sender.SECURITY_ERROR),
  rule("systemfull", delivery.SYSTEM_FULL),
  rule("expired", delivery.EXPIRED),
  rule("networkerror", delivery.NETWORK_ERROR),
  rule("mailererror", delivery.MAILER_ERROR),
  rule("syntaxerror", delivery.SYNTAX_ERROR),
  rule("systemerror", delivery.SYSTEM_ERROR),
];

/** Vague phrases: they decide only where no specific status code does. */
export const WEAK_RULES: readonly PhraseRule[] = [
  rule("blocked", sender.VAGUE_BLOCK),
  rule("userunknown", recipient.MAILBOX_UNAVAILABLE),
  rule("filtered", recipient.RECIPIENT_REFUSED),
  rule("systemerror", delivery.SERVER_BUSY),
];

/** Under a 5.7.x status the receiver's policy speaks: only a plain "blocked" says more than the code. */
export const WEAK_RULES_UNDER_POLICY_STATUS: readonly PhraseRule[] = WEAK_RULES.filter(
  ({ reason }) => reason === "blocked",
);

/**
 * Under a temporary (4xx) code a mailbox that is "unavailable" is busy or locked (RFC 5321's 450),
 * not unknown.
 */
export const WEAK_RULES_UNDER_TEMPORARY_CODE: readonly PhraseRule[] = WEAK_RULES.filter(
  ({ reason }) => reason !== "userunknown",
);
