// A real local SQS queue with its DLQ (local-aws-sqs), and a poller that feeds the handler the
// same SQS events Lambda's event source mapping would, including partial batch failures.
import { createHash } from "node:crypto";
import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateQueueCommand, GetQueueAttributesCommand, type Message, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { LOCAL_REGION, localClientConfig, quietSdkWarnings } from "./aws-clients.ts";
import { loadOptional } from "./optional-dependency.ts";

export interface LocalQueues {
  /** The SDK's client, for what a test or an ops command does with the queues. */
  readonly client: SQSClient;
  /** The poller's and the feed's calls (see `LocalSqsWire`). */
  readonly wire: LocalSqsWire;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  close(): Promise<void>;
}

export interface LocalQueueOptions {
  /** Receives before a message moves to the DLQ (the stack uses 5). */
  readonly maxReceiveCount?: number;
  /** Seconds a received message stays hidden; short locally so retries come quickly. */
  readonly visibilityTimeoutSeconds?: number;
}

const CONNECTION_ATTEMPTS = 3;
const RETRIED_CONNECTION_ERRORS = new Set(["ECONNRESET", "EPIPE"]);

/**
 * The SQS JSON protocol (AWS JSON 1.0) spoken straight to the local server over kept-alive
 * connections: what the local replays' poller and feed call hundreds of times a second. These
 * calls stand in for the Lambda service's poller and for SNS, not for code of ours that runs in
 * AWS, so they skip the SDK's per-request work (endpoint rules, signing, the middleware stack): a
 * receive of ten messages took about 2.0 ms of CPU here through the SDK and 0.8 ms this way. The
 * queue semantics (visibility, receive counts, the redrive to the DLQ) are the server's either way.
 */
export class LocalSqsWire {
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(endpoint: string) {
    this.url = new URL(endpoint);
  }

  /**
   * One call; an error response rejects with the server's error type and message. A connection
   * the server closed under a request (a kept-alive socket it let go as the request went out, or
   * a reset under load) is tried again on a fresh one, up to `CONNECTION_ATTEMPTS` times, as the
   * SDK does.
   */
  async call<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.send<T>(operation, body);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= CONNECTION_ATTEMPTS || code === undefined || !RETRIED_CONNECTION_ERRORS.has(code)) {
          throw error;
        }
      }
    }
  }

  private send<T>(operation: string, body: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const outgoing = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method: "POST",
          path: "/",
          agent: this.agent,
          headers: {
            "content-type": "application/x-amz-json-1.0",
            "x-amz-target": `AmazonSQS.${operation}`,
            "content-length": Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = response.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = text === "" ? {} : JSON.parse(text);
            } catch {
              reject(
                new Error(
                  `local SQS ${operation}: HTTP ${status}, a body that is not JSON: ${text.slice(0, 200)}`,
                ),
              );
              return;
            }
            if (status >= 200 && status < 300) {
              resolve(parsed as T);
              return;
            }
            const { __type: type, message } = (parsed ?? {}) as { __type?: string; message?: string };
            // "com.amazonaws.sqs#QueueDoesNotExist" names the error by what follows the "#".
            const name = type?.split("#").pop() ?? "an error";
            reject(
              new Error(`local SQS ${operation}: HTTP ${status} ${name}: ${message ?? text.slice(0, 200)}`),
            );
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

async function arnOf(client: SQSClient, queueUrl: string): Promise<string> {
  const result = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = result.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`local SQS returned no ARN for ${queueUrl}`);
  return arn;
}

/** Start a local SQS server (local-aws-sqs) on a free port of 127.0.0.1. */
export async function startLocalSqsServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { createSqsServer } = await loadOptional("local-aws-sqs", () => import("local-aws-sqs"));
  const server = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The feedback queue and its DLQ on a local SQS server at `endpoint`; `close` also runs `onClose`. */
