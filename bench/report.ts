// BENCHMARKS.md from one run of the bench: every figure of the run comes from its result, every
// verdict is computed against its goal, and the method's prose lives here next to the figures.

import { DEFAULT_POLICY } from "../functions/core/policy.ts";
import { DEFAULT_RETRY_WINDOW } from "../functions/core/retry-window.ts";
import { IDLE_INSPECTIONS_BEFORE_SLEEP } from "../lib/retry-window.ts";
import { BUNDLES, type BundleFigures } from "./bundles.ts";
import type { ClassifySpeed, LongDiagnosticSpeed } from "./classify-speed.ts";
import type { CliProcessFigures } from "./cli-process.ts";
import type { CostBreakdown, CostInputs, PRICES_USD } from "./cost-model.ts";
import type { DynamoDbUsage } from "./dynamodb-usage.ts";
import type { WindowScenario, WindowTransitions } from "./retry-windows.ts";

/** The object bench/run.ts builds and prints with `--json`. */
export interface BenchResult {
  readonly date: string;
  readonly machine: {
    readonly cpu_model: string;
    readonly cpus: number;
    readonly memory_gb: number;
    readonly free_memory_gb_at_start: number;
    readonly node: string;
    readonly platform: string;
    readonly load_average_at_start: readonly number[];
  };
  readonly classify_ratio_vs_json_parse: number;
  readonly classify_recipients_per_second: number;
  readonly classify_details: ClassifySpeed;
  readonly classify_ratio_with_addresses_in_diagnostics: number;
  readonly classify_long_diagnostic_ratio_256kb_vs_1kb: number;
  readonly classify_2mb_diagnostic_record_ms: number;
  readonly classify_long_diagnostic_details: LongDiagnosticSpeed;
  readonly cli_version_ratio_vs_node: number;
  readonly classify_whole_process_recipients_per_second: number;
  /** Null when Sisimai was not measured (not installed, or --no-sisimai). */
  readonly classify_whole_process_ratio_vs_sisimai: number | null;
  readonly cli_process_details: CliProcessFigures;
  readonly dynamodb_requests_per_recipient_event: number;
  readonly dynamodb_requests_breakdown: Readonly<Record<string, number>>;
  readonly intake_reads: number;
  readonly dynamodb_details: {
    readonly notifications: number;
    readonly duplicate_messages: number;
    readonly recipient_events: number;
    readonly requests: number;
    readonly requests_per_notification: number;
    readonly duplicate_reads: number;
    readonly window_starts: number;
    readonly failed_conditional_writes: number;
    readonly write_units_per_recipient_event: number;
    readonly write_units_per_notification: number;
    readonly read_units_per_notification: number;
    readonly steady_state: DynamoDbUsage["steadyState"];
    readonly median_batch_ms: number;
    readonly log_bytes_per_notification: number;
  };
  readonly presend_requests_per_100_addresses: number;
  readonly presend_validation_microseconds_per_address: number;
  readonly presend_end_to_end_ratio_vs_batch_get: number;
  readonly presend_details: DynamoDbUsage["presend"];
  readonly bundle_bytes: BundleFigures["bytes"];
  readonly bundle_data_bytes: BundleFigures["dataBytes"];
  readonly bundle_largest_packages: BundleFigures["largestPackages"];
  readonly cold_load_ratio: BundleFigures["coldLoadRatio"];
  readonly cold_load_details: {
    readonly runs: number;
    readonly median_ms: BundleFigures["coldLoadMs"];
    readonly ratio_of_medians: BundleFigures["ratioOfMedians"];
    readonly import_only_ratio: BundleFigures["importOnlyRatio"];
  };
  readonly state_transitions_per_window: number;
  readonly state_transitions_per_retry: number;
  readonly state_transitions_details: WindowTransitions;
  readonly cost_per_million_windows_usd: number;
  readonly cost_per_million_notifications_usd: number;
  readonly cost_breakdown_usd: CostBreakdown;
  readonly cost_if_every_write_were_one_unit_usd: number;
  readonly cost_steady_state_usd: number;
  readonly cost_floor_usd: number;
  readonly cost_assumptions: CostInputs & {
    readonly prices_usd: { readonly [name in keyof typeof PRICES_USD]: number };
    readonly prices_date: string;
    readonly region: string;
    readonly sqs_requests_per_notification: number;
  };
  readonly chaos_notifications: number;
  readonly chaos_mismatches: number;
  readonly chaos_dlq_poison_only: boolean;
  readonly chaos_same_instant_mismatches: number;
  readonly chaos_same_instant_addresses: number;
  /** The longest DynamoDB outage, in simulated hours, after which no good record was in the DLQ. */
  readonly chaos_outage_hours_survived: number;
  /** Good records in the DLQ: in the main replay, and after a 6-hour outage. */
  readonly chaos_good_records_dead_lettered: number;
  readonly chaos_fault_details: ChaosFaultDetails;
  readonly chaos_details: {
    readonly messages: number;
    readonly messages_by_kind: Readonly<Record<string, number>>;
    readonly addresses: number;
    readonly distinct_events: number;
    readonly differences: number;
    readonly double_counted_addresses: number;
    readonly unapplied_messages: number;
    readonly unexpected_items: number;
    readonly dead_letters: number;
    readonly queue_depth_after: number;
    readonly receives: number;
    readonly good_records_redelivered: number;
    readonly faults_thrown: Readonly<Record<string, number>>;
    readonly model_statuses: Readonly<Record<string, number>>;
    readonly elapsed_ms: number;
    readonly phases_ms: Readonly<Record<"prepare" | "wait" | "send" | "pump" | "verify", number>>;
    readonly notifications_per_second: number;
    readonly pollers: number;
    readonly visibility_timeout_seconds: number;
    readonly max_receive_count: number;
    readonly queue_window: number;
  };
  readonly policy: { readonly soft_bounce_threshold: number; readonly history_limit: number };
  readonly load_average_at_end: readonly number[];
  readonly elapsed_seconds: number;
}

/** What the replays beyond DynamoDB's faults found: outages, kills, throttling, SES, operators, trimming. */
export interface ChaosFaultDetails {
  /** The retry schedule's shortest budget (jitter at its shortest), in hours. */
  readonly retry_budget_hours: number;
  readonly max_receive_count: number;
  /** The outages replayed to find the longest survived: hours and good records dead-lettered. */
  readonly outage_replays: readonly { readonly hours: number; readonly good_records_dead_lettered: number }[];
  readonly six_hour_outage: {
    readonly good_records_dead_lettered: number;
    readonly poison_dead_lettered: number;
    readonly poison: number;
    readonly mismatched_addresses: number;
  };
  /** An outage an hour longer than the budget, then a redrive of the DLQ. */
  readonly beyond_budget_outage: {
    readonly hours: number;
    readonly good_records_dead_lettered: number;
    readonly redriven: number;
    readonly mismatched_addresses_after_redrive: number;
  };
  readonly main_replay_good_records_dead_lettered: number;
  readonly repeated_poison: number;
  readonly killed_invocations: number;
  readonly windows: {
    readonly open: number;
    readonly started: number;
    readonly throttled: number;
    readonly without_execution: number;
  };
  readonly ses_list: {
    readonly listed: number;
    readonly failed_puts: number;
    readonly extra: number;
    readonly missing: number;
  };
  readonly operators: {
    readonly unsuppressed: number;
    readonly erased: number;
    readonly tombstoned: number;
    readonly violations: number;
  };
  readonly history_replay: {
    readonly messages: number;
    readonly late_copies: number;
    readonly late_copies_of_trimmed_events: number;
    readonly trimmed_addresses: number;
    readonly mismatched_addresses: number;
  };
}

/** The code the run measured; every field is null when git could not tell. */
export interface GitState {
  /** `git rev-parse --short HEAD`. */
  readonly commit: string | null;
  readonly subject: string | null;
  /** Paths that differed from the commit when the run finished (BENCHMARKS.md aside). */
  readonly uncommitted: readonly string[] | null;
}

export interface ReportContext {
  readonly git: GitState;
  /** How the run was started, e.g. `npm run bench -- --chaos-notifications 100000`. */
  readonly command: string;
}

/** The goals the issue sets. */
export const GOALS = {
  classifyRatio: 2.0,
  longDiagnosticRatio: 1.5,
  /** "Well under a second" for a whole record with a 2 MB diagnostic. */
  longRecordMs: 100,
  cliVersionRatio: 4,
  classifyWholeProcessRatioVsSisimai: 100,
  requestsPerRecipientEvent: 1.0,
  intakeReads: 0,
  presendRequestsPer100Addresses: 1,
  coldLoadRatio: 1.3,
  stateTransitionsPerRetry: 3,
  stateTransitionsPerWindow: 3,
  costPerMillionNotificationsUsd: 1.8,
  chaosNotifications: 100_000,
  chaosMismatches: 0,
  chaosOutageHoursSurvived: 6,
  chaosGoodRecordsDeadLettered: 0,
} as const;

/** A figure that misses its goal by at most this share of the goal is "close". */
export const CLOSE_MARGIN = 0.05;

export type Verdict = "met" | "close" | "missed";

const atMost = (value: number, goal: number): Verdict =>
  value <= goal ? "met" : value <= goal * (1 + CLOSE_MARGIN) ? "close" : "missed";
const atLeast = (value: number, goal: number): Verdict =>
  value >= goal ? "met" : value >= goal * (1 - CLOSE_MARGIN) ? "close" : "missed";
