// The fault-injection replay: a generated stream through the real local SQS (with its DLQ) into
// the classifier handler, with DynamoDB faults, then the table compared with the pure model.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { localClientConfig } from "../../cli/local/aws-clients.ts";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import {
  connectLocalQueues,
  drainQueue,
  type LocalQueueOptions,
  type LocalQueues,
  pumpQueue,
  queueCounts,
  queueDepth,
  sendMessages,
  startLocalQueues,
} from "../../cli/local/sqs.ts";
import { DynamoDbSuppressionStore, storedEventId } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createSqsRecordRetry } from "../../functions/adapters/sqs-record-retry.ts";
import { type ClassifierDependencies, createHandler } from "../../functions/classifier.ts";
import { PLAIN_KEYS } from "../../functions/core/address-key.ts";
import { parseNotification } from "../../functions/core/parse.ts";
import {
  type AddressState,
  type AuditEntry,
  assess,
  confirmationOf,
  type PolicyConfig,
  policyConfig,
} from "../../functions/core/policy.ts";
import type { RecordRetrySchedule } from "../../functions/core/record-retry.ts";
import { DEFAULT_RETRY_WINDOW, executionName } from "../../functions/core/retry-window.ts";
import {
  chosen,
  type EmulatedScheduler,
  type EmulatedSesList,
  emulatedScheduler,
  emulatedSesList,
  guardedRecordRetry,
  killedAfter,
} from "./chaos-faults.ts";
import { type FaultPlan, injectFaults } from "./dynamodb-faults.ts";
import { startEmulatorProcess } from "./emulator-process.ts";
import { buildModel, type Difference, differencesOf, isDoubleCounted } from "./feedback-model.ts";
import {
  type FeedbackStreamOptions,
  generateFeedbackStream,
  type StreamMessageKind,
} from "./feedback-stream.ts";
import { lambdaContext } from "./lambda-context.ts";
import { seededRandom } from "./seeded-random.ts";

export interface ChaosOptions {
  readonly stream: FeedbackStreamOptions;
  /** DynamoDB faults; none when absent. */
  readonly faults?: Omit<FaultPlan, "commands">;
  /** @default DEFAULT_POLICY */
  readonly policy?: PolicyConfig;
  /** @default 3 */
  readonly maxReceiveCount?: number;
  /** @default 2 */
  readonly visibilityTimeoutSeconds?: number;
  /** Pollers working the queue at once, like concurrent Lambda invocations. @default 4 */
  readonly concurrency?: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** The replay gives up (and reports what is left on the queue) after this long. @default 120000 */
  readonly deadlineMs?: number;
  /**
   * Feed the queue while it is worked, keeping at most this many visible messages on it (messages
   * waiting out a visibility timeout come on top), instead of sending the whole stream first. local-aws-sqs scans every message of a queue on each receive, so a large
   * replay with everything queued at once spends its time in the emulator. @default everything first
   */
  readonly queueWindow?: number;
  /**
   * Run dynalite and the local SQS server in a child process, so they and the code under test use
   * two cores. @default true
   */
  readonly separateEmulatorProcess?: boolean;
  /**
   * Awaited once the stream, the model and the emulators are ready, before the first message is
   * sent: the bench runs other work beside the replay's single-threaded preparation and lets it
   * finish before the replay needs both cores.
   */
  readonly beforeFeeding?: () => Promise<unknown>;
  /**
   * As deployed: the classifier holds transiently failed records back with this schedule (its
   * seconds are real seconds here, so keep them short) and sends poison to the DLQ at once.
   * @default off: SQS's visibility timeout and receive count decide, as in the local demo
   */
  readonly recordRetry?: RecordRetrySchedule;
  /** Retry windows on; the first StartExecution of this share of the windows is throttled. */
  readonly windows?: { readonly seed: number; readonly throttleRate: number };
  /** The SES sync on, to an emulated list whose first put of this share of the addresses fails. */
  readonly sesSync?: { readonly seed: number; readonly failureRate: number };
  /** This share of the invocations dies after 0 to 3 of its writes, as a killed Lambda does. */
  readonly kills?: { readonly seed: number; readonly rate: number };
  /**
   * While the queue is worked, operators reactivate (`unsuppress --force --ses-sync`) this share of
   * the addresses and erase as many others.
   */
  readonly operators?: { readonly seed: number; readonly rate: number };
}

