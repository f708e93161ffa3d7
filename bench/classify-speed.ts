// How much parsing and classifying SQS records costs next to the JSON.parse they cannot avoid.
import type { SQSRecord } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../cli/local/aws-clients.ts";
import { sqsRecordOf } from "../cli/local/sqs.ts";
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