const holds = (condition: boolean): Verdict => (condition ? "met" : "missed");

export interface Verdicts {
  readonly classify_ratio_vs_json_parse: Verdict;
  readonly classify_long_diagnostic_ratio_256kb_vs_1kb: Verdict;
  readonly classify_2mb_diagnostic_record_ms: Verdict;
  readonly cli_version_ratio_vs_node: Verdict;
  /** Undefined when Sisimai was not measured. */
  readonly classify_whole_process_ratio_vs_sisimai: Verdict | undefined;
  readonly dynamodb_requests_per_recipient_event: Verdict;
  readonly intake_reads: Verdict;
  readonly presend_requests_per_100_addresses: Verdict;
  readonly cold_load_ratio: Verdict;
  readonly state_transitions_per_retry: Verdict;
  readonly state_transitions_per_window: Verdict;
  readonly cost_per_million_notifications_usd: Verdict;
  readonly chaos_notifications: Verdict;
  readonly chaos_mismatches: Verdict;
  readonly chaos_dlq_poison_only: Verdict;
  readonly chaos_same_instant_mismatches: Verdict;
  readonly chaos_outage_hours_survived: Verdict;
  readonly chaos_good_records_dead_lettered: Verdict;
}

/** Each figure that has a goal, against it. */
export function goalVerdicts(result: BenchResult): Verdicts {
  const coldRatios = Object.values(result.cold_load_ratio);
  const windows = result.state_transitions_details;
  return {
    classify_ratio_vs_json_parse: atMost(result.classify_ratio_vs_json_parse, GOALS.classifyRatio),
    classify_long_diagnostic_ratio_256kb_vs_1kb: atMost(
      result.classify_long_diagnostic_ratio_256kb_vs_1kb,
      GOALS.longDiagnosticRatio,
    ),
    classify_2mb_diagnostic_record_ms: atMost(result.classify_2mb_diagnostic_record_ms, GOALS.longRecordMs),
    cli_version_ratio_vs_node: atMost(result.cli_version_ratio_vs_node, GOALS.cliVersionRatio),
    classify_whole_process_ratio_vs_sisimai:
      result.classify_whole_process_ratio_vs_sisimai === null
        ? undefined
        : atLeast(result.classify_whole_process_ratio_vs_sisimai, GOALS.classifyWholeProcessRatioVsSisimai),
    dynamodb_requests_per_recipient_event:
      result.intake_reads === GOALS.intakeReads
        ? atMost(result.dynamodb_requests_per_recipient_event, GOALS.requestsPerRecipientEvent)
        : "missed",
    intake_reads: holds(result.intake_reads === GOALS.intakeReads),
    presend_requests_per_100_addresses: atMost(
      result.presend_requests_per_100_addresses,
      GOALS.presendRequestsPer100Addresses,
    ),
    cold_load_ratio:
      coldRatios.length === 0 ? "missed" : atMost(Math.max(...coldRatios), GOALS.coldLoadRatio),
    state_transitions_per_retry: atMost(windows.per_retry, GOALS.stateTransitionsPerRetry),
    state_transitions_per_window: atMost(windows.per_window_closed_by_event, GOALS.stateTransitionsPerWindow),
    cost_per_million_notifications_usd: atMost(
      result.cost_per_million_notifications_usd,
      GOALS.costPerMillionNotificationsUsd,
    ),
    chaos_notifications: atLeast(result.chaos_notifications, GOALS.chaosNotifications),
    chaos_mismatches: atMost(result.chaos_mismatches, GOALS.chaosMismatches),
    chaos_dlq_poison_only: holds(result.chaos_dlq_poison_only),
    chaos_same_instant_mismatches: atMost(result.chaos_same_instant_mismatches, GOALS.chaosMismatches),
    chaos_outage_hours_survived: atLeast(result.chaos_outage_hours_survived, GOALS.chaosOutageHoursSurvived),
    chaos_good_records_dead_lettered: atMost(
      result.chaos_good_records_dead_lettered,
      GOALS.chaosGoodRecordsDeadLettered,
    ),
  };
}

// Formatting: figures as the run gave them, with thousands separators.

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

function grouped(text: string): string {
  const [whole = "", fraction] = text.replace(/^-/, "").split(".");
  return `${text.startsWith("-") ? "-" : ""}${group(whole)}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** A figure with every digit the run kept, e.g. 14001 → "14,001", 1.33334e-5 → "0.0000133334". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  return grouped(text.includes("e") ? value.toFixed(12).replace(/0+$/, "").replace(/\.$/, "") : text);
}

const fixed = (value: number, digits: number) => grouped(value.toFixed(digits));

/** Dollars: whole amounts from 10 up without cents, otherwise at least two decimals. */
function usd(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) >= 10) return `$${formatNumber(value)}`;
  const decimals = String(value).split(".")[1]?.length ?? 0;
  return `$${decimals < 2 ? fixed(value, 2) : formatNumber(value)}`;
}

function percent(share: number): string {
  const value = share * 100;
  return `${value >= 9.95 ? Math.round(value) : Math.round(value * 10) / 10} %`;
}

function duration(seconds: number): string {
  const hours = Math.floor(seconds / 3_600);
  const minutes = Math.round((seconds % 3_600) / 60);
  return [hours > 0 ? `${hours} h` : "", minutes > 0 ? `${minutes} min` : ""].filter(Boolean).join(" ");
}

function platformName(platform: string): string {
  const [system = platform, arch = ""] = platform.split("-");
  const names: Record<string, string> = { linux: "Linux", darwin: "macOS", win32: "Windows" };
  return `${names[system] ?? system} ${arch}`.trim();
}

/** "a, b and c". */
function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

const states = (names: readonly string[]) => names.join(" › ");
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const cell = (verdict: Verdict, why = "") => (why === "" ? verdict : `${verdict}: ${why}`);

const COST_PARTS: Readonly<Record<Exclude<keyof CostBreakdown, "total" | "cloudWatchLogs">, string>> = {
  sns: "SNS",
  sqs: "SQS",
  dynamoDbWrites: "DynamoDB writes",
  dynamoDbReads: "DynamoDB reads",
  lambdaRequests: "Lambda requests",
  lambdaDuration: "Lambda duration",
};

function header(result: BenchResult, context: ReportContext): string {
  const { machine } = result;
  const end = new Date(result.date);
  const start = new Date(end.getTime() - result.elapsed_seconds * 1000);
  const day = (at: Date) => at.toISOString().slice(0, 10);
  const time = (at: Date) => at.toISOString().slice(11, 19);
  const span =
    day(start) === day(end)
      ? `${day(end)} (run from ${time(start)} to ${time(end)} UTC)`
      : `${day(start)} ${time(start)} to ${day(end)} ${time(end)} UTC`;
  const { commit, subject, uncommitted } = context.git;
  const code =
    commit === null
      ? "unknown: git could not tell which commit this was."
      : `commit \`${commit}\`${subject === null ? "" : ` (${subject})`}. ${
          uncommitted === null
            ? "Whether anything was uncommitted is unknown."
            : uncommitted.length === 0
              ? "Nothing was uncommitted when the run finished (BENCHMARKS.md aside)."
              : `**Uncommitted changes** when the run finished (${uncommitted.length} ${uncommitted.length === 1 ? "path" : "paths"}: ${list(
                  [
                    ...uncommitted.slice(0, 5).map((path) => `\`${path}\``),
                    ...(uncommitted.length > 5 ? [`${uncommitted.length - 5} more`] : []),
                  ],
                )}), so the figures may not be those of the commit.`
        }`;
  const minutes = Math.round(result.elapsed_seconds / 60);
  const took = `${formatNumber(result.elapsed_seconds)} s${minutes >= 2 ? ` (about ${minutes} minutes)` : ""}`;
  return `<!-- Written by \`npm run bench\` (bench/report.ts) from the run pasted at the end: edit the
prose in bench/report.ts and run the bench again, not this file. -->

# Benchmarks

\`npm run bench\` measures every figure below in one run, prints a summary and writes this file;
\`npm run bench -- --json\` prints one JSON object on stdout instead of the summary (progress goes to
stderr) and writes this file too; \`--no-write\` leaves the file alone. This run took
${took} on the machine below. Timings are given as
ratios to a baseline measured in the same run, because this machine is shared and noisy. The
figures here come from **one run**, pasted in full at the end.

- **Date:** ${span}.
- **Machine:** ${machine.cpu_model} (\`os.cpus()[0].model\`), ${machine.cpus} cores, ${machine.memory_gb} GB, ${platformName(machine.platform)}, Node ${machine.node}. The
  machine is shared with other work: 1-minute load average ${formatNumber(machine.load_average_at_start[0] ?? Number.NaN)} at the start,
  ${formatNumber(result.load_average_at_end[0] ?? Number.NaN)} at the end. Earlier runs under heavier load gave the same counts, with timing
  ratios that moved by up to ±0.9 (see the cold-load section).
- **Code:** ${code}
`;
}

