// bounce-guard: the local run (`demo`, what `npm start` runs), `classify` and `status`.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbSuppressionStore } from "../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../functions/adapters/logger.ts";
import type { Metrics } from "../functions/adapters/metrics.ts";
import { createMxResolver } from "../functions/adapters/mx-lookup.ts";
import { createClassifier, type RecordOutcome } from "../functions/classifier.ts";
import { normaliseAddress } from "../functions/core/address.ts";
import { parseNotification } from "../functions/core/parse.ts";
import { type Assessment, assess, DEFAULT_POLICY, type PolicyConfig } from "../functions/core/policy.ts";
import { MAX_ADDRESSES, type PresendAnswer } from "../functions/core/presend.ts";
import { verdictsOf } from "../functions/core/verdicts.ts";
import { createPresendCheck } from "../functions/presend-check.ts";
import { demoScenario } from "./demo-scenario.ts";
import { type InputItem, type InputProblem, splitInput } from "./input.ts";
import { startLocalDynamoDb } from "./local/dynamodb.ts";
import { countRequests } from "./local/request-counter.ts";
import { type OutgoingMessage, pumpQueue, queueDepth, sendMessages, startLocalQueues } from "./local/sqs.ts";
import { formatTable } from "./table.ts";

/** Exit codes: 0 success, 1 some input was bad (the good input was still handled), 2 usage error. */
export const EXIT = { ok: 0, badInput: 1, usage: 2 } as const;

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly now: () => Date;
}

export const DEFAULT_DATA_DIRECTORY = ".bounce-guard/data";

const USAGE = `Usage: bounce-guard <command> [options]

Commands:
  demo [FILE...]          run the bounce pipeline locally (what \`npm start\` does); with files,
                          replay your own notifications (JSON, NDJSON or an array; bare SES,
                          SNS envelope or SQS form) instead of the built-in scenario
  classify [FILE...]      print one JSON verdict per recipient (NDJSON); stdin without files
  status ADDRESS...       the stored state of each address in the local store
  check ADDRESS...        the pre-send check: send, defer, suppress or invalid per address;
                          --file F reads one address per line

Options:
  --data DIR              local store directory (default ${DEFAULT_DATA_DIRECTORY})
  --json                  status, check: one JSON object per address (NDJSON)
  --file FILE             check: read addresses from FILE, one per line
  --checks LIST           check: validations to run (default syntax,disposable,typo; add mx)
  --table NAME            status, check: a deployed table instead of the local store
  --region REGION         the deployed table's region (standard AWS credential chain)
  -h, --help              this text

Exit codes: 0 success, 1 some input was bad (good input still handled), 2 usage error.`;

class UsageError extends Error {
  override readonly name = "UsageError";
}

async function readItems(
  files: readonly string[],
  io: Io,
): Promise<{ items: InputItem[]; problems: InputProblem[] }> {
  const items: InputItem[] = [];
  const problems: InputProblem[] = [];
  const sources =
    files.length === 0 ? [{ name: "stdin", text: await io.readStdin() }] : files.map(readFileOrProblem);
  for (const source of sources) {
    if ("problem" in source) {
      problems.push(source.problem);
      continue;
    }
    const read = splitInput(source.text, source.name);
    items.push(...read.items);
    problems.push(...read.problems);
  }
  return { items, problems };
}

