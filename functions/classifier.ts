// The classifier Lambda: SQS batch of SES feedback → verdict per recipient → suppression store.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import middy, { type MiddlewareObj } from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { type ApplyResult, DynamoDbSuppressionStore } from "./adapters/dynamodb-store.ts";
import { readEnvironment } from "./adapters/environment.ts";
import { type FailureKind, failureKindOf } from "./adapters/failure-kind.ts";
import { createLogger, type Logger, pseudonymsFor } from "./adapters/logger.ts";
import { createEmfMetrics, type Metrics } from "./adapters/metrics.ts";
import { addressKeysFor, sesSuppressionList } from "./adapters/optional-adapters.ts";
import { createStepFunctionsScheduler, type RetryScheduler } from "./adapters/retry-scheduler.ts";
import type { SuppressionListSync } from "./adapters/ses-suppression-sync.ts";
import { createSqsRecordRetry, type RecordRetry } from "./adapters/sqs-record-retry.ts";
import { withoutRecipientInDiagnostic } from "./core/address-key.ts";
import { withUsableTime } from "./core/event-time.ts";
import { decide } from "./core/policy.ts";
import { type ParseResult, readNotification } from "./core/read-notification.ts";
import { DEFAULT_RECORD_RETRY, type RecordRetrySchedule, retryDelaySeconds } from "./core/record-retry.ts";
import { sesPutStillDue } from "./core/ses-list.ts";
import type { RecipientVerdict } from "./core/types.ts";
import { verdictsOf } from "./core/verdicts.ts";

export interface RecipientOutcome {
  readonly verdict: RecipientVerdict;
  readonly result: ApplyResult;
}

export type RecordOutcome =
  | { readonly kind: "applied"; readonly messageId: string; readonly recipients: readonly RecipientOutcome[] }
  | { readonly kind: "control"; readonly messageId: string; readonly controlType: string }
  /**
   * Not applied. `transient`: an outage, throttling, a timeout; the record is retried after a
   * growing delay. `poison`: the record itself can never be applied (not a notification, say).
   */
  | {
      readonly kind: "failed";
      readonly messageId: string;
      readonly error: string;
      readonly failure: FailureKind;
    }
  /** Poison, sent to the DLQ at once and so removed from the queue. */
  | { readonly kind: "dead-lettered"; readonly messageId: string; readonly error: string };

export interface ClassifierDependencies {
  readonly store: Pick<DynamoDbSuppressionStore, "apply" | "settleSes">;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  /**
   * Holds transiently failed records back with growing delays and sends poison to the DLQ at
   * once. Without it, every failed record is simply reported, and SQS's visibility timeout and
   * receive count decide (as in the local demo).
   */
  readonly recordRetry?: RecordRetry;
  /** @default DEFAULT_RECORD_RETRY */
  readonly retrySchedule?: RecordRetrySchedule;
  /** A number in [0, 1) for the delays' jitter. @default Math.random */
  readonly random?: () => number;
  /** Keyed mode: a recipient's address is taken out of its diagnostic before anything is kept. */
  readonly scrubDiagnostics?: boolean;
  /**
   * When set, hard-bounce and complaint suppressions are put on the SES account list. The store marks
   * them in the event's own write and this clears the mark once SES has them; a failed put fails the
   * record (retried like any transient failure), so the list catches up eventually.
   */
  readonly sesSync?: SuppressionListSync;
  /** Starts the execution of each retry window a write opened; absent when no window is run. */
  readonly scheduler?: RetryScheduler;
  /**
   * When set, each deferral is mirrored on the SES account list (as BOUNCE) while it lasts; the
   * retry window's state machine removes it at each release and when it fails, and this removes it
   * when a delivery closes the window (marked on the item until done, like the sync).
   */
  readonly sesDeferralMirror?: SuppressionListSync;
}

/**
 * The record read by the fast path, which vouches for every well-formed notification; only what it
 * cannot vouch for (broken input, mostly) loads the schema, to be decided and worded by zod. So a
 * cold start never evaluates zod: about a tenth of the classifier's load time.
 */