function summary(result: BenchResult, verdicts: Verdicts): string {
  const windows = result.state_transitions_details;
  const breakdown = Object.entries(result.dynamodb_requests_breakdown)
    .map(([name, count]) => `${name} ${formatNumber(count)}`)
    .join(", ");
  const extraShare = (result.dynamodb_requests_per_recipient_event - 1) * 100;
  const dynamoWhy =
    result.intake_reads !== 0
      ? `${formatNumber(result.intake_reads)} reads on the intake path`
      : verdicts.dynamodb_requests_per_recipient_event === "met"
        ? ""
        : `the extra ${formatNumber(Math.round(extraShare * 10) / 10)} % are refused duplicate writes, threshold retains and duplicate soft-bounce reads`;
  const coldRatios = Object.entries(result.cold_load_ratio);
  const coldOver = coldRatios.filter(([, ratio]) => ratio > GOALS.coldLoadRatio);
  const closing = closingStates(windows.measured.delivered_after_one_retry);
  const costParts = Object.entries(COST_PARTS).map(
    ([key, label]) => [label, result.cost_breakdown_usd[key as keyof typeof COST_PARTS]] as const,
  );
  const [largestLabel, largestUsd] = costParts.reduce((a, b) => (b[1] > a[1] ? b : a));
  const windowCosts = windows.cost_per_million_windows_usd;
  const threshold = result.policy.soft_bounce_threshold;
  const cli = result.cli_process_details;
  const rows: [string, string, string, string][] = [
    [
      "classify_ratio_vs_json_parse",
      `**${fixed(result.classify_ratio_vs_json_parse, 2)}**`,
      `≤ ${fixed(GOALS.classifyRatio, 1)}`,
      cell(verdicts.classify_ratio_vs_json_parse),
    ],
    [
      "classify_recipients_per_second",
      `${formatNumber(result.classify_recipients_per_second)} (${result.machine.cpu_model}, one core)`,
      "for information",
      "",
    ],
    [
      "classify_long_diagnostic_ratio_256kb_vs_1kb",
      `**${fixed(result.classify_long_diagnostic_ratio_256kb_vs_1kb, 2)}**`,
      `≤ ${fixed(GOALS.longDiagnosticRatio, 1)}`,
      cell(verdicts.classify_long_diagnostic_ratio_256kb_vs_1kb),
    ],
    [
      "classify_2mb_diagnostic_record_ms",
      `**${fixed(result.classify_2mb_diagnostic_record_ms, 1)}** ms (\`JSON.parse\` alone ${fixed(result.classify_long_diagnostic_details.median2MbJsonParseMs, 1)} ms)`,
      `≤ ${formatNumber(GOALS.longRecordMs)} ms`,
      cell(verdicts.classify_2mb_diagnostic_record_ms),
    ],
    [
      "cli_version_ratio_vs_node",
      `**${fixed(result.cli_version_ratio_vs_node, 2)}** (${formatNumber(cli.versionMs)} ms against ${formatNumber(cli.nodeMs)} ms)`,
      `≤ ${GOALS.cliVersionRatio}`,
      cell(verdicts.cli_version_ratio_vs_node),
    ],
    [
      "classify_whole_process_recipients_per_second",
      `**${formatNumber(result.classify_whole_process_recipients_per_second)}** (${formatNumber(cli.notifications)} notifications in ${formatNumber(cli.classifyMs)} ms, start-up and output included)`,
      "for information",
      "",
    ],
    [
      "classify_whole_process_ratio_vs_sisimai",
      cli.sisimai.measured
        ? `**${fixed(cli.sisimai.ratio, 1)}** (Sisimai ${cli.sisimai.version}: ${formatNumber(cli.sisimai.ms)} ms; ${formatNumber(cli.sisimai.cpuRatio)} in CPU time)`
        : "not measured",
      `≥ ${GOALS.classifyWholeProcessRatioVsSisimai}`,
      verdicts.classify_whole_process_ratio_vs_sisimai === undefined
        ? cli.sisimai.measured
          ? ""
          : cli.sisimai.why
        : cell(verdicts.classify_whole_process_ratio_vs_sisimai),
    ],
    [
      "dynamodb_requests_per_recipient_event",
      `**${formatNumber(result.dynamodb_requests_per_recipient_event)}** (${breakdown})`,
      `${fixed(GOALS.requestsPerRecipientEvent, 1)}, with 0 intake reads`,
      cell(verdicts.dynamodb_requests_per_recipient_event, dynamoWhy),
    ],
    [
      "intake_reads",
      `**${formatNumber(result.intake_reads)}**`,
      String(GOALS.intakeReads),
      cell(verdicts.intake_reads),
    ],
    [
      "presend_requests_per_100_addresses",
      `**${formatNumber(result.presend_requests_per_100_addresses)}**`,
      String(GOALS.presendRequestsPer100Addresses),
      cell(verdicts.presend_requests_per_100_addresses),
    ],
    [
      "presend_validation_microseconds_per_address",
      `**${fixed(result.presend_validation_microseconds_per_address, 1)}** µs CPU (syntax, disposable, typo)`,
      "for information",
      "106 µs before plain addresses skipped the full parser (`1c8b821`)",
    ],
    [
      "presend_end_to_end_ratio_vs_batch_get",
      `**${fixed(result.presend_end_to_end_ratio_vs_batch_get, 2)}** (${formatNumber(result.presend_details.endToEndMs)} ms against ${formatNumber(result.presend_details.bareBatchGetMs)} ms for 1,000 addresses)`,
      "for information",
      "the check over a bare BatchGetItem loop",
    ],
    [
      "bundle_bytes",
      Object.entries(result.bundle_bytes)
        .map(([name, bytes]) => `${name} ${formatNumber(bytes)}`)
        .join("; "),
      "",
      "",
    ],
    [
      "cold_load_ratio",
      coldRatios.map(([name, ratio]) => `${name} **${fixed(ratio, 2)}**`).join(", "),
      `≤ ${fixed(GOALS.coldLoadRatio, 1)} for every function`,
      cell(
        verdicts.cold_load_ratio,
        verdicts.cold_load_ratio === "met"
          ? ""
          : `${list(coldOver.map(([name]) => name))} above ${fixed(GOALS.coldLoadRatio, 1)}`,
      ),
    ],
    [
      "state_transitions_per_retry",
      `**${formatNumber(windows.per_retry)}** (an idle poll takes ${formatNumber(windows.per_idle_poll)})`,
      `≤ ${GOALS.stateTransitionsPerRetry}`,
      cell(verdicts.state_transitions_per_retry),
    ],
    [
      "state_transitions_per_window",
      `**${formatNumber(result.state_transitions_per_window)}** for a window delivered after one retry: ${formatNumber(windows.per_retry)} for the retry, **${formatNumber(windows.per_window_closed_by_event)}** to close the window`,
      `≤ ${GOALS.stateTransitionsPerWindow} per window besides its retries`,
      cell(
        verdicts.state_transitions_per_window,
        verdicts.state_transitions_per_window === "met"
          ? ""
          : `closing takes ${formatNumber(windows.per_window_closed_by_event)} (${states(closing)}), see below`,
      ),
    ],
    [
      "cost_per_million_windows_usd",
      `**${usd(result.cost_per_million_windows_usd)}** for a window delivered after one retry; ${usd(windowCosts.suppressed_at_threshold)} for one suppressed at the threshold of ${threshold}; ${usd(windowCosts.no_retry_until_window_end)} for one never retried until its end`,
      "for information",
      `at the defaults (${duration(DEFAULT_RETRY_WINDOW.retryWindowSeconds)} window), see below`,
    ],
    [
      "cost_per_million_notifications_usd",
      `**${formatNumber(result.cost_per_million_notifications_usd)}** (steady state ${formatNumber(result.cost_steady_state_usd)}; ${formatNumber(result.cost_if_every_write_were_one_unit_usd)} if every write took one unit)`,
      `≤ ${fixed(GOALS.costPerMillionNotificationsUsd, 2)} (floor ${formatNumber(result.cost_floor_usd)})`,
      cell(
        verdicts.cost_per_million_notifications_usd,
        verdicts.cost_per_million_notifications_usd === "met"
          ? ""
          : `${largestLabel} are ${usd(largestUsd)} of it, see below`,
      ),
    ],
    [
      "chaos_notifications",
      `**${formatNumber(result.chaos_notifications)}** (${formatNumber(result.chaos_details.messages)} messages)`,
      formatNumber(GOALS.chaosNotifications),
      cell(
        verdicts.chaos_notifications,
        verdicts.chaos_notifications === "met"
          ? ""
          : "fewer asked for with `--chaos-notifications`, see below",
      ),
    ],
    [
      "chaos_mismatches",
      `**${formatNumber(result.chaos_mismatches)}**`,
      String(GOALS.chaosMismatches),
      cell(verdicts.chaos_mismatches),
    ],
    [
      "chaos_dlq_poison_only",
      `**${String(result.chaos_dlq_poison_only)}**`,
      "true",
      cell(
        verdicts.chaos_dlq_poison_only,
        result.chaos_dlq_poison_only
          ? ""
          : `${formatNumber(result.chaos_details.dead_letters)} dead letters for ${formatNumber(result.chaos_details.messages_by_kind.poison ?? 0)} poison messages`,
      ),
    ],
    [
      "chaos_same_instant_mismatches",
      `**${formatNumber(result.chaos_same_instant_mismatches)}** of ${formatNumber(result.chaos_same_instant_addresses)} addresses`,
      String(GOALS.chaosMismatches),
      cell(
        verdicts.chaos_same_instant_mismatches,
        verdicts.chaos_same_instant_mismatches === "met"
          ? "6 of 16 before `03b6202`, see below"
          : "see below",
      ),
    ],
    [
      "chaos_outage_hours_survived",
      `**${formatNumber(result.chaos_outage_hours_survived)}** simulated hours of DynamoDB outage`,
      `≥ ${formatNumber(GOALS.chaosOutageHoursSurvived)}`,
      cell(
        verdicts.chaos_outage_hours_survived,
        `the retry budget is ${formatNumber(result.chaos_fault_details.retry_budget_hours)} h at the jitter's shortest, see below`,
      ),
    ],
    [
      "chaos_good_records_dead_lettered",
      `**${formatNumber(result.chaos_good_records_dead_lettered)}**`,
      String(GOALS.chaosGoodRecordsDeadLettered),
      cell(
        verdicts.chaos_good_records_dead_lettered,
        "in the replay above and after a 6-hour outage, with kills, throttling, SES failures and operators on",
      ),
    ],
  ];
  return `## Summary

| figure | value | goal | verdict |
|---|---|---|---|
${rows.map(([name, value, goal, verdict]) => `| \`${name}\` | ${value} | ${goal} | ${verdict} |`).join("\n")}

