// The classifier Lambda: SQS batch of SES feedback → verdict per recipient → suppression store.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import middy, { type MiddlewareObj } from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { type ApplyResult, DynamoDbSuppressionStore } from "./adapters/dynamodb-store.ts";
import { readEnvironment } from "./adapters/environment.ts";
import { createLogger, type Logger } from "./adapters/logger.ts";
import { createEmfMetrics, type Metrics } from "./adapters/metrics.ts";
import { addressKeysFor, sesSuppressionList } from "./adapters/optional-adapters.ts";
import { createStepFunctionsScheduler, type RetryScheduler } from "./adapters/retry-scheduler.ts";
import type { SesSuppressionReason, SuppressionListSync } from "./adapters/ses-suppression-sync.ts";
import { decide } from "./core/policy.ts";
import { type ParseResult, readNotification } from "./core/read-notification.ts";
import type { RecipientVerdict } from "./core/types.ts";
import { verdictsOf } from "./core/verdicts.ts";

export interface RecipientOutcome {
  readonly verdict: RecipientVerdict;
  readonly result: ApplyResult;
}

export type RecordOutcome =
  | { readonly kind: "applied"; readonly messageId: string; readonly recipients: readonly RecipientOutcome[] }
  | { readonly kind: "control"; readonly messageId: string; readonly controlType: string }
  | { readonly kind: "failed"; readonly messageId: string; readonly error: string };

export interface ClassifierDependencies {
  readonly store: Pick<DynamoDbSuppressionStore, "apply">;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  /** When set, new hard-bounce and complaint suppressions are mirrored on the SES account list. */
  readonly sesSync?: SuppressionListSync;
  /** Starts the execution of each retry window a write opened; absent when no window is run. */
  readonly scheduler?: RetryScheduler;
  /**
   * When set, each deferral is mirrored on the SES account list (as BOUNCE) while it lasts; the
   * retry window's state machine removes it at release.
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

export function createClassifier(dependencies: ClassifierDependencies) {
  const { store, logger, metrics } = dependencies;
  const now = dependencies.now ?? (() => new Date());

  async function processRecord(record: SQSRecord): Promise<RecordOutcome> {
    const messageId = record.messageId;
    const parsed = await parseRecord(record);
    if (parsed.kind === "error") {
      // Permanent: retries cannot fix it, so SQS moves it to the DLQ after maxReceiveCount.
      logger.log("error", "record is not a valid SES notification", { messageId, error: parsed.error });
      return { kind: "failed", messageId, error: parsed.error.message };
    }
    if (parsed.kind === "control") {
      logger.log("info", "SNS subscription message ignored", { messageId, controlType: parsed.controlType });
      return { kind: "control", messageId, controlType: parsed.controlType };
    }
    const verdicts = verdictsOf(parsed.notification).map((verdict) =>
      dependencies.sesDeferralMirror !== undefined ? withoutMirrorEcho(verdict) : verdict,
    );
    if (verdicts.length === 0) {
      logger.log("warn", "notification names no recipients", {
        messageId,
        sesType: parsed.notification.type,
      });
    }
    try {
      const at = now();
      const recipients = await Promise.all(
        verdicts.map(async (verdict) => ({
          verdict,
          result: await store.apply(verdict.address, decide(verdict), at),
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
      await mirrorOnSes(recipients, messageId);
      await mirrorDeferralsOnSes(recipients, messageId);
      return { kind: "applied", messageId, recipients };
    } catch (error) {
      // Transient (throttling, timeouts): the record is retried; applied recipients are idempotent.
      logger.log("error", "store write failed; record will be retried", {
        messageId,
        error: errorText(error),
      });
      return { kind: "failed", messageId, error: errorText(error) };
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

  /** Best effort, like the suppression mirror: the table's deferral is what the pre-send check answers. */
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
   * Best effort by design: the table is the source of truth and has been written; a failure here
   * is logged and counted (and alarmed) but never fails the record, so SES trouble cannot block
   * or replay the pipeline. The next hard bounce or complaint for the address tries again.
   */
  async function mirrorOnSes(recipients: readonly RecipientOutcome[], messageId: string): Promise<void> {
    const sync = dependencies.sesSync;
    if (sync === undefined) return;
    await Promise.all(
      recipients.map(async ({ verdict, result }) => {
        const reason = sesReasonOf(verdict);
        if (result.kind !== "applied" || reason === undefined) return;
        try {
          await sync.put(verdict.address, reason);
        } catch (error) {
          metrics.sesSyncFailure();
          logger.log("error", "could not mirror the suppression on the SES account list", {
            messageId,
            address: logger.address(verdict.address),
            error: errorText(error),
          });
        }
      }),
    );
  }

  async function processEvent(
    event: SQSEvent,
  ): Promise<{ response: SQSBatchResponse; outcomes: RecordOutcome[] }> {
    const outcomes = await Promise.all(event.Records.map(processRecord));
    const failures = outcomes.filter((outcome) => outcome.kind === "failed");
    for (const _ of failures) metrics.failedRecord();
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

/** Our own hard bounces and complaints; never what SES itself already listed. */
function sesReasonOf(verdict: RecipientVerdict): SesSuppressionReason | undefined {
  if (verdict.suppressedBySes) return undefined;
  if (verdict.class === "hard") return "BOUNCE";
  if (verdict.class === "complaint") return "COMPLAINT";
  return undefined;
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
      new DynamoDBClient({}),
      environment.tableName,
      environment.policy,
      keys,
      retryWindow?.config,
    ),
    // Imported statically: the window is on in every deployment, and a static import keeps only the one command.
    ...(retryWindow !== undefined
      ? { scheduler: createStepFunctionsScheduler(new SFNClient({}), retryWindow.stateMachineArn) }
      : {}),
    ...(environment.sesDeferralMirror && sync !== undefined ? { sesDeferralMirror: sync } : {}),
    logger: createLogger({ logAddresses: environment.logAddresses, write }),
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
