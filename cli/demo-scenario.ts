// The built-in scenario of `npm start`: SES's own examples plus the cases Bounce Guard exists for.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { snsEnvelopeOf } from "./local/sns.ts";

export const EXAMPLES_DIRECTORY = fileURLToPath(new URL("../test/fixtures/ses/", import.meta.url));

/** The official SES example notifications shipped as fixtures (complete notifications only). */
export function officialExamples(): { name: string; notification: Record<string, unknown> }[] {
  return readdirSync(EXAMPLES_DIRECTORY)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({
      name,
      notification: JSON.parse(readFileSync(join(EXAMPLES_DIRECTORY, name), "utf8")),
    }));
}

const HOUR_MS = 3_600_000;

export interface DemoBounceSpec {
  readonly address: string;
  readonly bounceType: string;
  readonly bounceSubType: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
  readonly at: Date;
  readonly id: string;
}

/** An SES Bounce notification of the demo, for one recipient. */
export function demoBounce(
  spec: DemoBounceSpec,
  format: "identity" | "event" = "identity",
): Record<string, unknown> {
  const recipient: Record<string, string> = { emailAddress: spec.address, action: "failed" };
  if (spec.status) recipient.status = spec.status;
  if (spec.diagnosticCode) recipient.diagnosticCode = spec.diagnosticCode;
  const mail = {
    timestamp: new Date(spec.at.getTime() - 60_000).toISOString(),
    messageId: `demo-message-${spec.id}`,
    source: "news@sender.example",
    destination: [spec.address],
    ...(format === "event" ? { tags: { "ses:configuration-set": ["demo-marketing"] } } : {}),
  };
  return {
    [format === "identity" ? "notificationType" : "eventType"]: "Bounce",
    bounce: {
      bounceType: spec.bounceType,
      bounceSubType: spec.bounceSubType,
      bouncedRecipients: [recipient],
      timestamp: spec.at.toISOString(),
      feedbackId: `demo-feedback-${spec.id}`,
      reportingMTA: "dns; demo.amazonses.com",
    },
    mail,
  };
}

/** An SES Delivery notification of the demo, for one recipient. */
export function demoDelivery(address: string, at: Date, id: string): Record<string, unknown> {
  return {
    notificationType: "Delivery",
    mail: {
      timestamp: new Date(at.getTime() - 60_000).toISOString(),
      messageId: `demo-message-${id}`,
      source: "news@sender.example",
      destination: [address],
    },
    delivery: { timestamp: at.toISOString(), recipients: [address], smtpResponse: "250 2.0.0 OK queued" },
  };
}

export interface DemoMessage {
  /** What the message shows, printed next to its results. */
  readonly label: string;
  /** The SQS message body: usually an SNS envelope, sometimes raw SES JSON or junk. */
  readonly body: string;
}

/**
 * The scenario, with times relative to `now` so deferrals are live when the run ends. Every
 * official example goes through as SNS envelope; the synthetic cases show the mislabel rules,
 * a soft-bounce streak reaching the threshold, a streak reset by a delivery, duplicates (the same
 * message twice, and one bounce in both SES formats) and poison messages that end in the DLQ.
 */