function readFileOrProblem(name: string): { name: string; text: string } | { problem: InputProblem } {
  try {
    return { name, text: readFileSync(name, "utf8") };
  } catch (error) {
    return {
      problem: {
        origin: name,
        message: `cannot read file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      },
    };
  }
}

async function classifyCommand(files: readonly string[], io: Io): Promise<number> {
  const { items, problems } = await readItems(files, io);
  let exitCode: number = problems.length > 0 ? EXIT.badInput : EXIT.ok;
  for (const item of items) {
    const parsed = parseNotification(item.value);
    if (parsed.kind === "error") {
      problems.push({ origin: item.origin, message: parsed.error.message });
      exitCode = EXIT.badInput;
      continue;
    }
    if (parsed.kind === "control") {
      io.stderr(`${item.origin}: SNS ${parsed.controlType} ignored (not mail feedback)\n`);
      continue;
    }
    for (const verdict of verdictsOf(parsed.notification)) {
      io.stdout(`${JSON.stringify(verdict)}\n`);
    }
  }
  for (const problem of problems) io.stderr(`${problem.origin}: ${problem.message}\n`);
  return exitCode;
}

const noMetrics: Metrics = {
  recipient() {},
  suppression() {},
  duplicate() {},
  failedRecord() {},
  flush() {},
};

function describeStatus(assessment: Assessment): string {
  if (assessment.status === "deferred") return `deferred until ${assessment.retryAt ?? "?"}`;
  if (assessment.status === "suppressed")
    return `suppressed (${assessment.suppression?.by ?? assessment.reason ?? "?"})`;
  return assessment.streak.count > 0 ? `active, streak ${assessment.streak.count}` : "active";
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

async function demoCommand(files: readonly string[], dataDirectory: string, io: Io): Promise<number> {
  const now = io.now();
  let messages: OutgoingMessage[];
  let problems: InputProblem[] = [];
  if (files.length === 0) {
    // The built-in scenario starts from an empty store so every run shows the same story.
    rmSync(dataDirectory, { recursive: true, force: true });
    messages = demoScenario(now);
  } else {
    const read = await readItems(files, io);
    problems = read.problems;
    messages = read.items.map((item) => ({ body: bodyOf(item.value), label: item.origin }));
  }
  mkdirSync(dataDirectory, { recursive: true });
  const config = DEFAULT_POLICY;
  const dynamo = await startLocalDynamoDb({ path: dataDirectory });
  const requests = countRequests(dynamo.client);
  const queues = await startLocalQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
  try {
    const store = new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, config);
    const classifier = createClassifier({ store, logger: silentLogger, metrics: noMetrics, now: () => now });
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

async function statusCommand(
  addresses: readonly string[],
  options: { data: string; table?: string | undefined; region?: string | undefined },
  json: boolean,
  io: Io,
): Promise<number> {
  if (addresses.length === 0) throw new UsageError("status needs at least one ADDRESS");
  const { store, close } = await openStore(options);
  let exitCode: number = EXIT.ok;
  try {
    for (const raw of addresses) {
      const normalised = normaliseAddress(raw);
      if (!normalised.ok) {
        io.stderr(`${normalised.message}\n`);
        exitCode = EXIT.badInput;
        continue;
      }
      const state = await store.get(normalised.address);
      const assessment = assess(state, DEFAULT_POLICY, io.now());
      if (json) {
        io.stdout(
          `${JSON.stringify({ address: normalised.address, ...assessment, counts: state?.counts, history: state?.history ?? [] })}\n`,
        );
        continue;
      }
      const lines = [
        `${normalised.address}: ${describeStatus(assessment)}${assessment.reason ? `, reason ${assessment.reason}` : ""}`,
      ];
      if (assessment.since) lines.push(`  since       ${assessment.since}`);
      const evidence = assessment.suppression;
      if (evidence?.status || evidence?.diagnostic) {
        lines.push(`  evidence    ${[evidence.status, evidence.diagnostic].filter(Boolean).join("  ")}`);
      }
      if (evidence?.streakReasons) lines.push(`  streak      ${evidence.streakReasons.join(", ")}`);
      if (state === undefined) {
        lines.push("  no feedback recorded for this address");
      } else {
        const counts = Object.entries(state.counts)
          .map(([name, count]) => `${name} ${count}`)
          .join(", ");
        lines.push(`  counts      ${counts}; live soft streak ${assessment.streak.count}`);
        lines.push("  history     (latest first)");
        for (const entry of [...state.history].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10)) {
          lines.push(
            `    ${entry.at}  ${entry.event}/${entry.class}/${entry.reason}  ${entry.status ?? ""}  ${(entry.diagnostic ?? "").slice(0, 80)}`,
          );
        }
      }
      io.stdout(`${lines.join("\n")}\n`);
    }
  } finally {
    await close();
  }
  return exitCode;
}

/** The store behind status and check: the local one, or a deployed table named on the command line. */
async function openStore(options: { data: string; table?: string | undefined; region?: string | undefined }) {
  if (options.table !== undefined) {
    const client = new DynamoDBClient(options.region !== undefined ? { region: options.region } : {});
    return {
      store: new DynamoDbSuppressionStore(client, options.table, DEFAULT_POLICY),
      close: async () => client.destroy(),
    };
  }
  mkdirSync(options.data, { recursive: true });
  const dynamo = await startLocalDynamoDb({ path: options.data });
  return {
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY),
    close: dynamo.close,
  };
}

async function checkCommand(
  addresses: readonly string[],
  options: {
    data: string;
    file?: string | undefined;
    checks?: string | undefined;
    json?: boolean | undefined;
    table?: string | undefined;
    region?: string | undefined;
  },
  io: Io,
): Promise<number> {
  const all = [...addresses];
  if (options.file !== undefined) {
    const read = readFileOrProblem(options.file);
    if ("problem" in read) {
      io.stderr(`${read.problem.origin}: ${read.problem.message}\n`);
      return EXIT.badInput;
    }
    all.push(
      ...read.text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#")),
    );
  }
  if (all.length === 0) throw new UsageError("check needs at least one ADDRESS or --file");
  const checks = options.checks
    ?.split(",")
    .map((check) => check.trim())
    .filter(Boolean);
  const { store, close } = await openStore(options);
  try {
    const check = createPresendCheck({
      store,
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      resolver: createMxResolver(),
      now: io.now,
    });
    const answers: PresendAnswer[] = [];
    for (let start = 0; start < all.length; start += MAX_ADDRESSES) {
      const response = await check({
        addresses: all.slice(start, start + MAX_ADDRESSES),
        ...(checks ? { checks } : {}),
      });
      if ("error" in response) {
        io.stderr(`check refused: ${response.error.message} (${response.error.code})\n`);
        return response.error.code === "unavailable" ? EXIT.badInput : EXIT.usage;
      }
      answers.push(...response.results);
    }
    if (options.json) {
      for (const answer of answers) io.stdout(`${JSON.stringify(answer)}\n`);
    } else {
      const rows = answers.map((answer) => [
        answer.address,
        answer.verdict,
        answer.reason,
        answer.retryAt !== undefined
          ? `retry after ${answer.retryAt}`
          : answer.suggestion !== undefined
            ? `did you mean ${answer.suggestion}?`
            : answer.explanation,
      ]);
      io.stdout(`${formatTable(["address", "verdict", "reason", "detail"], rows)}\n`);
    }
    return EXIT.ok;
  } finally {
    await close();
  }
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === "help") {
    io.stdout(`${USAGE}\n`);
    return command === undefined && !parsed.values.help ? EXIT.usage : EXIT.ok;
  }
  const dataDirectory = parsed.values.data ?? DEFAULT_DATA_DIRECTORY;
  try {
    switch (command) {
      case "demo":
        return await demoCommand(rest, dataDirectory, io);
      case "classify":
        return await classifyCommand(rest, io);
      case "status":
        return await statusCommand(
          rest,
          { ...parsed.values, data: dataDirectory },
          parsed.values.json ?? false,
          io,
        );
      case "check":
        return await checkCommand(rest, { ...parsed.values, data: dataDirectory }, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

const OPTIONS = {
  data: { type: "string" },
  file: { type: "string" },
  checks: { type: "string" },
  table: { type: "string" },
  region: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;
