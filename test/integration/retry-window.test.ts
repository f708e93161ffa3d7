// The retry window end to end: the classifier writes to an embedded DynamoDB and starts windows;
// the state machine definition synthesized by the stack runs them against the same table. Times
// are real but short: a 1 s retry interval, a 2 s poll and a 6 s window instead of hours.
import { type DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quietSdkWarnings } from "../../cli/local/aws-clients.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import {
  retryWindowDefinition,
  SHORT_TASK_RETRIES_MS,
  synthesizeStack,
} from "../../cli/local/retry-window.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { sqsRecordOf } from "../../cli/local/sqs.ts";
import { LocalStepFunctions } from "../../cli/local/step-functions.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { discardMetrics } from "../../functions/adapters/metrics.ts";
import {
  createStepFunctionsScheduler,
  type RetryScheduler,
} from "../../functions/adapters/retry-scheduler.ts";
import type { SuppressionListSync } from "../../functions/adapters/ses-suppression-sync.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { type AddressKeys, hmacKeys, PLAIN_KEYS } from "../../functions/core/address-key.ts";
import { assess, DEFAULT_POLICY, type PolicyConfig } from "../../functions/core/policy.ts";
import type { RetryWindowConfig } from "../../functions/core/retry-window.ts";
import { sesBounce, sesDelivery, unique, uniqueAddress } from "../fixtures/scenarios/feedback.ts";
import { SYNTH_TIMEOUT_MS } from "../infra/support.ts";

quietSdkWarnings();

const STATE_MACHINE_ARN = "arn:aws:states:local-1:000000000000:stateMachine:retry-window";
const QUEUE_ARN = "arn:aws:sqs:local-1:000000000000:feedback";
/** Short enough for a test, in the production proportions: poll = interval + allowance, window ≫ interval. */
const POLICY: PolicyConfig = { ...DEFAULT_POLICY, retryIntervalSeconds: 1, softBounceThreshold: 3 };
const WINDOW: RetryWindowConfig = { retryWindowSeconds: 6, pollSeconds: 2 };
const WAIT_LIMIT_MS = 15_000;

let dynamo: LocalDynamoDb;
let template: Awaited<ReturnType<typeof synthesizeStack>>;
let mirrorTemplate: Awaited<ReturnType<typeof synthesizeStack>>;

beforeAll(async () => {
  [template, mirrorTemplate, dynamo] = await Promise.all([
    synthesizeStack(),
    synthesizeStack({ sesDeferralMirror: true }),
    startLocalDynamoDb(),
  ]);
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await dynamo?.close();
});

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function record(notification: Record<string, unknown>, messageId = unique("sqs")) {
  return sqsRecordOf(
    { MessageId: messageId, Body: JSON.stringify(snsEnvelopeOf(notification)) },
    QUEUE_ARN,
    1,
  );
}

function softBounce(address: string, options: { at?: string; feedbackId?: string } = {}) {
  return sesBounce({
    address,
    bounceType: "Transient",
    bounceSubType: "MailboxFull",
    status: "4.2.2",
    diagnosticCode: "smtp; 452 4.2.2 Mailbox full",
    at: options.at ?? new Date().toISOString(),
    ...(options.feedbackId !== undefined ? { feedbackId: options.feedbackId } : {}),
  });
}

/** A client for the state machine's tasks whose Release always fails for good (a ValidationException). */
function failingReleaseClient(): DynamoDBClient {
  return {
    async send(command: UpdateItemCommand) {
      if (command instanceof UpdateItemCommand && command.input.ConditionExpression?.includes("#wR < #wD")) {
        throw Object.assign(new Error("One or more parameter values were invalid"), {
          name: "ValidationException",
        });
      }
      return dynamo.client.send(command);
    },
  } as unknown as DynamoDBClient;
}

interface WorldOptions {
  readonly mirror?: boolean;
  /** The client the state machine's DynamoDB tasks use (to inject faults); the table's by default. */
  readonly machineClient?: DynamoDBClient;
  readonly scheduler?: (local: LocalStepFunctions) => RetryScheduler;
  readonly keys?: AddressKeys;
  readonly window?: RetryWindowConfig;
  /** The store's policy; POLICY by default. */
  readonly policy?: PolicyConfig;
}