export interface DeadLetterCheck {
  /** Every poison message is in the DLQ and nothing else is. */
  readonly poisonOnly: boolean;
  readonly count: number;
  readonly missingPoison: readonly string[];
  /** Messages in the DLQ that are not poison: good records. */
  readonly unexpected: readonly string[];
  /**
   * Second copies of poison: the classifier sends poison to the DLQ itself, and a poison record
   * whose invocation outlasted the visibility timeout (the replay's is seconds) was handed out and
   * sent again. Poison all the same; the stack's timeout (6 × the function's) rules it out there.
   */
  readonly repeatedPoison: number;
}

export interface ChaosReport {
  readonly notifications: number;
  readonly messages: number;
  readonly messagesByKind: Readonly<Record<StreamMessageKind, number>>;
  readonly addresses: number;
  readonly recipientVerdicts: number;
  readonly distinctEvents: number;
  readonly receives: number;
  readonly batches: number;
  /** Good records the handler reported failed (a fault reached it), so SQS delivered them again. */
  readonly goodRecordsRedelivered: number;
  readonly faultsThrown: Readonly<Record<string, number>>;
  readonly faultsTotal: number;
  readonly differences: readonly Difference[];
  readonly mismatchedAddresses: number;
  readonly doubleCountedAddresses: number;
  /** Good messages with a recipient event that is not in the table. */
  readonly unappliedMessages: number;
  /** Items in the table for addresses the model has no event for. */
  readonly unexpectedItems: readonly string[];
  readonly deadLetters: DeadLetterCheck;
  /** Good records (not poison) that ended in the DLQ. */
  readonly goodRecordsDeadLettered: number;
  /** Invocations that died after some of their writes (`kills`). */
  readonly killedInvocations: number;
  /** With `windows`: windows on the table whose execution was never started (must be none). */
  readonly windows?: {
    readonly open: number;
    readonly withoutExecution: readonly string[];
    readonly started: number;
    readonly throttled: number;
  };
  /**
   * With `sesSync`: SES's emulated list against the table. `extra`: listed but not suppressed;
   * `missing`: suppressed with a hard bounce or complaint of our own that counts, but not listed.
   */
  readonly sesList?: {
    readonly listed: number;
    readonly extra: readonly string[];
    readonly missing: readonly string[];
    readonly failedPuts: number;
  };
  /** With `operators`: what they did, and how the table broke what their actions promise (none). */
  readonly operators?: {
    readonly unsuppressed: number;
    readonly erased: number;
    readonly tombstoned: number;
    readonly violations: readonly Difference[];
  };
  readonly queueDepthAfter: number;
  /** Event ids two messages carry with different content. */
  readonly eventIdConflicts: number;
  /** Generator sanity: poison the parser accepts, good messages it rejects. Both must be 0. */
  readonly poisonAccepted: number;
  readonly goodRejected: number;
  /** The model's answers by status (and by what suppressed), to show what the stream exercised. */
  readonly modelStatuses: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  /**
   * Where the time went: generating the stream and the model and starting the emulators, waiting
   * for `beforeFeeding`, sending the first window, working the queue (with retries and the DLQ),
   * checking.
   */
  readonly phasesMs: Readonly<{ prepare: number; wait: number; send: number; pump: number; verify: number }>;
}

/**
 * A small replay of addresses that each get a hard bounce and a complaint stamped with the same
 * millisecond, and nothing else: arrival order is then the only thing that differs between them.
 */
export function sameInstantReplay(pairs: number): ChaosOptions {
  return {
    stream: {
      seed: 42,
      notifications: 0,
      addresses: 0,
      end: new Date("2025-06-01T00:00:00.000Z"),
      sameInstantPairs: pairs,
      exactDuplicateRate: 0,
      otherFormatRate: 0,
      rewrapRate: 0,
      poisonRate: 0,
      controlMessages: 0,
    },
    concurrency: 1,
    separateEmulatorProcess: false,
    deadlineMs: 20_000,
  };
}