export async function connectLocalQueues(
  endpoint: string,
  options: LocalQueueOptions = {},
  onClose: () => Promise<void> = async () => {},
): Promise<LocalQueues> {
  quietSdkWarnings();
  // Nothing adds middleware to this client, so its stack is resolved once per command.
  const client = new SQSClient({ ...localClientConfig(endpoint), cacheMiddleware: true });
  const dlq = await client.send(new CreateQueueCommand({ QueueName: "bounce-guard-dlq" }));
  if (dlq.QueueUrl === undefined) throw new Error("local SQS did not create the DLQ");
  const dlqArn = await arnOf(client, dlq.QueueUrl);
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: "bounce-guard-feedback",
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 1),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  if (queue.QueueUrl === undefined) throw new Error("local SQS did not create the queue");
  const wire = new LocalSqsWire(endpoint);
  return {
    client,
    wire,
    queueUrl: queue.QueueUrl,
    queueArn: await arnOf(client, queue.QueueUrl),
    deadLetterQueueUrl: dlq.QueueUrl,
    close: async () => {
      client.destroy();
      wire.close();
      await onClose();
    },
  };
}

/** A local SQS server in this process with the feedback queue and its DLQ. */
export async function startLocalQueues(options: LocalQueueOptions = {}): Promise<LocalQueues> {
  const server = await startLocalSqsServer();
  return connectLocalQueues(server.endpoint, options, server.close);
}

export interface OutgoingMessage {
  readonly body: string;
  /** Travels as the message attribute "label", for people reading the local run. */
  readonly label?: string;
}

async function sendBatch(queues: LocalQueues, batch: readonly OutgoingMessage[]): Promise<void> {
  const entries = batch.map((message, index) => ({
    Id: String(index),
    MessageBody: message.body,
    ...(message.label !== undefined
      ? { MessageAttributes: { label: { DataType: "String", StringValue: message.label } } }
      : {}),
  }));
  const result = await queues.wire.call<{ Failed?: { Message?: string }[] }>("SendMessageBatch", {
    QueueUrl: queues.queueUrl,
    Entries: entries,
  });
  if (result.Failed !== undefined && result.Failed.length > 0) {
    throw new Error(`local SQS refused ${result.Failed.length} messages: ${result.Failed[0]?.Message ?? ""}`);
  }
}

/**
 * Send messages in batches of ten (the SQS limit), `concurrency` batches at once. With the default
 * of one, the queue holds them in the order given; with more, as SNS delivers to a queue in
 * parallel, neighbouring batches can land in either order.
 */
