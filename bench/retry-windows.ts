// State transitions per retry window, counted on executions of the synthesized state machine
// (the `npm start` window scenarios, waits shortened) on a controlled clock, and what they cost per
// million windows. On the clock the counts depend only on the scenarios, never on the machine's load.
import { runWindowDemo, type WindowRun } from "../cli/demo-windows.ts";
import { startLocalDynamoDb } from "../cli/local/dynamodb.ts";
import { synthesizeStack } from "../cli/local/retry-window.ts";
import { startLocalQueues } from "../cli/local/sqs.ts";
import { VirtualClock } from "../cli/local/virtual-clock.ts";
import { DEFAULT_POLICY } from "../functions/core/policy.ts";
import { DEFAULT_RETRY_WINDOW } from "../functions/core/retry-window.ts";
import { IDLE_INSPECTIONS_BEFORE_SLEEP } from "../lib/retry-window.ts";
import { isEntryPoint, spawnUnderTsx } from "../test/support/tsx-child.ts";
import { PRICES_USD } from "./cost-model.ts";

/** Where the controlled clock starts: any instant gives the same counts. */
const CLOCK_START = new Date("2025-06-01T00:00:00.000Z");

export interface WindowScenario {
  readonly transitions: number;
  readonly retry_due_events: number;
  readonly update_items: number;
  readonly put_events: number;
  readonly states: readonly string[];
}

type WindowCase = "delivered_after_one_retry" | "suppressed_at_threshold" | "no_retry_until_window_end";

export interface WindowTransitions {
  /** Measured per scenario on the local executions. */
  readonly measured: {
    readonly delivered_after_one_retry: WindowScenario;
    readonly suppressed_at_threshold_of_3: WindowScenario;
    readonly no_retry_until_window_end: WindowScenario;
  };
  /** Read off the measured runs: a retry, an idle poll, and the end of a window. */
  readonly per_retry: number;
  readonly per_idle_poll: number;
  readonly per_window_closed_by_event: number;
  readonly per_window_run_out: number;
  /** The same scenarios at the default settings (4 h interval, 4 h 15 min poll, 48 h window, threshold 5). */
  readonly at_defaults: Readonly<Record<WindowCase, number>>;
  readonly cost_per_million_windows_usd: Readonly<Record<WindowCase, number>>;
  readonly cost_assumptions: Record<string, number | string>;
}

const count = (states: readonly string[], name: string) => states.filter((state) => state === name).length;

function scenario(run: WindowRun): WindowScenario {
  return {
    transitions: run.transitions,
    retry_due_events: run.retryDue,
    update_items: run.updateItems,
    put_events: run.putEvents,
    states: run.states,
  };
}

/**
 * The states of the first idle poll of a window nobody retried, counted off its run: from the
 * wait after the first RetryDue to the Decide that sends it waiting again.
 */
function idlePollLength(states: readonly string[]): number {
  const start = states.indexOf("WaitForNextBounce");
  const end = states.indexOf("Decide", start);
  if (start === -1 || end === -1) throw new Error(`no idle poll in ${states.join(" › ")}`);
  return end - start + 1;
}

