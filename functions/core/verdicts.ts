// One verdict per recipient of a parsed SES notification.
import { createHash } from "node:crypto";
import { normaliseAddress } from "./address.ts";
import { classifyBounce, classifyDelay, extractStatus } from "./classify.ts";
import type { SesNotification } from "./parse.ts";
import type { FeedbackEvent, RecipientVerdict } from "./types.ts";

/**
 * The identity of one recipient event. Duplicates from SNS/SQS and the copies SES publishes when a
 * mail is covered by both identity notifications and a configuration set share it: bounces and
 * complaints are keyed by SES's feedbackId, deliveries by the message (SES reports one delivery per
 * message and recipient), delays also by their timestamp (SES may report several). Hashed so the
 * store's idempotency list holds no address and stays small.
 */
export function eventIdOf(event: FeedbackEvent, reference: string, address: string, extra = ""): string {
  return createHash("sha256")
    .update(`${event}\u0000${reference}\u0000${address.toLowerCase()}\u0000${extra}`)
    .digest("base64url")
    .slice(0, 22);
}

/** Timestamps compare as strings downstream, so every one is rewritten in the same ISO form. */
function isoOrSelf(timestamp: string): string {
  const millis = Date.parse(timestamp);
  return Number.isNaN(millis) ? timestamp : new Date(millis).toISOString();
}

type Common = Pick<RecipientVerdict, "messageId" | "source" | "sesType" | "configurationSet">;

function commonOf(notification: SesNotification): Common {
  return {
    messageId: notification.mail.messageId,
    source: notification.source,
    sesType: notification.type,
    ...(notification.configurationSet !== undefined
      ? { configurationSet: notification.configurationSet }
      : {}),
  };
}

function optional<K extends string, V>(key: K, value: V | null | undefined): Partial<Record<K, V>> {
  return value === null || value === undefined || value === "" ? {} : ({ [key]: value } as Record<K, V>);
}

/** A recipient string SES gave us that is not an address still gets a verdict, never a crash. */
function addressOrIgnore(
  raw: string,
  base: Omit<RecipientVerdict, "address" | "class" | "reason" | "explanation" | "eventId">,
  build: (address: string) => RecipientVerdict,
): RecipientVerdict {
  const normalised = normaliseAddress(raw);
  if (normalised.ok) {
    return build(normalised.address);
  }
  const address = raw.trim();
  return {
    ...base,
    address,
    class: "ignore",
    reason: "undefined",
    eventId: eventIdOf(base.event, base.feedbackId ?? base.messageId, address, base.timestamp),
    explanation: `ignored: ${normalised.message}`,
  };
}

function bounceVerdicts(notification: SesNotification, common: Common): RecipientVerdict[] {
  const bounce = notification.bounce;
  if (bounce === undefined) return [];
  const timestamp = isoOrSelf(bounce.timestamp);
  return bounce.bouncedRecipients.map((recipient) => {
    const reading = classifyBounce({
      ...optional("bounceType", bounce.bounceType),
      ...optional("bounceSubType", bounce.bounceSubType),
      ...optional("action", recipient.action),
      ...optional("status", recipient.status),
      ...optional("diagnosticCode", recipient.diagnosticCode),
    });
    const base = {
      ...common,
      event: "bounce" as const,
      timestamp,
      feedbackId: bounce.feedbackId,
      ...optional("status", reading.status),
      ...optional("diagnostic", recipient.diagnosticCode),
      ...optional("bounceType", bounce.bounceType),
      ...optional("bounceSubType", bounce.bounceSubType),
    };
    return addressOrIgnore(recipient.emailAddress, base, (address) => ({
      ...base,
      address,
      class: reading.class,
      reason: reading.reason,
      eventId: eventIdOf("bounce", bounce.feedbackId, address),
      explanation: reading.explanation,
      ...(reading.suppressedBySes ? { suppressedBySes: true } : {}),
    }));
  });
}

