// Boundary parsing: every form an SES notification reaches us in, validated with one schema.
// zod/mini: the same validation as zod, tree-shakable, so it adds ~14 KB to a bundle instead of ~450 KB.
import * as z from "zod/mini";
import type { NotificationSource } from "./types.ts";

const recipientDetail = z.object({
  emailAddress: z.string(),
  action: z.nullish(z.string()),
  status: z.nullish(z.string()),
  diagnosticCode: z.nullish(z.string()),
});

const mailSchema = z.object({
  messageId: z.string().check(z.minLength(1)),
  timestamp: z.string().check(z.minLength(1)),
  destination: z.optional(z.array(z.string())),
  tags: z.optional(z.record(z.string(), z.array(z.string()))),
});

const bounceSchema = z.object({
  bounceType: z.nullish(z.string()),
  bounceSubType: z.nullish(z.string()),
  bouncedRecipients: z.array(recipientDetail),
  feedbackId: z.string().check(z.minLength(1)),
  timestamp: z.string().check(z.minLength(1)),
  reportingMTA: z.nullish(z.string()),
});

const complaintSchema = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: z.string() })),
  complaintFeedbackType: z.nullish(z.string()),
  complaintSubType: z.nullish(z.string()),
  feedbackId: z.string().check(z.minLength(1)),
  timestamp: z.string().check(z.minLength(1)),
});

const deliverySchema = z.object({
  recipients: z.array(z.string()),
  timestamp: z.string().check(z.minLength(1)),
  smtpResponse: z.nullish(z.string()),
});

const deliveryDelaySchema = z.object({
  delayType: z.nullish(z.string()),
  delayedRecipients: z.array(recipientDetail),
  timestamp: z.string().check(z.minLength(1)),
  expirationTime: z.nullish(z.string()),
});

/** The SES JSON after validation; unknown fields are dropped, unknown event types kept as `type`. */
const sesNotificationSchema = z
  .object({
    notificationType: z.optional(z.string()),
    eventType: z.optional(z.string()),
    mail: mailSchema,
    bounce: z.optional(bounceSchema),
    complaint: z.optional(complaintSchema),
    delivery: z.optional(deliverySchema),
    deliveryDelay: z.optional(deliveryDelaySchema),
  })
  .check(
    z.superRefine((value, context) => {
      const type = value.notificationType ?? value.eventType;
      if (type === undefined) {
        context.addIssue({ code: "custom", message: "has neither notificationType nor eventType" });
        return;
      }
      const body = REQUIRED_BODY[type as keyof typeof REQUIRED_BODY];
      if (body !== undefined && value[body] === undefined) {
        context.addIssue({ code: "custom", path: [body], message: `a ${type} notification needs "${body}"` });
      }
    }),
  );

/** The object each feedback type must carry; other types carry nothing we read. */
const REQUIRED_BODY = {
  Bounce: "bounce",
  Complaint: "complaint",
  Delivery: "delivery",
  DeliveryDelay: "deliveryDelay",
} as const satisfies Record<string, "bounce" | "complaint" | "delivery" | "deliveryDelay">;

type ValidatedSes = z.infer<typeof sesNotificationSchema>;

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

const snsEnvelopeSchema = z.object({
  Type: z.string(),
  MessageId: z.optional(z.string()),
  Message: z.optional(z.string()),
});

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

function describeIssues(error: { readonly issues: readonly z.core.$ZodIssue[] }): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "notification";
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

function configurationSetOf(tags: Record<string, string[]> | undefined): string | undefined {
  return tags?.["ses:configuration-set"]?.[0];
}

function parseSes(value: Record<string, unknown>, envelope: Envelope): ParseResult {
  const checked = sesNotificationSchema.safeParse(value);
  if (!checked.success) {
    return fail("invalid-notification", `invalid SES notification: ${describeIssues(checked.error)}`);
  }
  const { notificationType, eventType, ...rest } = checked.data;
  const source: NotificationSource = notificationType !== undefined ? "identity" : "event-publishing";
  const configurationSet = configurationSetOf(rest.mail.tags);
  const notification: SesNotification = {
    ...rest,
    // superRefine guarantees one of the two discriminators is present
    type: notificationType ?? eventType ?? "",
    source,
    ...(configurationSet !== undefined ? { configurationSet } : {}),
  };
  return { kind: "notification", notification, envelope };
}

function parseObject(value: Record<string, unknown>, envelope: Envelope, depth: number): ParseResult {
  if ("notificationType" in value || "eventType" in value) {
    return parseSes(value, envelope);
  }
  if (typeof value.Type === "string") {
    const sns = snsEnvelopeSchema.safeParse(value);
    if (!sns.success) {
      return fail("invalid-notification", `invalid SNS envelope: ${describeIssues(sns.error)}`);
    }
    const withSns = { ...envelope, ...(sns.data.MessageId ? { snsMessageId: sns.data.MessageId } : {}) };
    if (SNS_CONTROL_TYPES.has(sns.data.Type)) {
      return { kind: "control", controlType: sns.data.Type, envelope: withSns };
    }
    if (sns.data.Type !== "Notification") {
      return fail("not-a-notification", `SNS message Type "${sns.data.Type}" is not a notification`);
    }
    if (sns.data.Message === undefined) {
      return fail("invalid-notification", "SNS notification has no Message");
    }
    return parseNested(sns.data.Message, "SNS Message", withSns, depth + 1);
  }
  if (typeof value.body === "string" && (value.eventSource === "aws:sqs" || "receiptHandle" in value)) {
    const withSqs = {
      ...envelope,
      ...(typeof value.messageId === "string" ? { sqsMessageId: value.messageId } : {}),
    };
    return parseNested(value.body, "SQS body", withSqs, depth + 1);
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

function parseNested(text: string, what: string, envelope: Envelope, depth: number): ParseResult {
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
  return parseObject(decoded.value, envelope, depth);
}

/**
 * Parse one SES notification in any of its forms: bare SES JSON (identity notification or
 * configuration-set event), an SNS envelope holding it as a string, or an SQS record whose body is
 * either. Strings are decoded as JSON first. Never throws: broken input is an `error` result.
 */
export function parseNotification(input: unknown): ParseResult {
  if (typeof input === "string") {
    return parseNested(input, "input", {}, 0);
  }
  if (!isRecord(input)) {
    return fail(
      "not-an-object",
      `input is ${Array.isArray(input) ? "an array" : typeof input}, not an object`,
    );
  }
  return parseObject(input, {}, 0);
}
