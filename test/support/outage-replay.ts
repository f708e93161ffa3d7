// A DynamoDB outage of hours, replayed in simulated time through the real local SQS queue and the
// real classifier handler: how long an outage can last before a good record reaches the DLQ.
//
// The method: messages, receives and visibility are the local SQS server's; time is simulated. When
// the handler holds a failed record back for d seconds (ChangeMessageVisibility), the record is
// hidden for real and its due time is noted on a simulated clock; when nothing is visible, the clock
// jumps to the earliest due time and those records are made visible again. DynamoDB fails every
// request while the simulated clock is inside the outage. So twelve simulated hours take seconds.
// The replay counts each message's receives and moves it to the DLQ when a receive would exceed
// maxReceiveCount, as SQS does: local-aws-sqs counts a visibility change as a receive too, so its
// own move (set out of reach here) would come after fewer receives than SQS's.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Message } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { localClientConfig } from "../../cli/local/aws-clients.ts";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { drainQueue, queueCounts, sendMessages, sqsRecordOf, startLocalQueues } from "../../cli/local/sqs.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createSqsRecordRetry, type RecordRetry } from "../../functions/adapters/sqs-record-retry.ts";
import { createHandler } from "../../functions/classifier.ts";
import { DEFAULT_POLICY, type PolicyConfig, policyConfig } from "../../functions/core/policy.ts";
import { DEFAULT_RECORD_RETRY, type RecordRetrySchedule } from "../../functions/core/record-retry.ts";
import { buildModel, differencesOf } from "./feedback-model.ts";
import { type FeedbackStreamOptions, generateFeedbackStream } from "./feedback-stream.ts";
import { lambdaContext } from "./lambda-context.ts";

export interface OutageOptions {
  /** Kept small: every record is received up to maxReceiveCount times. */
  readonly stream: FeedbackStreamOptions;
  /** How long DynamoDB fails every request, from the moment the stream is sent. */
  readonly outageSeconds: number;
  /** @default DEFAULT_RECORD_RETRY, the stack's */
  readonly schedule?: RecordRetrySchedule;
  /** Move what reached the DLQ back to the queue afterwards (as `bounce-guard redrive` does) and apply it. */
  readonly redrive?: boolean;
}

export interface OutageReport {
  readonly outageHours: number;
  readonly messages: number;
  readonly poison: number;
  /** Good records in the DLQ once the queue was empty. */
  readonly goodRecordsDeadLettered: number;
  readonly poisonDeadLettered: number;
  /** Good records moved back from the DLQ (with `redrive`). */
  readonly redriven: number;
  /** Addresses whose stored state differs from the model at the end (after the redrive, if any). */
  readonly mismatchedAddresses: number;
  readonly receives: number;
  /** Simulated hours from the first send until the queue was empty. */
  readonly simulatedHours: number;
}

const REAL_HIDE_SECONDS = 43_200;
const BATCH = 10;

function outageError(): Error {
  return Object.assign(new Error("Injected: DynamoDB is unavailable"), { name: "ServiceUnavailable" });
}

