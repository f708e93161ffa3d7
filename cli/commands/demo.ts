// bounce-guard demo (what `npm start` runs): the whole pipeline on this machine.
import { mkdirSync, rmSync } from "node:fs";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { discardMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier, type RecordOutcome } from "../../functions/classifier.ts";
import { assess, DEFAULT_POLICY, type PolicyConfig } from "../../functions/core/policy.ts";
import { type Command, EXIT, type Io, readItems } from "../context.ts";
import { demoScenario } from "../demo-scenario.ts";
import { DEMO_WINDOW, DEMO_WINDOW_POLICY, runWindowDemo } from "../demo-windows.ts";
import { describeStatus } from "../describe-status.ts";
import type { InputProblem } from "../input.ts";
import { startLocalDynamoDb } from "../local/dynamodb.ts";
import { isInstalled } from "../local/optional-dependency.ts";
import { countRequests } from "../local/request-counter.ts";
import { defaultStackTemplate } from "../local/retry-window.ts";
import { type OutgoingMessage, pumpQueue, queueDepth, sendMessages, startLocalQueues } from "../local/sqs.ts";
import { localStorePolicy, recordLocalPolicy } from "../store-policy.ts";
import { formatTable } from "../table.ts";

/** The retry windows' store: beside the scenario's, since it is written with another policy. */
export function retryWindowsDirectory(dataDirectory: string): string {
  return `${dataDirectory.replace(/[\\/]+$/, "")}-retry-windows`;
}

function actionOf(
  outcome: Extract<RecordOutcome, { kind: "applied" }>["recipients"][number],
  config: PolicyConfig,
): string {
  const { verdict, result } = outcome;
  if (result.kind === "skipped") return "ignore";
  if (result.kind === "duplicate")
    return result.promoted ? "duplicate: finished an interrupted suppression" : "duplicate: no change";
  if (result.promoted) return `suppress: ${config.softBounceThreshold} soft bounces in a row`;
  if (verdict.event === "delay") return "record (SES still retrying)";
  switch (verdict.class) {
    case "hard":
    case "complaint":
      return verdict.suppressedBySes ? "suppress (already on an SES list, not counted)" : "suppress";
    case "soft":
      return `count soft ${result.assessment.streak.count}/${config.softBounceThreshold}, defer`;
    case "block":
      return `count block (${result.assessment.blockCount}), defer`;
    case "delivered":
      return "reset streak";
    default:
      return "record";
  }
}

