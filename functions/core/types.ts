// The vocabulary shared by the pure core, the adapters and the command line.

/** What kind of SES feedback a recipient verdict comes from. */
export const FEEDBACK_EVENTS = ["bounce", "complaint", "delivery", "delay", "other"] as const;
export type FeedbackEvent = (typeof FEEDBACK_EVENTS)[number];

/**
 * What the feedback means for the address. `unconfirmed`: a permanent failure that gives no reason
 * (SES's Permanent label, or a bare 5xx code), deferred until a second one confirms it.
 */
export const VERDICT_CLASSES = [
  "hard",
  "unconfirmed",
  "soft",
  "block",
  "complaint",
  "delivered",
  "autoreply",
  "ignore",
] as const;
export type VerdictClass = (typeof VERDICT_CLASSES)[number];

/**
 * Sisimai's reason names (the de facto taxonomy of bounce analysis) plus the four non-bounce
 * readings: feedback (complaint), vacation (auto-reply), delivered, suppressed (SES did not send).
 */
export const REASONS = [
  "userunknown",
  "hostunknown",
  "hasmoved",
  "notaccept",
  "mailboxfull",
  "exceedlimit",
  "mesgtoobig",
  "systemfull",
  "toomanyconn",
  "speeding",
  "systemerror",
  "networkerror",
  "expired",
  "mailererror",
  "suspend",
  "syntaxerror",
  "blocked",
  "spamdetected",
  "policyviolation",
  "securityerror",
  "virusdetected",
  "contenterror",
  "norelaying",
  "rejected",
  "filtered",
  "authfailure",
  "requireptr",
  "badreputation",
  "notcompliantrfc",
  "failedstarttls",
  "onhold",
  "undefined",
  "feedback",
  "vacation",
  "delivered",
  "suppressed",
] as const;
export type Reason = (typeof REASONS)[number];

/**
 * Why an event's time is the time it was received rather than the one SES gave: SES's timestamp
 * could not be read, or lay in the future (a deferral from it would never end).
 */
export const TIMESTAMP_NOTES = ["timestamp-unreadable", "timestamp-in-future"] as const;
export type TimestampNote = (typeof TIMESTAMP_NOTES)[number];

/** The reasons the SES account-level suppression list takes. */
export const SES_LIST_REASONS = ["BOUNCE", "COMPLAINT"] as const;
export type SesListReason = (typeof SES_LIST_REASONS)[number];

/** Which SES publishing mechanism produced a notification. */
export type NotificationSource = "identity" | "event-publishing";

/** One decision per recipient of one SES notification: the unit everything downstream works on. */
export interface RecipientVerdict {
  /** Normalised address: trimmed, domain lower-cased (local part kept as sent). */
  readonly address: string;
  readonly event: FeedbackEvent;
  readonly class: VerdictClass;
  readonly reason: Reason;
  /** Enhanced status code (RFC 3463), from the notification or read out of the diagnostic. */
  readonly status?: string;
  readonly diagnostic?: string;
  readonly bounceType?: string;
  readonly bounceSubType?: string;
  /** SES feedback id (bounces and complaints); absent for deliveries and delays. */
  readonly feedbackId?: string;
  /** SES's message id; absent only when the notification came without its `mail` object. */
  readonly messageId?: string;
  /** When the feedback happened (ISO 8601), taken from the notification, never from the clock. */
  readonly timestamp: string;
  readonly configurationSet?: string;
  readonly source: NotificationSource;
  /** SES's own notification or event type, e.g. Bounce, DeliveryDelay, Send. */
  readonly sesType: string;
  /** Stable identity of this recipient event: equal for duplicates and for both SES formats. */
  readonly eventId: string;
  /** One sentence explaining how the class and reason were decided. */
  readonly explanation: string;
  /** True when SES did not attempt delivery because the address is already on an SES list. */
  readonly suppressedBySes?: boolean;
  /** Set when `timestamp` is the receive time because SES's own could not be used. */
  readonly timestampNote?: TimestampNote;
}