/** Parse a body as the handler does: inside an SQS record. */
function parsesAsRecord(body: string): boolean {
  return parseNotification({ eventSource: "aws:sqs", messageId: "check", body }).kind !== "error";
}

function multisetDifference(left: readonly string[], right: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const item of right) remaining.set(item, (remaining.get(item) ?? 0) + 1);
  const extra: string[] = [];
  for (const item of left) {
    const count = remaining.get(item) ?? 0;
    if (count > 0) remaining.set(item, count - 1);
    else extra.push(item);
  }
  return extra;
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const key = keyOf(item);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** dynalite and the local SQS, in a child process or in this one. */
async function startEmulators(
  separate: boolean,
  queueOptions: LocalQueueOptions,
): Promise<{ dynamo: { endpoint: string; tableName: string; close(): Promise<void> }; queues: LocalQueues }> {
  if (!separate) {
    const dynamo = await startLocalDynamoDb();
    return { dynamo, queues: await startLocalQueues(queueOptions) };
  }
  const emulators = await startEmulatorProcess();
  return {
    dynamo: { endpoint: emulators.dynamoDbEndpoint, tableName: emulators.tableName, close: emulators.close },
    // The child stops both servers; the queues' close only lets go of the client.
    queues: await connectLocalQueues(emulators.sqsEndpoint, queueOptions),
  };
}

/**
 * Batches the feed keeps in flight. One at a time, the feed could not keep up with the pollers
 * (about 400 messages a second here) and capped the replay's rate.
 */
const SEND_CONCURRENCY = 8;
const SCAN_SEGMENTS = 4;

