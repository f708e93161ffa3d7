// The benchmark run (`npm run bench`, `npm run bench -- --json`): every figure of BENCHMARKS.md
// measured in one run, and BENCHMARKS.md written from it (not with --no-write). Progress goes to
// stderr; with --json, stdout holds one JSON object only.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { quietSdkWarnings } from "../cli/local/aws-clients.ts";
import { DEFAULT_POLICY } from "../functions/core/policy.ts";
import { DEFAULT_RECORD_RETRY, retryBudgetSeconds } from "../functions/core/record-retry.ts";
import { MAX_RECEIVE_COUNT } from "../lib/bounce-guard.ts";
import { type ChaosReport, runChaos, sameInstantReplay } from "../test/support/chaos-replay.ts";
import { runHorizonReplay } from "../test/support/horizon-replay.ts";
import { longestOutageSurvived, runOutage } from "../test/support/outage-replay.ts";
import { measureBundles } from "./bundles.ts";
import {
  benchRecords,
  measureClassifySpeed,
  measureLongDiagnostics,
  withAddressInDiagnostics,
} from "./classify-speed.ts";
import { CLASSIFY_NOTIFICATIONS, measureCliProcess } from "./cli-process.ts";
import { costPerMillionNotifications, FLOOR_USD, PRICES_DATE, PRICES_USD } from "./cost-model.ts";
import { measureDynamoDbUsage } from "./dynamodb-usage.ts";
import {
  type BenchResult,
  type GitState,
  GOALS,
  goalVerdicts,
  renderBenchmarks,
  type Verdict,
} from "./report.ts";
import { measureWindowTransitionsApart } from "./retry-windows.ts";

/** The chaos replay's size: the issue's 100,000 notifications; `--chaos-notifications N` runs another. */
const DEFAULT_CHAOS_NOTIFICATIONS = 100_000;
/**
 * Pollers at once, like concurrent invocations of the event source mapping. With 4, the replay sat
 * idle while batches waited out the SDK's backoff on injected throttling. Replays of 30,000 here:
 * with 8 the machine was 65 % busy; 16, 24 and 32 gave about 590–650, 626 and 651–694 DynamoDB
 * updates a second, the machine about 90 % busy; 48 no more than 32, with the slowest batch at 3.7 s
 * of the 5 s visibility timeout (3.0 s with 32).
 */
const CHAOS_CONCURRENCY = 32;
/**
 * Longer than the test's 2 s: with 32 pollers on 2 cores a batch that backs off on throttling can
 * take 3 s, and SQS would hand its messages to another poller (the stack sets 6× the function
 * timeout for the same reason).
 */
const CHAOS_VISIBILITY_TIMEOUT_SECONDS = 5;
/** Visible messages kept on the queue while the stream is fed in: local-aws-sqs scans its whole queue per receive. */
const CHAOS_QUEUE_WINDOW = 1_000;
/** The stack's retry schedule with seconds for its minutes and hours: the replay runs on the real clock. */
const CHAOS_RECORD_RETRY = { ...DEFAULT_RECORD_RETRY, firstDelaySeconds: 1, maxDelaySeconds: 4 };
/** The outage replays' stream: every record is received up to 22 times per replay, so small. */
const OUTAGE_STREAM = {
  seed: 31,
  notifications: 40,
  addresses: 15,
  end: new Date("2025-06-01T00:00:00.000Z"),
  poisonRate: 0.05,
};
const HOUR_SECONDS = 3_600;
const CLASSIFY_RECORDS = 5_000;
const REPLAY_NOTIFICATIONS = 2_000;
/**
 * Cold loads are short and one varies by ±20 % on this shared machine: 21 interleaved rounds steady
 * the figures. With ratios of medians, runs of 21 gave 1.11–1.25 and runs of 31 gave 1.13–1.23, and
 * 31 took 7 s more; the per-round ratios of eleven runs of 21 gave 1.13–1.24.
 */
const COLD_LOAD_RUNS = 21;
const BATCH_SIZE = 10;
const CLASSIFIER_MEMORY_MB = 256;

const BENCHMARKS_MD = new URL("../BENCHMARKS.md", import.meta.url);
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

