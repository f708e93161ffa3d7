// bounce-guard demo (what `npm start` runs): the whole pipeline on this machine.
import { mkdirSync } from "node:fs";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { discardMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier, type RecipientOutcome, type RecordOutcome } from "../../functions/classifier.ts";
import { assess, DEFAULT_POLICY, type PolicyConfig } from "../../functions/core/policy.ts";
import {
  CommandFailure,
  type CommandOptions,
  type CommandRun,
  DEFAULT_DATA_DIRECTORY,
  EXIT,
  type Io,
  readItems,
} from "../context.ts";
import { demoScenario } from "../demo-scenario.ts";
import { DEMO_WINDOW, DEMO_WINDOW_POLICY, runWindowDemo } from "../demo-windows.ts";
import { describeStatus } from "../describe-status.ts";
import type { InputProblem } from "../input.ts";
import { DEAD_LETTERS_FILE, keepDeadLetters } from "../local/dead-letters.ts";
import { startLocalDynamoDb } from "../local/dynamodb.ts";
import { isInstalled } from "../local/optional-dependency.ts";
import { countRequests } from "../local/request-counter.ts";
import { defaultStackTemplate } from "../local/retry-window.ts";
import {
  drainQueue,
  type LocalQueues,
  type OutgoingMessage,
  pumpQueue,
  sendMessages,
  startLocalQueues,
} from "../local/sqs.ts";
import { claimStore, emptyStoreFolder, folderContents, markDemoStore } from "../local/store-folder.ts";
import { lockStore, type StoreLock } from "../local/store-lock.ts";
import { printable, shorten } from "../printable.ts";
import { localStorePolicy, recordLocalPolicy } from "../store-policy.ts";
import { formatTable } from "../table.ts";

/** The retry windows' store: beside the scenario's, since it is written with another policy. */
export function retryWindowsDirectory(dataDirectory: string): string {
  return `${dataDirectory.replace(/[\\/]+$/, "")}-retry-windows`;
}

/** The poison messages' errors are cut (at a word) to keep the lines of the demo short. */
const ERROR_SHOWN = 56;
const IGNORED_SHOWN = 44;

/** "2026-11-26T16:00:00.000Z" as "16:00Z": the demo's times are all within a day of now. */
function clockOf(text: string): string {
  return text.replace(/\d{4}-\d\d-\d\dT(\d\d:\d\d):\d\d(?:\.\d+)?Z/g, "$1Z");
}

/** The verdict in few columns: "hard/userunknown", "delivered", "ignore" (no reason to show). */
function verdictText(verdict: RecipientOutcome["verdict"]): string {
  if (verdict.event === "delay") return `delay/${verdict.reason}`;
  if (verdict.class === "ignore" || verdict.class === "delivered" || verdict.reason === "undefined") {
    return verdict.class;
  }
  return `${verdict.class}/${verdict.reason}`;
}

/** What the event did and where the address now stands, in one phrase. */
export function outcomeOf(outcome: RecipientOutcome, config: PolicyConfig): string {
  const { verdict, result } = outcome;
  if (result.kind === "skipped") {
    return shorten(result.why.startsWith("ignored") ? result.why : `ignored: ${result.why}`, IGNORED_SHOWN);
  }
  if (result.kind === "duplicate") {
    return result.promoted ? "duplicate: finished an interrupted suppression" : "duplicate: no change";
  }
  const status = clockOf(describeStatus(result.assessment));
  const suppressed = result.assessment.status === "suppressed";
  if (result.promoted) {
    return result.assessment.suppression?.by === "confirmed"
      ? `second permanent failure: ${status}`
      : `${config.softBounceThreshold} soft in a row: ${status}`;
  }
  // This event suppressed the address, or an earlier one had.
  const earlier = suppressed && result.assessment.suppression?.at !== verdict.timestamp;
  if (verdict.event === "delay") return `SES still retrying; ${status}`;
  switch (verdict.class) {
    case "hard":
    case "complaint":
      if (earlier) return `recorded; stays ${status}`;
      return verdict.suppressedBySes ? `${status}, SES's list (not counted)` : status;
    case "soft":
      return suppressed
        ? `recorded; stays ${status}`
        : `soft ${result.assessment.streak.count}/${config.softBounceThreshold}: ${status}`;
    case "block":
      return suppressed
        ? `block recorded; stays ${status}`
        : `block ${result.assessment.blockCount}: ${status}`;
    case "unconfirmed":
      return suppressed ? `recorded; stays ${status}` : `unconfirmed, a second confirms: ${status}`;
    case "delivered":
      // A delivery resets a streak but never lifts a suppression.
      return suppressed ? `delivery recorded; stays ${status}` : `delivery, streak reset: ${status}`;
    default:
      return `recorded, never counts: ${status}`;
  }
}