Verdicts are computed from the figures: **met** when a figure reaches its goal, **close** when it
misses by at most ${CLOSE_MARGIN * 100} % of the goal, **missed** otherwise.
`;
}

function classifySection(result: BenchResult): string {
  const details = result.classify_details;
  const longs = result.classify_long_diagnostic_details;
  return `### \`classify_ratio_vs_json_parse\`, \`classify_recipients_per_second\` (bench/classify-speed.ts)
${formatNumber(details.records)} SQS records built the way Lambda's event source mapping builds them (\`sqsRecordOf\`), each holding
an SNS envelope around one notification of the generated mix described under "Chaos" (bounces of
every kind, deliveries, complaints, delivery delays, opens). The baseline pass does what any consumer
must: \`JSON.parse\` the body and then the SNS \`Message\`. The measured pass runs \`parseNotification(record)\`
and \`verdictsOf(notification)\`, which is everything the classifier does before the store. Both passes
are warmed up three times, then timed back to back in ${formatNumber(details.rounds)} rounds, in alternating order. The figure is the
median of the per-round ratios. Recipients per second are the recipients classified
(${formatNumber(details.recipients)} here) divided by the median classify pass (one core).

Result: median ${formatNumber(details.medianClassifyMs)} ms for classification against ${formatNumber(details.medianJsonParseMs)} ms for \`JSON.parse\`, so
**${fixed(result.classify_ratio_vs_json_parse, 2)}×** in this run. It was 6.5× before three changes (\`9d797be\`, \`a48395d\`):
- a fast path for notifications \`JSON.parse\` produced: a hand-written check that builds the object
  the zod schema would build, or hands the value to zod, which decides and words every error (zod/mini
  alone cost more than the \`JSON.parse\` before it); tests hold the two together on the official
  examples, every one-field edit of them, and random and mutated notifications;
- bounded memos in the classifier: up to 1,024 readings (a reading is a pure function of the
  evidence) and the phrase scan per normalised text;
- the one-shot \`crypto.hash\` for event ids, and no regex copies per call.

**What the memo contributes.** The generated stream uses a dozen fixed diagnostics, so the reading
memo hits for every recipient. Many MTAs quote the recipient in the text; the same records with every
bounce and delay diagnostic quoting its recipient measure **${fixed(result.classify_ratio_with_addresses_in_diagnostics, 2)}×** in this run
(\`classify_ratio_with_addresses_in_diagnostics\`): each recipient's evidence is new to the reading memo
and only the phrase memo, over the text with addresses removed, still hits. With every memo off it
was about 3.2× when measured during the change. Real traffic lies between the two figures.

### \`classify_long_diagnostic_ratio_256kb_vs_1kb\`, \`classify_2mb_diagnostic_record_ms\` (bench/classify-speed.ts)
A diagnostic as long ones are: a receiver's reply (Gmail's 550-5.1.1) followed by quoted mail, cut
to 1 KB and to 256 KB. Each timed call empties the classifier's memos and classifies one bounced
recipient (\`classifyBounce\`, Permanent/General, status 5.1.1), so every call reads its text anew;
${formatNumber(longs.rounds)} rounds alternate the two lengths, each timing ${formatNumber(longs.callsPerRound)} calls of each, and the figure is the
median of the per-round ratios: ${fixed(longs.median256KbMicroseconds, 1)} µs against ${fixed(longs.median1KbMicroseconds, 1)} µs, **${fixed(result.classify_long_diagnostic_ratio_256kb_vs_1kb, 2)}×**. The rules read
only a diagnostic's first KB (\`READ_LIMIT\` in functions/core/classify/normalise.ts) and every
pattern bounds how far one attempt looks ahead, so reading is linear in what is read and a longer
diagnostic costs no more. Before, a 256 KB diagnostic of this kind took about 170 times as long as a
1 KB one, and 128 KB of one repeated character took about 10 s (the address pattern rescanned from
every position).

The second figure is a whole SQS record around a notification whose one recipient has a 2 MB
diagnostic, parsed and classified as the Lambda does (\`parseNotification\`, \`verdictsOf\`):
median **${fixed(result.classify_2mb_diagnostic_record_ms, 1)} ms**, of which \`JSON.parse\` of the body and the SNS message alone takes
${fixed(longs.median2MbJsonParseMs, 1)} ms.
`;
}

function dynamoDbSection(result: BenchResult): string {
  const usage = result.dynamodb_details;
  const steady = usage.steady_state;
  const firsts = usage.notifications - usage.duplicate_messages;
  const presend = result.presend_details;
  return `### \`dynamodb_requests_per_recipient_event\`, \`intake_reads\` (bench/dynamodb-usage.ts)
A replay of ${formatNumber(firsts)} generated notifications plus ${formatNumber(usage.duplicate_messages)} duplicate messages (the same body again, or
the other SES format) goes through \`createClassifier(...).processEvent\` in batches of 10, against
dynalite. Every request of the store's client is counted with \`countRequests\`
(cli/local/request-counter.ts). The first copies are replayed first and their reads are
\`intake_reads\` (${formatNumber(result.intake_reads)}). Then the duplicates are replayed and their reads are \`duplicate_reads\`
(${formatNumber(usage.duplicate_reads)}). The figure is all requests divided by the recipient events the store was asked to
apply (ignored verdicts such as opens excluded, duplicates included): ${formatNumber(usage.requests)} / ${formatNumber(usage.recipient_events)} =
**${formatNumber(result.dynamodb_requests_per_recipient_event)}**.

The store runs as deployed, with retry windows on: the window is set in the event's own write, and
its rare follow-up writes (a delivery or the threshold closing a window, a late older bounce) are
in the count. The replay opened ${formatNumber(usage.window_starts)} windows (soft bounces and blocks of its last 48 hours); their
StartExecution calls are counted, not made, and are not DynamoDB requests. What the windows'
executions do is measured separately below.

The same client also asks for \`ReturnConsumedCapacity: TOTAL\`. dynalite computes units the way
DynamoDB bills them: the larger of the item before and after, per started KB written or per 4 KB read.
Refused conditional writes (duplicates, ${formatNumber(usage.failed_conditional_writes)} here) are billed too, but dynalite reports no units
for them, so they are counted at the average write's units. A fresh table gives
**${formatNumber(usage.write_units_per_recipient_event)} write units per recipient event**. It was 1.999 with map entries of full key names, 1.668
with one-letter keys (\`9ec0238\`), and is lower since each entry is one string (time in base 36, one- and
two-letter codes, 12-character stored ids, no feedbackId, deliveries reduced to time and status,
\`f146139\`): most addresses' items now stay within the first KB.

**Steady state:** one address receives ${formatNumber(steady.historyLimit + steady.events)} deliveries a day apart and the last ${formatNumber(steady.events)} are measured. Its
history then stays between ${formatNumber(steady.historyLimit / 2)} and ${formatNumber(steady.historyLimit)} entries (historyLimit ${formatNumber(steady.historyLimit)}). Result: ${formatNumber(steady.requestsPerEvent)} requests per
event (the requests beyond one trim the history) and **${formatNumber(steady.writeUnitsPerEvent)} write units per event** (7.89 with 50
full entries before \`9ec0238\`, 2.85 with map entries before \`f146139\`): every append rewrites the whole item.

### \`presend_requests_per_100_addresses\`, \`presend_validation_microseconds_per_address\`, \`presend_end_to_end_ratio_vs_batch_get\`
\`createPresendCheck\` with the real store, on the table left by the replay, checks 100 and then 1,000
distinct addresses (up to half of them known to the table). 100 addresses take ${formatNumber(presend.requestsFor100)} BatchGetItem and
1,000 take ${formatNumber(presend.requestsFor1000)}. The figure is requests for 1,000 divided by 10: **${formatNumber(result.presend_requests_per_100_addresses)}**.

Validation: \`validateAddress\` with the default checks over the same 1,000 addresses, CPU time
(\`process.cpuUsage\`) per address, median of 9 rounds after warm-up: **${fixed(result.presend_validation_microseconds_per_address, 1)} µs**. Before plain
addresses skipped the full parser (\`1c8b821\`) it was 106 µs, 69 µs of it in the nearley-based RFC 5321
parser; a property test proves that what the fast path accepts, the parser accepts. End to end: the
whole check of the 1,000 addresses against a bare loop of BatchGetItem requests for the same keys (100
a request, sent together), interleaved, medians of 9 rounds: ${formatNumber(presend.endToEndMs)} ms against ${formatNumber(presend.bareBatchGetMs)} ms,
**${fixed(result.presend_end_to_end_ratio_vs_batch_get, 2)}×**.
`;
}