function complaintVerdicts(notification: SesNotification, common: Common): RecipientVerdict[] {
  const complaint = notification.complaint;
  if (complaint === undefined) return [];
  const timestamp = isoOrSelf(complaint.timestamp);
  const feedbackType = complaint.complaintFeedbackType ?? undefined;
  const onSesList = complaint.complaintSubType === "OnAccountSuppressionList";
  return complaint.complainedRecipients.map((recipient) => {
    const base = { ...common, event: "complaint" as const, timestamp, feedbackId: complaint.feedbackId };
    return addressOrIgnore(recipient.emailAddress, base, (address) => {
      const eventId = eventIdOf("complaint", complaint.feedbackId, address);
      if (feedbackType === "not-spam") {
        return {
          ...base,
          address,
          class: "ignore",
          reason: "feedback",
          eventId,
          explanation: "feedback type not-spam: the recipient said the mail is wanted, nothing to suppress",
        };
      }
      return {
        ...base,
        address,
        class: "complaint",
        reason: onSesList ? "suppressed" : "feedback",
        eventId,
        explanation: onSesList
          ? "SES did not send: the address is on the account's suppression list for a complaint"
          : `complaint${feedbackType ? ` (feedback type ${feedbackType})` : ""}: the recipient marked the mail as spam`,
        ...(onSesList ? { suppressedBySes: true } : {}),
      };
    });
  });
}

function deliveryVerdicts(notification: SesNotification, common: Common): RecipientVerdict[] {
  const delivery = notification.delivery;
  if (delivery === undefined) return [];
  const timestamp = isoOrSelf(delivery.timestamp);
  const status = extractStatus(delivery.smtpResponse ?? undefined);
  return delivery.recipients.map((raw) => {
    const base = {
      ...common,
      event: "delivery" as const,
      timestamp,
      ...optional("status", status),
      ...optional("diagnostic", delivery.smtpResponse),
    };
    return addressOrIgnore(raw, base, (address) => ({
      ...base,
      address,
      class: "delivered",
      reason: "delivered",
      eventId: eventIdOf("delivery", common.messageId, address),
      explanation: "the receiving server accepted the message",
    }));
  });
}

function delayVerdicts(notification: SesNotification, common: Common): RecipientVerdict[] {
  const delay = notification.deliveryDelay;
  if (delay === undefined) return [];
  const timestamp = isoOrSelf(delay.timestamp);
  return delay.delayedRecipients.map((recipient) => {
    const reading = classifyDelay({
      ...optional("delayType", delay.delayType),
      ...optional("status", recipient.status),
      ...optional("diagnosticCode", recipient.diagnosticCode),
    });
    const base = {
      ...common,
      event: "delay" as const,
      timestamp,
      ...optional("status", reading.status),
      ...optional("diagnostic", recipient.diagnosticCode),
    };
    return addressOrIgnore(recipient.emailAddress, base, (address) => ({
      ...base,
      address,
      class: reading.class,
      reason: reading.reason,
      eventId: eventIdOf("delay", common.messageId, address, timestamp),
      explanation: `${reading.explanation}; SES is still retrying, so the final bounce or delivery decides`,
    }));
  });
}

/** Send, Reject, Open, Click, Rendering Failure, Subscription and types SES adds later. */
function otherVerdicts(notification: SesNotification, common: Common): RecipientVerdict[] {
  const timestamp = isoOrSelf(notification.mail.timestamp);
  const known = notification.type in OTHER_EVENT_NOTES;
  const note = known
    ? OTHER_EVENT_NOTES[notification.type as keyof typeof OTHER_EVENT_NOTES]
    : "an event type this version does not know";
  return (notification.mail.destination ?? []).map((raw) => {
    const base = { ...common, event: "other" as const, timestamp };
    return addressOrIgnore(raw, base, (address) => ({
      ...base,
      address,
      class: "ignore",
      reason: "undefined",
      eventId: eventIdOf("other", `${notification.type}:${common.messageId}`, address, timestamp),
      explanation: `ignored: ${notification.type} is ${note}, not recipient feedback`,
    }));
  });
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
} as const satisfies Record<string, (notification: SesNotification, common: Common) => RecipientVerdict[]>;

/** Every recipient of a notification with its verdict, in the order SES listed them. */
export function verdictsOf(notification: SesNotification): RecipientVerdict[] {
  const common = commonOf(notification);
  const byType = VERDICTS_BY_TYPE[notification.type as keyof typeof VERDICTS_BY_TYPE];
  return byType !== undefined ? byType(notification, common) : otherVerdicts(notification, common);
}
