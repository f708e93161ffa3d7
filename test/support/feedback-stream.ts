// A deterministic stream of SES feedback as SQS would carry it: many addresses with their own
// behaviour, both SES formats, SNS envelopes and raw bodies, duplicates, reordering and poison.
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { normaliseAddress } from "../../functions/core/address.ts";
import { type SeededRandom, seededRandom } from "./seeded-random.ts";

/** How an address behaves over the stream's window; the policy's answer is computed, not assumed. */
export const PERSONAS = [
  "happy",
  "dead",
  "complainer",
  "full",
  "almost-full",
  "flaky",
  "expired-streak",
  "blocked",
  "holiday",
  "delayed",
  "listed",
] as const;
export type Persona = (typeof PERSONAS)[number];

/** Relative share of each persona among the addresses. */
const PERSONA_WEIGHTS = {
  happy: 22,
  dead: 12,
  complainer: 8,
  full: 10,
  "almost-full": 10,
  flaky: 10,
  "expired-streak": 4,
  blocked: 8,
  holiday: 6,
  delayed: 6,
  listed: 4,
} as const satisfies Record<Persona, number>;

export interface FeedbackStreamOptions {
  readonly seed: number;
  /** Distinct SES notifications to generate, before copies, duplicates and poison. */
  readonly notifications: number;
  /** How many addresses they are spread over. */
  readonly addresses: number;
  /** Every event happened before this instant; compare the table at it. */
  readonly end: Date;
  /** @default 60 */
  readonly windowDays?: number;
  /** Share of messages sent twice with the very same body (SNS/SQS at-least-once). @default 0.05 */
  readonly exactDuplicateRate?: number;
  /** Share of Bounce/Complaint/Delivery notifications also published in the other SES format. @default 0.1 */
  readonly otherFormatRate?: number;
  /** Share of notifications sent again in the other wrapping (SNS envelope versus raw). @default 0.03 */
  readonly rewrapRate?: number;
  /** Share of raw SES bodies (SNS raw message delivery) among the wrappings. @default 0.25 */
  readonly rawRate?: number;
  /** Poison messages per good message. @default 0.02 */
  readonly poisonRate?: number;
  /** Poison messages lie in this first share of the stream (see `withPoison`). @default 0.8 */
  readonly poisonSpan?: number;
  /** SNS subscription confirmations mixed in (recognised and ignored). @default 3 */
  readonly controlMessages?: number;
  /**
   * Extra addresses that receive a hard bounce and a complaint at the very same instant: the
   * policy promises the same answer whatever their arrival order. @default 0
   */
  readonly sameInstantPairs?: number;
}

export type StreamMessageKind =
  | "notification"
  | "exact-duplicate"
  | "other-format"
  | "rewrapped"
  | "control"
  | "poison";

export interface StreamMessage {
  /** The SQS message body. */
  readonly body: string;
  readonly kind: StreamMessageKind;
}

export interface FeedbackStream {
  /** In send order: shuffled, so copies and related events arrive in any order. */
  readonly messages: readonly StreamMessage[];
  /** Distinct notifications generated (the stream's size). */
  readonly notificationCount: number;
  /** Normalised address → persona, including the same-instant addresses ("tie"). */
  readonly personas: ReadonlyMap<string, Persona | "tie">;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Stored events per address stay well below the history limit (50), which the model relies on. */
const MAX_STORED_EVENTS_PER_ADDRESS = 40;

const LOCAL_NAMES = ["jane", "john", "mary", "li.wei", "Ana.Maria", "o.brien", "noreply-test", "sales+eu"];
const DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "münchen.example"];

interface AddressPlan {
  readonly index: number;
  /** The key the store uses: what normaliseAddress makes of every raw form. */
  readonly key: string;
  /** The ways SES may spell the recipient (case of the domain, display name, Unicode or punycode). */
  readonly rawForms: readonly string[];
  readonly persona: Persona;
  /** For "dead": mail sent after this instant bounces hard. */
  readonly diesAt: number;
  softBounces: number;
  complained: boolean;
  storedEvents: number;
}

type Outcome =
  | {
      readonly kind: "delivered";
      readonly autoreply: boolean;
      readonly delays: number;
      readonly open: boolean;
    }
  | { readonly kind: "bounce"; readonly spec: BounceSpec; readonly delays: number }
  | { readonly kind: "complaint"; readonly feedbackType: string | undefined };

