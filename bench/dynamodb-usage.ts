// DynamoDB requests and capacity units of the intake path and the pre-send check, counted on the
// SDK client while a realistic mix is replayed through the classifier.
import { BatchGetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION, localClientConfig } from "../cli/local/aws-clients.ts";
import { startLocalDynamoDb } from "../cli/local/dynamodb.ts";
import { countRequests } from "../cli/local/request-counter.ts";
import { sqsRecordOf } from "../cli/local/sqs.ts";
import { DynamoDbSuppressionStore } from "../functions/adapters/dynamodb-store.ts";
import { createLogger, silentLogger } from "../functions/adapters/logger.ts";
import { createEmfMetrics } from "../functions/adapters/metrics.ts";
import { createClassifier } from "../functions/classifier.ts";
import { normaliseAddress } from "../functions/core/address.ts";
import { PLAIN_KEYS } from "../functions/core/address-key.ts";
import { DEFAULT_CHECKS, validateAddress } from "../functions/core/address-validation.ts";
import { parseNotification } from "../functions/core/parse.ts";
import { DEFAULT_POLICY, decide } from "../functions/core/policy.ts";
import { DEFAULT_RETRY_WINDOW } from "../functions/core/retry-window.ts";
import { verdictsOf } from "../functions/core/verdicts.ts";
import { createPresendCheck } from "../functions/presend-check.ts";
import { sesDelivery } from "../test/fixtures/scenarios/feedback.ts";
import { generateFeedbackStream } from "../test/support/feedback-stream.ts";
import { median, round } from "./statistics.ts";

