// Boundary parsing without the schema: every form an SES notification reaches us in (bare SES JSON,
// an SNS envelope, an SQS record), unwrapped, decoded and checked by the fast path below. What the
// fast path cannot vouch for needs the schema (notification-schema.ts), which the caller passes, or
// loads when told (the classifier, so that its cold start never evaluates zod). parse.ts puts the two
// together as `parseNotification`.
import type {
  Bounce,
  Complaint,
  Delivery,
  DeliveryDelay,
  Mail,
  RecipientDetail,
  SnsEnvelope,
  ValidatedSes,
} from "./notification-schema.ts";
import type { NotificationSource } from "./types.ts";

/** The body a notification of this type must carry but lacks, if any (shared by zod and the fast path). */
export function missingBody(type: string, value: Partial<Record<BodyKey, unknown>>): BodyKey | undefined {
  const body = REQUIRED_BODY[type as keyof typeof REQUIRED_BODY];
  return body !== undefined && value[body] === undefined ? body : undefined;
}

/** The object each feedback type must carry; other types carry nothing we read. */
const REQUIRED_BODY = {
  Bounce: "bounce",
  Complaint: "complaint",
  Delivery: "delivery",
  DeliveryDelay: "deliveryDelay",
} as const satisfies Record<string, BodyKey>;
type BodyKey = "bounce" | "complaint" | "delivery" | "deliveryDelay";

export interface SesNotification extends Omit<ValidatedSes, "notificationType" | "eventType"> {
  /** Bounce, Complaint, Delivery, DeliveryDelay, Send, Open, …; whatever SES sent. */
  readonly type: string;
  readonly source: NotificationSource;
  readonly configurationSet?: string;
}

/** Where the notification came from, kept for tracing (never used to decide anything). */
export interface Envelope {
  readonly snsMessageId?: string;
  readonly sqsMessageId?: string;
}

export type ParseResult =
  | { readonly kind: "notification"; readonly notification: SesNotification; readonly envelope: Envelope }
  | { readonly kind: "control"; readonly controlType: string; readonly envelope: Envelope }
  | { readonly kind: "error"; readonly error: ParseError };

/** A broken input: `message` names what was wrong, `path` where. */
export interface ParseError {
  readonly code: "not-json" | "not-an-object" | "not-a-notification" | "invalid-notification";
  readonly message: string;
}

/** The schema's two checks, as notification-schema.ts implements them with zod. */
export interface SchemaChecks {
  ses(value: unknown): { ok: true; data: ValidatedSes } | { ok: false; message: string };
  sns(value: unknown): { ok: true; data: SnsEnvelope } | { ok: false; message: string };
}

/** Without the schema: the fast path could not vouch for the input, so only the schema can tell. */
export interface NeedsSchema {
  readonly kind: "needs-schema";
}

const NEEDS_SCHEMA: NeedsSchema = Object.freeze({ kind: "needs-schema" });

type ParseAttempt = ParseResult | NeedsSchema;

// ---------------------------------------------------------------------------------------------
// The fast path. zod/mini checks field by field through generic machinery (its objects do not get
// zod's generated parser), which cost more than the JSON.parse before it. For values JSON.parse
// made (plain objects and arrays, no getters, no symbols), the functions below check exactly what
// the schemas of notification-schema.ts check, and build exactly the object zod builds: the
// schema's keys in the schema's order, an absent optional key left out, a present one kept even
// when null or undefined. They never reject anything: what they cannot vouch for is UNSURE, and zod
// decides and words the error. test/unit/parse-fast-path.test.ts holds them to zod on the official
// examples, every one-field edit of them, and random and mutated notifications. (z.compile
// generates the same kind of code and is as fast, but adds ~35 KB to the bundle and ~8 ms of code
// generation to a cold start.)

export const UNSURE: unique symbol = Symbol("unsure");
export type Checked<T> = T | typeof UNSURE;

/** z.string().check(z.minLength(1)): one code point is at least one UTF-16 unit, and vice versa. */
function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function isNullishString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === "string";
}