function bundlesSection(result: BenchResult): string {
  const baselines = BUNDLES.filter((spec) => spec.firstEvent === undefined).map((spec) => `\`${spec.name}\``);
  const pairs = BUNDLES.flatMap((spec) =>
    spec.baseline === undefined || result.cold_load_ratio[spec.name] === undefined
      ? []
      : [`${spec.name} over \`${spec.baseline}\``],
  );
  const medians = Object.entries(result.cold_load_details.median_ms)
    .map(([name, timing]) => `${name} ${formatNumber(timing.importAndInit)} ms`)
    .join(", ");
  const importOnly = Object.entries(result.cold_load_details.import_only_ratio)
    .map(([name, ratio]) => `${name} ${fixed(ratio, 2)}`)
    .join(", ");
  const fills = Object.entries(result.bundle_largest_packages)
    .map(
      ([name, packages]) =>
        `- ${name} (${formatNumber(result.bundle_bytes[name] ?? Number.NaN)} bytes): ${packages
          .map((entry) => `${entry.package} ${formatNumber(entry.bytes)} (${percent(entry.share)})`)
          .join(", ")}.`,
    )
    .join("\n");
  const ofMedians = Object.entries(result.cold_load_details.ratio_of_medians)
    .map(([name, ratio]) => `${name} ${fixed(ratio, 2)}`)
    .join(", ");
  const dataFiles = Object.entries(result.bundle_data_bytes)
    .map(([name, bytes]) => `${name} ${formatNumber(bytes)} bytes`)
    .join(", ");
  return `### \`bundle_bytes\`, \`cold_load_ratio\` (bench/bundles.ts, bench/cold-load.mjs)
\`functions/classifier.ts\` and \`functions/presend-check.ts\` are built with esbuild with the options
\`aws-lambda-nodejs\` passes for the stack's bundling, taken from the same place as the stack takes them
(lib/function-bundling.ts): \`bundle\`, \`platform: node\`, \`target: node24\`, \`format: esm\`,
\`mainFields: module,main\`, \`minify\`, \`sourcemap\` (a separate file), \`sourcesContent: false\`, no
externals (the SDK is bundled), the banner
\`import { createRequire } from 'module'; const require = createRequire(import.meta.url);\`, and each
function's own options for the stack's default configuration: the \`define\`s that leave out the
adapters it does not use (the SES v2 suppression list and keyed mode's Secrets Manager client), and for
the pre-send check the alias and \`file\` loader of the disposable-domain list. They go to a temporary
directory. Baseline bundles (${list(baselines)}) get the same shared settings and contain only the SDK
clients a function creates at its first invocation in the stack's default configuration
(bench/bundles.ts). \`bundle_bytes\` is the size of each \`index.mjs\`; \`bundle_data_bytes\` the data files
deployed beside it and read when it loads (${dataFiles || "none"}).

Cold load: a fresh \`node\` process imports the bundle. For a function it then invokes the handler once,
with the environment the stack gives it by default and an event that needs no network
(\`{ Records: [] }\` for the classifier, \`{}\` for the pre-send check). The first invocation is where the
handlers read their configuration and build their clients. For a baseline, the clients are built by
the import. Each bundle is loaded ${formatNumber(result.cold_load_details.runs)} times, in interleaved rounds: each round loads every bundle once,
one after the other. The ratio is the median over the rounds of each round's ratio: the function's
import-and-init time over its baseline's in the same round (${list(pairs)}). Medians of the loads:
${medians}. The import alone gives ratios of ${importOnly} (ratio of the medians). For information,
the function's median over its baseline's median: ${ofMedians}. Up to \`8960097\` that ratio of medians was
the figure. This machine switches between fast and slow stretches, and two medians of 21 loads can
land in different ones: one run gave the classifier 1.04 and the pre-send check 1.35 that way,
while its per-round ratios gave 1.15 and 1.18. Over six runs of the code before \`9678e74\` (with full
zod, and one DynamoDB client as the only baseline) the classifier gave 1.36 to 2.28 and the pre-send
check 2.14 to 2.97.

What a cold start does not load any more:
- **mailchecker's Set** (\`326b586\`): 56,000-odd domains built into a Set at load, 69 % of the pre-send
  bundle, ratio 2.07 to 2.30. The stack and this bench alias \`mailchecker\` to a module generated at
  synth from the installed package, with the same domains as one sorted list and a binary search
  (lib/disposable-domains.ts, functions/core/sorted-list.ts). Since this change the list is a data file
  beside the bundle, read at load, instead of an 870 KB string literal: V8 took about four times as long
  to compile the literal as Node takes to read the file (a one-off measurement of the module alone).
- **Adapters of options that are off**: the stack bundles each function for its configuration and
  esbuild's \`define\` drops the SES v2 client unless the SES suppression-list sync or the deferral
  mirror is on, and the Secrets Manager client unless keyed mode is on
  (functions/adapters/optional-adapters.ts). A bundle built without one refuses, at its first
  invocation, a configuration that asks for it. They were imported statically before; the classifier
  measured 1.37 with the SES v2 client and 1.30 without it, 15 loads each.
- **zod in the classifier**: records are read by the fast path alone (functions/core/read-notification.ts);
  the zod schema (notification-schema.ts) is imported for a record the fast path cannot vouch for, which
  is broken input, and decides and words its error. In a one-off measurement (41 rounds) the classifier
  loaded in 111.4 ms this way and in 110.9 ms with zod replaced by an empty stub: zod no longer costs its
  cold start anything measurable. The pre-send check's request check needs no zod at all.
- **The RFC 5321 parser** (nearley and its grammar) in the pre-send check: loaded for the first address
  that is not of the plain form, which most requests never hold; likewise \`node:dns\` for the opt-in MX
  check.

**What fills the bundles** (esbuild metafile, bytes in the output, the largest packages; a data file
counts as its own entry):
${fills}

Before \`9678e74\`, zod was 454,619 bytes (49 %) of the classifier. In a one-off measurement on this
machine, a bundle holding only \`zod\` imported in about 45 ms, and one holding only \`zod/mini\` in about
5 ms. A dynamically imported module is still in the one file (esbuild without code splitting, which
\`aws-lambda-nodejs\` does not use), wrapped so that it is evaluated only when first imported; so the
lazily loaded modules above cost their bytes but not their evaluation. A dynamic import of the SES v2
package itself would keep all its commands: the classifier imports our own adapter module instead, which
imports the two commands it sends.
`;
}

/** The states after the last RetryDue was published: what closing the window took. */
function closingStates(scenario: WindowScenario): readonly string[] {
  const lastPublish = scenario.states.lastIndexOf("PublishRetryDue");
  return scenario.states.slice(lastPublish + 1);
}