async function demo(files: readonly string[], dataDirectory: string, io: Io): Promise<number> {
  const now = io.now();
  let messages: OutgoingMessage[];
  let problems: InputProblem[] = [];
  const windowsDirectory = retryWindowsDirectory(dataDirectory);
  let config: PolicyConfig;
  if (files.length === 0) {
    // The built-in scenario starts from empty stores so every run shows the same story.
    rmSync(dataDirectory, { recursive: true, force: true });
    rmSync(windowsDirectory, { recursive: true, force: true });
    messages = demoScenario(now);
    config = DEFAULT_POLICY;
    recordLocalPolicy(dataDirectory, config);
  } else {
    const read = await readItems(files, io);
    problems = read.problems;
    messages = read.items.map((item) => ({ body: bodyOf(item.value), label: item.origin }));
    config = localStorePolicy(dataDirectory);
  }
  mkdirSync(dataDirectory, { recursive: true });
  // The retry-window part runs the state machine the stack synthesizes; synthesis starts now. Its
  // executor declares Node.js 22, so installs on Node.js 20 leave that optional dependency out.
  const windows =
    files.length === 0 &&
    (await isInstalled("aws-local-stepfunctions", () => import("aws-local-stepfunctions")));
  const template = windows ? defaultStackTemplate() : undefined;
  template?.catch(() => undefined);
  const dynamo = await startLocalDynamoDb({ path: dataDirectory });
  const requests = countRequests(dynamo.client);
  const queues = await startLocalQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
  try {
    const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, config);
    const classifier = createClassifier({
      store,
      logger: silentLogger,
      metrics: discardMetrics,
      now: () => now,
    });
    const outcomes: { label: string; outcome: RecordOutcome }[] = [];
    await sendMessages(queues, messages);
    const pumped = await pumpQueue(queues, async (event) => {
      const { response, outcomes: batch } = await classifier.processEvent(event);
      batch.forEach((outcome, index) => {
        const record = event.Records[index];
        outcomes.push({
          label: record?.messageAttributes.label?.stringValue ?? record?.messageId ?? "",
          outcome,
        });
      });
      return response;
    });
    const dlqDepth = await queueDepth(queues, queues.deadLetterQueueUrl);
    const intakeRequests = new Map(requests.counts);
    intakeRequests.delete("DescribeTableCommand");
    intakeRequests.delete("CreateTableCommand");
    const intakeTotal = [...intakeRequests.values()].reduce((sum, count) => sum + count, 0);
    io.stdout(`${reportOf(outcomes, config, dataDirectory)}\n\n`);
    const recipientEvents = outcomes.flatMap(({ outcome }) =>
      outcome.kind === "applied" ? outcome.recipients : [],
    );
    const skipped = recipientEvents.filter(({ result }) => result.kind === "skipped").length;
    const written = recipientEvents.filter(({ result }) => result.kind === "applied").length;
    const byCommand = [...intakeRequests]
      .map(([name, count]) => `${name.replace(/Command$/, "")} ${count}`)
      .join(", ");
    const finalStates = await Promise.all(
      [...new Set(recipientEvents.map(({ verdict }) => verdict.address))].map(async (address) =>
        assess(await store.get(address), config, now),
      ),
    );
    const countStatus = (status: string) => finalStates.filter((state) => state.status === status).length;
    const summary = [
      "Summary",
      `  messages sent          ${messages.length} (${pumped.receives} receives in ${pumped.batches} batches)`,
      `  recipient verdicts     ${recipientEvents.length} (${written} stored, ${recipientEvents.filter(({ result }) => result.kind === "duplicate").length} duplicates recognised)`,
      `  addresses              ${finalStates.length}: ${countStatus("suppressed")} suppressed, ${countStatus("deferred")} deferred, ${countStatus("active")} active`,
      `  ignored (control)      ${outcomes.filter(({ outcome }) => outcome.kind === "control").length}`,
      `  failed receives        ${outcomes.filter(({ outcome }) => outcome.kind === "failed").length}; now in the DLQ: ${dlqDepth}`,
      `  DynamoDB requests      ${intakeTotal} (${byCommand}) for ${recipientEvents.length - skipped} recipient events to store: ${(intakeTotal / Math.max(1, recipientEvents.length - skipped)).toFixed(2)} per event`,
      `  local store            ${dataDirectory} (try: npx bounce-guard status jane@example.com)`,
    ];
    io.stdout(`${summary.join("\n")}\n`);
    if (template !== undefined) {
      // Its own store with its own policy: a store is written with one policy, which the commands read back.
      recordLocalPolicy(windowsDirectory, DEMO_WINDOW_POLICY);
      const windowsDynamo = await startLocalDynamoDb({ path: windowsDirectory });
      try {
        const windows = await runWindowDemo(windowsDynamo, queues, await template);
        io.stdout(
          `\nRetry windows: the state machine synthesized from lib/ runs locally on a table of its own (aws-local-stepfunctions; EventBridge recorded in memory).\nWaits shortened, hours become seconds: retry interval ${DEMO_WINDOW_POLICY.retryIntervalSeconds} s, poll ${DEMO_WINDOW.pollSeconds} s, window ${DEMO_WINDOW.retryWindowSeconds} s, threshold ${DEMO_WINDOW_POLICY.softBounceThreshold}.\n\n${windows.lines.join("\n")}\n\n  ${windows.executions} windows (one execution each), ${windows.retryDue} RetryDue events, ${windows.transitions} state transitions\n  local store            ${windowsDirectory}, with the policy above (try: npx bounce-guard why full@retry.example --data ${windowsDirectory})\n`,
        );
      } finally {
        await windowsDynamo.close();
      }
    } else if (files.length === 0) {
      io.stdout(
        "\nRetry windows: skipped. They run on aws-local-stepfunctions, an optional dependency that is not installed (it needs Node.js 22 or later: npm install aws-local-stepfunctions).\n",
      );
    }
  } finally {
    await queues.close();
    await dynamo.close();
  }
  for (const problem of problems) io.stderr(`${problem.origin}: ${problem.message}\n`);
  return problems.length > 0 ? EXIT.badInput : EXIT.ok;
}

/** SQS records are replayed by their body; anything else is sent as it is. */
function bodyOf(value: unknown): string {
  if (typeof value === "object" && value !== null && typeof (value as { body?: unknown }).body === "string") {
    return (value as { body: string }).body;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

function reportOf(
  outcomes: readonly { label: string; outcome: RecordOutcome }[],
  config: PolicyConfig,
  dataDirectory: string,
): string {
  const rows: string[][] = [];
  const failures = new Map<string, number>();
  for (const { outcome } of outcomes) {
    if (outcome.kind === "failed")
      failures.set(outcome.messageId, (failures.get(outcome.messageId) ?? 0) + 1);
  }
  for (const { label, outcome } of outcomes) {
    if (outcome.kind === "applied") {
      for (const recipient of outcome.recipients) {
        const { verdict, result } = recipient;
        rows.push([
          verdict.address,
          verdict.event,
          verdict.class,
          verdict.reason,
          actionOf(recipient, config),
          result.kind === "skipped" || result.assessment === undefined
            ? "-"
            : describeStatus(result.assessment),
          label,
        ]);
      }
    } else if (outcome.kind === "control") {
      rows.push(["-", "-", "-", "-", `ignore SNS ${outcome.controlType}`, "-", label]);
    } else if (failures.has(outcome.messageId)) {
      // One row per failed message, however often it was received.
      const receives = failures.get(outcome.messageId) ?? 0;
      failures.delete(outcome.messageId);
      rows.push([
        "-",
        "-",
        "-",
        "-",
        `fail: ${outcome.error.slice(0, 60)}`,
        `failed ${receives}x, then DLQ`,
        label,
      ]);
    }
  }
  return `Bounce Guard local run (embedded DynamoDB at ${dataDirectory}, local SQS with DLQ)\n\n${formatTable(
    ["address", "event", "class", "reason", "action", "status", "message"],
    rows,
  )}`;
}

export const demoCommand: Command = {
  name: "demo",
  usage: [
    "demo [FILE...]",
    "run the bounce pipeline locally (what `npm start` does); with files, replay your own",
    "notifications (JSON, NDJSON or an array; bare SES, SNS envelope or SQS form) instead",
  ],
  run: (args, options, io) => demo(args, options.data, io),
};