/** z.array(z.string()), copied as zod copies it. */
function fastStrings(value: unknown): Checked<string[]> {
  if (!Array.isArray(value)) return UNSURE;
  for (let index = 0; index < value.length; index += 1) {
    if (typeof value[index] !== "string") return UNSURE;
  }
  return value.slice() as string[];
}

function fastArray<T>(value: unknown, item: (element: unknown) => Checked<T>): Checked<T[]> {
  if (!Array.isArray(value)) return UNSURE;
  const out = new Array<T>(value.length);
  for (let index = 0; index < value.length; index += 1) {
    const checked = item(value[index]);
    if (checked === UNSURE) return UNSURE;
    out[index] = checked;
  }
  return out;
}

/** z.record(z.string(), z.array(z.string())): zod skips "__proto__"; a symbol key is zod's to judge. */
function fastTags(value: unknown): Checked<Record<string, string[]>> {
  // zod's util.isPlainObject, for a value JSON.parse made: every such object is plain, even with an
  // own "constructor" key (JSON holds no functions), so it is isRecord.
  if (!isRecord(value) || Object.getOwnPropertySymbols(value).length > 0) return UNSURE;
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(value)) {
    if (key === "__proto__") continue;
    const values = fastStrings(value[key]);
    if (values === UNSURE) return UNSURE;
    out[key] = values;
  }
  return out;
}

function fastRecipientDetail(value: unknown): Checked<RecipientDetail> {
  if (!isRecord(value)) return UNSURE;
  const { emailAddress, action, status, diagnosticCode } = value;
  if (typeof emailAddress !== "string") return UNSURE;
  if (!isNullishString(action) || !isNullishString(status) || !isNullishString(diagnosticCode)) return UNSURE;
  const out: RecipientDetail = { emailAddress };
  if (action !== undefined || "action" in value) out.action = action;
  if (status !== undefined || "status" in value) out.status = status;
  if (diagnosticCode !== undefined || "diagnosticCode" in value) out.diagnosticCode = diagnosticCode;
  return out;
}

function fastComplainedRecipient(value: unknown): Checked<{ emailAddress: string }> {
  if (!isRecord(value) || typeof value.emailAddress !== "string") return UNSURE;
  return { emailAddress: value.emailAddress };
}

function fastMail(value: unknown): Checked<Mail> {
  if (!isRecord(value)) return UNSURE;
  const { messageId, timestamp, destination, tags } = value;
  if (!isNonEmptyString(messageId) || !isNonEmptyString(timestamp)) return UNSURE;
  const checkedDestination = destination === undefined ? undefined : fastStrings(destination);
  const checkedTags = tags === undefined ? undefined : fastTags(tags);
  if (checkedDestination === UNSURE || checkedTags === UNSURE) return UNSURE;
  const out: Mail = { messageId, timestamp };
  if (destination !== undefined || "destination" in value) out.destination = checkedDestination;
  if (tags !== undefined || "tags" in value) out.tags = checkedTags;
  return out;
}

function fastBounce(value: unknown): Checked<Bounce> {
  if (!isRecord(value)) return UNSURE;
  const { bounceType, bounceSubType, bouncedRecipients, feedbackId, timestamp, reportingMTA } = value;
  if (!isNullishString(bounceType) || !isNullishString(bounceSubType) || !isNullishString(reportingMTA)) {
    return UNSURE;
  }
  if (!isNonEmptyString(feedbackId) || !isNonEmptyString(timestamp)) return UNSURE;
  const recipients = fastArray(bouncedRecipients, fastRecipientDetail);
  if (recipients === UNSURE) return UNSURE;
  const out = {} as Bounce;
  if (bounceType !== undefined || "bounceType" in value) out.bounceType = bounceType;
  if (bounceSubType !== undefined || "bounceSubType" in value) out.bounceSubType = bounceSubType;
  out.bouncedRecipients = recipients;
  out.feedbackId = feedbackId;
  out.timestamp = timestamp;
  if (reportingMTA !== undefined || "reportingMTA" in value) out.reportingMTA = reportingMTA;
  return out;
}

