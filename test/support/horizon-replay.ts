// Feedback over two months, handled the day it happened with the default history limit, and copies
// of some messages delivered again one to fourteen days later (a DLQ redrive, an SNS redelivery):
// the store must trim its histories and still recognise every late copy, and answer as the model
// over the distinct events does.
//
// The method: the stream's messages are handled in the order their events happened, each at its
// event's time plus a minute (the clock the store and the policy see advances with them), in batches
// of ten through the classifier; a late copy is handled at its own, later time. The table is then
// compared with the pure model of the distinct events at the end.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localClientConfig } from "../../cli/local/aws-clients.ts";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { sqsRecordOf } from "../../cli/local/sqs.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { parseNotification } from "../../functions/core/parse.ts";
import { assess, COUNTERS, DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";
import { answerOf, buildModel, type Difference } from "./feedback-model.ts";
import { type FeedbackStreamOptions, generateFeedbackStream } from "./feedback-stream.ts";
import { hash32, seededRandom } from "./seeded-random.ts";

export interface HorizonOptions {
  readonly stream: FeedbackStreamOptions;
  /** Share of the good messages delivered once more, 1 to 14 days after they were handled. */
  readonly lateCopyRate: number;
}

export interface HorizonReport {
  readonly messages: number;
  readonly lateCopies: number;
  /** Late copies whose event had been trimmed from the history by the time they came. */
  readonly lateCopiesOfTrimmedEvents: number;
  /** Addresses whose history was trimmed at least once. */
  readonly trimmedAddresses: number;
  readonly differences: readonly Difference[];
  readonly mismatchedAddresses: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** When a message's events happened: its latest recipient event (unreadable bodies: never). */
function eventTimeOf(body: string): number | undefined {
  const parsed = parseNotification(body);
  if (parsed.kind !== "notification") return undefined;
  const times = verdictsOf(parsed.notification).map((verdict) => Date.parse(verdict.timestamp));
  const latest = Math.max(...times.filter((time) => !Number.isNaN(time)));
  return Number.isFinite(latest) ? latest : undefined;
}

export async function runHorizonReplay(options: HorizonOptions): Promise<HorizonReport> {
  const stream = generateFeedbackStream(options.stream);
  const good = stream.messages.filter((message) => message.kind !== "poison").map(({ body }) => body);
  const model = buildModel(good);
  const random = seededRandom(options.stream.seed + 1);
  const deliveries: { body: string; at: number; late: boolean }[] = [];
  for (const body of good) {
    const at = eventTimeOf(body);
    if (at === undefined) continue;
    deliveries.push({ body, at: at + MINUTE_MS, late: false });
    if (random.chance(options.lateCopyRate)) {
      deliveries.push({ body, at: at + MINUTE_MS + random.integer(1, 14) * DAY_MS, late: true });
    }
  }
  deliveries.sort((a, b) => a.at - b.at);

  const dynamo = await startLocalDynamoDb();
  const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  let now = 0;
  const store = new DynamoDbSuppressionStore(client, dynamo.tableName, DEFAULT_POLICY);
  const classifier = createClassifier({
    store,
    logger: silentLogger,
    metrics: createEmfMetrics("BounceGuardHorizon", () => {}),
    now: () => new Date(now),
  });
  const trimmedIds = new Set<string>();
  const trimmedAddresses = new Set<string>();
  let lateCopiesOfTrimmedEvents = 0;
  try {
    for (let start = 0; start < deliveries.length; start += 10) {
      const batch = deliveries.slice(start, start + 10);
      now = Math.max(...batch.map((delivery) => delivery.at));
      const records = batch.map(({ body }) =>
        sqsRecordOf(
          { MessageId: `horizon-${hash32(`${start}:${body}`)}`, Body: body, ReceiptHandle: "r" },
          "arn",
          1,
        ),
      );
      for (const delivery of batch) {
        if (!delivery.late) continue;
        const ids = model.expectedEvents.get(delivery.body) ?? [];
        if (ids.some((event) => trimmedIds.has(event.eventId.slice(0, 12)))) lateCopiesOfTrimmedEvents += 1;
      }
      const { outcomes } = await classifier.processEvent({ Records: records });
      for (const outcome of outcomes) {
        if (outcome.kind === "failed") throw new Error(`a good message failed: ${outcome.error}`);
      }
      // Which events the histories no longer hold, so late copies of them can be told apart.
      for (const outcome of outcomes) {
        if (outcome.kind !== "applied") continue;
        for (const { verdict } of outcome.recipients) {
          const state = await store.get(verdict.address);
          if (state === undefined || (state.retiredIds ?? "") === "") continue;
          trimmedAddresses.add(state.address);
          const kept = new Set(state.history.map((entry) => entry.id));
          for (const event of model.states.get(state.address)?.history ?? []) {
            const id = event.id.slice(0, 12);
            if (!kept.has(id)) trimmedIds.add(id);
          }
        }
      }
    }
    const end = new Date(now + DAY_MS);
    const differences: Difference[] = [];
    for (const [address, expected] of model.states) {
      const stored = await store.get(address);
      const add = (field: string, table: unknown, modelValue: unknown) => {
        if (JSON.stringify(table) !== JSON.stringify(modelValue)) {
          differences.push({ address, field, table, model: modelValue });
        }
      };
      const storedAnswer = answerOf(assess(stored, DEFAULT_POLICY, end));
      for (const [field, value] of Object.entries(answerOf(assess(expected, DEFAULT_POLICY, end)))) {
        add(field, storedAnswer[field], value);
      }
      for (const counter of COUNTERS)
        add(`counts.${counter}`, stored?.counts[counter], expected.counts[counter]);
    }
    return {
      messages: deliveries.length,
      lateCopies: deliveries.filter((delivery) => delivery.late).length,
      lateCopiesOfTrimmedEvents,
      trimmedAddresses: trimmedAddresses.size,
      differences,
      mismatchedAddresses: new Set(differences.map((difference) => difference.address)).size,
    };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}