/**
 * Make the store folder ready for the built-in scenario, which starts from an empty store so every
 * run tells the same story. Only a folder that is empty or holds nothing but an earlier demo is
 * emptied; a store with the operator's data is emptied only when they say yes at the terminal; any
 * other file stops the demo, untouched.
 */
export async function prepareScenarioFolder(directory: string, io: Io): Promise<void> {
  const contents = folderContents(directory);
  switch (contents.kind) {
    case "empty":
      return;
    case "demo":
      emptyStoreFolder(directory);
      return;
    case "not-a-folder":
      throw new CommandFailure(`${directory} is a file, not a folder; give --data a new or empty folder`);
    case "foreign":
      throw new CommandFailure(
        `${directory} holds files that are not a Bounce Guard store (${contents.examples.join(", ")}); the demo leaves them alone: give --data a new or empty folder`,
      );
    case "store": {
      const question = `${directory} holds a store with data the demo did not write (suppressions, imports…). Delete it and run the demo there?`;
      if (io.confirm !== undefined && (await io.confirm(question))) {
        emptyStoreFolder(directory);
        return;
      }
      throw new CommandFailure(
        `${directory} holds data the demo did not write (suppressions, imports…), left as it is; run the demo elsewhere: npm start -- --data .bounce-guard/demo`,
      );
    }
  }
}

/**
 * Whether the retry windows run: on the built-in scenario, when aws-local-stepfunctions (an optional
 * dependency that declares Node.js 22) is installed.
 */
async function windowsRun(scenario: boolean): Promise<boolean> {
  return scenario && (await isInstalled("aws-local-stepfunctions", () => import("aws-local-stepfunctions")));
}

/** A store folder the demo writes: not a file, and held by this command alone until released. */
async function holdFolder(directory: string, options: CommandOptions, io: Io): Promise<StoreLock> {
  if (folderContents(directory).kind === "not-a-folder") {
    throw new CommandFailure(`${directory} is a file, not a folder; give --data a folder`);
  }
  mkdirSync(directory, { recursive: true });
  return lockStore(directory, options.command, io);
}

async function demo(files: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const dataDirectory = options.data;
  const now = io.now();
  const scenario = files.length === 0;
  const windows = await windowsRun(scenario);
  const windowsDirectory = windows ? retryWindowsDirectory(dataDirectory) : undefined;
  // A folder holding other files stops the demo before anything is written there; checked again once locked.
  if (scenario) {
    for (const directory of [dataDirectory, ...(windowsDirectory !== undefined ? [windowsDirectory] : [])]) {
      if (folderContents(directory).kind === "foreign") await prepareScenarioFolder(directory, io);
    }
  }
  const locks: StoreLock[] = [];
  try {
    locks.push(await holdFolder(dataDirectory, options, io));
    if (windowsDirectory !== undefined) locks.push(await holdFolder(windowsDirectory, options, io));
    let messages: OutgoingMessage[];
    let problems: InputProblem[] = [];
    let config: PolicyConfig;
    if (scenario) {
      // The windows' store first: refused, it leaves the scenario's store as it was.
      if (windowsDirectory !== undefined) await prepareScenarioFolder(windowsDirectory, io);
      await prepareScenarioFolder(dataDirectory, io);
      if (windowsDirectory !== undefined) {
        // Its own store with its own policy: a store is written with one policy, which the commands read back.
        recordLocalPolicy(windowsDirectory, DEMO_WINDOW_POLICY);
      }
      messages = demoScenario(now);
      // The scenario is told with the default policy, and its store records it.
      config = DEFAULT_POLICY;
      recordLocalPolicy(dataDirectory, config);
    } else {
      // Your own notifications make the store yours: a later scenario run will not empty it. They are
      // written with the policy the store already has (the defaults on first use).
      claimStore(dataDirectory);
      const read = await readItems(files, io);
      problems = read.problems;
      messages = read.items.map((item) => ({ body: bodyOf(item.value), label: item.origin }));
      config = localStorePolicy(dataDirectory);
    }
    await runPipeline(messages, { scenario, config, dataDirectory, windowsDirectory }, now, io);
    if (scenario) markDemoStore(dataDirectory, now);
    if (windowsDirectory !== undefined) markDemoStore(windowsDirectory, now);
    for (const problem of problems) io.stderr(`${printable(`${problem.origin}: ${problem.message}`)}\n`);
    return problems.length > 0 ? EXIT.badInput : EXIT.ok;
  } finally {
    for (const lock of locks) lock.release();
  }
}