function fastComplaint(value: unknown): Checked<Complaint> {
  if (!isRecord(value)) return UNSURE;
  const { complainedRecipients, complaintFeedbackType, complaintSubType, feedbackId, timestamp } = value;
  if (!isNullishString(complaintFeedbackType) || !isNullishString(complaintSubType)) return UNSURE;
  if (!isNonEmptyString(feedbackId) || !isNonEmptyString(timestamp)) return UNSURE;
  const recipients = fastArray(complainedRecipients, fastComplainedRecipient);
  if (recipients === UNSURE) return UNSURE;
  const out: Complaint = { complainedRecipients: recipients } as Complaint;
  if (complaintFeedbackType !== undefined || "complaintFeedbackType" in value) {
    out.complaintFeedbackType = complaintFeedbackType;
  }
  if (complaintSubType !== undefined || "complaintSubType" in value) out.complaintSubType = complaintSubType;
  out.feedbackId = feedbackId;
  out.timestamp = timestamp;
  return out;
}

function fastDelivery(value: unknown): Checked<Delivery> {
  if (!isRecord(value)) return UNSURE;
  const { recipients, timestamp, smtpResponse } = value;
  if (!isNonEmptyString(timestamp) || !isNullishString(smtpResponse)) return UNSURE;
  const checkedRecipients = fastStrings(recipients);
  if (checkedRecipients === UNSURE) return UNSURE;
  const out: Delivery = { recipients: checkedRecipients, timestamp };
  if (smtpResponse !== undefined || "smtpResponse" in value) out.smtpResponse = smtpResponse;
  return out;
}

function fastDeliveryDelay(value: unknown): Checked<DeliveryDelay> {
  if (!isRecord(value)) return UNSURE;
  const { delayType, delayedRecipients, timestamp, expirationTime } = value;
  if (!isNullishString(delayType) || !isNullishString(expirationTime) || !isNonEmptyString(timestamp)) {
    return UNSURE;
  }
  const recipients = fastArray(delayedRecipients, fastRecipientDetail);
  if (recipients === UNSURE) return UNSURE;
  const out = {} as DeliveryDelay;
  if (delayType !== undefined || "delayType" in value) out.delayType = delayType;
  out.delayedRecipients = recipients;
  out.timestamp = timestamp;
  if (expirationTime !== undefined || "expirationTime" in value) out.expirationTime = expirationTime;
  return out;
}

/** An optional object field: undefined stays undefined (kept only if present), anything else is checked. */
function fastOptional<T>(value: unknown, check: (value: unknown) => Checked<T>): Checked<T | undefined> {
  return value === undefined ? undefined : check(value);
}

/**
 * sesNotificationSchema.safeParse(value).data when the fast path can vouch for `value`, otherwise
 * UNSURE. Exported for the test that holds it to zod; only ever given what JSON.parse returned.
 */
