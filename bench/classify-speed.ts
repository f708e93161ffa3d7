// How much parsing and classifying SQS records costs next to the JSON.parse they cannot avoid.
import type { SQSRecord } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../cli/local/aws-clients.ts";
import { sqsRecordOf } from "../cli/local/sqs.ts";
import { type BounceEvidence, classifyBounce, clearClassifyMemo } from "../functions/core/classify.ts";
import { parseNotification } from "../functions/core/parse.ts";
import { verdictsOf } from "../functions/core/verdicts.ts";
import { generateFeedbackStream } from "../test/support/feedback-stream.ts";
import { median, pairedRatio } from "./statistics.ts";

export interface ClassifySpeed {
  readonly records: number;
  readonly recipients: number;
  readonly rounds: number;
  readonly medianJsonParseMs: number;
  readonly medianClassifyMs: number;
  /** Median of the per-round ratios (each round times both passes back to back). */
  readonly ratio: number;
  readonly recipientsPerSecond: number;
}

const QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:bounce-guard-feedback`;

/** SQS records holding SNS envelopes of a realistic mix, as the classifier receives them. */
export function benchRecords(count: number, seed: number): SQSRecord[] {
  const stream = generateFeedbackStream({
    seed,
    notifications: count,
    addresses: Math.max(50, Math.round(count / 7)),
    end: new Date("2025-06-01T00:00:00.000Z"),
    rawRate: 0,
    exactDuplicateRate: 0,
    otherFormatRate: 0,
    rewrapRate: 0,
    poisonRate: 0,
    controlMessages: 0,
  });
  return stream.messages.map((message, index) =>
    sqsRecordOf(
      { MessageId: `bench-${index}`, ReceiptHandle: `receipt-${index}`, Body: message.body },
      QUEUE_ARN,
      1,
    ),
  );
}

/**
 * The same records with every bounce and delay diagnostic quoting its recipient, as many MTAs write
 * them ("550 5.1.1 <jane@example.com>: Recipient address rejected: …"). The generated stream uses a
 * dozen fixed texts, which the classifier's reading memo always hits; with the address in the text
 * each recipient's evidence is new to it and only the phrase memo (over the text with addresses
 * removed) still helps, closer to what real traffic costs.
 */
export function withAddressInDiagnostics(records: readonly SQSRecord[]): SQSRecord[] {
  type Recipient = { emailAddress?: string; diagnosticCode?: string | null };
  const quote = (recipients: Recipient[] | undefined) => {
    for (const recipient of recipients ?? []) {
      if (typeof recipient.diagnosticCode === "string" && recipient.emailAddress !== undefined) {
        // The bare address, also when the recipient was written with a display name.
        const address = /<([^<>]+)>\s*$/.exec(recipient.emailAddress)?.[1] ?? recipient.emailAddress;
        recipient.diagnosticCode = recipient.diagnosticCode.replace(
          /^(smtp; )?(\d{3}[ -]\d\.\d{1,3}\.\d{1,3} )?/,
          (prefix) => `${prefix}<${address}>: `,
        );
      }
    }
  };
  return records.map((record) => {
    const envelope = JSON.parse(record.body) as { Message?: string };
    const inner = envelope.Message === undefined ? envelope : JSON.parse(envelope.Message);
    const notification = inner as {
      bounce?: { bouncedRecipients?: Recipient[] };
      deliveryDelay?: { delayedRecipients?: Recipient[] };
    };
    quote(notification.bounce?.bouncedRecipients);
    quote(notification.deliveryDelay?.delayedRecipients);
    const body =
      envelope.Message === undefined
        ? JSON.stringify(notification)
        : JSON.stringify({ ...envelope, Message: JSON.stringify(notification) });
    return { ...record, body };
  });
}

/** What any consumer must do: decode the SQS body and the SNS Message inside it. */
function jsonParseOnly(records: readonly SQSRecord[]): number {
  let fields = 0;
  for (const record of records) {
    const envelope = JSON.parse(record.body) as { Message: string };
    const notification = JSON.parse(envelope.Message) as Record<string, unknown>;
    fields += Object.keys(notification).length;
  }
  return fields;
}

/** What the classifier does before touching the store. */
function parseAndClassify(records: readonly SQSRecord[]): number {
  let recipients = 0;
  for (const record of records) {
    const parsed = parseNotification(record);
    if (parsed.kind === "notification") recipients += verdictsOf(parsed.notification).length;
  }
  return recipients;
}

function timeOnce(work: () => number): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

export function measureClassifySpeed(records: readonly SQSRecord[], rounds = 21): ClassifySpeed {
  // Warm both paths up so the JIT has compiled them before anything is timed.
  for (let warm = 0; warm < 3; warm += 1) {
    jsonParseOnly(records);
    parseAndClassify(records);
  }
  const baseline: number[] = [];
  const classify: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Alternate the order so neither pass always runs right after a GC of the other's garbage.
    const first = round % 2 === 0;
    const a = first ? timeOnce(() => jsonParseOnly(records)) : timeOnce(() => parseAndClassify(records));
    const b = first ? timeOnce(() => parseAndClassify(records)) : timeOnce(() => jsonParseOnly(records));
    const [parseMs, classifyMs] = first ? [a, b] : [b, a];
    baseline.push(parseMs);
    classify.push(classifyMs);
  }
  const recipients = parseAndClassify(records);
  const medianClassifyMs = median(classify);
  return {
    records: records.length,
    recipients,
    rounds,
    medianJsonParseMs: Math.round(median(baseline) * 10) / 10,
    medianClassifyMs: Math.round(medianClassifyMs * 10) / 10,
    ratio: Math.round(pairedRatio(classify, baseline) * 100) / 100,
    recipientsPerSecond: Math.round(recipients / (medianClassifyMs / 1000)),
  };
}

export interface LongDiagnosticSpeed {
  readonly rounds: number;
  readonly callsPerRound: number;
  /** Median time of one classification of the recipient with the 1 KB diagnostic. */
  readonly median1KbMicroseconds: number;
  readonly median256KbMicroseconds: number;
  /** Median of the per-round ratios, 256 KB over 1 KB. */
  readonly ratio256KbVs1Kb: number;
  /** An SQS record holding a notification with a 2 MB diagnostic: parse and classify, end to end. */
  readonly median2MbRecordMs: number;
  /** JSON.parse of the same record's body and SNS Message, for scale. */
  readonly median2MbJsonParseMs: number;
}

/** A receiver's reply as diagnostics start, then what long ones carry after it: quoted mail. */
const REPLY =
  "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser a1si1234567qkb.123 - gsmtp";
const QUOTED_MAIL =
  " Received: from a1-2.smtp-out.eu-west-1.amazonses.com (a1-2.smtp-out.eu-west-1.amazonses.com [54.240.1.2]) by mx.example.org with ESMTPS id 7f3a; Mon, 3 Feb 2025 10:00:00 +0000 Subject: Your order has shipped. Dear customer, thank you for your order.";

/** A diagnostic of exactly `length` UTF-16 units: the reply, then quoted mail. */
export function longDiagnostic(length: number): string {
  const text = REPLY + QUOTED_MAIL.repeat(Math.ceil(Math.max(0, length - REPLY.length) / QUOTED_MAIL.length));
  return text.slice(0, length);
}

function microsecondsPerCall(evidence: BounceEvidence, calls: number): number {
  const started = performance.now();
  for (let call = 0; call < calls; call += 1) {
    // Every call reads the text anew, as the first recipient with a new diagnostic is read.
    clearClassifyMemo();
    classifyBounce(evidence);
  }
  return ((performance.now() - started) * 1000) / calls;
}

/**
 * What a long diagnostic costs: one recipient's classification with a 256 KB diagnostic against
 * one with a 1 KB diagnostic (the rules read only the first KB, so the goal is ≤ 1.5), and a whole
 * record with a 2 MB diagnostic, parsed and classified as the Lambda does.
 */
export function measureLongDiagnostics(rounds = 21, callsPerRound = 200): LongDiagnosticSpeed {
  const evidence = (diagnosticCode: string): BounceEvidence => ({
    bounceType: "Permanent",
    bounceSubType: "General",
    action: "failed",
    status: "5.1.1",
    diagnosticCode,
  });
  const short = evidence(longDiagnostic(1024));
  const long = evidence(longDiagnostic(256 * 1024));
  const huge = longDiagnostic(2 * 1024 * 1024);
  const notification = {
    notificationType: "Bounce",
    mail: { messageId: "long-1", timestamp: "2025-02-03T10:00:00.000Z", destination: ["jane@example.org"] },
    bounce: {
      bounceType: "Permanent",
      bounceSubType: "General",
      bouncedRecipients: [
        { emailAddress: "jane@example.org", action: "failed", status: "5.1.1", diagnosticCode: huge },
      ],
      feedbackId: "long-feedback-1",
      timestamp: "2025-02-03T10:00:01.000Z",
    },
  };
  const record = sqsRecordOf(
    {
      MessageId: "long-1",
      ReceiptHandle: "receipt-long-1",
      Body: JSON.stringify({
        Type: "Notification",
        MessageId: "sns-long-1",
        Message: JSON.stringify(notification),
      }),
    },
    QUEUE_ARN,
    1,
  );
  for (let warm = 0; warm < 3; warm += 1) {
    microsecondsPerCall(short, callsPerRound);
    microsecondsPerCall(long, callsPerRound);
    parseAndClassify([record]);
  }
  const shortTimes: number[] = [];
  const longTimes: number[] = [];
  const recordTimes: number[] = [];
  const parseTimes: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const first = round % 2 === 0;
    const a = microsecondsPerCall(first ? short : long, callsPerRound);
    const b = microsecondsPerCall(first ? long : short, callsPerRound);
    shortTimes.push(first ? a : b);
    longTimes.push(first ? b : a);
    recordTimes.push(timeOnce(() => parseAndClassify([record])));
    parseTimes.push(timeOnce(() => jsonParseOnly([record])));
  }
  return {
    rounds,
    callsPerRound,
    median1KbMicroseconds: Math.round(median(shortTimes) * 10) / 10,
    median256KbMicroseconds: Math.round(median(longTimes) * 10) / 10,
    ratio256KbVs1Kb: Math.round(pairedRatio(longTimes, shortTimes) * 100) / 100,
    median2MbRecordMs: Math.round(median(recordTimes) * 10) / 10,
    median2MbJsonParseMs: Math.round(median(parseTimes) * 10) / 10,
  };
}