function world(options: WorldOptions = {}) {
  const sesList = new Set<string>();
  const machine = new LocalStepFunctions({
    definition: retryWindowDefinition(options.mirror ? mirrorTemplate : template, dynamo.tableName),
    dynamodb: options.machineClient ?? dynamo.client,
    sesSuppressionList: sesList,
    retryIntervalOverridesMs: SHORT_TASK_RETRIES_MS,
  });
  const store = new DynamoDbSuppressionStore(
    dynamo.client,
    dynamo.tableName,
    options.policy ?? POLICY,
    options.keys ?? PLAIN_KEYS,
    options.window ?? WINDOW,
  );
  const mirror: SuppressionListSync = {
    async put(address) {
      sesList.add(address);
    },
    async remove(address) {
      sesList.delete(address);
    },
  };
  const classifier = createClassifier({
    store,
    logger: silentLogger,
    metrics: discardMetrics,
    scheduler:
      options.scheduler?.(machine) ?? createStepFunctionsScheduler(machine as never, STATE_MACHINE_ARN),
    ...(options.mirror ? { sesDeferralMirror: mirror } : {}),
  });
  const executionsOf = (address: string) =>
    machine.list().filter((execution) => (execution.input as { address?: string }).address === address);
  return {
    machine,
    store,
    sesList,
    classifier,
    executionsOf,
    retryDueOf: (address: string) => machine.events.filter((event) => event.detail.address === address),
    /** The one execution of the address, once it has ended. */
    ended: (address: string) =>
      waitFor(`the window of ${address} to end`, () => {
        const [execution, ...more] = executionsOf(address);
        if (more.length > 0) throw new Error(`${more.length + 1} executions for one address`);
        return execution !== undefined && execution.status !== "RUNNING" ? execution : undefined;
      }),
    retryDue: (address: string, count: number) =>
      waitFor(`RetryDue #${count} for ${address}`, () => {
        const events = machine.events.filter((event) => event.detail.address === address);
        return events.length >= count ? events : undefined;
      }),
  };
}