export function fastSesNotification(value: Record<string, unknown>): Checked<ValidatedSes> {
  const { notificationType, eventType, mail, bounce, complaint, delivery, deliveryDelay } = value;
  if (notificationType !== undefined && typeof notificationType !== "string") return UNSURE;
  if (eventType !== undefined && typeof eventType !== "string") return UNSURE;
  const type = notificationType ?? eventType;
  // The superRefine: without a type, or without the body its type needs, zod words the error.
  if (type === undefined) return UNSURE;
  const checkedMail = fastOptional(mail, fastMail);
  const checkedBounce = fastOptional(bounce, fastBounce);
  const checkedComplaint = fastOptional(complaint, fastComplaint);
  const checkedDelivery = fastOptional(delivery, fastDelivery);
  const checkedDelay = fastOptional(deliveryDelay, fastDeliveryDelay);
  if (
    checkedMail === UNSURE ||
    checkedBounce === UNSURE ||
    checkedComplaint === UNSURE ||
    checkedDelivery === UNSURE ||
    checkedDelay === UNSURE
  ) {
    return UNSURE;
  }
  const out = {} as ValidatedSes;
  if (notificationType !== undefined || "notificationType" in value) out.notificationType = notificationType;
  if (eventType !== undefined || "eventType" in value) out.eventType = eventType;
  if (mail !== undefined || "mail" in value) out.mail = checkedMail;
  if (bounce !== undefined || "bounce" in value) out.bounce = checkedBounce;
  if (complaint !== undefined || "complaint" in value) out.complaint = checkedComplaint;
  if (delivery !== undefined || "delivery" in value) out.delivery = checkedDelivery;
  if (deliveryDelay !== undefined || "deliveryDelay" in value) out.deliveryDelay = checkedDelay;
  return missingBody(type, out) === undefined ? out : UNSURE;
}

/** SNS messages that are about the subscription itself, not about mail. */
const SNS_CONTROL_TYPES = new Set(["SubscriptionConfirmation", "UnsubscribeConfirmation"]);

function fail(code: ParseError["code"], message: string): ParseResult {
  return { kind: "error", error: { code, message } };
}

function decodeJson(
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; result: ParseResult } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, result: fail("not-json", `${what} is not valid JSON: ${detail}`) };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function configurationSetOf(tags: Record<string, string[]> | undefined): string | undefined {
  return tags?.["ses:configuration-set"]?.[0];
}

function parseSes(
  value: Record<string, unknown>,
  envelope: Envelope,
  decoded: boolean,
  checks: SchemaChecks | undefined,
): ParseAttempt {
  let data = decoded ? fastSesNotification(value) : UNSURE;
  if (data === UNSURE) {
    if (checks === undefined) return NEEDS_SCHEMA;
    const checked = checks.ses(value);
    if (!checked.ok) return fail("invalid-notification", checked.message);
    data = checked.data;
  }
  return { kind: "notification", notification: notificationOf(data), envelope };
}

/**
 * The validated notification without its two discriminators, plus type, source and configuration
 * set: the same object as `{ ...rest, type, source, configurationSet? }`, built without the rest copy.
 */
