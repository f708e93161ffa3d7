// The retry-window part of the local run: soft-bouncing addresses go through their windows on the
// state machine definition synthesized by the stack, with the waits shortened to seconds.
import { DynamoDbSuppressionStore } from "../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../functions/adapters/logger.ts";
import { discardMetrics } from "../functions/adapters/metrics.ts";
import { createStepFunctionsScheduler } from "../functions/adapters/retry-scheduler.ts";
import { createClassifier } from "../functions/classifier.ts";
import { PLAIN_KEYS } from "../functions/core/address-key.ts";
import { assess, type PolicyConfig, policyConfig } from "../functions/core/policy.ts";
import type { RetryWindowConfig } from "../functions/core/retry-window.ts";
import { demoBounce, demoDelivery } from "./demo-scenario.ts";
import { describeStatus } from "./describe-status.ts";
import type { LocalDynamoDb } from "./local/dynamodb.ts";
import { retryWindowDefinition, SHORT_TASK_RETRIES_MS, type Template } from "./local/retry-window.ts";
import { snsEnvelopeOf } from "./local/sns.ts";
import { type LocalQueues, pumpQueue, sendMessages } from "./local/sqs.ts";
import { LocalStepFunctions } from "./local/step-functions.ts";
import type { VirtualClock } from "./local/virtual-clock.ts";

/**
 * Hours become seconds, roughly: an interval, a poll a little longer, a window of several intervals
 * (the defaults are 4 h, 4 h 15 min and 48 h; here 1 s, 2 s and 6 s, so two idle polls where the
 * defaults have ten). The threshold is 3 instead of 5 to keep the run short.
 */
export const DEMO_WINDOW_POLICY: PolicyConfig = policyConfig(
  { retryIntervalSeconds: 1, softBounceThreshold: 3 },
  { localRun: true },
);
export const DEMO_WINDOW: RetryWindowConfig = { retryWindowSeconds: 6, pollSeconds: 2 };

type Sender = "delivers on retry" | "still full on every retry" | "never retries";

const CAST: readonly { address: string; sender: Sender }[] = [
  { address: "busy@retry.example", sender: "delivers on retry" },
  { address: "full@retry.example", sender: "still full on every retry" },
  { address: "quiet@retry.example", sender: "never retries" },
];

let sequence = 0;

function softBounce(address: string, at: Date): string {
  sequence += 1;
  const bounce = demoBounce({
    address,
    bounceType: "Transient",
    bounceSubType: "MailboxFull",
    status: "4.2.2",
    diagnosticCode: "smtp; 452 4.2.2 Mailbox full",
    at,
    id: `window-${sequence}`,
  });
  return JSON.stringify(snsEnvelopeOf(bounce));
}

function delivery(address: string, at: Date): string {
  sequence += 1;
  return JSON.stringify(snsEnvelopeOf(demoDelivery(address, at, `window-${sequence}`)));
}

/**
 * How long after a RetryDue event a simulated sender's re-send is answered (its delivery or its
 * bounce), on a controlled clock: within the poll that follows the release, as the poll allows for.
 */
export const SENDER_ANSWER_MS = (DEMO_WINDOW_POLICY.retryIntervalSeconds * 1000) / 2;

export interface WindowDemoOptions {
  /**
   * A controlled clock: the run takes no real time, and its transitions depend only on the
   * instants of its events, not on how busy the machine is (the bench counts them so). Without
   * one, the run waits in real time and the senders answer as soon as they can (the local run).
   */
  readonly clock?: VirtualClock;
}

export interface WindowRun {
  readonly address: string;
  readonly sender: Sender;
  readonly status: string;
  readonly execution: string;
  readonly states: readonly string[];
  readonly transitions: number;
  readonly retryDue: number;
  /** Requests the execution made: DynamoDB UpdateItem and EventBridge PutEvents (retries not included). */
  readonly updateItems: number;
  readonly putEvents: number;
}

export interface WindowDemoReport {
  readonly lines: string[];
  readonly executions: number;
  readonly retryDue: number;
  readonly transitions: number;
  readonly windows: readonly WindowRun[];
}

const DYNAMODB_STATES = new Set(["Release", "Inspect", "CloseWindow", "RecordFailure"]);

/** The demo's lines stay within this many columns. */
const DEMO_LINE_WIDTH = 100;

/** Text broken at spaces into lines of at most `width` columns, each indented by `indent`. */
function wrapped(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(`${" ".repeat(indent)}${line}`);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(`${" ".repeat(indent)}${line}`);
  return lines;
}

/** How an execution ended, in words: a stopped one was stopped by the classifier when an event closed its window. */
function endOf(execution: { status: string; stopCause?: string | undefined } | undefined): string {
  if (execution === undefined) return "none";
  if (execution.status === "ABORTED") return `stopped (window ${execution.stopCause ?? "closed"})`;
  return execution.status;
}