export function demoScenario(now: Date): DemoMessage[] {
  const ago = (hours: number) => new Date(now.getTime() - hours * HOUR_MS);
  const messages: DemoMessage[] = [];
  const push = (label: string, notification: unknown) =>
    messages.push({ label, body: JSON.stringify(snsEnvelopeOf(notification)) });

  for (const { name, notification } of officialExamples()) {
    if ("notificationType" in notification || "eventType" in notification) {
      push(`SES example ${name}`, notification);
    }
  }
  // Mislabels: the evidence overrides SES's bounce type.
  push(
    "Transient/General carrying 5.1.1: really a hard bounce",
    demoBounce({
      address: "Lost.Customer@Example.ORG",
      bounceType: "Transient",
      bounceSubType: "General",
      status: "5.1.1",
      diagnosticCode: "smtp; 550 5.1.1 <Lost.Customer@example.org>: Recipient address rejected: User unknown",
      at: ago(3),
      id: "mislabel-511",
    }),
  );
  push(
    "Transient/General carrying 5.4.4: the domain does not exist",
    demoBounce({
      address: "someone@no-such-domain.example",
      bounceType: "Transient",
      bounceSubType: "General",
      status: "5.4.4",
      diagnosticCode: "smtp; 550 5.4.4 Invalid domain",
      at: ago(3),
      id: "mislabel-544",
    }),
  );
  push(
    "Permanent/General blocklist rejection: the sender was blocked, not the address",
    demoBounce({
      address: "valued.customer@example.com",
      bounceType: "Permanent",
      bounceSubType: "General",
      status: "5.7.1",
      diagnosticCode:
        "smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org",
      at: ago(1),
      id: "block-spamhaus",
    }),
  );
  push(
    "Transient/General out-of-office reply: never counts",
    demoBounce({
      address: "on.holiday@example.com",
      bounceType: "Transient",
      bounceSubType: "General",
      diagnosticCode: "Automatic reply: I am out of the office until Monday with limited access to e-mail",
      at: ago(2),
      id: "autoreply",
    }),
  );
  push(
    "Permanent/OnAccountSuppressionList: SES did not send, recorded once",
    demoBounce({
      address: "already.listed@example.com",
      bounceType: "Permanent",
      bounceSubType: "OnAccountSuppressionList",
      diagnosticCode:
        "Amazon SES did not send the message to this address because it is on the suppression list for your account.",
      at: ago(2),
      id: "ses-listed",
    }),
  );
  // A soft-bounce streak reaching the default threshold of 5.
  for (let index = 0; index < 5; index += 1) {
    push(
      `mailbox full, soft bounce ${index + 1} of 5`,
      demoBounce({
        address: "full.mailbox@example.net",
        bounceType: "Transient",
        bounceSubType: "MailboxFull",
        status: "4.2.2",
        diagnosticCode: "smtp; 452 4.2.2 The email account that you tried to reach is over quota",
        at: ago(30 - index * 6),
        id: `streak-${index + 1}`,
      }),
    );
  }
  // Two soft bounces, then a delivery resets the streak.
  push(
    "busy server, soft bounce 1",
    demoBounce({
      address: "busy.server@example.net",
      bounceType: "Transient",
      bounceSubType: "General",
      status: "4.3.2",
      diagnosticCode: "smtp; 421 4.3.2 System not accepting network messages, try again later",
      at: ago(10),
      id: "busy-1",
    }),
  );
  push(
    "busy server, soft bounce 2",
    demoBounce({
      address: "busy.server@example.net",
      bounceType: "Transient",
      bounceSubType: "General",
      status: "4.4.2",
      diagnosticCode: "smtp; 421 4.4.2 Connection timed out",
      at: ago(6),
      id: "busy-2",
    }),
  );
  push(
    "busy server, delivered: the streak resets",
    demoDelivery("busy.server@example.net", ago(2), "busy-delivered"),
  );
  push(
    "greylisting: deferred until the retry interval has passed",
    demoBounce({
      address: "greylisted@example.net",
      bounceType: "Transient",
      bounceSubType: "General",
      status: "4.7.1",
      diagnosticCode:
        "smtp; 450 4.7.1 <greylisted@example.net>: Recipient address rejected: Greylisted, try again later",
      at: ago(1),
      id: "greylist",
    }),
  );
  // Duplicates: SNS/SQS redelivery, and the same bounce published in both SES formats.
  const first = officialExamples().find(({ name }) => name.startsWith("01-"));
  if (first !== undefined) {
    push("duplicate delivery of SES example 01 (SNS/SQS at-least-once)", first.notification);
  }
  const both = {
    address: "moved.away@example.org",
    bounceType: "Permanent",
    bounceSubType: "NoEmail",
    status: "5.1.6",
    diagnosticCode: "smtp; 550 5.1.6 Recipient addresses moved; new address unknown",
    at: ago(4),
    id: "both-formats",
  } as const;
  push("one bounce as identity notification", demoBounce(both, "identity"));
  push("the same bounce from configuration-set event publishing", demoBounce(both, "event"));
  // Control and poison messages.
  messages.push({
    label: "SNS subscription confirmation: recognised and ignored",
    body: JSON.stringify({
      Type: "SubscriptionConfirmation",
      MessageId: "demo-confirm",
      Message: "You have chosen to subscribe",
    }),
  });
  const fragment = officialExamples().find(({ name }) => name.startsWith("16-"));
  if (fragment !== undefined) {
    push("poison: a bounce object without its notification (goes to the DLQ)", fragment.notification);
  }
  messages.push({
    label: "poison: a body that is not JSON (goes to the DLQ)",
    body: "this is not a notification",
  });
  return messages;
}