export async function measureWindowTransitions(writeUnitsPerWindowWrite: number): Promise<WindowTransitions> {
  const [template, dynamo, queues] = await Promise.all([
    synthesizeStack(),
    startLocalDynamoDb(),
    startLocalQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 1 }),
  ]);
  let runs: readonly WindowRun[];
  try {
    runs = (await runWindowDemo(dynamo, queues, template, { clock: new VirtualClock(CLOCK_START) })).windows;
  } finally {
    await queues.close();
    await dynamo.close();
  }
  const bySender = (sender: WindowRun["sender"]) => {
    const run = runs.find((candidate) => candidate.sender === sender);
    // A window an event closed is stopped by the classifier (ABORTED); one that ran out succeeds.
    if (run === undefined || (run.execution !== "SUCCEEDED" && run.execution !== "ABORTED")) {
      throw new Error(`the "${sender}" window did not end as it should: ${JSON.stringify(run)}`);
    }
    return run;
  };
  const delivered = bySender("delivers on retry");
  const threshold = bySender("still full on every retry");
  const runOut = bySender("never retries");

  // A retry: the wait, the release, the publish. A window closed by an event: the wait the
  // execution was stopped in. An idle poll: wait, release, inspect, decide.
  const perRetry =
    (threshold.transitions - delivered.transitions) / (threshold.retryDue - delivered.retryDue);
  const perWindowClosedByEvent = delivered.transitions - perRetry * delivered.retryDue;
  const idlePolls = count(runOut.states, "Decide") - 1;
  const perIdlePoll = idlePollLength(runOut.states);
  const perWindowRunOut = runOut.transitions - perRetry * runOut.retryDue - perIdlePoll * idlePolls;
  const derived = { perRetry, perWindowClosedByEvent, perIdlePoll, perWindowRunOut };
  if (!Object.values(derived).every((value) => Number.isInteger(value) && value > 0)) {
    throw new Error(
      `the window runs do not decompose into retries, polls and ends: ${JSON.stringify(derived)} from ${JSON.stringify(runs)}`,
    );
  }

  const interval = DEFAULT_POLICY.retryIntervalSeconds;
  const { pollSeconds, retryWindowSeconds } = DEFAULT_RETRY_WINDOW;
  // Idle polls until the window ends, or until the execution goes to sleep until then.
  const idlePollsAtDefaults = Math.min(
    IDLE_INSPECTIONS_BEFORE_SLEEP,
    Math.ceil((retryWindowSeconds - interval) / pollSeconds) - 1,
  );
  const retriesToThreshold = DEFAULT_POLICY.softBounceThreshold - 1;
  const atDefaults = {
    delivered_after_one_retry: perRetry + perWindowClosedByEvent,
    suppressed_at_threshold: retriesToThreshold * perRetry + perWindowClosedByEvent,
    no_retry_until_window_end: perRetry + idlePollsAtDefaults * perIdlePoll + perWindowRunOut,
  };
  // Writes of each execution at the defaults (a failed conditional write is billed too), plus the
  // classifier's one follow-up write when a delivery or the threshold closes the window.
  const writes = {
    delivered_after_one_retry: 1 + 1,
    suppressed_at_threshold: retriesToThreshold + 1,
    no_retry_until_window_end: 1 + idlePollsAtDefaults * 2 + 3,
  };
  const events = {
    delivered_after_one_retry: 1,
    suppressed_at_threshold: retriesToThreshold,
    no_retry_until_window_end: 1,
  };
  const cost = Object.fromEntries(
    (Object.keys(atDefaults) as (keyof typeof atDefaults)[]).map((name) => {
      const usd =
        atDefaults[name] * PRICES_USD.stepFunctionsStandardTransitionPerThousand * 1_000 +
        writes[name] * writeUnitsPerWindowWrite * PRICES_USD.dynamoDbWriteUnitPerMillion +
        events[name] * PRICES_USD.eventBridgeCustomEventPerMillion;
      return [name, Math.round(usd * 100) / 100];
    }),
  ) as Record<WindowCase, number>;
  return {
    measured: {
      delivered_after_one_retry: scenario(delivered),
      suppressed_at_threshold_of_3: scenario(threshold),
      no_retry_until_window_end: scenario(runOut),
    },
    per_retry: perRetry,
    per_idle_poll: perIdlePoll,
    per_window_closed_by_event: perWindowClosedByEvent,
    per_window_run_out: perWindowRunOut,
    at_defaults: atDefaults,
    cost_per_million_windows_usd: cost,
    cost_assumptions: {
      write_units_per_window_write: writeUnitsPerWindowWrite,
      idle_polls_at_defaults: idlePollsAtDefaults,
      step_functions_per_thousand_transitions: PRICES_USD.stepFunctionsStandardTransitionPerThousand,
      eventbridge_per_million_events: PRICES_USD.eventBridgeCustomEventPerMillion,
    },
  };
}

/**
 * `measureWindowTransitions` in a process of its own, so the bench can run it while this process
 * is busy on one core (generating the chaos stream) and the other core would sit idle. Its
 * figures are counts, not timings.
 */
export function measureWindowTransitionsApart(writeUnitsPerWindowWrite: number): Promise<WindowTransitions> {
  return new Promise((resolve, reject) => {
    const child = spawnUnderTsx(
      import.meta.url,
      ["--measure", String(writeUnitsPerWindowWrite)],
      ["ignore", "pipe", "inherit"],
    );
    const chunks: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const output = Buffer.concat(chunks).toString("utf8");
      if (code !== 0) {
        reject(new Error(`the retry-window measurement exited with code ${code}: ${output.slice(0, 500)}`));
        return;
      }
      try {
        resolve(JSON.parse(output) as WindowTransitions);
      } catch {
        reject(new Error(`the retry-window measurement printed no result: ${output.slice(0, 500)}`));
      }
    });
  });
}

const measureAt = process.argv.indexOf("--measure");
if (isEntryPoint(import.meta.url) && measureAt !== -1) {
  const units = Number(process.argv[measureAt + 1]);
  if (!Number.isFinite(units) || units <= 0) {
    process.stderr.write(
      `--measure needs the write units per window write, got "${process.argv[measureAt + 1]}"\n`,
    );
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await measureWindowTransitions(units))}\n`);
  process.exit(0);
}
