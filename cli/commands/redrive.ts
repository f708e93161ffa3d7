// bounce-guard redrive: after a fix, send the messages the classifier gave up on through again.
// Deployed: from the DLQ back to the feedback queue; a message leaves the DLQ only once the queue
// has accepted its copy. Locally: the dead letters the demo kept go through the classifier again.
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { discardMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { borrowClient } from "../aws.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  openStore,
  stackOutputsOf,
  stringOption,
  UsageError,
} from "../context.ts";
import {
  DEAD_LETTERS_FILE,
  type DeadLetter,
  readDeadLetters,
  writeDeadLetters,
} from "../local/dead-letters.ts";
import { sqsRecordOf } from "../local/sqs.ts";
import { claimStore } from "../local/store-folder.ts";
import { printable, printableJson, shorten } from "../printable.ts";
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

/** Whether the command is pointed at deployed queues; without any of these it works locally. */
export function deployedQueues(options: CommandOptions): boolean {
  return ["stack", "queue-url", "dlq-url"].some((name) => stringOption(options, name) !== undefined);
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

export function maxOf(options: CommandOptions): number {
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

const LOCAL_QUEUE_ARN = "arn:aws:sqs:local:000000000000:bounce-guard-feedback";

/**
 * The local dead letters through the classifier again, up to --max: those that now apply leave the
 * file, those that still fail stay with their receive count raised and the new error.
 */
async function redriveLocally(options: CommandOptions, io: Io): Promise<number> {
  const max = maxOf(options);
  const json = booleanOption(options, "json");
  const { store, close } = await openStore(options, io);
  const kept: DeadLetter[] = [];
  const stillFailing: DeadLetter[] = [];
  let processed = 0;
  let letters: DeadLetter[] = [];
  try {
    const file = readDeadLetters(options.data);
    letters = file.letters;
    for (const problem of file.problems) {
      io.stderr(`${options.data}/${DEAD_LETTERS_FILE}:${problem.line}: ${problem.message} (left as it is)\n`);
    }
    const classifier = createClassifier({
      store,
      logger: silentLogger,
      metrics: discardMetrics,
      now: io.now,
    });
    for (const [index, letter] of letters.entries()) {
      if (index >= max) {
        kept.push(letter);
        continue;
      }
      const outcome = await classifier.processRecord(
        sqsRecordOf(
          {
            MessageId: letter.messageId,
            Body: letter.body,
            ...(letter.label !== undefined
              ? { MessageAttributes: { label: { DataType: "String", StringValue: letter.label } } }
              : {}),
          },
          LOCAL_QUEUE_ARN,
          letter.receives + 1,
        ),
      );
      if (outcome.kind === "failed") {
        const failing = {
          ...letter,
          receives: letter.receives + 1,
          lastFailedAt: io.now().toISOString(),
          error: outcome.error,
        };
        stillFailing.push(failing);
        kept.push(failing);
      } else {
        processed += 1;
      }
    }
    writeDeadLetters(
      options.data,
      kept,
      file.problems.map((problem) => problem.text),
    );
    // What was applied is the operator's now: the demo will not reset this store any more.
    if (processed > 0) claimStore(options.data);
  } finally {
    await close();
  }
  const tried = Math.min(letters.length, max);
  if (json) {
    io.stdout(
      `${printableJson({ local: true, tried, processed, stillFailing: stillFailing.map(({ messageId, error }) => ({ messageId, error })), left: kept.length })}\n`,
    );
  } else if (letters.length === 0) {
    io.stdout(`no dead letters in ${options.data}: nothing to redrive\n`);
  } else {
    const rows = [
      ["dead letters tried", String(tried)],
      ["processed now (left the DLQ)", String(processed)],
      ["still failing (stay in the DLQ)", String(stillFailing.length)],
    ];
    io.stdout(`${formatTable(["redrive (local)", "count"], rows)}\n`);
    for (const letter of stillFailing) {
      io.stderr(
        `${printable(letter.label ?? letter.messageId)}: still fails: ${printable(shorten(letter.error, 120))}\n`,
      );
    }
  }
  return stillFailing.length > 0 ? EXIT.badInput : EXIT.ok;
}

async function redrive(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`redrive takes no arguments, got "${args[0]}"`);
  if (!deployedQueues(options)) return redriveLocally(options, io);
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
  for (const failure of report.failed)
    io.stderr(`${printable(`${failure.messageId}: not moved (${failure.error})`)}\n`);
  if (report.notDeleted > 0) {
    io.stderr(
      `${report.notDeleted} moved but not deleted from the DLQ: they will be processed twice (harmless)\n`,
    );
  }
  if (booleanOption(options, "json")) {
    io.stdout(`${printableJson(report)}\n`);
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

export const run: CommandRun = (args, options, io) => redrive(args, options, io);