interface DemoRun {
  readonly scenario: boolean;
  /** The policy the scenario's store is written with. */
  readonly config: PolicyConfig;
  readonly dataDirectory: string;
  /** The retry windows' own store; absent when the windows do not run. */
  readonly windowsDirectory: string | undefined;
}

async function runPipeline(
  messages: readonly OutgoingMessage[],
  { scenario, config, dataDirectory, windowsDirectory }: DemoRun,
  now: Date,
  io: Io,
): Promise<void> {
  // The retry-window part runs the state machine the stack synthesizes; its template is read now.
  const template = windowsDirectory !== undefined ? defaultStackTemplate() : undefined;
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
    const deadLetters = await keepLocalDeadLetters(queues, outcomes, dataDirectory, now);
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
    const duplicates = recipientEvents.filter(({ result }) => result.kind === "duplicate").length;
    const byCommand = [...intakeRequests]
      .map(([name, count]) => `${name.replace(/Command$/, "")} ${count}`)
      .join(", ");
    const finalStates = await Promise.all(
      [...new Set(recipientEvents.map(({ verdict }) => verdict.address))].map(async (address) =>
        assess(await store.get(address), config, now),
      ),
    );
    const countStatus = (status: string) => finalStates.filter((state) => state.status === status).length;
    const stored = recipientEvents.length - skipped;
    const dataOption = dataDirectory === DEFAULT_DATA_DIRECTORY ? "" : ` --data ${dataDirectory}`;
    const summary = [
      "Summary",
      `  messages sent          ${messages.length} (${pumped.receives} receives in ${pumped.batches} batches)`,
      `  recipient verdicts     ${recipientEvents.length} (${written} stored, ${duplicates} duplicates recognised)`,
      `  addresses              ${finalStates.length}: ${countStatus("suppressed")} suppressed, ${countStatus("deferred")} deferred, ${countStatus("active")} active`,
      `  ignored (control)      ${outcomes.filter(({ outcome }) => outcome.kind === "control").length}`,
      `  failed receives        ${outcomes.filter(({ outcome }) => outcome.kind === "failed").length}; now in the DLQ: ${deadLetters}`,
      `  DynamoDB requests      ${intakeTotal} for ${stored} recipient events to store: ${(intakeTotal / Math.max(1, stored)).toFixed(2)} per event`,
      `                         (${byCommand})`,
      `  local store            ${dataDirectory}`,
      ...(deadLetters > 0 ? [`  dead letters kept      ${dataDirectory}/${DEAD_LETTERS_FILE}`] : []),
      `  try                    npx bounce-guard why full.mailbox@example.net${dataOption}`,
      ...(deadLetters > 0 ? [`                         npx bounce-guard dlq${dataOption}`] : []),
      `                         npx bounce-guard report${dataOption}`,
    ];
    io.stdout(`${summary.join("\n")}\n`);
    if (template !== undefined && windowsDirectory !== undefined) {
      const windowsDynamo = await startLocalDynamoDb({ path: windowsDirectory });
      try {
        const windows = await runWindowDemo(windowsDynamo, queues, await template);
        io.stdout(
          [
            "",
            "Retry windows: the state machine synthesized from lib/ runs locally on a table of its own",
            "(aws-local-stepfunctions; EventBridge recorded in memory). Waits shortened, hours become",
            `seconds: retry interval ${DEMO_WINDOW_POLICY.retryIntervalSeconds} s, poll ${DEMO_WINDOW.pollSeconds} s, window ${DEMO_WINDOW.retryWindowSeconds} s, threshold ${DEMO_WINDOW_POLICY.softBounceThreshold}.`,
            "",
            ...windows.lines,
            "",
            `  ${windows.executions} windows (one execution each), ${windows.retryDue} RetryDue events, ${windows.transitions} state transitions`,
            `  local store            ${windowsDirectory}, written with the policy above`,
            // Not in the summary's column: the command is too long for it in 100 columns.
            `  try: npx bounce-guard why full@retry.example --data ${windowsDirectory}`,
            "",
          ].join("\n"),
        );
      } finally {
        await windowsDynamo.close();
      }
    } else if (scenario) {
      io.stdout(
        [
          "",
          "Retry windows: skipped. They run on aws-local-stepfunctions, an optional dependency that",
          "is not installed (it needs Node.js 22 or later: npm install aws-local-stepfunctions).",
          "",
        ].join("\n"),
      );
    }
  } finally {
    await queues.close();
    await dynamo.close();
  }
}