async function parseRecord(record: SQSRecord): Promise<ParseResult> {
  const reading = readNotification(record);
  if (reading.kind !== "needs-schema") return reading;
  const { parseNotification } = await import("./core/parse.ts");
  return parseNotification(record);
}

/** Thrown when the invocation is not an SQS event at all: a wiring fault, not a bad record. */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** How often SQS has handed the record out, this receive included. */
function receiveCountOf(record: SQSRecord): number {
  const count = Number.parseInt(record.attributes?.ApproximateReceiveCount ?? "1", 10);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

export function createClassifier(dependencies: ClassifierDependencies) {
  const { store, logger, metrics } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const schedule = dependencies.retrySchedule ?? DEFAULT_RECORD_RETRY;
  const random = dependencies.random ?? Math.random;
  const sesWork = {
    sync: dependencies.sesSync !== undefined,
    mirror: dependencies.sesDeferralMirror !== undefined,
  };

  /** A verdict as it is applied: no mirror echo, a usable time, and (keyed) no address in the diagnostic. */
  function prepared(verdict: RecipientVerdict, receivedAt: Date): RecipientVerdict {
    const echoless = dependencies.sesDeferralMirror !== undefined ? withoutMirrorEcho(verdict) : verdict;
    const timed = withUsableTime(echoless, receivedAt);
    return dependencies.scrubDiagnostics === true ? withoutRecipientInDiagnostic(timed) : timed;
  }

  async function processRecord(record: SQSRecord): Promise<RecordOutcome> {
    const messageId = record.messageId;
    const parsed = await parseRecord(record);
    if (parsed.kind === "error") {
      // Permanent: retries cannot fix it, so it goes to the DLQ at once.
      logger.log("error", "record is not a valid SES notification", { messageId, error: parsed.error });
      return { kind: "failed", messageId, error: parsed.error.message, failure: "poison" };
    }
    if (parsed.kind === "control") {
      logger.log("info", "SNS subscription message ignored", { messageId, controlType: parsed.controlType });
      return { kind: "control", messageId, controlType: parsed.controlType };
    }
    const receivedAt = now();
    const verdicts = verdictsOf(parsed.notification).map((verdict) => prepared(verdict, receivedAt));
    if (verdicts.length === 0) {
      logger.log("warn", "notification names no recipients", {
        messageId,
        sesType: parsed.notification.type,
      });
    }
    try {
      const recipients = await Promise.all(
        verdicts.map(async (verdict) => ({
          verdict,
          result: await store.apply(verdict.address, decide(verdict), receivedAt, sesWork),
        })),
      );
      await startWindows(recipients, messageId);
      for (const { verdict, result } of recipients) {
        metrics.recipient(verdict.class, verdict.reason);
        if (result.kind === "duplicate") metrics.duplicate();
        if (
          result.kind === "applied" &&
          result.assessment.status === "suppressed" &&
          (result.promoted || isSuppressing(verdict))
        ) {
          metrics.suppression(result.assessment.reason ?? verdict.reason);
        }
        logger.log("info", "recipient classified", {
          messageId,
          address: logger.address(verdict.address),
          event: verdict.event,
          class: verdict.class,
          reason: verdict.reason,
          status: verdict.status,
          outcome: result.kind,
          addressStatus: result.kind === "skipped" ? undefined : result.assessment?.status,
        });
      }
      await settleSesWork(recipients, messageId, receivedAt);
      await mirrorDeferralsOnSes(recipients, messageId);
      return { kind: "applied", messageId, recipients };
    } catch (error) {
      // Mostly transient (throttling, timeouts): the record is retried; applied recipients are idempotent.
      const failure = failureKindOf(error);
      logger.log(
        "error",
        `record failed (${failure}); ${failure === "poison" ? "it goes to the DLQ" : "it will be retried"}`,
        {
          messageId,
          error: errorText(error),
        },
      );
      return { kind: "failed", messageId, error: errorText(error), failure };
    }
  }

  /**
   * Each window a write opened gets its execution. Not best effort: a failure fails the record, and
   * its redelivery (a duplicate for the store) reads the item and starts the window again, by the
   * same execution name, so a window is never left without its execution nor run twice.
   */
  async function startWindows(recipients: readonly RecipientOutcome[], messageId: string): Promise<void> {
    const scheduler = dependencies.scheduler;
    if (scheduler === undefined) return;
    await Promise.all(
      recipients.map(async ({ verdict, result }) => {
        if (result.kind === "skipped") return;
        if (result.stopWindow !== undefined)
          await stopWindow(scheduler, result.stopWindow, verdict, messageId);
        if (result.window === undefined) return;
        const started = await scheduler.start(result.window);
        logger.log("info", "retry window started", {
          messageId,
          address: logger.address(verdict.address),
          execution: result.window.name,
          windowEnd: result.window.input.windowEnd,
          dueAt: result.window.input.dueAt,
          outcome: started,
        });
      }),
    );
  }

  /**
   * Best effort: a window closed by a delivery or a suppression needs no execution any more, and
   * stopping it now frees it (and its quota) at once; if the stop fails, the execution finds the
   * window gone at its next wake-up and ends there.
   */
  async function stopWindow(
    scheduler: RetryScheduler,
    execution: string,
    verdict: RecipientVerdict,
    messageId: string,
  ): Promise<void> {
    try {
      const outcome = await scheduler.stop(execution, `closed by ${eventInWords(verdict)}`);
      logger.log("info", "retry window closed", {
        messageId,
        address: logger.address(verdict.address),
        execution,
        outcome,
      });
    } catch (error) {
      logger.log("warn", "could not stop a closed window's execution; it ends at its next wake-up", {
        messageId,
        address: logger.address(verdict.address),
        execution,
        error: errorText(error),
      });
    }
  }

  /** Best effort: the table's deferral is what the pre-send check answers; only its removal is retried. */
  async function mirrorDeferralsOnSes(recipients: readonly RecipientOutcome[], messageId: string) {
    const mirror = dependencies.sesDeferralMirror;
    if (mirror === undefined) return;
    await Promise.all(
      recipients.map(async ({ verdict, result }) => {
        const deferredNow =
          result.kind === "applied" &&
          result.assessment.status === "deferred" &&
          (verdict.class === "soft" || verdict.class === "unconfirmed" || verdict.class === "block");
        if (!deferredNow) return;
        try {
          await mirror.put(verdict.address, "BOUNCE");
        } catch (error) {
          metrics.sesSyncFailure();
          logger.log("error", "could not mirror the deferral on the SES account list", {
            messageId,
            address: logger.address(verdict.address),
            error: errorText(error),
          });
        }
      }),
    );
  }

  /**
   * The SES list work the items hold: a suppression to put (from this event, or from an attempt
   * that failed or crashed before it was done) and a mirrored deferral to remove. Each is cleared
   * on the item once done. A failure fails the record: its redelivery finds the mark and tries
   * again, and so does the address's next event, so SES's list catches up with the table.
   */
  async function settleSesWork(
    recipients: readonly RecipientOutcome[],
    messageId: string,
    receivedAt: Date,
  ): Promise<void> {
    await Promise.all(
      recipients.map(async ({ verdict, result }) => {
        if (result.kind === "skipped" || result.ses === undefined) return;
        const { put, remove } = result.ses;
        try {
          if (remove === true) {
            await dependencies.sesDeferralMirror?.remove(verdict.address);
            await store.settleSes(verdict.address, { remove: true }, receivedAt);
          }
          if (put !== undefined) {
            const sync = dependencies.sesSync;
            const due =
              sync !== undefined && result.assessment !== undefined && sesPutStillDue(result.assessment);
            if (due) await sync.put(verdict.address, put);
            const keep = await store.settleSes(verdict.address, { put }, receivedAt);
            // An operator reactivated the address between our write and our put: take the put back.
            if (due && !keep) await sync.remove(verdict.address);
          }
        } catch (error) {
          metrics.sesSyncFailure();
          logger.log("error", "could not bring the SES account list up to date; the record will be retried", {
            messageId,
            address: logger.address(verdict.address),
            error: errorText(error),
          });
          throw error;
        }
      }),
    );
  }

  /**
   * Poison goes to the DLQ now, so it neither waits out the receive count nor holds a receive
   * budget meant for outages. A transient failure is held back for a delay that grows with each
   * receive (SQS returns it then), so good records outlast an outage of hours before they could
   * reach the DLQ. If SQS refuses either call, the record is reported failed as it is, and SQS's
   * visibility timeout and receive count decide.
   */
  async function disposeOfFailures(
    records: readonly SQSRecord[],
    outcomes: readonly RecordOutcome[],
  ): Promise<Set<string>> {
    const retry = dependencies.recordRetry;
    const failed = outcomes.filter((outcome) => outcome.kind === "failed");
    if (retry === undefined || failed.length === 0) return new Set();
    const recordOf = new Map(records.map((record) => [record.messageId, record]));
    const withRecord = (kind: FailureKind) =>
      failed.flatMap((outcome) => {
        const record = recordOf.get(outcome.messageId);
        return outcome.failure === kind && record !== undefined ? [{ record, error: outcome.error }] : [];
      });
    let deadLettered = new Set<string>();
    const poison = withRecord("poison");
    if (poison.length > 0) {
      try {
        deadLettered = await retry.deadLetter(poison);
      } catch (error) {
        logger.log("error", "could not send poison records to the DLQ; SQS moves them after their receives", {
          error: errorText(error),
        });
      }
    }
    const transient = withRecord("transient");
    if (transient.length > 0) {
      try {
        await retry.delay(
          transient.map(({ record }) => ({
            record,
            seconds: retryDelaySeconds(receiveCountOf(record), schedule, random()),
          })),
        );
      } catch (error) {
        logger.log(
          "warn",
          "could not delay the failed records; they return after the queue's visibility timeout",
          {
            error: errorText(error),
          },
        );
      }
    }
    return deadLettered;
  }

  async function processEvent(
    event: SQSEvent,
  ): Promise<{ response: SQSBatchResponse; outcomes: RecordOutcome[] }> {
    const processed = await Promise.all(event.Records.map(processRecord));
    const deadLettered = await disposeOfFailures(event.Records, processed);
    const outcomes = processed.map(
      (outcome): RecordOutcome =>
        outcome.kind === "failed" && deadLettered.has(outcome.messageId)
          ? { kind: "dead-lettered", messageId: outcome.messageId, error: outcome.error }
          : outcome,
    );
    const failures = outcomes.filter((outcome) => outcome.kind === "failed");
    for (const _ of [...failures, ...outcomes.filter((outcome) => outcome.kind === "dead-lettered")]) {
      metrics.failedRecord();
    }
    return {
      response: { batchItemFailures: failures.map((outcome) => ({ itemIdentifier: outcome.messageId })) },
      outcomes,
    };
  }

  return { processEvent, processRecord };
}

/**
 * With the deferral mirror on, the SES account list holds our own deferrals: SES refusing to send
 * to such an address (Permanent/OnAccountSuppressionList) is the echo of a deferral, not evidence
 * of a hard bounce, so it must not suppress the address for good. Every real hard bounce or
 * complaint that put an address on the list reached the table as itself.
 */
export function withoutMirrorEcho(verdict: RecipientVerdict): RecipientVerdict {
  if (verdict.event !== "bounce" || verdict.bounceSubType !== "OnAccountSuppressionList") return verdict;
  return {
    ...verdict,
    class: "ignore",
    suppressedBySes: undefined,
    explanation:
      "SES did not send: the address is on the account suppression list, where the deferral mirror puts deferred addresses; not taken as a hard bounce",
  };
}

/** "a delivery", "a soft bounce", "a complaint": what closed a window, for its execution's stop cause. */
function eventInWords(verdict: RecipientVerdict): string {
  if (verdict.event === "bounce") return `a ${verdict.class} bounce`;
  return `a ${verdict.event}`;
}

function isSuppressing(verdict: RecipientVerdict): boolean {
  return verdict.class === "hard" || verdict.class === "complaint";
}

/** Rejects invocations that are not SQS events before any record is touched. */
function sqsEventGuard(): MiddlewareObj<SQSEvent, SQSBatchResponse> {
  return {
    before: (request) => {
      const event: unknown = request.event;
      if (
        typeof event !== "object" ||
        event === null ||
        !Array.isArray((event as { Records?: unknown }).Records)
      ) {
        throw new InvalidEventError("the classifier expects an SQS event with a Records array");
      }
    },
  };
}

/** Flushes the metrics of the invocation whether it succeeded or not. */
function flushMetrics(metrics: Metrics): MiddlewareObj<SQSEvent, SQSBatchResponse> {
  return { after: () => metrics.flush(), onError: () => metrics.flush() };
}

export function createHandler(dependencies: ClassifierDependencies) {
  const classifier = createClassifier(dependencies);
  return middy<SQSEvent, SQSBatchResponse>()
    .use(sqsEventGuard())
    .use(flushMetrics(dependencies.metrics))
    .handler(async (event) => (await classifier.processEvent(event)).response);
}

/**
 * The SQS adapter, its client made at the first failed record: most invocations have none.
 * Imported statically: bundled, a static import keeps the two commands, where a dynamic import keeps
 * the whole client (and cost a tenth more load time).
 */
function lazyRecordRetry(queueUrl: string, deadLetterQueueUrl: string): RecordRetry {
  let made: RecordRetry | undefined;
  const retry = () => {
    made ??= createSqsRecordRetry(new SQSClient({}), queueUrl, deadLetterQueueUrl);
    return made;
  };
  return {
    delay: (records) => retry().delay(records),
    deadLetter: (records) => retry().deadLetter(records),
  };
}

let coldStart: Promise<ReturnType<typeof createHandler>> | undefined;

/** Built once per container: configuration, clients and (in keyed mode) the HMAC secret. */
async function lambdaHandler(): Promise<ReturnType<typeof createHandler>> {
  const environment = readEnvironment();
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const keys = await addressKeysFor(environment.addressKeySecretArn);
  const retryWindow = environment.retryWindow;
  // The SES v2 client is loaded and created only when the sync or the mirror is on (both off by default).
  const sync =
    environment.sesSuppressionSync || environment.sesDeferralMirror ? await sesSuppressionList() : undefined;
  return createHandler({
    store: new DynamoDbSuppressionStore(
      // A hung request fails in seconds and is retried with the record's backoff, instead of running
      // the invocation into its timeout (whose records would return only after the visibility timeout).
      new DynamoDBClient({ requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 } }),
      environment.tableName,
      environment.policy,
      keys,
      retryWindow?.config,
    ),
    ...(environment.queues !== undefined
      ? { recordRetry: lazyRecordRetry(environment.queues.queueUrl, environment.queues.deadLetterQueueUrl) }
      : {}),
    scrubDiagnostics: keys.keyed,
    // Imported statically: the window is on in every deployment, and a static import keeps only the one command.
    ...(retryWindow !== undefined
      ? { scheduler: createStepFunctionsScheduler(new SFNClient({}), retryWindow.stateMachineArn) }
      : {}),
    ...(environment.sesDeferralMirror && sync !== undefined ? { sesDeferralMirror: sync } : {}),
    logger: createLogger({ logAddresses: environment.logAddresses, write, pseudonyms: pseudonymsFor(keys) }),
    metrics: createEmfMetrics(environment.metricsNamespace, write),
    ...(environment.sesSuppressionSync && sync !== undefined ? { sesSync: sync } : {}),
  });
}

/** The Lambda entry point. */
export const handler = async (event: SQSEvent, context: Parameters<ReturnType<typeof createHandler>>[1]) => {
  coldStart ??= lambdaHandler();
  // A failed start (bad configuration, unreadable secret) is retried by the next invocation.
  const ready = await coldStart.catch((error: unknown) => {
    coldStart = undefined;
    throw error;
  });
  return ready(event, context);
};