/** The stream, its poison bodies, and the model (of the good ones) the table is judged by. */
function prepareStream(options: FeedbackStreamOptions) {
  const stream = generateFeedbackStream(options);
  const goodBodies = stream.messages.filter((message) => message.kind !== "poison").map(({ body }) => body);
  const poisonBodies = stream.messages.filter((message) => message.kind === "poison").map(({ body }) => body);
  return { stream, poisonBodies, model: buildModel(goodBodies) };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = performance.now();
  // The model keeps every event, so the store must too: a history limit above any address's event
  // count here (trimming itself is covered by the store's own tests).
  const policy = options.policy ?? policyConfig({ historyLimit: 200 });
  const now = options.stream.end;
  const queueOptions = {
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2,
  };
  // Started first: a child process boots while the stream and the model are built here.
  const emulators = startEmulators(options.separateEmulatorProcess ?? true, queueOptions);
  // Awaited below; handled here so a failure while the stream is generated is not "unhandled".
  emulators.catch(() => undefined);
  let prepared: ReturnType<typeof prepareStream>;
  try {
    prepared = prepareStream(options.stream);
  } catch (error) {
    // Stop the emulators it started beside, or a child process would outlive the failure.
    const started = await emulators.catch(() => undefined);
    await started?.queues.close();
    await started?.dynamo.close();
    throw error;
  }
  const { stream, poisonBodies, model } = prepared;
  const { dynamo, queues } = await emulators;
  // Its middleware is all added before the first request, so the stack can be resolved once per
  // command (the SDK's cacheMiddleware): the same requests for less of the replay's CPU.
  const faultyClient = new DynamoDBClient({ ...localClientConfig(dynamo.endpoint), cacheMiddleware: true });
  const cleanClient = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const injector = injectFaults(faultyClient, {
    seed: options.faults?.seed ?? 0,
    rate: options.faults?.rate ?? 0,
  });
  try {
    const waitStarted = performance.now();
    await options.beforeFeeding?.();
    const sendStarted = performance.now();
    const outgoing = stream.messages.map(({ body }) => ({ body }));
    const window = options.queueWindow ?? outgoing.length;
    // The first window up front; with a window, the rest is fed below while the pollers work.
    await sendMessages(queues, outgoing.slice(0, window), SEND_CONCURRENCY);
    let sent = Math.min(window, outgoing.length);
    const windowConfig = options.windows !== undefined ? DEFAULT_RETRY_WINDOW : undefined;
    const storeOn = (client: DynamoDBClient) =>
      new DynamoDbSuppressionStore(client, dynamo.tableName, policy, PLAIN_KEYS, windowConfig);
    const scheduling: EmulatedScheduler | undefined =
      options.windows !== undefined
        ? emulatedScheduler(options.windows.seed, options.windows.throttleRate)
        : undefined;
    const ses: EmulatedSesList | undefined =
      options.sesSync !== undefined
        ? emulatedSesList(options.sesSync.seed, options.sesSync.failureRate)
        : undefined;
    const recordRetry =
      options.recordRetry !== undefined
        ? createSqsRecordRetry(queues.client, queues.queueUrl, queues.deadLetterQueueUrl)
        : undefined;
    const jitter = seededRandom(options.stream.seed);
    const dependencies: ClassifierDependencies = {
      store: storeOn(faultyClient),
      logger: silentLogger,
      metrics: createEmfMetrics("BounceGuardChaos", () => {}),
      now: () => now,
      ...(recordRetry !== undefined
        ? {
            recordRetry,
            random: () => jitter.next(),
            ...(options.recordRetry ? { retrySchedule: options.recordRetry } : {}),
          }
        : {}),
      ...(scheduling !== undefined ? { scheduler: scheduling.scheduler } : {}),
      ...(ses !== undefined ? { sesSync: ses.sync } : {}),
    };
    const handler = createHandler(dependencies);
    const kills = options.kills;
    let killedInvocations = 0;
    /** The handler of one invocation that dies after some writes: nothing it would do after that happens. */
    const dyingHandler = (event: SQSEvent) => {
      if (kills === undefined) return undefined;
      const batch = event.Records.map(
        (record) => `${record.messageId}:${record.attributes.ApproximateReceiveCount}`,
      ).join();
      if (!chosen(kills.seed, batch, kills.rate)) return undefined;
      const invocation = killedAfter(faultyClient, Number.parseInt(batch.slice(-1), 36) % 4);
      const run = createHandler({
        ...dependencies,
        store: storeOn(invocation.client),
        ...(recordRetry !== undefined
          ? { recordRetry: guardedRecordRetry(recordRetry, invocation.dead) }
          : {}),
        ...(scheduling !== undefined ? { scheduler: invocation.guard(scheduling.scheduler) } : {}),
        ...(ses !== undefined ? { sesSync: invocation.guard(ses.sync) } : {}),
      });
      return { run, dead: invocation.dead };
    };
    const poisonSet = new Set(poisonBodies);
    let goodRecordsRedelivered = 0;
    const invoke = async (event: SQSEvent) => {
      const dying = dyingHandler(event);
      const response = await (dying?.run ?? handler)(event, lambdaContext());
      if (dying?.dead() === true) {
        // The runtime lost the invocation: nothing is deleted, every record returns after the
        // queue's visibility timeout.
        killedInvocations += 1;
        throw new Error("the invocation was killed");
      }
      const bodyOf = new Map(event.Records.map((record) => [record.messageId, record.body]));
      for (const failure of response.batchItemFailures) {
        if (!poisonSet.has(bodyOf.get(failure.itemIdentifier) ?? "")) goodRecordsRedelivered += 1;
      }
      return response;
    };
    // Operators at work while the queue is: chosen addresses reactivated (forced, and removed from
    // SES's list) or erased, once a third of the stream has been sent.
    const operatorStore = storeOn(cleanClient);
    const operated = { unsuppressed: [] as string[], erased: new Map<string, string>() };
    const unfinished: Difference[] = [];
    const operatorTargets = [...model.states.keys()].flatMap(
      (address): [string, "unsuppress" | "erase"][] => {
        const plan = options.operators;
        if (plan === undefined) return [];
        if (chosen(plan.seed, `unsuppress:${address}`, plan.rate)) return [[address, "unsuppress"]];
        if (chosen(plan.seed, `erase:${address}`, plan.rate)) return [[address, "erase"]];
        return [];
      },
    );
    const operate = async () => {
      while (operatorTargets.length > 0 && sent < outgoing.length / 3) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const [address, action] of operatorTargets) {
        const audit: AuditEntry = { at: now.toISOString(), action, actor: "chaos", reason: "during load" };
        if (action === "erase") {
          operated.erased.set(address, await operatorStore.erase(address, audit, now));
        } else {
          // As an operator does on "changed": look again and run it again.
          let reactivated = false;
          for (let attempt = 0; attempt < 100 && !reactivated; attempt += 1) {
            const seen = await operatorStore.read(address);
            reactivated = (await operatorStore.reactivate(address, seen, audit, now)) !== undefined;
            if (!reactivated) await new Promise((resolve) => setTimeout(resolve, 20));
          }
          if (!reactivated) {
            unfinished.push({ address, field: "unsuppress", table: "changed 100 times", model: "done" });
            continue;
          }
          await ses?.sync.remove(address);
          operated.unsuppressed.push(address);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const pumpStarted = performance.now();
    injector.arm();
    const feed = async () => {
      while (sent < outgoing.length) {
        // Messages the pollers can take now or in a moment (just sent, still held back by the
        // emulator); not those waiting out a visibility timeout after a failure, which would
        // starve the pollers.
        const { visible, delayed } = await queueCounts(queues);
        if (visible + delayed > window / 2) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const next = outgoing.slice(sent, sent + Math.ceil(window / 2));
        await sendMessages(queues, next, SEND_CONCURRENCY);
        sent += next.length;
      }
    };
    const [, , ...pumped] = await Promise.all([
      feed(),
      operate(),
      ...Array.from({ length: options.concurrency ?? 4 }, () =>
        pumpQueue(queues, invoke, {
          batchSize: options.batchSize ?? 10,
          deadlineMs: options.deadlineMs ?? 120_000,
          moreComing: () => sent < outgoing.length,
        }),
      ),
    ]);
    injector.disarm();
    const verifyStarted = performance.now();
    const queueDepthAfter = await queueDepth(queues);
    const deadLetterBodies = (await drainQueue(queues, queues.deadLetterQueueUrl)).map(
      (message) => message.Body ?? "",
    );

    const reader = new DynamoDbSuppressionStore(cleanClient, dynamo.tableName, policy);
    const table = new Map<string, AddressState>();
    // A parallel scan: dynalite reads the next pages while this process decodes the last ones.
    await Promise.all(
      Array.from({ length: SCAN_SEGMENTS }, async (_, index) => {
        for await (const page of reader.scan(500, { index, of: SCAN_SEGMENTS })) {
          for (const state of page) table.set(state.address, state);
        }
      }),
    );

    const differences: Difference[] = [];
    let doubleCountedAddresses = 0;
    const operatedAddresses = new Set([...operated.unsuppressed, ...operated.erased.keys()]);
    for (const [address, expected] of model.states) {
      const stored = table.get(address);
      // An operator's action changes what the stream alone would leave: checked below instead.
      if (!operatedAddresses.has(address))
        differences.push(...differencesOf(address, stored, expected, policy, now));
      if (isDoubleCounted(stored, expected)) doubleCountedAddresses += 1;
    }
    const storedIds = new Set([...table.values()].flatMap((state) => state.history.map((entry) => entry.id)));
    const unappliedMessages = [...model.expectedEvents.values()].filter((events) =>
      events.some(
        (event) => !operatedAddresses.has(event.address) && !storedIds.has(storedEventId(event.eventId)),
      ),
    ).length;
    const statusOf = (address: string) => assess(table.get(address), policy, now).status;
    const violations: Difference[] = [...unfinished];
    for (const address of operated.unsuppressed) {
      // Every event of the stream is dated at or before the reactivation: none may count again, nor
      // keep the item from expiring, nor leave the address on SES's list.
      const stored = table.get(address);
      if (statusOf(address) !== "active")
        violations.push({
          address,
          field: "status after unsuppress",
          table: statusOf(address),
          model: "active",
        });
      if (stored?.retained === true)
        violations.push({ address, field: "retained after unsuppress", table: true, model: false });
      if (ses?.listed.has(address))
        violations.push({
          address,
          field: "SES list after unsuppress",
          table: "listed",
          model: "not listed",
        });
    }
    for (const [address, outcome] of operated.erased) {
      if (outcome === "tombstoned" && statusOf(address) !== "suppressed") {
        violations.push({
          address,
          field: "status after a tombstone",
          table: statusOf(address),
          model: "suppressed",
        });
      }
    }
    const windowsOpen = [...table.values()].filter((state) => state.window !== undefined);
    const withoutExecution = windowsOpen
      .filter((state) => !scheduling?.started.has(executionName(state.address, state.window?.start ?? "")))
      .map((state) => state.address);
    /** Own hard bounces, complaints and confirmed failures that count: what the sync puts on SES's list. */
    const ownSuppressing = (state: AddressState) =>
      state.history.some(
        (entry) =>
          (entry.class === "hard" || entry.class === "complaint") &&
          entry.reason !== "suppressed" &&
          (state.reactivatedAt === undefined || entry.at > state.reactivatedAt),
      ) || confirmationOf(state, policy) !== undefined;
    const missingPoison = multisetDifference(poisonBodies, deadLetterBodies);
    const unexpected = deadLetterBodies.filter((body) => !poisonSet.has(body));
    const repeatedPoison =
      deadLetterBodies.length - unexpected.length - (poisonBodies.length - missingPoison.length);
    const modelAssessments = [...model.states.values()].map((state) => assess(state, policy, now));
    return {
      notifications: stream.notificationCount,
      messages: stream.messages.length,
      messagesByKind: {
        notification: 0,
        "exact-duplicate": 0,
        "other-format": 0,
        rewrapped: 0,
        control: 0,
        poison: 0,
        ...countBy(stream.messages, (message) => message.kind),
      },
      addresses: model.states.size,
      recipientVerdicts: model.recipientVerdicts,
      distinctEvents: model.distinctEvents,
      receives: pumped.reduce((sum, report) => sum + report.receives, 0),
      batches: pumped.reduce((sum, report) => sum + report.batches, 0),
      goodRecordsRedelivered,
      faultsThrown: Object.fromEntries(injector.stats.thrown),
      faultsTotal: injector.stats.total(),
      differences,
      mismatchedAddresses: new Set(differences.map((difference) => difference.address)).size,
      doubleCountedAddresses,
      unappliedMessages,
      unexpectedItems: [...table.keys()].filter((address) => !model.states.has(address)),
      goodRecordsDeadLettered: unexpected.length,
      killedInvocations,
      ...(scheduling !== undefined
        ? {
            windows: {
              open: windowsOpen.length,
              withoutExecution,
              started: scheduling.started.size,
              throttled: scheduling.stats.throttled,
            },
          }
        : {}),
      ...(ses !== undefined
        ? {
            sesList: {
              listed: ses.listed.size,
              extra: [...ses.listed.keys()].filter((address) => statusOf(address) !== "suppressed"),
              missing: [...table.values()]
                .filter(
                  (state) => assess(state, policy, now).status === "suppressed" && ownSuppressing(state),
                )
                .map((state) => state.address)
                .filter((address) => !ses.listed.has(address)),
              failedPuts: ses.stats.failedPuts,
            },
          }
        : {}),
      ...(options.operators !== undefined
        ? {
            operators: {
              unsuppressed: operated.unsuppressed.length,
              erased: operated.erased.size,
              tombstoned: [...operated.erased.values()].filter((outcome) => outcome === "tombstoned").length,
              violations,
            },
          }
        : {}),
      deadLetters: {
        poisonOnly: missingPoison.length === 0 && unexpected.length === 0,
        count: deadLetterBodies.length,
        missingPoison,
        unexpected,
        repeatedPoison,
      },
      queueDepthAfter,
      eventIdConflicts: model.conflicts.length,
      poisonAccepted: poisonBodies.filter(parsesAsRecord).length,
      // The model parsed every good body already (as the body of a record is parsed).
      goodRejected: model.rejected.length,
      modelStatuses: countBy(modelAssessments, (assessment) =>
        assessment.status === "suppressed"
          ? `suppressed:${assessment.suppression?.by ?? "?"}`
          : assessment.status,
      ),
      elapsedMs: Math.round(performance.now() - started),
      phasesMs: {
        prepare: Math.round(waitStarted - started),
        wait: Math.round(sendStarted - waitStarted),
        send: Math.round(pumpStarted - sendStarted),
        pump: Math.round(verifyStarted - pumpStarted),
        verify: Math.round(performance.now() - verifyStarted),
      },
    };
  } finally {
    injector.disarm();
    faultyClient.destroy();
    cleanClient.destroy();
    await queues.close();
    await dynamo.close();
  }
}