/**
 * The local SQS lives only as long as this run: what it dead-lettered is kept in the store's folder
 * with the classifier's last error, for `dlq` and `redrive`. Returns how many it holds now.
 */
async function keepLocalDeadLetters(
  queues: LocalQueues,
  outcomes: readonly { label: string; outcome: RecordOutcome }[],
  dataDirectory: string,
  now: Date,
): Promise<number> {
  const drained = await drainQueue(queues, queues.deadLetterQueueUrl);
  const failures = new Map<string, { error: string; receives: number }>();
  for (const { outcome } of outcomes) {
    if (outcome.kind !== "failed") continue;
    const earlier = failures.get(outcome.messageId);
    failures.set(outcome.messageId, { error: outcome.error, receives: (earlier?.receives ?? 0) + 1 });
  }
  const at = now.toISOString();
  keepDeadLetters(
    dataDirectory,
    drained.map((message) => {
      const id = message.MessageId ?? "";
      const failure = failures.get(id);
      const label = message.MessageAttributes?.label?.StringValue;
      return {
        messageId: id,
        body: message.Body ?? "",
        ...(label !== undefined ? { label } : {}),
        receives: failure?.receives ?? Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        firstFailedAt: at,
        lastFailedAt: at,
        error: failure?.error ?? "failed in the local run",
      };
    }),
  );
  return drained.length;
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
  // Label lines and recipient rows interleaved; the rows of every message share one set of widths.
  const entries: ({ label: string } | { row: string[] } | { line: string })[] = [];
  const failures = new Map<string, number>();
  for (const { outcome } of outcomes) {
    if (outcome.kind === "failed")
      failures.set(outcome.messageId, (failures.get(outcome.messageId) ?? 0) + 1);
  }
  for (const { label, outcome } of outcomes) {
    if (outcome.kind === "applied") {
      entries.push({ label });
      for (const recipient of outcome.recipients) {
        entries.push({
          row: [recipient.verdict.address, verdictText(recipient.verdict), outcomeOf(recipient, config)],
        });
      }
    } else if (outcome.kind === "control") {
      entries.push({ label }, { line: `SNS ${outcome.controlType}: ignored (not mail feedback)` });
    } else if (failures.has(outcome.messageId)) {
      // One entry per failed message, however often it was received.
      const receives = failures.get(outcome.messageId) ?? 0;
      failures.delete(outcome.messageId);
      entries.push(
        { label },
        { line: `failed ${receives}x, then the DLQ: ${printable(shorten(outcome.error, ERROR_SHOWN))}` },
      );
    }
  }
  const rows = entries.flatMap((entry) => ("row" in entry ? [entry.row] : []));
  const formatted = formatTable(["address", "verdict", "outcome"], rows).split("\n").slice(2);
  let next = 0;
  const lines = entries.map((entry) => {
    if ("label" in entry) return printable(entry.label);
    if ("line" in entry) return `  ${entry.line}`;
    next += 1;
    return `  ${formatted[next - 1] ?? ""}`;
  });
  return [
    `Bounce Guard local run: embedded DynamoDB in ${dataDirectory}, local SQS queue with a DLQ`,
    "",
    ...lines,
  ].join("\n");
}

export const run: CommandRun = (args, options, io) => demo(args, options, io);