function windowsSection(result: BenchResult, verdicts: Verdicts): string {
  const windows = result.state_transitions_details;
  const { delivered_after_one_retry: delivered, suppressed_at_threshold_of_3: threshold } = windows.measured;
  const runOut = windows.measured.no_retry_until_window_end;
  const scenarios: [string, WindowScenario][] = [
    ["delivered after one retry (the sender delivers on the retry)", delivered],
    ["suppressed at the threshold of 3 (still full on every retry)", threshold],
    ["no retry until the window's end (the sender never retries)", runOut],
  ];
  const taskRetries = sum(
    Object.values(windows.measured).map((scenario) => scenario.transitions - scenario.states.length),
  );
  const measuredIdlePolls =
    (runOut.transitions - windows.per_retry * runOut.retry_due_events - windows.per_window_run_out) /
    windows.per_idle_poll;
  const assumptions = windows.cost_assumptions;
  const transitionPrice = Number(assumptions.step_functions_per_thousand_transitions);
  const stepFunctionsUsd = (transitions: number) => Math.round(transitions * transitionPrice * 100_000) / 100;
  const retriesToThreshold = result.policy.soft_bounce_threshold - 1;
  const cases: [string, keyof WindowTransitions["at_defaults"], string][] = [
    ["delivered after one retry", "delivered_after_one_retry", "a retry and the close"],
    [
      `suppressed at the threshold of ${result.policy.soft_bounce_threshold}`,
      "suppressed_at_threshold",
      `${retriesToThreshold} retries and the close`,
    ],
    [
      "no retry until the window's end",
      "no_retry_until_window_end",
      `a retry, ${formatNumber(Number(assumptions.idle_polls_at_defaults))} idle polls and the run-out`,
    ],
  ];
  const windowToIntake = result.cost_per_million_windows_usd / result.cost_per_million_notifications_usd;
  const deliveredStepFunctionsShare =
    stepFunctionsUsd(windows.at_defaults.delivered_after_one_retry) / result.cost_per_million_windows_usd;
  const verdictText = (verdict: Verdict) => (verdict === "met" ? "met" : `**${verdict}**`);
  return `### \`state_transitions_per_window\`, \`state_transitions_per_retry\`, \`cost_per_million_windows_usd\` (bench/retry-windows.ts)
A deferring soft bounce (or block) opens a retry window on the address's item, and the classifier
starts one Standard execution of the retry-window state machine (lib/retry-window.ts) for it. The
execution waits for each due time, releases the deferral, publishes RetryDue, and closes the window.
Step Functions Standard bills per state transition, so these figures count the transitions a window
takes.

**Method.** The bench runs the three window scenarios of \`npm start\` (cli/demo-windows.ts) on the
state machine definition synthesized from lib/: \`synthesizeStack\` builds the stack's template and
\`retryWindowDefinition\` (cli/local/retry-window.ts) takes the definition from it, with the table
reference resolved to the local table. aws-local-stepfunctions executes it (cli/local/step-functions.ts):
the DynamoDB tasks run against dynalite and the EventBridge task publishes locally. The classifier
feeds it through the local SQS, as in the stack. The waits are shortened: hours become seconds, in
the proportions of the defaults, the soft-bounce threshold is 3, and a failing task is retried after
10 ms. Each address gets a first soft bounce, which opens its window, and a simulated sender answers
every RetryDue event half a retry interval later. Everything runs on a controlled clock
(cli/local/virtual-clock.ts): \`$$.State.EnteredTime\`, the notifications' times and the classifier's
"now" read it, each Wait state sleeps on it (run as a local task until the instant the Wait names), and
it moves to the next instant only when every execution and every sender's answer has finished or waits.
So the counts depend only on the scenarios: before the clock, a run on a loaded machine gave
\`state_transitions_per_window\` 8 and \`state_transitions_per_retry\` −4 (answers landing after the
next poll); \`bench-retry-windows.test.ts\` slows every DynamoDB request by 400 ms and gets the same counts. A transition is counted for every state entered and every retry of a state
(the \`StateEntered\` and \`StateRetried\` events of the execution), which is what Step Functions bills;
this run had ${formatNumber(taskRetries)} task ${taskRetries === 1 ? "retry" : "retries"} among them.

| scenario | transitions | RetryDue events | UpdateItem | PutEvents | states entered |
|---|---|---|---|---|---|
${scenarios
  .map(
    ([name, scenario]) =>
      `| ${name} | **${formatNumber(scenario.transitions)}** | ${formatNumber(scenario.retry_due_events)} | ${formatNumber(scenario.update_items)} | ${formatNumber(scenario.put_events)} | ${states(scenario.states)} |`,
  )
  .join("\n")}

Read off these runs:
- **A retry** takes **${formatNumber(windows.per_retry)}** transitions (a wait, Release, PublishRetryDue): the threshold scenario
  has ${formatNumber(threshold.transitions - delivered.transitions)} transitions (${formatNumber(threshold.transitions)} − ${formatNumber(delivered.transitions)}) and ${formatNumber(threshold.retry_due_events - delivered.retry_due_events)} RetryDue more than the delivered one. Goal at most
  ${GOALS.stateTransitionsPerRetry}: ${verdictText(verdicts.state_transitions_per_retry)}.
- **Closing a window** after an event (a delivery or the threshold) takes **${formatNumber(windows.per_window_closed_by_event)}**: the delivered window's
  transitions less its retries, here ${states(closingStates(delivered))}: the classifier stops the execution
  (StopExecution) as soon as its write closes the window, so the state it was waiting in is the
  last. If the stop fails, the execution finds the window gone at its next wake-up and ends at
  WindowClosed (Release › Inspect › WindowClosed, three more). Goal at most
  ${GOALS.stateTransitionsPerWindow}: ${verdictText(verdicts.state_transitions_per_window)}.
- **An idle poll**, when the window is open but no new bounce came, takes ${formatNumber(windows.per_idle_poll)} (WaitForNextBounce › Release
  › Inspect › Decide); the window that was never retried had ${formatNumber(measuredIdlePolls)}. After ${formatNumber(IDLE_INSPECTIONS_BEFORE_SLEEP)} idle looks the
  execution sleeps until the window's end (one WaitUntilWindowEnd) instead of polling on, so a window
  has at most ${formatNumber(IDLE_INSPECTIONS_BEFORE_SLEEP)} idle polls.
- **A window that runs out** ends with ${formatNumber(windows.per_window_run_out)}: that window's transitions less its retry and its idle polls.
- \`state_transitions_per_window\` is the delivered window's total, **${formatNumber(result.state_transitions_per_window)}**, and
  \`state_transitions_per_retry\` the retry's, **${formatNumber(result.state_transitions_per_retry)}**.

**At the defaults** (retry interval ${duration(DEFAULT_POLICY.retryIntervalSeconds)}, poll ${duration(DEFAULT_RETRY_WINDOW.pollSeconds)}, window ${duration(DEFAULT_RETRY_WINDOW.retryWindowSeconds)}, threshold
${result.policy.soft_bounce_threshold}), the same counts give per window, and per million windows: transitions at
${usd(transitionPrice)} per 1,000, DynamoDB writes at ${formatNumber(Number(assumptions.write_units_per_window_write))} write units each (a window write rewrites the item
like an event does: the steady state's units per event, rounded up) at
${usd(result.cost_assumptions.prices_usd.dynamoDbWriteUnitPerMillion)} per million units, and RetryDue events at ${usd(Number(assumptions.eventbridge_per_million_events))} per million
(EventBridge custom events). The writes are the execution's own (a refused conditional write is
billed too) plus the classifier's follow-up write when a delivery or the threshold closes the window;
bench/retry-windows.ts counts them per case.

| window | transitions | per million windows | of which Step Functions |
|---|---|---|---|
${cases
  .map(
    ([name, key, what]) =>
      `| ${name} | **${formatNumber(windows.at_defaults[key])}** (${what}) | **${usd(windows.cost_per_million_windows_usd[key])}** | ${usd(stepFunctionsUsd(windows.at_defaults[key]))} |`,
  )
  .join("\n")}

\`cost_per_million_windows_usd\` is the first case: about ${formatNumber(Math.round(windowToIntake))}× the intake path's cost of one notification
(${usd(result.cost_per_million_notifications_usd)} per million), ${percent(deliveredStepFunctionsShare)} of it in transitions. Only deferring soft bounces and blocks
open a window.
`;
}

function costSection(result: BenchResult, verdicts: Verdicts): string {
  const cost = result.cost_breakdown_usd;
  const inputs = result.cost_assumptions;
  const prices = inputs.prices_usd;
  const invocations = 1_000_000 / inputs.batchSize;
  const parts = Object.entries(COST_PARTS)
    .map(([key, label]) => `${label} ${usd(cost[key as keyof typeof COST_PARTS]).slice(1)}`)
    .join(", ");
  // Two writes of one unit per event instead of one write of the measured units.
  const historyApart = cost.total - cost.dynamoDbWrites + 2 * prices.dynamoDbWriteUnitPerMillion;
  const oneUnitVerdict = atMost(
    result.cost_if_every_write_were_one_unit_usd,
    GOALS.costPerMillionNotificationsUsd,
  );
  return `### \`cost_per_million_notifications_usd\` (bench/cost-model.ts)
This is the cost per million notifications through the intake path. The request counts and units
measured above are multiplied by public on-demand prices (${inputs.region}, read ${inputs.prices_date}):

| service | price | quantity per million notifications |
|---|---|---|
| SNS | ${usd(prices.snsPublishPerMillion)} per million publishes (64 KB chunks) | 1 publish each; SNS → SQS delivery is free |
| SQS | ${usd(prices.sqsRequestPerMillion)} per million requests (64 KB chunks) | 1 SendMessage (from SNS) + (ReceiveMessage + DeleteMessageBatch) / ${formatNumber(inputs.batchSize)} = ${formatNumber(inputs.sqs_requests_per_notification)} requests each; empty long-poll receives while idle are a fixed monthly cost, left out |
| DynamoDB on demand | ${usd(prices.dynamoDbWriteUnitPerMillion)} per million write units, ${usd(prices.dynamoDbReadUnitPerMillion)} per million read units | measured: ${formatNumber(inputs.writeUnitsPerNotification)} write units and ${formatNumber(inputs.readUnitsPerNotification)} read units per notification |
| Lambda arm64 | ${usd(prices.lambdaRequestPerMillion)} per million requests, ${usd(prices.lambdaArmGbSecond)} per GB-second | ${formatNumber(invocations)} invocations at batch size ${formatNumber(inputs.batchSize)}, ${formatNumber(inputs.memoryMb)} MB, ${formatNumber(inputs.durationMsPerBatch)} ms per batch (the median measured against local dynalite, rounded up) |

The result is **${usd(result.cost_per_million_notifications_usd)}** per million: ${parts}. Goal at most
${usd(GOALS.costPerMillionNotificationsUsd)}: ${verdicts.cost_per_million_notifications_usd === "met" ? "met" : `**${verdicts.cost_per_million_notifications_usd}**`}. The floor is ${usd(result.cost_floor_usd)} (one publish, SQS at batch size 10, one 1 KB
write). If every write took one unit, the same request counts would cost
**${usd(result.cost_if_every_write_were_one_unit_usd)}**, which ${oneUnitVerdict === "met" ? "meets" : "misses"} the goal. They take ${formatNumber(inputs.writeUnitsPerNotification)} units on average on a fresh table,
and **${usd(result.cost_steady_state_usd)}** in the steady state of a busy address (${formatNumber(result.dynamodb_details.steady_state.writeUnitsPerEvent)} units per write). The units above
one come from design, not overhead in requests: every event rewrites the whole item, and the item
carries its recent history (up to ${formatNumber(result.policy.history_limit)} compact entries) so that "why is this address suppressed?" and
the order-independent policy need no second read. Keeping the history in separate items would make
each event two writes of one unit (about ${usd(Math.round(historyApart * 100) / 100)}) and reads dearer; the history on the item was kept,
and made small: it was ${usd(2.049)} per million with map entries (1.662 units per notification) before
\`f146139\`.

Not included: CloudWatch Logs ingestion of the classifier's log lines, measured at
${formatNumber(inputs.logBytesPerNotification)} bytes per notification, or **${usd(cost.cloudWatchLogs)}** per million at ${usd(prices.cloudWatchLogsIngestedPerGb)} per GB. Also left out
are KMS requests for the encrypted topic and queue.
`;
}