interface BounceSpec {
  readonly name: string;
  readonly bounceType: string;
  readonly bounceSubType: string;
  readonly status?: string;
  readonly diagnosticCode: string;
  /** How long after the send SES reports it (soft bounces come after SES's own retries). */
  readonly delayMs: readonly [number, number];
}

const HARD_BOUNCES: readonly BounceSpec[] = [
  {
    name: "hard-user-unknown",
    bounceType: "Permanent",
    bounceSubType: "General",
    status: "5.1.1",
    diagnosticCode: "smtp; 550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table",
    delayMs: [2_000, 2 * MINUTE_MS],
  },
  {
    name: "hard-no-email",
    bounceType: "Permanent",
    bounceSubType: "NoEmail",
    status: "5.1.1",
    diagnosticCode: "smtp; 550 5.1.1 The email account that you tried to reach does not exist.",
    delayMs: [2_000, 2 * MINUTE_MS],
  },
  {
    name: "hard-mislabelled-transient",
    bounceType: "Transient",
    bounceSubType: "General",
    status: "5.1.1",
    diagnosticCode: "smtp; 550 5.1.1 user unknown",
    delayMs: [2_000, 30 * MINUTE_MS],
  },
  {
    name: "hard-invalid-domain",
    bounceType: "Transient",
    bounceSubType: "General",
    status: "5.4.4",
    diagnosticCode: "smtp; 550 5.4.4 Invalid domain",
    delayMs: [2_000, 30 * MINUTE_MS],
  },
];

const SOFT_BOUNCES: readonly BounceSpec[] = [
  {
    name: "soft-mailbox-full",
    bounceType: "Transient",
    bounceSubType: "MailboxFull",
    status: "4.2.2",
    diagnosticCode: "smtp; 452 4.2.2 The email account that you tried to reach is over quota",
    delayMs: [10 * MINUTE_MS, 12 * HOUR_MS],
  },
  {
    name: "soft-server-busy",
    bounceType: "Transient",
    bounceSubType: "General",
    status: "4.3.2",
    diagnosticCode: "smtp; 421 4.3.2 System not accepting network messages, try again later",
    delayMs: [10 * MINUTE_MS, 12 * HOUR_MS],
  },
  {
    name: "soft-too-large",
    bounceType: "Transient",
    bounceSubType: "MessageTooLarge",
    status: "5.3.4",
    diagnosticCode: "smtp; 552 5.3.4 Message size exceeds fixed limit",
    delayMs: [5_000, 5 * MINUTE_MS],
  },
];

const BLOCKS: readonly BounceSpec[] = [
  {
    name: "block-spamhaus",
    bounceType: "Permanent",
    bounceSubType: "General",
    status: "5.7.1",
    diagnosticCode:
      "smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org",
    delayMs: [2_000, 5 * MINUTE_MS],
  },
];

const AUTOREPLY: BounceSpec = {
  name: "autoreply",
  bounceType: "Transient",
  bounceSubType: "General",
  diagnosticCode: "Automatic reply: I am out of the office until Monday with limited access to e-mail",
  delayMs: [5_000, 10 * MINUTE_MS],
};

const LISTED: BounceSpec = {
  name: "ses-account-list",
  bounceType: "Permanent",
  bounceSubType: "OnAccountSuppressionList",
  diagnosticCode:
    "Amazon SES did not send the message to this address because it is on the suppression list for your account.",
  delayMs: [500, 5_000],
};

type SesFormat = "identity" | "event-publishing";

/** One SES notification before wrapping, with what may be done to it. */
interface Notification {
  readonly type: "Bounce" | "Complaint" | "Delivery" | "DeliveryDelay" | "Open" | "Send";
  readonly body: (format: SesFormat) => Record<string, unknown>;
}

function weightedPersona(random: SeededRandom): Persona {
  const total = PERSONAS.reduce((sum, persona) => sum + PERSONA_WEIGHTS[persona], 0);
  let ticket = random.next() * total;
  for (const persona of PERSONAS) {
    ticket -= PERSONA_WEIGHTS[persona];
    if (ticket < 0) return persona;
  }
  return "happy";
}