const READ_COMMANDS = new Set(["GetItemCommand", "BatchGetItemCommand", "QueryCommand", "ScanCommand"]);
const WRITE_COMMANDS = new Set(["UpdateItemCommand", "PutItemCommand", "DeleteItemCommand"]);
const QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:bounce-guard-feedback`;

interface CapacityMeter {
  writeUnits: number;
  readUnits: number;
  /** Conditional writes DynamoDB refused (duplicates): billed too, but dynalite reports no units for them. */
  failedConditionalWrites: number;
  reset(): void;
}

/**
 * Ask DynamoDB (here dynalite, which computes units the way DynamoDB bills them: the larger of the
 * item before and after, per started KB written or 4 KB read) to return consumed capacity.
 */
function meterCapacity(client: DynamoDBClient): CapacityMeter {
  const meter: CapacityMeter = {
    writeUnits: 0,
    readUnits: 0,
    failedConditionalWrites: 0,
    reset() {
      meter.writeUnits = 0;
      meter.readUnits = 0;
      meter.failedConditionalWrites = 0;
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? "");
      const metered = READ_COMMANDS.has(command) || WRITE_COMMANDS.has(command);
      if (metered) (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "TOTAL";
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : [consumed]).reduce(
          (sum: number, entry) =>
            sum + Number((entry as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0),
          0,
        );
        if (WRITE_COMMANDS.has(command)) meter.writeUnits += units;
        else if (READ_COMMANDS.has(command)) meter.readUnits += units;
        return result;
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") meter.failedConditionalWrites += 1;
        throw error;
      }
    },
    { step: "initialize", name: "benchCapacityMeter" },
  );
  return meter;
}

export interface DynamoDbUsage {
  readonly notifications: number;
  readonly duplicateMessages: number;
  readonly recipientEvents: number;
  readonly requests: number;
  readonly requestsPerRecipientEvent: number;
  readonly requestsPerNotification: number;
  readonly breakdown: Readonly<Record<string, number>>;
  /** Reads while replaying the stream's first copies: the intake path for non-duplicates. */
  readonly intakeReads: number;
  /** Reads while replaying the duplicates (a soft-bounce duplicate re-reads the item). */
  readonly duplicateReads: number;
  /** Retry windows the replay opened (one StartExecution each, not a DynamoDB request). */
  readonly windowStarts: number;
  /** Windows a delivery or suppression closed (one StopExecution each). */
  readonly windowStops: number;
  readonly writeUnitsPerRecipientEvent: number;
  readonly writeUnitsPerNotification: number;
  readonly readUnitsPerNotification: number;
  readonly failedConditionalWrites: number;
  readonly medianBatchMs: number;
  readonly logBytesPerNotification: number;
  readonly steadyState: {
    readonly events: number;
    readonly requestsPerEvent: number;
    readonly writeUnitsPerEvent: number;
    readonly historyLimit: number;
  };
  readonly presend: {
    /** CPU time of the default validations (syntax, disposable, typo) per address, in microseconds. */
    readonly validationMicrosecondsPerAddress: number;
    /** The whole check of 1,000 addresses over a bare BatchGetItem loop over the same keys (medians). */
    readonly endToEndRatioVsBatchGet: number;
    readonly endToEndMs: number;
    readonly bareBatchGetMs: number;
    readonly requestsFor100: number;
    readonly requestsFor1000: number;
    readonly requestsPer100Addresses: number;
  };
}

function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

/**
 * Replay `notifications` of a realistic mix (hard, soft, complaint, delivery, blocks, delays, about
 * 1 % duplicates) through the classifier in batches of 10, then measure the steady state of one
 * busy address and the pre-send check's reads.
 */
export async function measureDynamoDbUsage(notifications: number, seed: number): Promise<DynamoDbUsage> {
  const dynamo = await startLocalDynamoDb();
  const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const counter = countRequests(client);
  const meter = meterCapacity(client);
  try {
    // As deployed: retry windows on. Their executions are only counted here (StartExecution is not a
    // DynamoDB request); the windows' own requests are measured by bench/retry-windows.ts.
    const store = new DynamoDbSuppressionStore(
      client,
      dynamo.tableName,
      DEFAULT_POLICY,
      PLAIN_KEYS,
      DEFAULT_RETRY_WINDOW,
    );
    let windowStarts = 0;
    let windowStops = 0;
    let logBytes = 0;
    const write = (line: string) => {
      logBytes += Buffer.byteLength(line) + 1;
    };
    const end = new Date("2025-06-01T00:00:00.000Z");
    const classifier = createClassifier({
      store,
      logger: createLogger({ logAddresses: false, write }),
      metrics: createEmfMetrics("BounceGuard", write),
      now: () => end,
      scheduler: {
        start: async () => {
          windowStarts += 1;
          return "started";
        },
        stop: async () => {
          windowStops += 1;
          return "stopped";
        },
      },
    });
    const stream = generateFeedbackStream({
      seed,
      notifications,
      addresses: Math.max(50, Math.round(notifications / 7)),
      end,
      exactDuplicateRate: 0.005,
      otherFormatRate: 0.005,
      rewrapRate: 0,
      poisonRate: 0,
      controlMessages: 0,
    });
    const toRecord = (body: string, index: number): SQSRecord =>
      sqsRecordOf(
        { MessageId: `replay-${index}`, ReceiptHandle: `receipt-${index}`, Body: body },
        QUEUE_ARN,
        1,
      );
    const firsts = stream.messages.filter((message) => message.kind === "notification");
    const copies = stream.messages.filter((message) => message.kind !== "notification");
    const batchMs: number[] = [];
    let recipientEvents = 0;
    const replay = async (bodies: readonly string[], offset: number) => {
      for (const batch of batchesOf(bodies, 10)) {
        const started = performance.now();
        const { outcomes } = await classifier.processEvent({
          Records: batch.map((body, index) => toRecord(body, offset + index)),
        });
        batchMs.push(performance.now() - started);
        for (const outcome of outcomes) {
          if (outcome.kind === "applied") {
            recipientEvents += outcome.recipients.filter(({ result }) => result.kind !== "skipped").length;
          }
        }
      }
    };
    await replay(
      firsts.map(({ body }) => body),
      0,
    );
    const readsOf = () =>
      [...counter.counts]
        .filter(([name]) => READ_COMMANDS.has(name))
        .reduce((sum, [, count]) => sum + count, 0);
    const intakeReads = readsOf();
    await replay(
      copies.map(({ body }) => body),
      firsts.length,
    );
    const duplicateReads = readsOf() - intakeReads;
    const requests = counter.total();
    const messages = stream.messages.length;
    // Refused conditional writes are billed by item size too; count them at the average write's units.
    const averageWriteUnits =
      meter.writeUnits /
      Math.max(1, (counter.counts.get("UpdateItemCommand") ?? 0) - meter.failedConditionalWrites);
    const writeUnits = meter.writeUnits + meter.failedConditionalWrites * averageWriteUnits;
    const replayUsage = {
      notifications: messages,
      duplicateMessages: copies.length,
      recipientEvents,
      requests,
      requestsPerRecipientEvent: round(requests / recipientEvents),
      requestsPerNotification: round(requests / messages),
      breakdown: Object.fromEntries(
        [...counter.counts].map(([name, count]) => [name.replace(/Command$/, ""), count]),
      ),
      intakeReads,
      duplicateReads,
      windowStarts,
      windowStops,
      writeUnitsPerRecipientEvent: round(writeUnits / recipientEvents),
      writeUnitsPerNotification: round(writeUnits / messages),
      readUnitsPerNotification: round(meter.readUnits / messages),
      failedConditionalWrites: meter.failedConditionalWrites,
      medianBatchMs: round(median(batchMs), 1),
      logBytesPerNotification: Math.round(logBytes / messages),
    };

    // A busy address: deliveries day after day, so its history stays between half and all of the limit.
    counter.reset();
    meter.reset();
    const busy = "busy.reader@example.com";
    const warmUp = DEFAULT_POLICY.historyLimit;
    const measured = 100;
    for (let day = 0; day < warmUp + measured; day += 1) {
      if (day === warmUp) {
        counter.reset();
        meter.reset();
      }
      const parsed = parseNotification(
        sesDelivery({
          address: busy,
          messageId: `steady-${day}`,
          at: new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString(),
        }),
      );
      if (parsed.kind !== "notification") throw new Error("the steady-state delivery did not parse");
      // Each delivery handled a minute after it happened: the duplicate horizon counts in that time.
      const handledAt = new Date(Date.UTC(2025, 0, 1) + day * 86_400_000 + 60_000);
      for (const verdict of verdictsOf(parsed.notification))
        await store.apply(verdict.address, decide(verdict), handledAt);
    }
    const steadyState = {
      events: measured,
      requestsPerEvent: round(counter.total() / measured),
      writeUnitsPerEvent: round(meter.writeUnits / measured),
      historyLimit: DEFAULT_POLICY.historyLimit,
    };

    // The pre-send check: 100 and 1,000 distinct addresses, many of them known to the table.
    const check = createPresendCheck({
      store,
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      resolver: { lookup: async () => ({ kind: "accepts-mail" }) },
      now: () => end,
    });
    const known = [...stream.personas.keys()];
    const addressesFor = (count: number) =>
      Array.from({ length: count }, (_, index) =>
        index % 2 === 0 && index / 2 < known.length
          ? (known[index / 2] ?? "")
          : `new.reader.${index}@example.org`,
      );
    const requestsFor = async (count: number) => {
      counter.reset();
      const response = await check({ addresses: addressesFor(count), checks: ["syntax"] });
      if ("error" in response) throw new Error(`the pre-send check failed: ${response.error.message}`);
      return counter.total();
    };
    const requestsFor100 = await requestsFor(100);
    const requestsFor1000 = await requestsFor(1_000);
    const timing = await presendTiming(check, addressesFor(1_000), client, dynamo.tableName);
    return {
      ...replayUsage,
      steadyState,
      presend: {
        requestsFor100,
        requestsFor1000,
        requestsPer100Addresses: round(requestsFor1000 / 10, 2),
        ...timing,
      },
    };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

/**
 * Timing of the pre-send check in one run: validation alone (pure CPU, the default checks), and
 * the whole check of 1,000 addresses against a loop of bare BatchGetItem requests for the same
 * keys (100 a request, sent together, as the store does), interleaved, medians of 9 rounds.
 */
async function presendTiming(
  check: ReturnType<typeof createPresendCheck>,
  addresses: readonly string[],
  client: DynamoDBClient,
  tableName: string,
): Promise<{
  validationMicrosecondsPerAddress: number;
  endToEndRatioVsBatchGet: number;
  endToEndMs: number;
  bareBatchGetMs: number;
}> {
  const checks = new Set(DEFAULT_CHECKS);
  for (let warm = 0; warm < 3; warm += 1) for (const address of addresses) validateAddress(address, checks);
  const validationRounds: number[] = [];
  for (let round_ = 0; round_ < 9; round_ += 1) {
    const started = process.cpuUsage();
    for (const address of addresses) validateAddress(address, checks);
    const used = process.cpuUsage(started);
    validationRounds.push((used.user + used.system) / addresses.length);
  }
  const keys = [...new Set(addresses.map((address) => normaliseAddress(address)))].flatMap((normalised) =>
    normalised.ok ? [normalised.address] : [],
  );
  const bare = async () => {
    const chunks: string[][] = [];
    for (let start = 0; start < keys.length; start += 100) chunks.push(keys.slice(start, start + 100));
    await Promise.all(
      chunks.map((chunk) =>
        client.send(
          new BatchGetItemCommand({
            RequestItems: { [tableName]: { Keys: chunk.map((key) => ({ pk: { S: key } })) } },
          }),
        ),
      ),
    );
  };
  const whole = async () => {
    await check({ addresses });
  };
  await bare();
  await whole();
  const bareRounds: number[] = [];
  const wholeRounds: number[] = [];
  for (let round_ = 0; round_ < 9; round_ += 1) {
    for (const [run, into] of round_ % 2 === 0
      ? ([
          [bare, bareRounds],
          [whole, wholeRounds],
        ] as const)
      : ([
          [whole, wholeRounds],
          [bare, bareRounds],
        ] as const)) {
      const started = performance.now();
      await run();
      into.push(performance.now() - started);
    }
  }
  return {
    validationMicrosecondsPerAddress: round(median(validationRounds), 1),
    endToEndRatioVsBatchGet: round(median(wholeRounds) / median(bareRounds), 2),
    endToEndMs: round(median(wholeRounds), 1),
    bareBatchGetMs: round(median(bareRounds), 1),
  };
}
