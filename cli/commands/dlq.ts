// bounce-guard dlq: what is in the dead-letter queue and why. Locally the dead letters the demo
// kept in the store's folder, with the classifier's error; deployed, a look at the DLQ itself (each
// message is received with a visibility timeout of 0, so it stays available to redrive).
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { parseNotification } from "../../functions/core/parse.ts";
import { borrowClient } from "../aws.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  stackOutputsOf,
  stringOption,
  UsageError,
} from "../context.ts";
import { DEAD_LETTERS_FILE, readDeadLetters } from "../local/dead-letters.ts";
import { printable, printableJson, shorten } from "../printable.ts";
import { formatTable } from "../table.ts";
import { shortTime } from "./list.ts";
import { deployedQueues, maxOf } from "./redrive.ts";

/** Looks in a row that bring nothing new before the look at a deployed DLQ stops. */
const EMPTY_LOOKS = 3;
const DEFAULT_DEPLOYED_MAX = 50;
const ERROR_WIDTH = 60;

/** Why a body fails, as far as reading it tells: the classifier's parse, run here. */
export function whyItFails(body: string): string {
  const parsed = parseNotification(body);
  if (parsed.kind === "error") return parsed.error.message;
  return "reads as a notification now; the failure was elsewhere (see the classifier's logs)";
}

function showLocal(options: CommandOptions, io: Io): number {
  const max = maxOf(options);
  const { letters, problems } = readDeadLetters(options.data);
  for (const problem of problems) {
    io.stderr(`${options.data}/${DEAD_LETTERS_FILE}:${problem.line}: ${problem.message}\n`);
  }
  const shown = letters.slice(0, max);
  if (booleanOption(options, "json")) {
    for (const letter of shown) io.stdout(`${printableJson(letter)}\n`);
    return problems.length > 0 ? EXIT.badInput : EXIT.ok;
  }
  if (letters.length === 0) {
    io.stdout(`no dead letters in ${options.data}\n`);
    return problems.length > 0 ? EXIT.badInput : EXIT.ok;
  }
  const rows = shown.map((letter) => [
    String(letter.receives),
    shortTime(letter.lastFailedAt),
    shorten(letter.error, ERROR_WIDTH),
    letter.label ?? letter.messageId,
  ]);
  io.stdout(`${formatTable(["receives", "last failed", "error", "message"], rows)}\n`);
  io.stdout(
    `${letters.length} dead letters in ${options.data}/${DEAD_LETTERS_FILE}; bounce-guard redrive sends them through again\n`,
  );
  return problems.length > 0 ? EXIT.badInput : EXIT.ok;
}

async function deadLetterQueueUrlOf(options: CommandOptions, io: Io): Promise<string> {
  const given = stringOption(options, "dlq-url");
  if (given !== undefined) return given;
  const url = (await stackOutputsOf(options, io.aws))?.deadLetterQueueUrl;
  if (url === undefined) throw new UsageError("dlq needs --stack NAME or --dlq-url URL for a deployed DLQ");
  return url;
}

async function showDeployed(options: CommandOptions, io: Io): Promise<number> {
  const given = stringOption(options, "max");
  const max = given === undefined ? DEFAULT_DEPLOYED_MAX : maxOf(options);
  const url = await deadLetterQueueUrlOf(options, io);
  const { client, release } = borrowClient(io.aws, "sqs", stringOption(options, "region"));
  const seen = new Map<string, Message>();
  let depth = "?";
  try {
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    depth = attributes.Attributes?.ApproximateNumberOfMessages ?? "?";
    let emptyLooks = 0;
    while (seen.size < max && emptyLooks < EMPTY_LOOKS) {
      const received = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      const fresh = (received.Messages ?? []).filter((message) => !seen.has(message.MessageId ?? ""));
      emptyLooks = fresh.length === 0 ? emptyLooks + 1 : 0;
      for (const message of fresh) if (seen.size < max) seen.set(message.MessageId ?? "", message);
    }
  } finally {
    release();
  }
  const messages = [...seen.values()];
  if (booleanOption(options, "json")) {
    for (const message of messages) {
      io.stdout(
        `${printableJson({
          messageId: message.MessageId,
          receives: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
          sentAt: sentAt(message),
          error: whyItFails(message.Body ?? ""),
          body: message.Body,
        })}\n`,
      );
    }
    return EXIT.ok;
  }
  const rows = messages.map((message) => [
    message.Attributes?.ApproximateReceiveCount ?? "?",
    shortTime(sentAt(message)),
    shorten(whyItFails(message.Body ?? ""), ERROR_WIDTH),
    shorten(message.Body ?? "", 40),
    message.MessageId ?? "?",
  ]);
  if (rows.length > 0) {
    io.stdout(`${formatTable(["receives", "sent", "why it fails", "body", "message id"], rows)}\n`);
  }
  io.stdout(`${printable(`${messages.length} shown of about ${depth} in the DLQ`)}\n`);
  return EXIT.ok;
}

function sentAt(message: Message): string | undefined {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined;
}

async function dlq(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`dlq takes no arguments, got "${args[0]}"`);
  if (stringOption(options, "queue-url") !== undefined && stringOption(options, "dlq-url") === undefined) {
    throw new UsageError("dlq reads the dead-letter queue: give --dlq-url URL (or --stack NAME)");
  }
  return deployedQueues(options) ? showDeployed(options, io) : showLocal(options, io);
}

export const run: CommandRun = (args, options, io) => dlq(args, options, io);