function planAddress(index: number, persona: Persona, window: Window, random: SeededRandom): AddressPlan {
  const local = `${random.pick(LOCAL_NAMES)}.${index}`;
  const domain = random.pick(DOMAINS);
  const plain = `${local}@${domain}`;
  const normalised = normaliseAddress(plain);
  if (!normalised.ok) throw new Error(`generated address ${plain} does not normalise: ${normalised.message}`);
  const asciiDomain = normalised.address.slice(normalised.address.lastIndexOf("@") + 1);
  const rawForms = [
    plain,
    `${local}@${domain.toUpperCase()}`,
    `"${local.replace(/[.+-]/g, " ")}" <${plain}>`,
    ...(asciiDomain !== domain ? [`${local}@${asciiDomain}`] : []),
  ];
  return {
    index,
    key: normalised.address,
    rawForms,
    persona,
    diesAt: window.start + random.next() * (window.end - window.start) * 0.7,
    softBounces: 0,
    complained: false,
    storedEvents: 0,
  };
}

interface Window {
  readonly start: number;
  readonly end: number;
}

/** A send time inside the window; a few land in the last hours so deferrals are still live at the end. */
function sendTime(window: Window, random: SeededRandom): number {
  const latest = window.end - 13 * HOUR_MS;
  if (random.chance(0.04)) return window.end - random.integer(30 * MINUTE_MS, 3 * HOUR_MS);
  return window.start + random.next() * (latest - window.start);
}

/** A moment after `from`, but strictly before the end of the window. */
function after(from: number, range: readonly [number, number], window: Window, random: SeededRandom): number {
  const latest = Math.min(from + range[1], window.end - 1);
  const earliest = Math.min(from + range[0], latest);
  return Math.floor(earliest + random.next() * (latest - earliest));
}

function outcomeFor(plan: AddressPlan, sentAt: number, random: SeededRandom): Outcome {
  const delivered = (
    extra: Partial<Omit<Extract<Outcome, { kind: "delivered" }>, "kind">> = {},
  ): Outcome => ({
    kind: "delivered",
    autoreply: false,
    delays: 0,
    open: random.chance(0.15),
    ...extra,
  });
  switch (plan.persona) {
    case "happy":
      return delivered();
    case "dead":
      return sentAt >= plan.diesAt
        ? { kind: "bounce", spec: random.pick(HARD_BOUNCES), delays: 0 }
        : delivered();
    case "complainer":
      if (!plan.complained && random.chance(0.4)) {
        plan.complained = true;
        // not-spam is the recipient saying the mail is wanted: ignored, never suppresses.
        return { kind: "complaint", feedbackType: random.pick(["abuse", "abuse", undefined, "not-spam"]) };
      }
      return delivered();
    case "full":
    case "expired-streak":
      return { kind: "bounce", spec: random.pick(SOFT_BOUNCES), delays: 0 };
    case "almost-full":
      // At most four soft bounces in the address's whole life: whatever the order, never five.
      if (plan.softBounces < 4 && random.chance(0.6)) {
        plan.softBounces += 1;
        return { kind: "bounce", spec: random.pick(SOFT_BOUNCES), delays: 0 };
      }
      return delivered();
    case "flaky":
      return random.chance(0.5)
        ? { kind: "bounce", spec: random.pick(SOFT_BOUNCES), delays: 0 }
        : delivered();
    case "blocked":
      return random.chance(0.4) ? { kind: "bounce", spec: random.pick(BLOCKS), delays: 0 } : delivered();
    case "holiday":
      return delivered({ autoreply: random.chance(0.6) });
    case "delayed": {
      const delays = random.integer(1, 2);
      return random.chance(0.7)
        ? delivered({ delays })
        : { kind: "bounce", spec: random.pick(SOFT_BOUNCES), delays };
    }
    case "listed":
      return { kind: "bounce", spec: LISTED, delays: 0 };
  }
}

/** Stored (non-ignored) recipient events an outcome adds to the address's history, at most. */
function storedEventsOf(outcome: Outcome): number {
  if (outcome.kind === "complaint") return 2; // the delivery before it and the complaint
  if (outcome.kind === "bounce") return 1 + outcome.delays;
  return 1 + outcome.delays + (outcome.autoreply ? 1 : 0);
}

function mailOf(
  messageId: string,
  sentAt: number,
  destination: readonly string[],
  format: SesFormat,
): Record<string, unknown> {
  return {
    timestamp: new Date(sentAt).toISOString(),
    source: "news@sender.example",
    sourceArn: "arn:aws:ses:us-east-1:123456789012:identity/sender.example",
    sendingAccountId: "123456789012",
    messageId,
    destination: [...destination],
    ...(format === "event-publishing" ? { tags: { "ses:configuration-set": ["chaos-marketing"] } } : {}),
  };
}