export async function sendMessages(
  queues: LocalQueues,
  messages: readonly OutgoingMessage[],
  concurrency = 1,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const start = next;
      next += 10;
      await sendBatch(queues, messages.slice(start, start + 10));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

/** The record Lambda builds from an SQS message. */
export function sqsRecordOf(message: Message, queueArn: string, receiveCount: number): SQSRecord {
  const body = message.Body ?? "";
  const now = String(Date.now());
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body,
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? String(receiveCount),
      SentTimestamp: message.Attributes?.SentTimestamp ?? now,
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          stringValue: value.StringValue,
          dataType: value.DataType ?? "String",
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? createHash("md5").update(body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

export interface QueueCounts {
  /** Messages a receive can get now. */
  readonly visible: number;
  /** Messages received and not yet deleted: in flight, or waiting out their visibility timeout. */
  readonly hidden: number;
  /**
   * Messages sent and not yet available. local-aws-sqs holds every new message until a timer of its
   * delay has fired, a delay of 0 included, so a message sent a moment ago can be here.
   */
  readonly delayed: number;
}

/**
 * The local queue's counts. local-aws-sqs reports every message that is not delayed as
 * ApproximateNumberOfMessages, hidden ones included (AWS counts only those available to a receive),
 * and the hidden ones again as ApproximateNumberOfMessagesNotVisible; its own message-move task
 * subtracts the two the same way.
 */
export async function queueCounts(queues: LocalQueues, queueUrl = queues.queueUrl): Promise<QueueCounts> {
  const result = await queues.wire.call<{ Attributes?: Record<string, string> }>("GetQueueAttributes", {
    QueueUrl: queueUrl,
    AttributeNames: [
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
    ],
  });
  const all = Number(result.Attributes?.ApproximateNumberOfMessages ?? 0);
  const hidden = Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  const delayed = Number(result.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0);
  return { visible: Math.max(0, all - hidden), hidden, delayed };
}

/** Every message still on the queue: visible, hidden or delayed. */
export async function queueDepth(queues: LocalQueues, queueUrl = queues.queueUrl): Promise<number> {
  const { visible, hidden, delayed } = await queueCounts(queues, queueUrl);
  return visible + hidden + delayed;
}

/** Receive every message on a queue, hiding each for the rest of the run: for checks after a run. */
export async function drainQueue(queues: LocalQueues, queueUrl: string): Promise<Message[]> {
  const drained: Message[] = [];
  for (;;) {
    const received = await queues.wire.call<{ Messages?: Message[] }>("ReceiveMessage", {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ["All"],
      VisibilityTimeout: 3_600,
    });
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      // A message sent (or moved to a DLQ) a moment ago can still be held back by the emulator.
      const { visible, delayed } = await queueCounts(queues, queueUrl);
      if (visible + delayed === 0) return drained;
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    drained.push(...messages);
  }
}

/**
 * Receives per message, shared by every poller of a queue, for the records' ApproximateReceiveCount:
 * local-aws-sqs does not return it to a receive that asks with the current parameter name, and
 * counts a visibility change as a receive where SQS does not (its own move to the DLQ uses that count).
 */
const RECEIVE_COUNTS = new WeakMap<LocalQueues, Map<string, number>>();

function receiveCountsOf(queues: LocalQueues): Map<string, number> {
  let counts = RECEIVE_COUNTS.get(queues);
  if (counts === undefined) {
    counts = new Map();
    RECEIVE_COUNTS.set(queues, counts);
  }
  return counts;
}

export interface PumpReport {
  readonly batches: number;
  readonly receives: number;
  readonly deleted: number;
}

/**
 * Poll the queue like Lambda's event source mapping: batches of up to `batchSize`, the handler's
 * batchItemFailures stay on the queue (visible again after the visibility timeout, then moved to
 * the DLQ by SQS itself), everything else is deleted. Returns when the queue is empty; bounded by
 * `deadlineMs` so a fault can never hang the caller.
 */
export async function pumpQueue(
  queues: LocalQueues,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: {
    batchSize?: number;
    deadlineMs?: number;
    /** While true, an empty queue means "wait for more", not "done": someone is still sending. */
    moreComing?: () => boolean;
  } = {},
): Promise<PumpReport> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const receiveCounts = receiveCountsOf(queues);
  let batches = 0;
  let receives = 0;
  let deleted = 0;
  while (Date.now() < deadline) {
    const received = await queues.wire.call<{ Messages?: Message[] }>("ReceiveMessage", {
      QueueUrl: queues.queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    });
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      if (options.moreComing?.() !== true && (await queueDepth(queues)) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    batches += 1;
    receives += messages.length;
    const records = messages.map((message) => {
      const id = message.MessageId ?? "";
      const count = (receiveCounts.get(id) ?? 0) + 1;
      receiveCounts.set(id, count);
      return sqsRecordOf(message, queues.queueArn, count);
    });
    let failedIds: Set<string>;
    try {
      const response = await handler({ Records: records });
      failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      // A thrown handler fails the whole batch, exactly as with Lambda.
      failedIds = new Set(records.map((record) => record.messageId));
    }
    const done = messages.filter((message) => !failedIds.has(message.MessageId ?? ""));
    if (done.length > 0) {
      await queues.wire.call("DeleteMessageBatch", {
        QueueUrl: queues.queueUrl,
        Entries: done.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? "",
        })),
      });
      deleted += done.length;
    }
  }
  return { batches, receives, deleted };
}
