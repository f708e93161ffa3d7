// bounce-guard redrive: after a fix, move the messages the classifier gave up on from the DLQ back
// to the feedback queue. A message leaves the DLQ only once the queue has accepted its copy.
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { borrowClient } from "../aws.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  DEPLOYMENT_OPTIONS,
  EXIT,
  type Io,
  stackOutputsOf,
  stringOption,
  UsageError,
} from "../context.ts";
import { startProgress } from "../progress.ts";
import { formatTable } from "../table.ts";

/** SQS batch limits: ten entries, and a payload the conservative 256 KiB of older queues allow. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 256 * 1024;
/** Long polling asks every SQS server, so an empty answer means the DLQ is really empty. */
const RECEIVE_WAIT_SECONDS = 1;

interface RedriveReport {
  received: number;
  moved: number;
  /** Copied to the queue but not deleted from the DLQ: they will be delivered twice (harmless: idempotent). */
  notDeleted: number;
  readonly failed: { readonly messageId: string; readonly error: string }[];
}

async function queueUrlsOf(
  options: CommandOptions,
  io: Io,
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const stack = await stackOutputsOf(options, io.aws);
  const queueUrl = stringOption(options, "queue-url") ?? stack?.queueUrl;
  const deadLetterQueueUrl = stringOption(options, "dlq-url") ?? stack?.deadLetterQueueUrl;
  if (queueUrl === undefined || deadLetterQueueUrl === undefined) {
    throw new UsageError("redrive needs --stack NAME, or both --queue-url URL and --dlq-url URL");
  }
  return { queueUrl, deadLetterQueueUrl };
}

function maxOf(options: CommandOptions): number {
  const max = stringOption(options, "max");
  if (max === undefined) return Number.POSITIVE_INFINITY;
  const value = Number(max);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--max must be a whole number of at least 1, got "${max}"`);
  return value;
}

function entryOf(message: Message, id: string): SendMessageBatchRequestEntry {
  return {
    Id: id,
    MessageBody: message.Body ?? "",
    ...(message.MessageAttributes !== undefined && Object.keys(message.MessageAttributes).length > 0
      ? { MessageAttributes: message.MessageAttributes }
      : {}),
  };
}

function sizeOf(entry: SendMessageBatchRequestEntry): number {
  const attributes = Object.entries(entry.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? "") +
      Buffer.byteLength(value.StringValue ?? "") +
      (value.BinaryValue?.byteLength ?? 0),
    0,
  );
  return Buffer.byteLength(entry.MessageBody ?? "") + attributes;
}

/** Group entries into SendMessageBatch requests within the entry and payload limits. */
function batchesOf(entries: readonly SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const batches: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = sizeOf(entry);
    if (current.length > 0 && (current.length === BATCH_ENTRIES || bytes + size > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Move one received batch; returns how many reached the queue. */
async function moveBatch(
  sqs: SQSClient,
  messages: readonly Message[],
  urls: { queueUrl: string; deadLetterQueueUrl: string },
  report: RedriveReport,
): Promise<number> {
  const byId = new Map(messages.map((message, index) => [String(index), message]));
  const sent: Message[] = [];
  for (const entries of batchesOf([...byId].map(([id, message]) => entryOf(message, id)))) {
    const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: urls.queueUrl, Entries: entries }));
    for (const success of result.Successful ?? []) {
      const message = byId.get(success.Id ?? "");
      if (message !== undefined) sent.push(message);
    }
    for (const failure of result.Failed ?? []) {
      report.failed.push({
        messageId: byId.get(failure.Id ?? "")?.MessageId ?? "?",
        error: `${failure.Code ?? "error"}: ${failure.Message ?? ""}`,
      });
    }
  }
  if (sent.length > 0) {
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: urls.deadLetterQueueUrl,
        Entries: sent.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? "",
        })),
      }),
    );
    report.notDeleted += deleted.Failed?.length ?? 0;
  }
  report.moved += sent.length;
  return sent.length;
}

async function redrive(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`redrive takes no arguments, got "${args[0]}"`);
  const max = maxOf(options);
  const urls = await queueUrlsOf(options, io);
  const { client: sqs, release } = borrowClient(io.aws, "sqs", stringOption(options, "region"));
  const report: RedriveReport = { received: 0, moved: 0, notDeleted: 0, failed: [] };
  const progress = startProgress(io, "redriving", Number.isFinite(max) ? max : undefined);
  try {
    while (report.received < max) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: urls.deadLetterQueueUrl,
          MaxNumberOfMessages: Math.min(BATCH_ENTRIES, max - report.received),
          WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
          MessageAttributeNames: ["All"],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      report.received += messages.length;
      const moved = await moveBatch(sqs, messages, urls, report);
      progress.advance(messages.length);
      // A queue refusing a whole batch will refuse the next one too; stop rather than spin.
      if (moved === 0) break;
    }
  } finally {
    progress.finish();
    release();
  }
  for (const failure of report.failed) io.stderr(`${failure.messageId}: not moved (${failure.error})\n`);
  if (report.notDeleted > 0) {
    io.stderr(
      `${report.notDeleted} moved but not deleted from the DLQ: they will be processed twice (harmless)\n`,
    );
  }
  if (booleanOption(options, "json")) {
    io.stdout(`${JSON.stringify(report)}\n`);
  } else {
    const rows = [
      ["received from the DLQ", String(report.received)],
      ["moved to the queue", String(report.moved)],
      ["not moved (stay in the DLQ)", String(report.failed.length)],
    ];
    io.stdout(`${formatTable(["redrive", "count"], rows)}\n`);
  }
  return report.failed.length > 0 ? EXIT.badInput : EXIT.ok;
}

export const redriveCommand: Command = {
  name: "redrive",
  usage: [
    "redrive [--stack NAME | --queue-url URL --dlq-url URL] [--max N]",
    "move messages from the DLQ back to the feedback queue (after a fix), until the DLQ is empty",
    "or N were received; a message leaves the DLQ only once the queue accepted it",
  ],
  options: {
    ...DEPLOYMENT_OPTIONS,
    "queue-url": { type: "string", help: "--queue-url URL    the feedback queue" },
    "dlq-url": { type: "string", help: "--dlq-url URL      its dead-letter queue" },
    max: { type: "string", help: "--max N            move at most N messages" },
    json: { type: "boolean", help: "--json             the counts as one JSON object" },
  },
  run: (args, options, io) => redrive(args, options, io),
};