/** Earlier runs of the same 100,000-notification replay (same seeds), for the size paragraph. */
const EARLIER_FULL_SIZE_RUNS = [
  { commit: "183fd46", replaySeconds: 437, benchSeconds: 491.5 },
  { commit: "0631dbd", replaySeconds: 289.3, benchSeconds: 353.6 },
  { commit: "9b43fd3", replaySeconds: 260.5, benchSeconds: 289.9 },
] as const;

function chaosSection(result: BenchResult): string {
  const chaos = result.chaos_details;
  const faults = sum(Object.values(chaos.faults_thrown));
  const poison = chaos.messages_by_kind.poison ?? 0;
  const clean =
    result.chaos_mismatches === 0 && chaos.double_counted_addresses === 0 && chaos.unapplied_messages === 0;
  const dlq = result.chaos_dlq_poison_only
    ? `the DLQ held exactly the ${formatNumber(poison)} poison messages`
    : `the DLQ did not hold exactly the poison messages (${formatNumber(chaos.dead_letters)} dead letters, ${formatNumber(poison)} poison)`;
  const outcome = `${formatNumber(chaos.differences)} differences (${formatNumber(result.chaos_mismatches)} addresses), ${formatNumber(chaos.double_counted_addresses)} double counts, ${formatNumber(chaos.unapplied_messages)} unapplied messages, ${formatNumber(chaos.unexpected_items)} unexpected items, and ${dlq}`;
  const toDlqSeconds = chaos.max_receive_count * chaos.visibility_timeout_seconds;
  const phase = (name: keyof typeof chaos.phases_ms) =>
    formatNumber(Math.round(chaos.phases_ms[name] / 100) / 10);
  const earlier = EARLIER_FULL_SIZE_RUNS.map(
    (run) =>
      `${formatNumber(run.replaySeconds)} s at \`${run.commit}\` (the whole bench ${formatNumber(run.benchSeconds)} s)`,
  ).join(", ");
  const size =
    result.chaos_notifications >= GOALS.chaosNotifications
      ? `This run replayed ${formatNumber(result.chaos_notifications)} notifications in ${formatNumber(Math.round(chaos.elapsed_ms / 100) / 10)} s; the same replay took ${earlier}.`
      : `This run replayed ${formatNumber(result.chaos_notifications)} notifications, fewer than the goal's ${formatNumber(GOALS.chaosNotifications)}, because it was asked to (\`--chaos-notifications\`); the full size took ${earlier}.`;
  return `### Chaos replay: \`chaos_notifications\`, \`chaos_mismatches\`, \`chaos_dlq_poison_only\` (test/support/chaos-replay.ts)
The test (\`test/integration/chaos.test.ts\`, about 2,000 notifications) and the bench share one
implementation in \`test/support/\`:

- **Stream** (feedback-stream.ts): a seeded PRNG (sfc32, seeded-random.ts) generates addresses with
  behaviours. Some are delivered, some dead (hard bounces, including Transient/General with 5.1.1 or
  5.4.4), some complain (some \`not-spam\`), some are full mailboxes (soft streaks planned to cross the
  threshold), some are almost full (at most four soft bounces in their life), some flaky (soft or
  delivered at random), some have expired streaks (clusters more than 30 days apart), some are blocked
  (5.7.1 Spamhaus), some on holiday (auto-replies), some delayed (DeliveryDelay events) and some on the
  SES account list. Each address has several spellings: domain case, display name, Unicode and
  punycode domain. Mails go to 1–3 recipients and notifications list several recipients.
- **Copies:** every notification is published in the identity format (\`notificationType\`) or the
  event-publishing format (\`eventType\`). It is wrapped in an SNS envelope, or sent raw (25 %). On top
  of that come exact duplicates (5 %), copies in the other SES format (10 %), copies in the other
  wrapping (3 %), SNS subscription confirmations, and poison (2 %): non-JSON, truncated JSON, fragments,
  wrong types, bad SNS envelopes, envelopes nested four deep. The good messages are shuffled and the
  poison is spread over the first 80 % of them (see **Size**).
- **Delivery:** the messages go through the real local SQS (local-aws-sqs) with the stack's \`maxReceiveCount\` ${formatNumber(chaos.max_receive_count)},
  a ${formatNumber(chaos.visibility_timeout_seconds)} s visibility timeout and its DLQ. ${formatNumber(chaos.pollers)} pollers (\`pumpQueue\`) feed the real middy handler
  (\`createHandler\`) like concurrent invocations of Lambda's event source mapping, including partial
  batch failures. The stream is fed in while the pollers work, with at most ${formatNumber(chaos.queue_window)} visible messages on
  the queue (local-aws-sqs scans its whole queue on every receive): the feed tops the queue up, eight
  batch requests at a time, whenever fewer than half that many are visible. Messages waiting out a
  visibility timeout come on top. dynalite and the local SQS
  server run in a child process, so they get the second core. In that process dynalite's expression
  parsers are memoized (test/support/dynalite-expression-memo.ts). dynalite parses every
  UpdateExpression and ConditionExpression afresh with a backtracking parser, which took a third of
  that process's CPU here; requests of one shape (expression, names, value types) now share one
  parse, with each request's own values put in. A shape is memoized only if the memo reproduces its
  first request's parse exactly; expressions whose checks read a value's content (BETWEEN,
  attribute_type) and every error go to dynalite each time; and in the test suite every dynalite
  request, in the tests' processes and in this child process, is answered by dynalite and compared
  with the memo's answer (test/setup.ts). The pollers and the feed stand in for
  the Lambda service and SNS, not for code of ours, so they speak the SQS JSON protocol to the local
  server directly (\`LocalSqsWire\`) instead of through the SDK; the handler's DynamoDB client is
  the SDK's, as in the Lambda. (\`chaos.test.ts\` runs the same replay at 2,000 notifications with a window
  of 500, 4 pollers and a 2 s visibility timeout.)
- **Faults** (dynamodb-faults.ts): SDK middleware on the handler's DynamoDB client throws
  \`ProvisionedThroughputExceededException\` or \`TimeoutError\` for 8 % of distinct requests. A hash of
  the request decides which ones, so the result does not depend on interleaving. A fault is thrown
  either *before* the request reaches dynalite or *after* dynalite applied it (a lost response). It is
  thrown either outside the SDK's retries, so it reaches the handler and SQS redelivers the record, or
  inside them, where one or two failures are absorbed and three timeouts exhaust \`maxAttempts\` 3. Each
  request fails a bounded number of times, as after a real outage.
- **Model** (feedback-model.ts): the pure \`parseNotification\` → \`verdictsOf\` → \`decide\` runs over
  every good message. Events are de-duplicated by event id, checking that every copy of an id carries
  the same entry. One \`AddressState\` per address is built and \`assess\`ed at the stream's end.
- **Checks:** the whole table is scanned and compared with the model, per address: status, reason,
  since, retryAt, the suppression's cause and evidence (messageId, status, diagnostic), streak, block count,
  every counter, the event ids recorded (missing, extra, repeated), and that every suppressed item is
  retained (TTL can never delete it). There must be no item for an address the model lacks. Every
  good message's events must be in the table. The DLQ must hold every poison body and no good record
  (a poison body the classifier sent twice, see below, is counted apart) and the queue must be empty.

**Result:** ${formatNumber(result.chaos_notifications)} notifications (${formatNumber(chaos.messages)} messages, ${formatNumber(chaos.addresses)} addresses, ${formatNumber(chaos.distinct_events)} distinct events) with
${formatNumber(faults)} faults thrown; ${formatNumber(chaos.good_records_redelivered)} good records were reported failed by the handler and redelivered. The
result was ${clean && result.chaos_dlq_poison_only ? `**${outcome}.**` : `${outcome}.`} The queue held ${formatNumber(chaos.queue_depth_after)} messages afterwards.

**Size:** the replay ran at ${formatNumber(chaos.notifications_per_second)} notifications a second in this run, counting from the stream's
generation to the last check (the chaos replay keeps a history limit of 200 so its model, which
keeps every event, stays comparable). Its phases: ${phase("prepare")} s to generate the stream and the model
and start the emulators, on one core, while the retry-window figures were measured in a child process
on the other; ${phase("wait")} s waiting for those; ${phase("send")} s for the first window; ${phase("pump")} s working the
queue; ${phase("verify")} s of checks. The classifier sends poison to the DLQ at its first receive; before it did, poison
took ${formatNumber(chaos.max_receive_count)} receives a visibility timeout apart (${formatNumber(toDlqSeconds)} s here) to get there, and the generator still
keeps it out of the last 20 % of the stream, which that idle wait once needed. The bench's process, the replay's busiest, runs with a
32 MB young-generation semi-space (\`--max-semi-space-size=32\` in the \`bench\` script): in two
interleaved pairs of 30,000-notification replays it worked the queue 1 % and 10 % faster. ${size} With \`maxReceiveCount\` 3, as the bench
used before \`183fd46\`, one good record of that size met injected faults on three receives and
reached the DLQ.

**Same instant:** the generated stream never gives two events of one address the same millisecond.
A second small replay does: ${formatNumber(result.chaos_same_instant_addresses)} addresses each get a hard bounce and a complaint at one instant. Before
\`03b6202\`, 6 of 16 came out differently from the model. \`assess\` listed the stored snapshot first
among the candidate suppressions, so on a tie the snapshot won. The snapshot is written by whichever
suppressing event *arrived* first, so arrival order decided the reason and evidence. Since \`03b6202\`
the history comes first; in this run ${formatNumber(result.chaos_same_instant_mismatches)} of ${formatNumber(result.chaos_same_instant_addresses)} came out differently. \`chaos.test.ts\` keeps the case
as a regression test.
`;
}