export async function runOutage(options: OutageOptions): Promise<OutageReport> {
  const schedule = options.schedule ?? DEFAULT_RECORD_RETRY;
  const policy: PolicyConfig = policyConfig({ ...DEFAULT_POLICY, historyLimit: 200 });
  const stream = generateFeedbackStream(options.stream);
  const poisonBodies = new Set(stream.messages.filter((m) => m.kind === "poison").map((m) => m.body));
  const model = buildModel(stream.messages.filter((m) => m.kind !== "poison").map((m) => m.body));
  const start = options.stream.end.getTime();
  let simulated = start;
  const outageEnds = start + options.outageSeconds * 1000;

  const dynamo = await startLocalDynamoDb();
  // The replay moves messages to the DLQ itself (see above); the emulator's own limit stays out of reach.
  const queues = await startLocalQueues({ maxReceiveCount: 1_000, visibilityTimeoutSeconds: 30 });
  const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  // Outside the SDK's retries: a request inside the outage fails at once, as after its retries.
  client.middlewareStack.add(
    (next) => async (args) => {
      if (simulated < outageEnds) throw outageError();
      return next(args);
    },
    { step: "initialize", name: "simulatedOutage" },
  );
  try {
    const real = createSqsRecordRetry(queues.client, queues.queueUrl, queues.deadLetterQueueUrl);
    const held = new Map<string, { receiptHandle: string; dueAt: number }>();
    const simulatedRetry: RecordRetry = {
      async delay(records) {
        await real.delay(records.map(({ record }) => ({ record, seconds: REAL_HIDE_SECONDS })));
        for (const { record, seconds } of records) {
          held.set(record.messageId, {
            receiptHandle: record.receiptHandle,
            dueAt: simulated + seconds * 1000,
          });
        }
      },
      deadLetter: (records) => real.deadLetter(records),
    };
    const handler = createHandler({
      store: new DynamoDbSuppressionStore(client, dynamo.tableName, policy),
      logger: silentLogger,
      metrics: createEmfMetrics("BounceGuardOutage", () => {}),
      now: () => new Date(simulated),
      recordRetry: simulatedRetry,
      retrySchedule: schedule,
      // Every delay at the jitter's shortest: the worst case, and records received together stay together.
      random: () => 0,
    });
    let receives = 0;
    const receiveCounts = new Map<string, number>();

    /** Work the queue until it is empty, jumping the clock to the next held record whenever nothing is visible. */
    const work = async () => {
      for (;;) {
        const received = await queues.wire.call<{ Messages?: Message[] }>("ReceiveMessage", {
          QueueUrl: queues.queueUrl,
          MaxNumberOfMessages: BATCH,
          WaitTimeSeconds: 0,
        });
        const handedOut = received.Messages ?? [];
        if (handedOut.length > 0) {
          receives += handedOut.length;
          const counted = handedOut.map((message) => {
            const count = (receiveCounts.get(message.MessageId ?? "") ?? 0) + 1;
            receiveCounts.set(message.MessageId ?? "", count);
            return { message, count };
          });
          // SQS moves a message to the DLQ instead of handing it out past maxReceiveCount.
          const exhausted = counted.filter(({ count }) => count > schedule.maxReceiveCount);
          for (const { message } of exhausted) {
            await sendMessages({ ...queues, queueUrl: queues.deadLetterQueueUrl }, [
              { body: message.Body ?? "" },
            ]);
            await queues.wire.call("DeleteMessage", {
              QueueUrl: queues.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
            });
          }
          const live = counted.filter(({ count }) => count <= schedule.maxReceiveCount);
          if (live.length === 0) continue;
          const messages = live.map(({ message }) => message);
          const event: SQSEvent = {
            Records: live.map(({ message, count }) => sqsRecordOf(message, queues.queueArn, count)),
          };
          const response = await handler(event, lambdaContext());
          const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
          const done = messages.filter((message) => !failed.has(message.MessageId ?? ""));
          if (done.length > 0) {
            await queues.wire.call("DeleteMessageBatch", {
              QueueUrl: queues.queueUrl,
              Entries: done.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            });
          }
          continue;
        }
        if (held.size > 0) {
          simulated = Math.max(simulated, Math.min(...[...held.values()].map((entry) => entry.dueAt)));
          const due = [...held].filter(([, entry]) => entry.dueAt <= simulated);
          for (const [messageId] of due) held.delete(messageId);
          for (let index = 0; index < due.length; index += BATCH) {
            await queues.wire.call("ChangeMessageVisibilityBatch", {
              QueueUrl: queues.queueUrl,
              Entries: due.slice(index, index + BATCH).map(([, entry], position) => ({
                Id: String(position),
                ReceiptHandle: entry.receiptHandle,
                VisibilityTimeout: 0,
              })),
            });
          }
          continue;
        }
        const { visible, hidden, delayed } = await queueCounts(queues);
        if (visible + hidden + delayed === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    await sendMessages(
      queues,
      stream.messages.map(({ body }) => ({ body })),
      4,
    );
    await work();
    const simulatedMs = simulated - start;
    const deadLetters = await drainQueue(queues, queues.deadLetterQueueUrl);
    const good = deadLetters.filter((message) => !poisonBodies.has(message.Body ?? ""));
    if (options.redrive === true && good.length > 0) {
      await sendMessages(
        queues,
        good.map((message) => ({ body: message.Body ?? "" })),
      );
      await work();
    }
    const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, policy);
    const now = new Date(simulated);
    const mismatched = new Set<string>();
    for (const [address, expected] of model.states) {
      if (differencesOf(address, await store.get(address), expected, policy, now).length > 0)
        mismatched.add(address);
    }
    return {
      outageHours: options.outageSeconds / 3_600,
      messages: stream.messages.length,
      poison: poisonBodies.size,
      goodRecordsDeadLettered: good.length,
      poisonDeadLettered: deadLetters.length - good.length,
      redriven: options.redrive === true ? good.length : 0,
      mismatchedAddresses: mismatched.size,
      receives,
      simulatedHours: Math.round((simulatedMs / 3_600_000) * 100) / 100,
    };
  } finally {
    client.destroy();
    await queues.close();
    await dynamo.close();
  }
}

/**
 * The longest outage, in hours to `precisionHours`, after which no good record is in the DLQ:
 * outages are replayed by bisection between none and `maxHours` (longer ones only dead-letter more).
 */
export async function longestOutageSurvived(
  options: Omit<OutageOptions, "outageSeconds" | "redrive"> & {
    readonly maxHours: number;
    readonly precisionHours: number;
  },
): Promise<{ readonly hours: number; readonly replays: readonly OutageReport[] }> {
  const replays: OutageReport[] = [];
  const survives = async (hours: number) => {
    const report = await runOutage({ ...options, outageSeconds: Math.round(hours * 3_600) });
    replays.push(report);
    return report.goodRecordsDeadLettered === 0;
  };
  if (await survives(options.maxHours)) return { hours: options.maxHours, replays };
  let low = 0;
  let high = options.maxHours;
  while (high - low > options.precisionHours) {
    const middle = Math.round(((low + high) / 2) * 100) / 100;
    if (await survives(middle)) low = middle;
    else high = middle;
  }
  return { hours: low, replays };
}