const { values: flags } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    "chaos-notifications": { type: "string" },
    /** `--no-sisimai` skips Sisimai's minute-long run even when it is installed. */
    sisimai: { type: "boolean", default: true },
    /** `--no-write` leaves BENCHMARKS.md as it is. */
    write: { type: "boolean", default: true },
  },
  allowNegative: true,
});

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);
const seconds = (from: number) => Math.round((performance.now() - from) / 100) / 10;

async function main(): Promise<void> {
  quietSdkWarnings();
  const started = performance.now();
  const machine = {
    cpu_model: cpus()[0]?.model ?? "unknown",
    cpus: cpus().length,
    memory_gb: Math.round(totalmem() / 1024 ** 3),
    free_memory_gb_at_start: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    load_average_at_start: loadavg().map((value) => Math.round(value * 100) / 100),
  };

  progress(`classify speed over ${CLASSIFY_RECORDS} SQS records…`);
  let phase = performance.now();
  const classifyRecords = benchRecords(CLASSIFY_RECORDS, 3);
  const classify = measureClassifySpeed(classifyRecords);
  const classifyQuoting = measureClassifySpeed(withAddressInDiagnostics(classifyRecords));
  const longDiagnostics = measureLongDiagnostics();
  progress(`  done in ${seconds(phase)} s`);

  progress(
    `the command line as a process: --version next to node -e 0, classify over ${CLASSIFY_NOTIFICATIONS} notifications next to Sisimai…`,
  );
  phase = performance.now();
  const cli = await measureCliProcess({ sisimai: flags.sisimai });
  progress(`  done in ${seconds(phase)} s`);

  progress(`DynamoDB usage over a replay of ${REPLAY_NOTIFICATIONS} notifications…`);
  phase = performance.now();
  const usage = await measureDynamoDbUsage(REPLAY_NOTIFICATIONS, 5);
  progress(`  done in ${seconds(phase)} s`);

  progress(`bundles and ${COLD_LOAD_RUNS} cold loads each…`);
  phase = performance.now();
  const bundles = await measureBundles(COLD_LOAD_RUNS);
  progress(`  done in ${seconds(phase)} s`);

  const chaosNotifications = Number(flags["chaos-notifications"] ?? DEFAULT_CHAOS_NOTIFICATIONS);
  progress(
    `retry windows on local executions of the synthesized state machine (in a child process), beside the preparation of a chaos replay of ${chaosNotifications} notifications through the local SQS…`,
  );
  phase = performance.now();
  // A window write rewrites the item like an event does: the steady state's units per event.
  const windowsMeasured = measureWindowTransitionsApart(Math.ceil(usage.steadyState.writeUnitsPerEvent));
  // Awaited below; handled here so a failure while the stream is generated is not "unhandled".
  windowsMeasured.catch(() => undefined);
  const chaos: ChaosReport = await runChaos({
    stream: {
      seed: 20261126,
      notifications: chaosNotifications,
      addresses: Math.round(chaosNotifications / 7),
      end: new Date("2025-06-01T00:00:00.000Z"),
    },
    faults: { seed: 7, rate: 0.08 },
    // The stack's redrive setting and the classifier's backoff (in seconds here) and poison handling.
    maxReceiveCount: MAX_RECEIVE_COUNT,
    recordRetry: CHAOS_RECORD_RETRY,
    windows: { seed: 5, throttleRate: 0.25 },
    sesSync: { seed: 6, failureRate: 0.25 },
    kills: { seed: 8, rate: 0.02 },
    operators: { seed: 9, rate: 0.005 },
    visibilityTimeoutSeconds: CHAOS_VISIBILITY_TIMEOUT_SECONDS,
    concurrency: CHAOS_CONCURRENCY,
    queueWindow: CHAOS_QUEUE_WINDOW,
    deadlineMs: 30 * 60_000,
    // The stream's generation keeps one core busy; the retry windows use the other meanwhile and
    // are done before the replay needs both.
    beforeFeeding: async () => {
      await windowsMeasured;
      progress(`  retry windows done after ${seconds(phase)} s`);
    },
  });
  const windows = await windowsMeasured;
  progress(`  chaos replay done after ${seconds(phase)} s`);

  // The bench stream never stamps two events of one address with the same millisecond; this small
  // replay does, to show whether arrival order can still change an answer (see chaos.test.ts).
  const sameInstant = await runChaos(sameInstantReplay(16));

  progress("DynamoDB outages in simulated time, and late duplicates at the default history limit…");
  phase = performance.now();
  const budgetHours = retryBudgetSeconds(DEFAULT_RECORD_RETRY) / HOUR_SECONDS;
  const survived = await longestOutageSurvived({ stream: OUTAGE_STREAM, maxHours: 48, precisionHours: 0.25 });
  const sixHours = await runOutage({ stream: OUTAGE_STREAM, outageSeconds: 6 * HOUR_SECONDS });
  const beyondHours = Math.ceil(budgetHours) + 1;
  const beyond = await runOutage({
    stream: OUTAGE_STREAM,
    outageSeconds: beyondHours * HOUR_SECONDS,
    redrive: true,
  });
  const history = await runHorizonReplay({
    stream: {
      seed: 21,
      notifications: 1_500,
      addresses: 60,
      end: new Date("2025-06-01T00:00:00.000Z"),
      exactDuplicateRate: 0,
      rewrapRate: 0,
      poisonRate: 0,
    },
    lateCopyRate: 0.2,
  });
  progress(`  done in ${seconds(phase)} s`);

  const costInputs = {
    batchSize: BATCH_SIZE,
    memoryMb: CLASSIFIER_MEMORY_MB,
    durationMsPerBatch: Math.ceil(usage.medianBatchMs),
    writeUnitsPerNotification: usage.writeUnitsPerNotification,
    readUnitsPerNotification: usage.readUnitsPerNotification,
    logBytesPerNotification: usage.logBytesPerNotification,
  };
  const cost = costPerMillionNotifications(costInputs);
  const costOneUnitPerWrite = costPerMillionNotifications({
    ...costInputs,
    writeUnitsPerNotification: (usage.breakdown.UpdateItem ?? 0) / Math.max(1, usage.notifications),
  });
  const costSteadyState = costPerMillionNotifications({
    ...costInputs,
    writeUnitsPerNotification: usage.steadyState.writeUnitsPerEvent,
  });

  const result = {
    date: new Date().toISOString(),
    machine,
    classify_ratio_vs_json_parse: classify.ratio,
    classify_recipients_per_second: classify.recipientsPerSecond,
    classify_details: classify,
    classify_ratio_with_addresses_in_diagnostics: classifyQuoting.ratio,
    classify_long_diagnostic_ratio_256kb_vs_1kb: longDiagnostics.ratio256KbVs1Kb,
    classify_2mb_diagnostic_record_ms: longDiagnostics.median2MbRecordMs,
    classify_long_diagnostic_details: longDiagnostics,
    cli_version_ratio_vs_node: cli.versionRatio,
    classify_whole_process_recipients_per_second: cli.recipientsPerSecond,
    classify_whole_process_ratio_vs_sisimai: cli.sisimai.measured ? cli.sisimai.ratio : null,
    cli_process_details: cli,
    dynamodb_requests_per_recipient_event: usage.requestsPerRecipientEvent,
    dynamodb_requests_breakdown: usage.breakdown,
    intake_reads: usage.intakeReads,
    dynamodb_details: {
      notifications: usage.notifications,
      duplicate_messages: usage.duplicateMessages,
      recipient_events: usage.recipientEvents,
      requests: usage.requests,
      requests_per_notification: usage.requestsPerNotification,
      duplicate_reads: usage.duplicateReads,
      window_starts: usage.windowStarts,
      failed_conditional_writes: usage.failedConditionalWrites,
      write_units_per_recipient_event: usage.writeUnitsPerRecipientEvent,
      write_units_per_notification: usage.writeUnitsPerNotification,
      read_units_per_notification: usage.readUnitsPerNotification,
      steady_state: usage.steadyState,
      median_batch_ms: usage.medianBatchMs,
      log_bytes_per_notification: usage.logBytesPerNotification,
    },
    presend_requests_per_100_addresses: usage.presend.requestsPer100Addresses,
    presend_validation_microseconds_per_address: usage.presend.validationMicrosecondsPerAddress,
    presend_end_to_end_ratio_vs_batch_get: usage.presend.endToEndRatioVsBatchGet,
    presend_details: usage.presend,
    bundle_bytes: bundles.bytes,
    bundle_data_bytes: bundles.dataBytes,
    bundle_largest_packages: bundles.largestPackages,
    cold_load_ratio: bundles.coldLoadRatio,
    cold_load_details: {
      runs: bundles.runs,
      median_ms: bundles.coldLoadMs,
      ratio_of_medians: bundles.ratioOfMedians,
      import_only_ratio: bundles.importOnlyRatio,
    },
    state_transitions_per_window: windows.measured.delivered_after_one_retry.transitions,
    state_transitions_per_retry: windows.per_retry,
    state_transitions_details: windows,
    cost_per_million_windows_usd: windows.cost_per_million_windows_usd.delivered_after_one_retry,
    cost_per_million_notifications_usd: cost.total,
    cost_breakdown_usd: cost,
    cost_if_every_write_were_one_unit_usd: costOneUnitPerWrite.total,
    cost_steady_state_usd: costSteadyState.total,
    cost_floor_usd: FLOOR_USD,
    cost_assumptions: {
      prices_usd: PRICES_USD,
      prices_date: PRICES_DATE,
      region: "us-east-1",
      ...costInputs,
      sqs_requests_per_notification: 1 + 2 / BATCH_SIZE,
    },
    chaos_notifications: chaos.notifications,
    chaos_mismatches: chaos.mismatchedAddresses,
    chaos_dlq_poison_only: chaos.deadLetters.poisonOnly,
    chaos_same_instant_mismatches: sameInstant.mismatchedAddresses,
    chaos_same_instant_addresses: sameInstant.addresses,
    chaos_outage_hours_survived: survived.hours,
    chaos_good_records_dead_lettered: chaos.goodRecordsDeadLettered + sixHours.goodRecordsDeadLettered,
    chaos_fault_details: {
      retry_budget_hours: Math.round(budgetHours * 100) / 100,
      max_receive_count: MAX_RECEIVE_COUNT,
      outage_replays: survived.replays.map((replay) => ({
        hours: replay.outageHours,
        good_records_dead_lettered: replay.goodRecordsDeadLettered,
      })),
      six_hour_outage: {
        good_records_dead_lettered: sixHours.goodRecordsDeadLettered,
        poison_dead_lettered: sixHours.poisonDeadLettered,
        poison: sixHours.poison,
        mismatched_addresses: sixHours.mismatchedAddresses,
      },
      beyond_budget_outage: {
        hours: beyondHours,
        good_records_dead_lettered: beyond.goodRecordsDeadLettered,
        redriven: beyond.redriven,
        mismatched_addresses_after_redrive: beyond.mismatchedAddresses,
      },
      main_replay_good_records_dead_lettered: chaos.goodRecordsDeadLettered,
      repeated_poison: chaos.deadLetters.repeatedPoison,
      killed_invocations: chaos.killedInvocations,
      windows: {
        open: chaos.windows?.open ?? 0,
        started: chaos.windows?.started ?? 0,
        throttled: chaos.windows?.throttled ?? 0,
        without_execution: chaos.windows?.withoutExecution.length ?? 0,
      },
      ses_list: {
        listed: chaos.sesList?.listed ?? 0,
        failed_puts: chaos.sesList?.failedPuts ?? 0,
        extra: chaos.sesList?.extra.length ?? 0,
        missing: chaos.sesList?.missing.length ?? 0,
      },
      operators: {
        unsuppressed: chaos.operators?.unsuppressed ?? 0,
        erased: chaos.operators?.erased ?? 0,
        tombstoned: chaos.operators?.tombstoned ?? 0,
        violations: chaos.operators?.violations.length ?? 0,
      },
      history_replay: {
        messages: history.messages,
        late_copies: history.lateCopies,
        late_copies_of_trimmed_events: history.lateCopiesOfTrimmedEvents,
        trimmed_addresses: history.trimmedAddresses,
        mismatched_addresses: history.mismatchedAddresses,
      },
    },
    chaos_details: {
      messages: chaos.messages,
      messages_by_kind: chaos.messagesByKind,
      addresses: chaos.addresses,
      distinct_events: chaos.distinctEvents,
      differences: chaos.differences.length,
      double_counted_addresses: chaos.doubleCountedAddresses,
      unapplied_messages: chaos.unappliedMessages,
      unexpected_items: chaos.unexpectedItems.length,
      dead_letters: chaos.deadLetters.count,
      queue_depth_after: chaos.queueDepthAfter,
      receives: chaos.receives,
      good_records_redelivered: chaos.goodRecordsRedelivered,
      faults_thrown: chaos.faultsThrown,
      model_statuses: chaos.modelStatuses,
      elapsed_ms: chaos.elapsedMs,
      phases_ms: chaos.phasesMs,
      notifications_per_second: Math.round(chaos.notifications / (chaos.elapsedMs / 1000)),
      pollers: CHAOS_CONCURRENCY,
      visibility_timeout_seconds: CHAOS_VISIBILITY_TIMEOUT_SECONDS,
      max_receive_count: MAX_RECEIVE_COUNT,
      queue_window: CHAOS_QUEUE_WINDOW,
    },
    policy: {
      soft_bounce_threshold: DEFAULT_POLICY.softBounceThreshold,
      history_limit: DEFAULT_POLICY.historyLimit,
    },
    load_average_at_end: loadavg().map((value) => Math.round(value * 100) / 100),
    elapsed_seconds: seconds(started),
  };

  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    printSummary(result);
  }
  if (flags.write) {
    const context = { git: gitState(), command: commandLine() };
    await writeFile(BENCHMARKS_MD, renderBenchmarks(result, context));
    progress("wrote BENCHMARKS.md");
  }
}

