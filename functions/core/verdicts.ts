// One verdict per recipient of a parsed SES notification.
import { hash } from "node:crypto";
import { normaliseAddress } from "./address.ts";
import { classifyBounce, classifyDelay, extractStatus } from "./classify.ts";
import type { SesNotification } from "./read-notification.ts";
import type { FeedbackEvent, RecipientVerdict } from "./types.ts";

/**
 * The identity of one recipient event. Duplicates from SNS/SQS and the copies SES publishes when a
 * mail is covered by both identity notifications and a configuration set share it: bounces and
 * complaints are keyed by SES's feedbackId, deliveries by the message (SES reports one delivery per
 * message and recipient), delays also by their timestamp (SES may report several). Hashed so the
 * store's idempotency list holds no address and stays small.
 */
export function eventIdOf(event: FeedbackEvent, reference: string, address: string, extra = ""): string {
  // The one-shot hash: same digest as createHash().update().digest(), without a Hash object per id.
  return hash(
    "sha256",
    `${event}\u0000${reference}\u0000${address.toLowerCase()}\u0000${extra}`,
    "base64url",
  ).slice(0, 22);
}

const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Timestamps compare as strings downstream, so every one is rewritten in the same ISO form. */
function isoOrSelf(timestamp: string): string {
  if (CANONICAL_ISO.test(timestamp)) return timestamp;
  const millis = Date.parse(timestamp);
  return Number.isNaN(millis) ? timestamp : new Date(millis).toISOString();
}

/**
 * What names the mail in an event id: SES's message id, or, for a notification pasted without its
 * `mail` object, the feedback's own time (equal for every copy of the event, so duplicates still
 * share their id; two such deliveries to one address in the same millisecond would too).
 */
function messageReference(notification: SesNotification, timestamp: string): string {
  return notification.mail?.messageId ?? `no-mail:${timestamp}`;
}

/** SES sends null and "" for absent values; verdicts leave them out. */
function present(value: string | null | undefined): string | undefined {
  return value === null || value === "" ? undefined : value;
}

interface Fields {
  readonly event: RecipientVerdict["event"];
  readonly class: RecipientVerdict["class"];
  readonly reason: RecipientVerdict["reason"];
  readonly timestamp: string;
  /**
   * The event id of a valid address is eventIdOf(event, idReference, address, idExtra): data, not a
   * closure, so no function object is made per recipient.
   */
  readonly idReference: string;
  readonly idExtra: string;
  readonly explanation: string;
  readonly status?: string | null | undefined;
  readonly diagnostic?: string | null | undefined;
  readonly bounceType?: string | null | undefined;
  readonly bounceSubType?: string | null | undefined;
  readonly feedbackId?: string | undefined;
  readonly suppressedBySes?: boolean;
}

/**
 * One verdict, always of the same shape (fields SES did not give are undefined, which JSON and the
 * store leave out): the classifier's hot path builds thousands of these. A recipient string that is
 * not an address still gets a verdict, an `ignore` naming the problem, never a crash.
 */
function verdict(notification: SesNotification, raw: string, fields: Fields): RecipientVerdict {
  const normalised = normaliseAddress(raw);
  const address = normalised.ok ? normalised.address : raw.trim();
  return {
    address,
    event: fields.event,
    class: normalised.ok ? fields.class : "ignore",
    reason: normalised.ok ? fields.reason : "undefined",
    status: present(fields.status),
    diagnostic: present(fields.diagnostic),
    bounceType: present(fields.bounceType),
    bounceSubType: present(fields.bounceSubType),
    feedbackId: fields.feedbackId,
    messageId: notification.mail?.messageId,
    timestamp: fields.timestamp,
    configurationSet: notification.configurationSet,
    source: notification.source,
    sesType: notification.type,
    eventId: normalised.ok
      ? eventIdOf(fields.event, fields.idReference, address, fields.idExtra)
      : eventIdOf(
          fields.event,
          fields.feedbackId ?? messageReference(notification, fields.timestamp),
          address,
          fields.timestamp,
        ),
    explanation: normalised.ok ? fields.explanation : `ignored: ${normalised.message}`,
    suppressedBySes: normalised.ok && fields.suppressedBySes === true ? true : undefined,
  };
}

function bounceVerdicts(notification: SesNotification): RecipientVerdict[] {
  const bounce = notification.bounce;
  if (bounce === undefined) return [];
  const timestamp = isoOrSelf(bounce.timestamp);
  const bounceType = present(bounce.bounceType);
  const bounceSubType = present(bounce.bounceSubType);
  return bounce.bouncedRecipients.map((recipient) => {
    const reading = classifyBounce({
      bounceType,
      bounceSubType,
      action: present(recipient.action),
      status: present(recipient.status),
      diagnosticCode: present(recipient.diagnosticCode),
    });
    return verdict(notification, recipient.emailAddress, {
      event: "bounce",
      class: reading.class,
      reason: reading.reason,
      timestamp,
      feedbackId: bounce.feedbackId,
      idReference: bounce.feedbackId,
      idExtra: "",
      explanation: reading.explanation,
      status: reading.status,
      diagnostic: recipient.diagnosticCode,
      bounceType,
      bounceSubType,
      suppressedBySes: reading.suppressedBySes === true,
    });
  });
}