function cliProcessSection(result: BenchResult): string {
  const cli = result.cli_process_details;
  const sisimai = cli.sisimai.measured
    ? `Sisimai ${cli.sisimai.version} (Debian's \`libsisimai-perl\`) read the same notifications once, as the mbox an SNS
e-mail subscription would fill (each SNS envelope the body of one message), and dumped its ${formatNumber(cli.sisimai.records)} records as
JSON (\`perl -MSisimai -e 'print Sisimai->dump($ARGV[0])'\`), in ${formatNumber(cli.sisimai.ms)} ms. Its rate over ours: **${fixed(cli.sisimai.ratio, 1)}**
(Sisimai's time over our median; half our runs before its run and half after). Each process also
reported its own CPU time (user and system), which a busy machine disturbs less: ${formatNumber(cli.sisimai.cpuMs)} ms for Sisimai
and ${formatNumber(cli.classifyCpuMs)} ms for ours (median), a ratio of ${formatNumber(cli.sisimai.cpuRatio)}.`
    : `Sisimai was not measured: ${cli.sisimai.why}.`;
  return `### \`cli_version_ratio_vs_node\`, \`classify_whole_process_recipients_per_second\`, \`classify_whole_process_ratio_vs_sisimai\` (bench/cli-process.ts)
Whole processes of the package's bin (\`cli/bounce-guard.js\`, which runs the compiled command line in
\`dist/\`), wall time from spawn to exit. \`--version\` and \`node -e 0\` ran in ${formatNumber(cli.versionRuns)} interleaved rounds: medians
${formatNumber(cli.versionMs)} ms and ${formatNumber(cli.nodeMs)} ms, the median of the per-round ratios **${fixed(result.cli_version_ratio_vs_node, 2)}**.

\`bounce-guard classify FILE\` read ${formatNumber(cli.notifications)} notifications (${formatNumber(cli.inputBytes)} bytes of NDJSON, SNS envelopes): every bounce
case of \`test/fixtures/bounces/cases.json\` with a diagnostic in the three labellings the classification
corpus is scored in (Undetermined, Permanent/General, Transient/General), repeated with fresh recipients
and ids. It printed ${formatNumber(cli.recipients)} verdicts (${formatNumber(cli.outputBytes)} bytes) to a file; the median of ${formatNumber(cli.classifyRuns)} runs took
${formatNumber(cli.classifyMs)} ms, **${formatNumber(result.classify_whole_process_recipients_per_second)}** recipients a second with start-up and output. ${sisimai}
`;
}

function faultsSection(result: BenchResult): string {
  const faults = result.chaos_fault_details;
  const outages = faults.outage_replays
    .map((replay) => `${formatNumber(replay.hours)} h: ${formatNumber(replay.good_records_dead_lettered)}`)
    .join("; ");
  return `### Outages, killed invocations, throttling, SES failures, operators, trimming: \`chaos_outage_hours_survived\`, \`chaos_good_records_dead_lettered\`
The replay above runs with all of these on (test/support/chaos-faults.ts; \`chaos.test.ts\` at 2,000 notifications):
- **Backoff and poison as deployed:** the handler holds a transiently failed record back with
  ChangeMessageVisibility (the stack's schedule, shortened to 1–4 s for the replay's real clock) and
  sends poison to the DLQ at its first receive; the queue allows the stack's ${formatNumber(faults.max_receive_count)} receives.
- **Killed invocations:** ${formatNumber(faults.killed_invocations)} invocations died after 0 to 3 of their DynamoDB writes: every later request,
  SQS, SES and Step Functions call of theirs failed, and nothing was deleted, so their records came
  back after the visibility timeout.
- **StartExecution throttling:** the first start of a quarter of the windows was throttled
  (${formatNumber(faults.windows.throttled)}); ${formatNumber(faults.windows.open)} windows were open on the table at the end, ${formatNumber(faults.windows.without_execution)} without a started execution.
- **SES failures:** the first put of a quarter of the addresses on SES's (emulated) account list
  failed (${formatNumber(faults.ses_list.failed_puts)}); at the end the list held ${formatNumber(faults.ses_list.listed)} addresses, ${formatNumber(faults.ses_list.extra)} of them not suppressed in the
  table, and ${formatNumber(faults.ses_list.missing)} addresses suppressed by a hard bounce or complaint of ours were missing from it.
- **Operators during load:** once a third of the stream was sent, ${formatNumber(faults.operators.unsuppressed)} addresses were reactivated
  (forced, and removed from SES's list) and ${formatNumber(faults.operators.erased)} erased (${formatNumber(faults.operators.tombstoned)} kept as tombstones); their table
  state broke what the actions promise ${formatNumber(faults.operators.violations)} times (a reactivated address must stay active and
  expirable, since every event is dated before the reactivation; a tombstone must stay suppressed).
  ${formatNumber(faults.main_replay_good_records_dead_lettered)} good records reached the DLQ in this replay; ${formatNumber(faults.repeated_poison)} poison messages were sent there twice (an
  invocation outlasting the replay's short visibility timeout).

**Outage** (test/support/outage-replay.ts): a small stream through the real local SQS queue and the
handler, with DynamoDB failing every request for the length of the outage, in simulated time: when the
handler holds a record back for d seconds it is hidden for real and its due time noted on a simulated
clock; when nothing is visible the clock jumps to the next due time and those records are made
visible. The replay counts receives and moves a message to the DLQ past ${formatNumber(faults.max_receive_count)}, as SQS does
(local-aws-sqs counts a visibility change as a receive). Every delay is at the jitter's shortest,
the worst case: the budget is ${formatNumber(faults.retry_budget_hours)} h. Outages replayed (hours: good records dead-lettered): ${outages}.
A 6-hour outage left ${formatNumber(faults.six_hour_outage.good_records_dead_lettered)} good records and ${formatNumber(faults.six_hour_outage.poison_dead_lettered)} of ${formatNumber(faults.six_hour_outage.poison)} poison messages in the DLQ and ${formatNumber(faults.six_hour_outage.mismatched_addresses)}
addresses differing from the model. An outage of ${formatNumber(faults.beyond_budget_outage.hours)} h dead-lettered ${formatNumber(faults.beyond_budget_outage.good_records_dead_lettered)} good records; after
redriving them (${formatNumber(faults.beyond_budget_outage.redriven)}), ${formatNumber(faults.beyond_budget_outage.mismatched_addresses_after_redrive)} addresses differed from the model.

**History limit and late duplicates** (test/support/horizon-replay.ts): ${formatNumber(faults.history_replay.messages)} messages handled in event order
at the default history limit, the clock advancing with them, and ${formatNumber(faults.history_replay.late_copies)} copies delivered again 1–14
days later, ${formatNumber(faults.history_replay.late_copies_of_trimmed_events)} of them of events already trimmed from their address's history (${formatNumber(faults.history_replay.trimmed_addresses)} addresses
trimmed). ${formatNumber(faults.history_replay.mismatched_addresses)} addresses differed from the model (answer and every counter).
`;
}

const TESTS_SECTION = `### Tests
- \`npx vitest run test/integration/chaos.test.ts\` replays about 2,000 notifications (17–18 s here when
  it was last timed, 18–28 s before the poller and the feed skipped the SDK). The test also holds the same-instant case and a
  concurrency race: a late delivery's "release the retain" write, computed before a concurrent soft
  bounce reached the threshold again, used to leave a suppressed item with a TTL. Both failed before
  \`03b6202\` and pass now.
- \`npx vitest run test/integration/dynalite-expression-memo.test.ts\` holds the memo over dynalite's
  parsers to dynalite's own answers: the store's expressions, a value whose type changes, BETWEEN and
  attribute_type, unused names and values, errors, shapes that differ only in names or flags, trees
  that must share nothing, a parser that copies a value's content (never memoized), a memo that
  differs from dynalite (refused, naming the expression), and a 300-notification replay in the test's process with every parse
  compared. It passes in about 7 s.
- \`npx vitest run test/unit/fuzz.test.ts\` runs 11 fast-check properties in about 3 s. For a deeper
  search: \`FUZZ_RUNS=20000 FUZZ_SEED=random npx vitest run test/unit/fuzz.test.ts\`. A 20× run found
  nothing.
`;

/** The whole of BENCHMARKS.md for one run. Pure: the same result and context give the same text. */
export function renderBenchmarks(result: BenchResult, context: ReportContext): string {
  const verdicts = goalVerdicts(result);
  return [
    header(result, context),
    summary(result, verdicts),
    "## Method, figure by figure\n",
    classifySection(result),
    cliProcessSection(result),
    dynamoDbSection(result),
    bundlesSection(result),
    windowsSection(result, verdicts),
    costSection(result, verdicts),
    chaosSection(result),
    faultsSection(result),
    TESTS_SECTION,
    `## The run (\`${context.command}\`)

The result object of the run, as \`npm run bench -- --json\` prints it.

\`\`\`json
${JSON.stringify(result, null, 2)}
\`\`\`
`,
  ].join("\n");
}