/** The commit the run measured, and what differed from it when it finished (BENCHMARKS.md aside). */
function gitState(): GitState {
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trimEnd();
  let commit: string;
  let subject: string;
  try {
    commit = git("rev-parse", "--short", "HEAD");
    subject = git("log", "-1", "--format=%s");
  } catch {
    return { commit: null, subject: null, uncommitted: null };
  }
  try {
    const status = git("status", "--porcelain", "--", ".", ":(exclude)BENCHMARKS.md");
    const uncommitted = status
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => line.slice(3));
    return { commit, subject, uncommitted };
  } catch {
    return { commit, subject, uncommitted: null };
  }
}

function commandLine(): string {
  const args = process.argv.slice(2);
  return `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`;
}

function printSummary(result: BenchResult): void {
  const { machine } = result;
  const usage = result.dynamodb_details;
  const windows = result.state_transitions_details;
  const verdicts = goalVerdicts(result);
  const goal = (verdict: Verdict) => (verdict === "missed" ? "MISSED" : verdict);
  const lines = [
    `Bounce Guard benchmarks, ${result.date} on ${machine.cpu_model} (${machine.cpus} cores), Node ${machine.node}`,
    `load average at start ${machine.load_average_at_start.join(" ")}, at end ${result.load_average_at_end.join(" ")}`,
    "",
    `classify_ratio_vs_json_parse          ${result.classify_ratio_vs_json_parse}  (goal ≤ 2.0: ${goal(verdicts.classify_ratio_vs_json_parse)})`,
    `classify_recipients_per_second        ${result.classify_recipients_per_second}`,
    `classify_long_diagnostic_ratio        ${result.classify_long_diagnostic_ratio_256kb_vs_1kb} (256 KB against 1 KB; goal ≤ 1.5: ${goal(verdicts.classify_long_diagnostic_ratio_256kb_vs_1kb)}); a record with a 2 MB diagnostic ${result.classify_2mb_diagnostic_record_ms} ms (goal ≤ 100: ${goal(verdicts.classify_2mb_diagnostic_record_ms)})`,
    `cli_version_ratio_vs_node             ${result.cli_version_ratio_vs_node}  (goal ≤ ${GOALS.cliVersionRatio}: ${goal(verdicts.cli_version_ratio_vs_node)})`,
    `classify_whole_process_recipients_per_second ${result.classify_whole_process_recipients_per_second}; vs Sisimai ${result.classify_whole_process_ratio_vs_sisimai ?? `not measured (${result.cli_process_details.sisimai.measured ? "" : result.cli_process_details.sisimai.why})`}  (goal ≥ ${GOALS.classifyWholeProcessRatioVsSisimai}: ${verdicts.classify_whole_process_ratio_vs_sisimai === undefined ? "not measured" : goal(verdicts.classify_whole_process_ratio_vs_sisimai)})`,
    `dynamodb_requests_per_recipient_event ${result.dynamodb_requests_per_recipient_event}  (goal 1.0: ${goal(verdicts.dynamodb_requests_per_recipient_event)}) ${JSON.stringify(result.dynamodb_requests_breakdown)}`,
    `intake_reads                          ${result.intake_reads}  (goal 0: ${goal(verdicts.intake_reads)})`,
    `write units per recipient event       ${usage.write_units_per_recipient_event} (replay), ${usage.steady_state.writeUnitsPerEvent} (steady state, full history)`,
    `presend_requests_per_100_addresses    ${result.presend_requests_per_100_addresses}  (goal 1: ${goal(verdicts.presend_requests_per_100_addresses)})`,
    `presend validation per address        ${result.presend_validation_microseconds_per_address} µs CPU (syntax, disposable, typo)`,
    `presend 1,000 addresses end to end    ${result.presend_end_to_end_ratio_vs_batch_get}× a bare BatchGetItem loop over the same keys`,
    `bundle_bytes                          ${JSON.stringify(result.bundle_bytes)}`,
    `cold_load_ratio                       ${JSON.stringify(result.cold_load_ratio)}  (goal ≤ 1.3: ${goal(verdicts.cold_load_ratio)})`,
    `state_transitions_per_window          ${result.state_transitions_per_window} for a window delivered after one retry; per retry ${windows.per_retry}, closing ${windows.per_window_closed_by_event} (goal ≤ 3 per retry: ${goal(verdicts.state_transitions_per_retry)}; ≤ 3 per window: ${goal(verdicts.state_transitions_per_window)}); at the defaults ${JSON.stringify(windows.at_defaults)}`,
    `cost_per_million_windows_usd          ${JSON.stringify(windows.cost_per_million_windows_usd)}`,
    `cost_per_million_notifications_usd    ${result.cost_per_million_notifications_usd}  (goal ≤ 1.80, floor ${result.cost_floor_usd}: ${goal(verdicts.cost_per_million_notifications_usd)}); steady state ${result.cost_steady_state_usd}; one unit per write ${result.cost_if_every_write_were_one_unit_usd}`,
    `chaos_notifications                   ${result.chaos_notifications}  (${result.chaos_details.notifications_per_second}/s; goal 100,000: ${goal(verdicts.chaos_notifications)})`,
    `chaos_mismatches                      ${result.chaos_mismatches}  (goal 0: ${goal(verdicts.chaos_mismatches)})`,
    `chaos_dlq_poison_only                 ${result.chaos_dlq_poison_only}  (goal true: ${goal(verdicts.chaos_dlq_poison_only)})`,
    `chaos_same_instant_mismatches         ${result.chaos_same_instant_mismatches} of ${result.chaos_same_instant_addresses} addresses with a hard bounce and a complaint in the same millisecond`,
    `chaos_outage_hours_survived           ${result.chaos_outage_hours_survived}  (goal ≥ 6: ${goal(verdicts.chaos_outage_hours_survived)}; budget ${result.chaos_fault_details.retry_budget_hours} h)`,
    `chaos_good_records_dead_lettered      ${result.chaos_good_records_dead_lettered}  (goal 0: ${goal(verdicts.chaos_good_records_dead_lettered)})`,
    `chaos faults                          ${JSON.stringify({ killed: result.chaos_fault_details.killed_invocations, windows: result.chaos_fault_details.windows, ses: result.chaos_fault_details.ses_list, operators: result.chaos_fault_details.operators, history: result.chaos_fault_details.history_replay })}`,
    "",
    `finished in ${result.elapsed_seconds} s; run with --json for every detail`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
