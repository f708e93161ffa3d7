// The SES notification schema (zod/mini): what read-notification.ts's fast path stands in for, and
// what decides and words the error on anything the fast path cannot vouch for. zod/mini is the same
// validation as zod, tree-shakable: it adds ~29 KB to a bundle instead of ~450 KB. The classifier
// loads this module only when a record needs it, so its cold start never evaluates zod.
import * as z from "zod/mini";
import { type Checked, missingBody, type SchemaChecks, UNSURE } from "./read-notification.ts";

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
    // Users trim notifications when they paste them into tickets: without `mail` the feedback is still
    // read, and what only the mail holds (message id, destination, tags) is absent from the verdicts.
    mail: z.optional(mailSchema),
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
      const body = missingBody(type, value);
      if (body !== undefined) {
        context.addIssue({ code: "custom", path: [body], message: `a ${type} notification needs "${body}"` });
      }
    }),
  );

const snsEnvelopeSchema = z.object({
  Type: z.string(),
  MessageId: z.optional(z.string()),
  Message: z.optional(z.string()),
});

export type ValidatedSes = z.infer<typeof sesNotificationSchema>;
export type RecipientDetail = z.infer<typeof recipientDetail>;
export type Mail = z.infer<typeof mailSchema>;
export type Bounce = z.infer<typeof bounceSchema>;
export type Complaint = z.infer<typeof complaintSchema>;
export type Delivery = z.infer<typeof deliverySchema>;
export type DeliveryDelay = z.infer<typeof deliveryDelaySchema>;
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;

function describeIssues(error: { readonly issues: readonly z.core.$ZodIssue[] }): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "notification";
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

/** The schemas as read-notification.ts asks for them: the validated copy, or the issues in words. */
export const ZOD_CHECKS: SchemaChecks = {
  ses(value) {
    const checked = sesNotificationSchema.safeParse(value);
    return checked.success
      ? { ok: true, data: checked.data }
      : { ok: false, message: `invalid SES notification: ${describeIssues(checked.error)}` };
  },
  sns(value) {
    const checked = snsEnvelopeSchema.safeParse(value);
    return checked.success
      ? { ok: true, data: checked.data }
      : { ok: false, message: `invalid SNS envelope: ${describeIssues(checked.error)}` };
  },
};

/** zod's reading of a notification, for the test that holds the fast path to it. */
export function zodSesNotification(value: unknown): Checked<ValidatedSes> {
  const checked = sesNotificationSchema.safeParse(value);
  return checked.success ? checked.data : UNSURE;
}