describe.concurrent("retry window on the synthesized state machine", () => {
  it("opens one window with one execution however often the bounce arrives", async () => {
    const w = world();
    const address = uniqueAddress("duplicates");
    const bounce = softBounce(address, { feedbackId: unique("feedback") });
    const copy = { ...bounce, eventType: "Bounce", notificationType: undefined };
    const message = record(bounce);

    const outcomes = await Promise.all([
      w.classifier.processRecord(message),
      w.classifier.processRecord(message),
      w.classifier.processRecord(record(copy)),
    ]);
    await w.classifier.processRecord(message);

    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["applied", "applied", "applied"]);
    expect(w.executionsOf(address)).toHaveLength(1);
    expect(w.machine.startCalls).toBeGreaterThanOrEqual(1);
    const state = await w.store.get(address);
    const bounceAt = (bounce.bounce as { timestamp: string }).timestamp;
    expect(state?.window?.start).toBe(bounceAt);
    expect(state?.counts.soft).toBe(1);
    w.machine.abortAll();
  });

  it("starts the window again when the first start failed: the redelivered record is a duplicate but still starts it", async () => {
    let failures = 1;
    const w = world({
      scheduler: (machine) => {
        const real = createStepFunctionsScheduler(machine as never, STATE_MACHINE_ARN);
        return {
          start: async (window) => {
            if (failures > 0) {
              failures -= 1;
              throw new Error("ThrottlingException: Rate exceeded");
            }
            return real.start(window);
          },
          stop: (execution, cause) => real.stop(execution, cause),
        };
      },
    });
    const address = uniqueAddress("start-fails");
    const message = record(softBounce(address));

    const first = await w.classifier.processRecord(message);
    expect(first.kind).toBe("failed");
    expect(w.executionsOf(address)).toHaveLength(0);

    const second = await w.classifier.processRecord(message);
    expect(second.kind).toBe("applied");
    expect(w.executionsOf(address)).toHaveLength(1);
    expect((await w.store.get(address))?.counts.soft).toBe(1);
    w.machine.abortAll();
  });

  it("releases the deferral at its due time and publishes RetryDue with address, window and last reason", async () => {
    const w = world();
    const address = uniqueAddress("retry-due");
    const bounceAt = new Date().toISOString();
    await w.classifier.processRecord(record(softBounce(address, { at: bounceAt })));

    const before = await w.store.get(address);
    // Judged half a second after the bounce, whatever the machine's load: the stored time decides.
    expect(assess(before, POLICY, new Date(Date.parse(bounceAt) + 500)).status).toBe("deferred");
    expect(w.retryDueOf(address)).toHaveLength(0);

    const [event] = await w.retryDue(address, 1);
    const dueAt = new Date(Date.parse(bounceAt) + 1_000).toISOString();
    expect(event?.source).toBe("bounce-guard");
    expect(event?.detailType).toBe("RetryDue");
    expect(event?.detail).toEqual({
      address,
      windowStart: bounceAt,
      windowEnd: new Date(Date.parse(bounceAt) + 6_000).toISOString(),
      retryDueAt: dueAt,
      lastReason: "mailboxfull",
    });
    expect(event !== undefined && event.at >= dueAt).toBe(true);
    const after = await w.store.get(address);
    expect(after?.window?.releasedAt).toBe(dueAt);
    expect(assess(after, POLICY, new Date()).status).toBe("active");
    w.machine.abortAll();
  });

  it("closes the window on a delivery: the execution is stopped at once and the streak resets", async () => {
    const w = world();
    const address = uniqueAddress("delivered");
    await w.classifier.processRecord(record(softBounce(address)));
    await w.retryDue(address, 1);

    await w.classifier.processRecord(record(sesDelivery({ address, at: new Date().toISOString() })));
    const execution = await w.ended(address);

    expect(execution.status).toBe("ABORTED");
    expect(execution.stopCause).toBe("closed by a delivery");
    // One retry (3 transitions), then the poll's wait it was stopped in.
    expect(execution.states).toEqual(["WaitUntilDue", "Release", "PublishRetryDue", "WaitForNextBounce"]);
    const state = await w.store.get(address);
    expect(state?.window).toBeUndefined();
    expect(assess(state, POLICY, new Date()).streak.count).toBe(0);
    expect(w.retryDueOf(address)).toHaveLength(1);
  });

  it("suppresses at the threshold and ends the execution without another RetryDue", async () => {
    const w = world();
    const address = uniqueAddress("threshold");
    await w.classifier.processRecord(record(softBounce(address)));
    await w.retryDue(address, 1);
    // The sender retries at each RetryDue and the mailbox is still full.
    await w.classifier.processRecord(record(softBounce(address)));
    await w.retryDue(address, 2);
    const third = await w.classifier.processRecord(record(softBounce(address)));
    const execution = await w.ended(address);

    expect(third.kind === "applied" && third.recipients[0]?.result.kind === "applied").toBe(true);
    const state = await w.store.get(address);
    const assessment = assess(state, POLICY, new Date());
    expect(assessment.status).toBe("suppressed");
    expect(assessment.suppression?.by).toBe("soft-threshold");
    expect(state?.window).toBeUndefined();
    expect(execution.status).toBe("ABORTED");
    expect(execution.stopCause).toBe("closed by a soft bounce");
    expect(w.retryDueOf(address)).toHaveLength(2);
    // Two retries at three transitions each, then the poll's wait it was stopped in.
    expect(execution.transitions).toBe(2 * 3 + 1);
  });

  it("ends a hard-bounced address's window at once", async () => {
    // A 5 s first wait, not 1 s: on a loaded machine the hard bounce can take over a second to
    // land, and this test is about the stop, not about the wait.
    const w = world({ policy: { ...POLICY, retryIntervalSeconds: 5 } });
    const address = uniqueAddress("hard");
    await w.classifier.processRecord(record(softBounce(address)));
    await w.classifier.processRecord(record(sesBounce({ address, at: new Date().toISOString() })));
    const execution = await w.ended(address);

    expect(execution.status).toBe("ABORTED");
    expect(execution.states).toEqual(["WaitUntilDue"]);
    expect(w.retryDueOf(address)).toHaveLength(0);
    expect(assess(await w.store.get(address), POLICY, new Date()).status).toBe("suppressed");
  });

  it("ends the execution at its next wake-up when stopping it failed: the window is gone all the same", async () => {
    const w = world();
    w.machine.failNextStops = 1;
    const address = uniqueAddress("stop-fails");
    await w.classifier.processRecord(record(softBounce(address)));
    const delivered = await w.classifier.processRecord(
      record(sesDelivery({ address, at: new Date().toISOString() })),
    );
    const execution = await w.ended(address);

    expect(delivered.kind).toBe("applied");
    expect(w.machine.stopCalls).toBe(1);
    expect(execution.status).toBe("SUCCEEDED");
    expect(execution.states).toEqual(["WaitUntilDue", "Release", "Inspect", "WindowClosed"]);
    expect(w.retryDueOf(address)).toHaveLength(0);
    expect((await w.store.get(address))?.window).toBeUndefined();
  });

  it("closes a window that ends without recovery: the address stays active with its streak remembered", async () => {
    const w = world();
    const address = uniqueAddress("no-recovery");
    await w.classifier.processRecord(record(softBounce(address)));
    const execution = await w.ended(address);

    expect(execution.status).toBe("SUCCEEDED");
    expect(execution.states.slice(0, 4)).toEqual([
      "WaitUntilDue",
      "Release",
      "PublishRetryDue",
      "WaitForNextBounce",
    ]);
    expect(execution.states.at(-1)).toBe("CloseWindow");
    const state = await w.store.get(address);
    expect(state?.window).toBeUndefined();
    const assessment = assess(state, POLICY, new Date());
    expect(assessment.status).toBe("active");
    expect(assessment.streak.count).toBe(1);
    expect(w.retryDueOf(address)).toHaveLength(1);
  });

  it("stops polling after three idle looks and sleeps until the window's end, where it releases a late bounce", async () => {
    const w = world({ window: { retryWindowSeconds: 8, pollSeconds: 1 } });
    const address = uniqueAddress("dormant");
    const started = Date.now();
    await w.classifier.processRecord(record(softBounce(address)));
    await w.retryDue(address, 1);
    // The sender retries late, after the execution has gone to sleep.
    await waitFor("the execution to sleep", () =>
      w.executionsOf(address)[0]?.states.at(-1) === "WaitUntilWindowEnd" ? true : undefined,
    );
    await w.classifier.processRecord(record(softBounce(address)));
    const execution = await w.ended(address);

    const events = w.retryDueOf(address);
    expect(events).toHaveLength(2);
    const windowEnd = String(events[0]?.detail.windowEnd);
    // The late bounce's due time passed long before; its RetryDue waited for the window's end.
    expect(events[1] !== undefined && events[1].at >= windowEnd).toBe(true);
    expect(execution.states).toEqual([
      "WaitUntilDue",
      "Release",
      "PublishRetryDue",
      ...Array.from({ length: 3 }, () => ["WaitForNextBounce", "Release", "Inspect", "Decide"]).flat(),
      "WaitUntilWindowEnd",
      "Release",
      "PublishRetryDue",
      "WaitForNextBounce",
      "Release",
      "Inspect",
      "Decide",
      "CloseWindow",
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000);
  });

  it("moves the due time back to the latest bounce when an older one arrives late", async () => {
    const w = world();
    const address = uniqueAddress("late");
    const latest = new Date();
    const older = new Date(latest.getTime() - 500);
    await w.classifier.processRecord(record(softBounce(address, { at: latest.toISOString() })));
    await w.classifier.processRecord(record(softBounce(address, { at: older.toISOString() })));

    const state = await w.store.get(address);
    expect(state?.window?.start).toBe(latest.toISOString());
    expect(state?.window?.due).toBe(new Date(latest.getTime() + 1_000).toISOString());
    expect(state?.counts.soft).toBe(2);
    const [event] = await w.retryDue(address, 1);
    expect(event?.detail.retryDueAt).toBe(new Date(latest.getTime() + 1_000).toISOString());
    w.machine.abortAll();
  });

  it("retries a RetryDue that EventBridge failed (FailedEntry) and publishes it once", async () => {
    const w = world();
    w.machine.failNextPublishes = 1;
    const address = uniqueAddress("publish-fails");
    await w.classifier.processRecord(record(softBounce(address)));
    await w.retryDue(address, 1);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(w.retryDueOf(address)).toHaveLength(1);
    const [execution] = w.executionsOf(address);
    expect(execution?.states).toEqual(["WaitUntilDue", "Release", "PublishRetryDue", "WaitForNextBounce"]);
    // Step Functions bills the retry as a transition of its own.
    expect(execution?.transitions).toBe(execution ? execution.states.length + 1 : 0);
    w.machine.abortAll();
  });

  it("records a failure on the item and fails the execution when a task fails for good", async () => {
    const failing = failingReleaseClient();
    const w = world({ machineClient: failing });
    const address = uniqueAddress("failure");
    await w.classifier.processRecord(record(softBounce(address)));
    const execution = await w.ended(address);

    expect(execution.status).toBe("FAILED");
    expect(execution.states).toEqual(["WaitUntilDue", "Release", "RecordFailure", "Failed"]);
    const state = await w.store.get(address);
    expect(state?.windowFailure).toContain("DynamoDB.ValidationException");
    // The window is closed with it, so the next soft bounce opens a new one.
    expect(state?.window).toBeUndefined();
    await w.classifier.processRecord(record(softBounce(address)));
    expect((await w.store.get(address))?.window).toBeDefined();
    expect(w.executionsOf(address)).toHaveLength(2);
    w.machine.abortAll();
  });

  it("keeps the address out of the item key and the execution name in keyed mode, and in RetryDue for the sender", async () => {
    const keys = hmacKeys("a-local-test-secret-of-enough-length-0123456789");
    const w = world({ keys });
    const address = uniqueAddress("keyed");
    await w.classifier.processRecord(record(softBounce(address)));
    const [event] = await w.retryDue(address, 1);

    const [execution] = w.executionsOf(address);
    const input = execution?.input as { key: string; address: string };
    expect(input.key).toBe(keys.keyOf(address));
    expect(input.key).not.toContain(address.split("@")[0]);
    expect(execution?.name).not.toContain(address.split("@")[0]);
    expect(event?.detail.address).toBe(address);
    expect((await w.store.get(address))?.window?.releasedAt).toBe(event?.detail.retryDueAt);
    w.machine.abortAll();
  });

  it("mirrors the deferral on the SES account list until its release, when the option is on", async () => {
    const w = world({ mirror: true });
    const address = uniqueAddress("mirror");
    await w.classifier.processRecord(record(softBounce(address)));
    expect(w.sesList.has(address)).toBe(true);

    // A send while the deferral is mirrored: SES refuses it as on the account list. That echo of
    // our own deferral must not suppress the address for good.
    const echo = sesBounce({
      address,
      bounceType: "Permanent",
      bounceSubType: "OnAccountSuppressionList",
      status: "5.1.1",
      diagnosticCode:
        "Amazon SES did not send the message to this address because it is on the suppression list for your account.",
      at: new Date().toISOString(),
    });
    await w.classifier.processRecord(record(echo));
    expect(assess(await w.store.get(address), POLICY, new Date()).status).not.toBe("suppressed");

    await w.retryDue(address, 1);
    expect(w.sesList.has(address)).toBe(false);
    const [execution] = w.executionsOf(address);
    expect(execution?.states.slice(0, 4)).toEqual([
      "WaitUntilDue",
      "Release",
      "ForgetDeferralOnSes",
      "PublishRetryDue",
    ]);
    w.machine.abortAll();
  });

  it("removes the mirrored deferral from SES's list when a delivery closes the window before any release", async () => {
    const w = world({ mirror: true });
    const address = uniqueAddress("mirror-delivered");
    await w.classifier.processRecord(record(softBounce(address)));
    expect(w.sesList.has(address)).toBe(true);

    await w.classifier.processRecord(record(sesDelivery({ address, at: new Date().toISOString() })));
    const execution = await w.ended(address);

    expect(execution.status).toBe("ABORTED");
    expect(w.sesList.has(address)).toBe(false);
    expect((await w.store.get(address))?.sesRemove).toBeUndefined();
  });

  it("removes the mirrored deferral from SES's list when the window's execution fails", async () => {
    const failing = failingReleaseClient();
    const w = world({ mirror: true, machineClient: failing });
    const address = uniqueAddress("mirror-failed");
    await w.classifier.processRecord(record(softBounce(address)));
    expect(w.sesList.has(address)).toBe(true);

    const execution = await w.ended(address);

    expect(execution.status).toBe("FAILED");
    expect(execution.states).toEqual([
      "WaitUntilDue",
      "Release",
      "RecordFailure",
      "ForgetDeferralAfterFailure",
      "Failed",
    ]);
    expect(w.sesList.has(address)).toBe(false);
  });
});