function discriminator(format: SesFormat, type: string): Record<string, string> {
  return format === "identity" ? { notificationType: type } : { eventType: type };
}

interface Recipient {
  readonly plan: AddressPlan;
  readonly raw: string;
  readonly outcome: Outcome;
}

/** The notifications SES sends about one mail: one per outcome kind, listing its recipients. */
function notificationsOfMail(
  messageId: string,
  sentAt: number,
  recipients: readonly Recipient[],
  extraDestinations: readonly string[],
  window: Window,
  random: SeededRandom,
): Notification[] {
  const destination = [...recipients.map((recipient) => recipient.raw), ...extraDestinations];
  const mail = (format: SesFormat) => mailOf(messageId, sentAt, destination, format);
  const notifications: Notification[] = [];
  const feedbackId = () => `0100${random.hex(12)}-${random.hex(8)}-${random.hex(4)}-000000`;

  for (const recipient of recipients) {
    const delays = recipient.outcome.kind === "complaint" ? 0 : recipient.outcome.delays;
    for (let delay = 0; delay < delays; delay += 1) {
      const at = new Date(after(sentAt, [5 * MINUTE_MS, 2 * HOUR_MS], window, random)).toISOString();
      notifications.push({
        type: "DeliveryDelay",
        body: () => ({
          ...discriminator("event-publishing", "DeliveryDelay"),
          mail: mail("event-publishing"),
          deliveryDelay: {
            timestamp: at,
            delayType: "TransientCommunicationFailure",
            expirationTime: new Date(Date.parse(at) + DAY_MS).toISOString(),
            delayedRecipients: [
              {
                emailAddress: recipient.raw,
                status: "4.4.1",
                diagnosticCode: "smtp; 421 4.4.1 Unable to connect to remote host",
              },
            ],
          },
        }),
      });
    }
  }

  const deliveredRaw = recipients
    .filter((recipient) => recipient.outcome.kind !== "bounce")
    .map((recipient) => recipient.raw);
  if (deliveredRaw.length > 0) {
    const at = new Date(after(sentAt, [1_000, 30_000], window, random)).toISOString();
    notifications.push({
      type: "Delivery",
      body: (format) => ({
        ...discriminator(format, "Delivery"),
        mail: mail(format),
        delivery: {
          timestamp: at,
          processingTimeMillis: 1_234,
          // A mail to a list sometimes names a recipient that is no address at all: ignored, never an error.
          recipients: [...deliveredRaw, ...extraDestinations],
          smtpResponse: "250 2.0.0 OK queued",
          reportingMTA: "a8-70.smtp-out.amazonses.com",
        },
      }),
    });
  }

  const bounceGroups = new Map<BounceSpec, Recipient[]>();
  for (const recipient of recipients) {
    if (recipient.outcome.kind === "bounce") {
      bounceGroups.set(recipient.outcome.spec, [
        ...(bounceGroups.get(recipient.outcome.spec) ?? []),
        recipient,
      ]);
    }
    if (recipient.outcome.kind === "delivered" && recipient.outcome.autoreply) {
      bounceGroups.set(AUTOREPLY, [...(bounceGroups.get(AUTOREPLY) ?? []), recipient]);
    }
  }
  for (const [spec, group] of bounceGroups) {
    const at = new Date(after(sentAt, spec.delayMs, window, random)).toISOString();
    const id = feedbackId();
    notifications.push({
      type: "Bounce",
      body: (format) => ({
        ...discriminator(format, "Bounce"),
        mail: mail(format),
        bounce: {
          bounceType: spec.bounceType,
          bounceSubType: spec.bounceSubType,
          bouncedRecipients: group.map((recipient) => ({
            emailAddress: recipient.raw,
            action: "failed",
            ...(spec.status !== undefined ? { status: spec.status } : {}),
            diagnosticCode: spec.diagnosticCode,
          })),
          timestamp: at,
          feedbackId: id,
          reportingMTA: "dns; mx.receiver.example",
        },
      }),
    });
  }

  for (const recipient of recipients) {
    if (recipient.outcome.kind === "complaint") {
      const at = new Date(after(sentAt, [MINUTE_MS, 2 * DAY_MS], window, random)).toISOString();
      const id = feedbackId();
      const feedbackType = recipient.outcome.feedbackType;
      notifications.push({
        type: "Complaint",
        body: (format) => ({
          ...discriminator(format, "Complaint"),
          mail: mail(format),
          complaint: {
            userAgent: "ExampleCorp Feedback Loop (V0.01)",
            complainedRecipients: [{ emailAddress: recipient.raw }],
            ...(feedbackType !== undefined ? { complaintFeedbackType: feedbackType } : {}),
            arrivalDate: at,
            timestamp: at,
            feedbackId: id,
          },
        }),
      });
    }
    if (recipient.outcome.kind === "delivered" && recipient.outcome.open) {
      const at = new Date(after(sentAt, [MINUTE_MS, 6 * HOUR_MS], window, random)).toISOString();
      notifications.push({
        type: "Open",
        body: () => ({
          ...discriminator("event-publishing", "Open"),
          mail: mailOf(messageId, sentAt, [recipient.raw], "event-publishing"),
          open: { timestamp: at, userAgent: "Mozilla/5.0", ipAddress: "192.0.2.1" },
        }),
      });
    }
  }
  return notifications;
}

