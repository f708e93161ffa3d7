// What the classifier asks of SQS about the records it could not apply: hold a transiently failed
// record back for a while, or send a poison record to the DLQ at once.
import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

/** The port: both calls take every record of one batch at once. */
export interface RecordRetry {
  /** Make each record visible again only after its delay (ChangeMessageVisibility). */
  delay(records: readonly { readonly record: SQSRecord; readonly seconds: number }[]): Promise<void>;
  /**
   * Send each poison record to the DLQ with why it failed; resolves to the message ids that are
   * there now (the others stay failed records, and SQS moves them after their receives).
   */
  deadLetter(
    records: readonly { readonly record: SQSRecord; readonly error: string }[],
  ): Promise<Set<string>>;
}

/** SQS's batch limit. */
const BATCH_ENTRIES = 10;
/** A message attribute's value is capped; the error is for people, so its start is enough. */
const ERROR_ATTRIBUTE_LIMIT = 1_000;

function chunksOf<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += BATCH_ENTRIES) {
    chunks.push(items.slice(start, start + BATCH_ENTRIES));
  }
  return chunks;
}

export function createSqsRecordRetry(
  client: Pick<SQSClient, "send">,
  queueUrl: string,
  deadLetterQueueUrl: string,
): RecordRetry {
  return {
    async delay(records) {
      for (const chunk of chunksOf(records)) {
        await client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map(({ record, seconds }, index) => ({
              Id: String(index),
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        );
      }
    },
    async deadLetter(records) {
      const sent = new Set<string>();
      for (const chunk of chunksOf(records)) {
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: deadLetterQueueUrl,
            Entries: chunk.map(({ record, error }, index) => ({
              Id: String(index),
              MessageBody: record.body,
              MessageAttributes: {
                error: {
                  DataType: "String",
                  StringValue: error.slice(0, ERROR_ATTRIBUTE_LIMIT) || "unknown",
                },
                sourceMessageId: { DataType: "String", StringValue: record.messageId || "unknown" },
              },
            })),
          }),
        );
        for (const success of result.Successful ?? []) {
          const record = chunk[Number(success.Id)]?.record;
          if (record !== undefined) sent.add(record.messageId);
        }
      }
      return sent;
    },
  };
}
