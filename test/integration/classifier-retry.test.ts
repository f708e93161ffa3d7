import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localClientConfig } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { drainQueue, pumpQueue, queueDepth, sendMessages, startLocalQueues } from "../../cli/local/sqs.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { failureKindOf } from "../../functions/adapters/failure-kind.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createSqsRecordRetry, type RecordRetry } from "../../functions/adapters/sqs-record-retry.ts";
import { createHandler } from "../../functions/classifier.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { at, DAY_SECONDS, instant, sesBounce, uniqueAddress } from "../fixtures/scenarios/feedback.ts";
import { lambdaContext } from "../support/lambda-context.ts";

const NOW = instant(DAY_SECONDS);

let dynamo: LocalDynamoDb;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await dynamo.close();
});

/** A store whose writes for `address` fail with `error` the first `times` times. */
function storeFailingFor(address: string, error: Error, times: number): DynamoDbSuppressionStore {
  const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  clients.push(client);
  let failures = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (failures < times && JSON.stringify(args.input).includes(address)) {
        failures += 1;
        throw error;
      }
      return next(args);
    },
    { step: "initialize", name: "failOneAddress" },
  );
  return new DynamoDbSuppressionStore(client, dynamo.tableName, DEFAULT_POLICY);
}

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe("the classifier's failed records, through the local SQS queue", () => {
  it("sends poison to the DLQ at its first receive, with its error, and applies the good records beside it", async () => {
    // Prepare: the stack's kind of redrive setting, many receives before SQS would move anything.
    const queues = await startLocalQueues({ maxReceiveCount: 22, visibilityTimeoutSeconds: 1 });
    try {
      const good = Array.from({ length: 4 }, () => uniqueAddress("beside-poison"));
      const bodies = [
        JSON.stringify(snsEnvelopeOf(sesBounce({ address: good[0] ?? "", at: at(0) }))),
        "{not json",
        ...good.slice(1).map((address) => JSON.stringify(snsEnvelopeOf(sesBounce({ address, at: at(0) })))),
      ];
      await sendMessages(
        queues,
        bodies.map((body) => ({ body })),
      );
      const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY);
      const handler = createHandler({
        store,
        logger: silentLogger,
        metrics: createEmfMetrics("BounceGuardTest", () => {}),
        now: () => NOW,
        recordRetry: createSqsRecordRetry(queues.client, queues.queueUrl, queues.deadLetterQueueUrl),
      });

      // Act
      const pumped = await pumpQueue(queues, (event) => handler(event, lambdaContext()), {
        deadlineMs: 15_000,
      });
      const deadLetters = await drainQueue(queues, queues.deadLetterQueueUrl);
      const states = await Promise.all(good.map((address) => store.get(address)));

      // Assess
      expect(pumped.receives).toBe(bodies.length);
      expect(deadLetters.map((message) => message.Body)).toEqual(["{not json"]);
      expect(deadLetters[0]?.MessageAttributes?.error?.StringValue).toMatch(/JSON/);
      expect(states.map((state) => state?.suppression?.by)).toEqual(good.map(() => "hard"));
      expect(await queueDepth(queues)).toBe(0);
    } finally {
      await queues.close();
    }
  });

  it("holds a record that failed for a transient reason back for a growing delay, then applies it", async () => {
    // Prepare: the first two writes for one address are throttled.
    const queues = await startLocalQueues({ maxReceiveCount: 22, visibilityTimeoutSeconds: 30 });
    try {
      const address = uniqueAddress("throttled");
      const store = storeFailingFor(
        address,
        named("ProvisionedThroughputExceededException", "Injected: throughput exceeded"),
        2,
      );
      const retry = createSqsRecordRetry(queues.client, queues.queueUrl, queues.deadLetterQueueUrl);
      const delays: [number, number][] = [];
      const recording: RecordRetry = {
        delay: async (records) => {
          for (const { record, seconds } of records) {
            delays.push([Number(record.attributes.ApproximateReceiveCount), seconds]);
          }
          return retry.delay(records);
        },
        deadLetter: (records) => retry.deadLetter(records),
      };
      const handler = createHandler({
        store,
        logger: silentLogger,
        metrics: createEmfMetrics("BounceGuardTest", () => {}),
        now: () => NOW,
        recordRetry: recording,
        retrySchedule: { firstDelaySeconds: 1, maxDelaySeconds: 60, maxReceiveCount: 22, jitter: 0 },
      });
      await sendMessages(queues, [
        { body: JSON.stringify(snsEnvelopeOf(sesBounce({ address, at: at(0) }))) },
      ]);

      // Act: without the delays the record would wait out the queue's 30 s visibility timeout.
      const started = Date.now();
      const pumped = await pumpQueue(queues, (event) => handler(event, lambdaContext()), {
        deadlineMs: 20_000,
      });
      const elapsedMs = Date.now() - started;
      const deadLetters = await drainQueue(queues, queues.deadLetterQueueUrl);

      // Assess
      expect(delays).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect(pumped.receives).toBe(3);
      expect(elapsedMs).toBeGreaterThanOrEqual(2_500);
      expect(elapsedMs).toBeLessThan(15_000);
      expect(deadLetters).toEqual([]);
      expect((await store.get(address))?.suppression?.by).toBe("hard");
    } finally {
      await queues.close();
    }
  });
});

describe("telling transient failures from poison", () => {
  it.each([
    ["ProvisionedThroughputExceededException", "transient"],
    ["ThrottlingException", "transient"],
    ["TimeoutError", "transient"],
    ["InternalServerError", "transient"],
    ["AccessDeniedException", "transient"],
    ["SomethingNewException", "transient"],
    ["ValidationException", "poison"],
    ["SerializationException", "poison"],
  ])("takes %s as %s", (name, kind) => {
    expect(failureKindOf(named(name, "x"))).toBe(kind);
  });
});