function complaintVerdicts(notification: SesNotification): RecipientVerdict[] {
  const complaint = notification.complaint;
  if (complaint === undefined) return [];
  const timestamp = isoOrSelf(complaint.timestamp);
  const feedbackType = present(complaint.complaintFeedbackType);
  const onSesList = complaint.complaintSubType === "OnAccountSuppressionList";
  const notSpam = feedbackType === "not-spam";
  const explanation = notSpam
    ? "feedback type not-spam: the recipient said the mail is wanted, nothing to suppress"
    : onSesList
      ? "SES did not send: the address is on the account's suppression list for a complaint"
      : `complaint${feedbackType ? ` (feedback type ${feedbackType})` : ""}: the recipient marked the mail as spam`;
  return complaint.complainedRecipients.map((recipient) =>
    verdict(notification, recipient.emailAddress, {
      event: "complaint",
      class: notSpam ? "ignore" : "complaint",
      reason: onSesList && !notSpam ? "suppressed" : "feedback",
      timestamp,
      feedbackId: complaint.feedbackId,
      idReference: complaint.feedbackId,
      idExtra: "",
      explanation,
      suppressedBySes: onSesList && !notSpam,
    }),
  );
}

function deliveryVerdicts(notification: SesNotification): RecipientVerdict[] {
  const delivery = notification.delivery;
  if (delivery === undefined) return [];
  const timestamp = isoOrSelf(delivery.timestamp);
  const status = extractStatus(delivery.smtpResponse ?? undefined);
  const messageId = messageReference(notification, timestamp);
  return delivery.recipients.map((raw) =>
    verdict(notification, raw, {
      event: "delivery",
      class: "delivered",
      reason: "delivered",
      timestamp,
      idReference: messageId,
      idExtra: "",
      explanation: "the receiving server accepted the message",
      status,
      diagnostic: delivery.smtpResponse,
    }),
  );
}

function delayVerdicts(notification: SesNotification): RecipientVerdict[] {
  const delay = notification.deliveryDelay;
  if (delay === undefined) return [];
  const timestamp = isoOrSelf(delay.timestamp);
  const messageId = messageReference(notification, timestamp);
  return delay.delayedRecipients.map((recipient) => {
    const reading = classifyDelay({
      delayType: present(delay.delayType),
      status: present(recipient.status),
      diagnosticCode: present(recipient.diagnosticCode),
    });
    return verdict(notification, recipient.emailAddress, {
      event: "delay",
      class: reading.class,
      reason: reading.reason,
      timestamp,
      idReference: messageId,
      idExtra: timestamp,
      explanation: `${reading.explanation}; SES is still retrying, so the final bounce or delivery decides`,
      status: reading.status,
      diagnostic: recipient.diagnosticCode,
    });
  });
}

/** Send, Reject, Open, Click, Rendering Failure, Subscription and types SES adds later. */
function otherVerdicts(notification: SesNotification): RecipientVerdict[] {
  // These carry no body of their own: without `mail` there is no recipient to give a verdict to.
  const mail = notification.mail;
  if (mail === undefined) return [];
  const timestamp = isoOrSelf(mail.timestamp);
  const known = notification.type in OTHER_EVENT_NOTES;
  const note = known
    ? OTHER_EVENT_NOTES[notification.type as keyof typeof OTHER_EVENT_NOTES]
    : "an event type this version does not know";
  const reference = `${notification.type}:${mail.messageId}`;
  return (mail.destination ?? []).map((raw) =>
    verdict(notification, raw, {
      event: "other",
      class: "ignore",
      reason: "undefined",
      timestamp,
      idReference: reference,
      idExtra: timestamp,
      explanation: `ignored: ${notification.type} is ${note}, not recipient feedback`,
    }),
  );
}

const OTHER_EVENT_NOTES = {
  Send: "SES accepting the send request",
  Reject: "SES refusing the message before sending (e.g. a virus)",
  Open: "an open tracking event",
  Click: "a click tracking event",
  "Rendering Failure": "a template rendering failure",
  Subscription: "a subscription preference change",
} as const satisfies Record<string, string>;

const VERDICTS_BY_TYPE = {
  Bounce: bounceVerdicts,
  Complaint: complaintVerdicts,
  Delivery: deliveryVerdicts,
  DeliveryDelay: delayVerdicts,
} as const satisfies Record<string, (notification: SesNotification) => RecipientVerdict[]>;

/** Every recipient of a notification with its verdict, in the order SES listed them. */
export function verdictsOf(notification: SesNotification): RecipientVerdict[] {
  const byType = VERDICTS_BY_TYPE[notification.type as keyof typeof VERDICTS_BY_TYPE];
  return byType !== undefined ? byType(notification) : otherVerdicts(notification);
}