/** Hand-made broken bodies: each must end in the DLQ and nowhere else. */
function poisonBody(serial: number, sample: string, random: SeededRandom): string {
  const tag = `poison-${serial}`;
  const templates: (() => string)[] = [
    () => `<html><body>502 Bad Gateway (${tag})</body></html>`,
    () => `{not json ${tag}`,
    () => sample.slice(0, random.integer(1, Math.max(1, sample.length - 2))),
    () => `[${serial}, "${tag}"]`,
    () => `"${tag}"`,
    () => String(serial),
    () => "null",
    () =>
      JSON.stringify(
        snsEnvelopeOf(
          {
            bounceType: "Permanent",
            bounceSubType: "General",
            bouncedRecipients: [{ emailAddress: `${tag}@example.com`, status: "5.0.0" }],
            timestamp: "2025-01-01T00:00:00.000Z",
            feedbackId: tag,
          },
          { messageId: tag, timestamp: "2025-01-01T00:00:00.000Z" },
        ),
      ),
    () => JSON.stringify({ emailAddress: `${tag}@example.com`, action: "failed", status: "5.0.0" }),
    () =>
      JSON.stringify({
        notificationType: "Bounce",
        mail: { messageId: tag, timestamp: "2025-01-01T00:00:00.000Z", destination: [`${tag}@example.com`] },
        bounce: {
          bounceType: "Permanent",
          bouncedRecipients: `${tag}@example.com`,
          feedbackId: tag,
          timestamp: "2025-01-01T00:00:00.000Z",
        },
      }),
    () =>
      JSON.stringify({
        eventType: "Delivery",
        mail: { messageId: serial, timestamp: "2025-01-01T00:00:00.000Z" },
        delivery: { recipients: [`${tag}@example.com`], timestamp: "2025-01-01T00:00:00.000Z" },
      }),
    () =>
      JSON.stringify({
        notificationType: "Complaint",
        mail: { messageId: tag, timestamp: "2025-01-01T00:00:00.000Z" },
      }),
    () =>
      JSON.stringify({
        notificationType: "Complaint",
        mail: { messageId: tag, timestamp: "2025-01-01T00:00:00.000Z" },
        complaint: { complainedRecipients: [`${tag}@example.com`], feedbackId: tag, timestamp: "x" },
      }),
    () => JSON.stringify({ Type: "Notification", MessageId: tag, Message: `not json ${tag}` }),
    () => JSON.stringify({ Type: "Notification", MessageId: tag }),
    () => JSON.stringify({ Type: "Weird", MessageId: tag, Message: "{}" }),
    () => JSON.stringify({ Type: "Notification", MessageId: tag, Message: JSON.stringify([tag]) }),
    () => {
      // SES → SNS → SQS nests three deep at most; four is a loop, not feedback.
      let nested: unknown = JSON.parse(sample);
      for (let depth = 0; depth < 3; depth += 1) {
        nested = snsEnvelopeOf(nested, {
          messageId: `${tag}-${depth}`,
          timestamp: "2025-01-01T00:00:00.000Z",
        });
      }
      return JSON.stringify(nested);
    },
  ];
  return random.pick(templates)();
}

