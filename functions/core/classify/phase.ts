// The SMTP phase a diagnostic says the refusal came in. Before RCPT TO the receiver has not been
// told who the recipient is, so a refusal at the greeting, at HELO or at MAIL FROM is about the
// sender, whatever words it uses: "does not exist" after MAIL FROM means our sender address.

import type { Reason } from "../types.ts";

export type SenderPhase = "connection" | "mail-from";

/** A phase and the words of the diagnostic that name it. */
export interface NamedPhase {
  readonly phase: SenderPhase;
  readonly phrase: string;
}

/** Phrases of MTAs' reports naming the command a reply answered (Postfix, Exim, qmail, sendmail). */
const CONNECTION =
  /after initial connection|refused to talk to me|my name was rejected|(?:after|in reply to) e?helo\b/;
const MAIL_FROM = /(?:after|in reply to) mail from\b|but sender was rejected/;
/** A report naming a later command too says nothing certain about which one was refused. */
const LATER =
  /(?:after|in reply to) (?:rcpt to|(?:end of )?data)\b|does not like recipient|did not like our rcpt/;

export function senderPhaseOf(text: string): NamedPhase | undefined {
  if (text === "" || LATER.test(text)) return undefined;
  const connection = CONNECTION.exec(text);
  const mailFrom = MAIL_FROM.exec(text);
  if (connection !== null && mailFrom === null) return { phase: "connection", phrase: connection[0] };
  if (mailFrom !== null && connection === null) return { phase: "mail-from", phrase: mailFrom[0] };
  return undefined;
}

/**
 * Reasons about the recipient, or about nothing in particular, that a sender phase turns into a
 * refusal of the sender. Reasons about the sender, the message or the transport stand as they are.
 */
const RECIPIENT_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  "userunknown",
  "hostunknown",
  "hasmoved",
  "notaccept",
  "suspend",
  "filtered",
  "onhold",
  "undefined",
]);

/**
 * What a finding means when the phase shows the sender was refused: a recipient reason, or one read
 * from evidence that says little of its own (a code's class or subject, a vague phrase), becomes
 * `rejected` at MAIL FROM and `blocked` at the greeting or HELO.
 */
export function senderReasonIn(phase: SenderPhase, reason: Reason, saysLittle: boolean): Reason | undefined {
  if (!RECIPIENT_REASONS.has(reason) && !saysLittle) return undefined;
  const senderReason = phase === "mail-from" ? "rejected" : "blocked";
  return reason === senderReason ? undefined : senderReason;
}