function notificationOf(data: ValidatedSes): SesNotification {
  const { notificationType, eventType, mail } = data;
  const notification = {} as Writable<SesNotification>;
  if (Object.hasOwn(data, "mail")) notification.mail = mail;
  if (Object.hasOwn(data, "bounce")) notification.bounce = data.bounce;
  if (Object.hasOwn(data, "complaint")) notification.complaint = data.complaint;
  if (Object.hasOwn(data, "delivery")) notification.delivery = data.delivery;
  if (Object.hasOwn(data, "deliveryDelay")) notification.deliveryDelay = data.deliveryDelay;
  // superRefine guarantees one of the two discriminators is present
  notification.type = notificationType ?? eventType ?? "";
  notification.source = notificationType !== undefined ? "identity" : "event-publishing";
  const configurationSet = configurationSetOf(mail?.tags);
  if (configurationSet !== undefined) notification.configurationSet = configurationSet;
  return notification;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `{ ...envelope, [key]: id }`, or a plain copy without a key. Object.assign, not a spread: V8
 * spreads a tiny object into a literal an order of magnitude slower, twice per record.
 */
function withId(envelope: Envelope, key?: keyof Envelope, id?: string): Envelope {
  const copy: Writable<Envelope> = Object.assign({}, envelope);
  if (key !== undefined) copy[key] = id;
  return copy;
}

/** The fields zod would read from an SNS envelope that JSON.parse made, when all three are sure. */
function isSureSnsEnvelope(value: Record<string, unknown>): value is Record<string, unknown> & SnsEnvelope {
  const { Type, MessageId, Message } = value;
  return (
    typeof Type === "string" &&
    (MessageId === undefined || typeof MessageId === "string") &&
    (Message === undefined || typeof Message === "string")
  );
}

/**
 * `decoded`: the value is what this module's JSON.parse returned, the only kind the fast path may
 * vouch for; a caller's own object (getters, symbols, another prototype) always goes to zod.
 */
function parseObject(
  value: Record<string, unknown>,
  envelope: Envelope,
  depth: number,
  decoded: boolean,
  checks: SchemaChecks | undefined,
): ParseAttempt {
  if ("notificationType" in value || "eventType" in value) {
    return parseSes(value, envelope, decoded, checks);
  }
  if (typeof value.Type === "string") {
    let sns: SnsEnvelope;
    if (decoded && isSureSnsEnvelope(value)) {
      // zod's copy would hold the same three strings; only they are read
      sns = value;
    } else {
      if (checks === undefined) return NEEDS_SCHEMA;
      const checked = checks.sns(value);
      if (!checked.ok) return fail("invalid-notification", checked.message);
      sns = checked.data;
    }
    const withSns = sns.MessageId ? withId(envelope, "snsMessageId", sns.MessageId) : withId(envelope);
    if (SNS_CONTROL_TYPES.has(sns.Type)) {
      return { kind: "control", controlType: sns.Type, envelope: withSns };
    }
    if (sns.Type !== "Notification") {
      return fail("not-a-notification", `SNS message Type "${sns.Type}" is not a notification`);
    }
    if (sns.Message === undefined) {
      return fail("invalid-notification", "SNS notification has no Message");
    }
    return parseNested(sns.Message, "SNS Message", withSns, depth + 1, checks);
  }
  if (typeof value.body === "string" && (value.eventSource === "aws:sqs" || "receiptHandle" in value)) {
    const withSqs =
      typeof value.messageId === "string"
        ? withId(envelope, "sqsMessageId", value.messageId)
        : withId(envelope);
    return parseNested(value.body, "SQS body", withSqs, depth + 1, checks);
  }
  if (Array.isArray(value.Records)) {
    return fail(
      "not-a-notification",
      "an SQS event holds several records: parse each record (parseRecords), not the event",
    );
  }
  const keys = Object.keys(value).slice(0, 5).join(", ") || "none";
  return fail(
    "not-a-notification",
    `not an SES notification: no notificationType, eventType, SNS Type or SQS body (keys: ${keys})`,
  );
}

function parseNested(
  text: string,
  what: string,
  envelope: Envelope,
  depth: number,
  checks: SchemaChecks | undefined,
): ParseAttempt {
  // SES → SNS → SQS nests at most three deep; more is a loop or an attack, not mail feedback.
  if (depth > 3) {
    return fail("not-a-notification", `${what} nests envelopes more than three deep`);
  }
  const decoded = decodeJson(text, what);
  if (!decoded.ok) {
    return decoded.result;
  }
  if (!isRecord(decoded.value)) {
    return fail("not-an-object", `${what} is JSON but not an object`);
  }
  return parseObject(decoded.value, envelope, depth, true, checks);
}

/**
 * Read one SES notification in any of its forms: bare SES JSON (identity notification or
 * configuration-set event), an SNS envelope holding it as a string, or an SQS record whose body is
 * either. Strings are decoded as JSON first. Never throws: broken input is an `error` result. With
 * `checks`, the schema decides whatever the fast path cannot vouch for; without, such input is
 * `needs-schema` (parse.ts's `parseNotification` always passes them).
 */
export function readNotification(input: unknown, checks: SchemaChecks): ParseResult;
export function readNotification(input: unknown, checks?: SchemaChecks): ParseAttempt;
export function readNotification(input: unknown, checks?: SchemaChecks): ParseAttempt {
  if (typeof input === "string") {
    return parseNested(input, "input", {}, 0, checks);
  }
  if (!isRecord(input)) {
    return fail(
      "not-an-object",
      `input is ${Array.isArray(input) ? "an array" : typeof input}, not an object`,
    );
  }
  return parseObject(input, {}, 0, false, checks);
}