function snsMessageId(random: SeededRandom): string {
  return `${random.hex(8)}-${random.hex(4)}-${random.hex(4)}-${random.hex(4)}-${random.hex(12)}`;
}

function wrap(notification: Record<string, unknown>, raw: boolean, random: SeededRandom): string {
  if (raw) return JSON.stringify(notification);
  const timestamp = new Date(
    Date.parse(String((notification.mail as { timestamp: string }).timestamp)) + 1_000,
  );
  return JSON.stringify(
    snsEnvelopeOf(notification, { messageId: snsMessageId(random), timestamp: timestamp.toISOString() }),
  );
}

function controlBody(serial: number): string {
  return JSON.stringify({
    Type: "SubscriptionConfirmation",
    MessageId: `control-${serial}`,
    Token: `token-${serial}`,
    TopicArn: "arn:aws:sns:us-east-1:000000000000:bounce-guard-feedback",
    Message: "You have chosen to subscribe to the topic.",
    SubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
    Timestamp: "2025-01-01T00:00:00.000Z",
  });
}

/** Generate the stream. The same options always give the same messages in the same order. */
export function generateFeedbackStream(options: FeedbackStreamOptions): FeedbackStream {
  const random = seededRandom(options.seed);
  const window: Window = {
    start: options.end.getTime() - (options.windowDays ?? 60) * DAY_MS,
    end: options.end.getTime(),
  };
  const plans = Array.from({ length: options.addresses }, (_, index) =>
    planAddress(index, weightedPersona(random), window, random),
  );
  const personas = new Map<string, Persona | "tie">(plans.map((plan) => [plan.key, plan.persona]));
  const notifications: Notification[] = [];
  let mailSerial = 0;
  const newMessageId = () => {
    mailSerial += 1;
    return `0100${random.hex(12)}-${random.hex(8)}-mail-${mailSerial}-000000`;
  };
  const send = (recipients: readonly AddressPlan[], sentAt: number, outcomes?: readonly Outcome[]) => {
    const chosen: Recipient[] = [];
    recipients.forEach((plan, index) => {
      const outcome = outcomes?.[index] ?? outcomeFor(plan, sentAt, random);
      plan.storedEvents += storedEventsOf(outcome);
      chosen.push({ plan, raw: random.pick(plan.rawForms), outcome });
    });
    const extra = recipients.length > 1 && random.chance(0.1) ? ["undisclosed-recipients:;"] : [];
    notifications.push(...notificationsOfMail(newMessageId(), sentAt, chosen, extra, window, random));
  };

  // Streaks need their bounces close together (full) or far apart (expired): planned, not left to chance.
  for (const plan of plans) {
    if (plan.persona === "full") {
      const from = window.start + random.next() * (window.end - window.start - 15 * DAY_MS);
      const count = random.integer(5, 8);
      for (let index = 0; index < count; index += 1) send([plan], from + random.next() * 10 * DAY_MS);
    }
    if (plan.persona === "expired-streak") {
      // The clusters lie more than the 30-day memory apart, even counting the bounces' reporting delay.
      for (const from of [window.start, window.start + 37 * DAY_MS]) {
        const count = random.integer(2, 4);
        for (let index = 0; index < count; index += 1) send([plan], from + random.next() * 5 * DAY_MS);
      }
    }
  }
  // Random mail to one, two or three recipients until the stream is as long as asked.
  const eligible = plans.filter((plan) => plan.persona !== "expired-streak");
  while (notifications.length < options.notifications && eligible.length > 0) {
    const size = random.chance(0.85) ? 1 : random.integer(2, 3);
    const recipients = new Set<AddressPlan>();
    for (let attempt = 0; attempt < 10 && recipients.size < size; attempt += 1) {
      const plan = random.pick(eligible);
      if (plan.storedEvents + 3 <= MAX_STORED_EVENTS_PER_ADDRESS) recipients.add(plan);
    }
    if (recipients.size === 0) break;
    send([...recipients], sendTime(window, random));
  }
  // The same-instant pairs: a hard bounce and a complaint for one address at one millisecond.
  for (let pair = 0; pair < (options.sameInstantPairs ?? 0); pair += 1) {
    const plan = planAddress(options.addresses + pair, "dead", window, random);
    personas.set(plan.key, "tie");
    const sentAt = sendTime(window, random);
    const at = new Date(after(sentAt, [MINUTE_MS, HOUR_MS], window, random)).toISOString();
    const raw = plan.rawForms[0] ?? plan.key;
    const hard = HARD_BOUNCES[0] as BounceSpec;
    const bounceMail = newMessageId();
    const complaintMail = newMessageId();
    notifications.push(
      {
        type: "Bounce",
        body: (format) => ({
          ...discriminator(format, "Bounce"),
          mail: mailOf(bounceMail, sentAt, [raw], format),
          bounce: {
            bounceType: hard.bounceType,
            bounceSubType: hard.bounceSubType,
            bouncedRecipients: [
              {
                emailAddress: raw,
                action: "failed",
                status: hard.status,
                diagnosticCode: hard.diagnosticCode,
              },
            ],
            timestamp: at,
            feedbackId: `tie-bounce-${pair}-${random.hex(8)}`,
          },
        }),
      },
      {
        type: "Complaint",
        body: (format) => ({
          ...discriminator(format, "Complaint"),
          mail: mailOf(complaintMail, sentAt, [raw], format),
          complaint: {
            complainedRecipients: [{ emailAddress: raw }],
            complaintFeedbackType: "abuse",
            timestamp: at,
            feedbackId: `tie-complaint-${pair}-${random.hex(8)}`,
          },
        }),
      },
    );
  }

  const messages: StreamMessage[] = [];
  const rawRate = options.rawRate ?? 0.25;
  for (const notification of notifications) {
    const identityPossible = notification.type !== "DeliveryDelay" && notification.type !== "Open";
    const format: SesFormat = identityPossible && random.chance(0.5) ? "identity" : "event-publishing";
    const raw = random.chance(rawRate);
    const body = wrap(notification.body(format), raw, random);
    messages.push({ body, kind: "notification" });
    if (random.chance(options.exactDuplicateRate ?? 0.05)) messages.push({ body, kind: "exact-duplicate" });
    if (identityPossible && random.chance(options.otherFormatRate ?? 0.1)) {
      const other: SesFormat = format === "identity" ? "event-publishing" : "identity";
      messages.push({
        body: wrap(notification.body(other), random.chance(rawRate), random),
        kind: "other-format",
      });
    }
    if (random.chance(options.rewrapRate ?? 0.03)) {
      messages.push({ body: wrap(notification.body(format), !raw, random), kind: "rewrapped" });
    }
  }
  const goodCount = messages.length;
  const poisonCount = Math.round(goodCount * (options.poisonRate ?? 0.02));
  const poison: StreamMessage[] = [];
  for (let serial = 0; serial < poisonCount; serial += 1) {
    const sample = messages[random.integer(0, goodCount - 1)] as StreamMessage;
    poison.push({ body: poisonBody(serial, sample.body, random), kind: "poison" });
  }
  for (let serial = 0; serial < (options.controlMessages ?? 3); serial += 1) {
    messages.push({ body: controlBody(serial), kind: "control" });
  }
  return {
    messages: withPoison(random.shuffled(messages), poison, options.poisonSpan ?? 0.8, random),
    notificationCount: notifications.length,
    personas,
  };
}

/**
 * The shuffled stream with each poison message put at a random place in its first `span` share.
 * A poison message reaches the DLQ only after maxReceiveCount receives a visibility timeout apart,
 * so one near the very end leaves a replay idle while it waits; anywhere earlier it still shares
 * batches with good records.
 */
function withPoison(
  shuffled: readonly StreamMessage[],
  poison: readonly StreamMessage[],
  span: number,
  random: SeededRandom,
): StreamMessage[] {
  if (!(span > 0 && span <= 1)) throw new RangeError(`poisonSpan must be in (0, 1], got ${span}`);
  const last = Math.floor(shuffled.length * span);
  // How many poison messages go right before the message at each place (the end included).
  const before = new Map<number, number>();
  for (let index = 0; index < poison.length; index += 1) {
    const place = random.integer(0, last);
    before.set(place, (before.get(place) ?? 0) + 1);
  }
  const result: StreamMessage[] = [];
  let next = 0;
  for (let place = 0; place <= shuffled.length; place += 1) {
    for (let count = before.get(place) ?? 0; count > 0; count -= 1)
      result.push(poison[next++] as StreamMessage);
    if (place < shuffled.length) result.push(shuffled[place] as StreamMessage);
  }
  return result;
}