/**
 * Sends a first soft bounce for each address through the local queue; each simulated sender then
 * answers the RetryDue events the state machine publishes, as a real sender subscribed to them would.
 */
export async function runWindowDemo(
  dynamo: LocalDynamoDb,
  queues: LocalQueues,
  template: Template,
  options: WindowDemoOptions = {},
): Promise<WindowDemoReport> {
  const { clock } = options;
  const now = () => clock?.now() ?? new Date();
  const started = now().getTime();
  const lines: string[] = [];
  const elapsed = () => `+${((now().getTime() - started) / 1000).toFixed(1)}s`.padStart(6);
  const say = (address: string, text: string) => lines.push(`  ${elapsed()}  ${address.padEnd(20)} ${text}`);
  const store = new DynamoDbSuppressionStore(
    dynamo.client,
    dynamo.tableName,
    DEMO_WINDOW_POLICY,
    PLAIN_KEYS,
    DEMO_WINDOW,
  );
  let chain: Promise<unknown> = Promise.resolve();
  const machine = new LocalStepFunctions({
    definition: retryWindowDefinition(template, dynamo.tableName),
    dynamodb: dynamo.client,
    retryIntervalOverridesMs: SHORT_TASK_RETRIES_MS,
    ...(clock !== undefined ? { clock } : {}),
    onEvent: (event) => {
      const address = String(event.detail.address);
      const sender = CAST.find((member) => member.address === address)?.sender;
      say(
        address,
        `RetryDue (due ${String(event.detail.retryDueAt).slice(11, 21)}): the sender ${sender ?? "?"}`,
      );
      if (sender === "delivers on retry") send((at) => delivery(address, at));
      if (sender === "still full on every retry") send((at) => softBounce(address, at));
    },
  });
  const classifier = createClassifier({
    store,
    logger: silentLogger,
    metrics: discardMetrics,
    now,
    scheduler: createStepFunctionsScheduler(
      machine as never,
      "arn:aws:states:local-1:000000000000:stateMachine:retry-window",
    ),
  });
  /**
   * One message at a time through the queue; the notification is made (and timestamped) when its
   * turn comes: at once in real time, or a sender's answer later on the controlled clock.
   */
  function send(notification: (at: Date) => string): void {
    if (clock !== undefined) {
      clock.schedule(new Date(clock.now().getTime() + SENDER_ANSWER_MS), () => deliver(notification));
      return;
    }
    chain = chain.then(() => deliver(notification));
  }
  async function deliver(notification: (at: Date) => string): Promise<void> {
    await sendMessages(queues, [{ body: notification(now()) }]);
    await pumpQueue(queues, async (event) => {
      const { response, outcomes } = await classifier.processEvent(event);
      for (const outcome of outcomes) {
        if (outcome.kind !== "applied") continue;
        for (const { verdict, result } of outcome.recipients) {
          if (result.kind === "skipped" || result.assessment === undefined) continue;
          const opened = result.window !== undefined ? ", window opened" : "";
          const what = verdict.class === "soft" ? `soft bounce (${verdict.reason})` : verdict.event;
          // Times within the run: the clock's seconds to a tenth are enough.
          const status = describeStatus(result.assessment).replace(
            /\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d\.\d)\d*Z/,
            "$1",
          );
          say(verdict.address, `${what} → ${status}${opened}`);
        }
      }
      return response;
    });
  }
  for (const { address } of CAST) send((at) => softBounce(address, at));
  if (clock !== undefined) await clock.run();
  await chain;
  await machine.settle();
  await chain;
  let transitions = 0;
  const windows: WindowRun[] = [];
  lines.push("");
  for (const { address, sender } of CAST) {
    const execution = machine
      .list()
      .find((candidate) => (candidate.input as { address?: string }).address === address);
    const state = assess(await store.get(address), DEMO_WINDOW_POLICY, now());
    transitions += execution?.transitions ?? 0;
    const states = execution?.states ?? [];
    windows.push({
      address,
      sender,
      status: describeStatus(state),
      execution: execution?.status ?? "none",
      states,
      transitions: execution?.transitions ?? 0,
      retryDue: machine.events.filter((event) => event.detail.address === address).length,
      updateItems: states.filter((name) => DYNAMODB_STATES.has(name)).length,
      putEvents: states.filter((name) => name === "PublishRetryDue").length,
    });
    lines.push(
      `  ${address.padEnd(20)} the sender ${sender}: ${describeStatus(state)}`,
      `  ${"".padEnd(20)} execution ${endOf(execution)} after ${execution?.transitions ?? 0} transitions:`,
      ...wrapped(execution?.states.join(" › ") ?? "", DEMO_LINE_WIDTH, 25),
    );
  }
  return { lines, executions: machine.list().length, retryDue: machine.events.length, transitions, windows };
}
