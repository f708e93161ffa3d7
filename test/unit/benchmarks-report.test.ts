import { describe, expect, it } from "vitest";
import { PRICES_USD } from "../../bench/cost-model.ts";
import { type BenchResult, type ReportContext, renderBenchmarks } from "../../bench/report.ts";

/** A small made-up run: figures chosen to be recognisable in the text, not measured. */
function fabricatedResult(): BenchResult {
  const window = (transitions: number, retries: number, states: string[]) => ({
    transitions,
    retry_due_events: retries,
    update_items: 3,
    put_events: retries,
    states,
  });
  return {
    date: "2026-11-27T10:02:00.000Z",
    machine: {
      cpu_model: "Test CPU",
      cpus: 2,
      memory_gb: 8,
      free_memory_gb_at_start: 6.5,
      node: "v20.20.2",
      platform: "linux-x64",
      load_average_at_start: [0.5, 0.4, 0.3],
    },
    classify_ratio_vs_json_parse: 3.21,
    classify_recipients_per_second: 24680,
    classify_details: {
      records: 500,
      recipients: 531,
      rounds: 11,
      medianJsonParseMs: 4.2,
      medianClassifyMs: 13.5,
      ratio: 3.21,
      recipientsPerSecond: 24680,
    },
    classify_ratio_with_addresses_in_diagnostics: 4.56,
    classify_long_diagnostic_ratio_256kb_vs_1kb: 1.07,
    classify_2mb_diagnostic_record_ms: 4.3,
    classify_long_diagnostic_details: {
      rounds: 21,
      callsPerRound: 200,
      median1KbMicroseconds: 51.2,
      median256KbMicroseconds: 54.8,
      ratio256KbVs1Kb: 1.07,
      median2MbRecordMs: 4.3,
      median2MbJsonParseMs: 3.9,
    },
    cli_version_ratio_vs_node: 1.23,
    classify_whole_process_recipients_per_second: 43210,
    classify_whole_process_ratio_vs_sisimai: 98.7,
    cli_process_details: {
      versionRatio: 1.23,
      versionMs: 61.5,
      nodeMs: 50,
      versionRuns: 21,
      notifications: 52800,
      recipients: 52800,
      classifyRuns: 5,
      classifyMs: 1222,
      recipientsPerSecond: 43210,
      inputBytes: 40880300,
      outputBytes: 37000000,
      classifyCpuMs: 1100,
      sisimai: {
        measured: true,
        version: "4.25.15",
        ms: 120617,
        cpuMs: 110000,
        records: 52700,
        ratio: 98.7,
        cpuRatio: 100,
      },
    },
    dynamodb_requests_per_recipient_event: 1.012,
    dynamodb_requests_breakdown: { UpdateItem: 1012, GetItem: 3 },
    intake_reads: 0,
    dynamodb_details: {
      notifications: 1010,
      duplicate_messages: 10,
      recipient_events: 1003,
      requests: 1015,
      requests_per_notification: 1.005,
      duplicate_reads: 3,
      window_starts: 7,
      failed_conditional_writes: 9,
      write_units_per_recipient_event: 1.61,
      write_units_per_notification: 1.6,
      read_units_per_notification: 0.002,
      steady_state: { events: 100, requestsPerEvent: 1.1, writeUnitsPerEvent: 3.3, historyLimit: 20 },
      median_batch_ms: 37.5,
      log_bytes_per_notification: 270,
    },
    presend_requests_per_100_addresses: 1,
    presend_validation_microseconds_per_address: 2.4,
    presend_end_to_end_ratio_vs_batch_get: 1.37,
    presend_details: {
      requestsFor100: 1,
      requestsFor1000: 10,
      requestsPer100Addresses: 1,
      validationMicrosecondsPerAddress: 2.4,
      endToEndRatioVsBatchGet: 1.37,
      endToEndMs: 90.1,
      bareBatchGetMs: 65.8,
    },
    bundle_bytes: { classifier: 565111, "presend-check": 1427222, "baseline-dynamodb-client": 329333 },
    bundle_data_bytes: { "presend-check": 867042 },
    bundle_largest_packages: {
      classifier: [{ package: "@smithy/core", bytes: 133892, share: 0.237 }],
      "presend-check": [{ package: "mailchecker", bytes: 981199, share: 0.688 }],
      "baseline-dynamodb-client": [{ package: "@smithy/core", bytes: 133204, share: 0.405 }],
    },
    cold_load_ratio: { classifier: 1.25, "presend-check": 1.28 },
    cold_load_details: {
      runs: 9,
      median_ms: {
        classifier: { import: 100.1, importAndInit: 105.2 },
        "presend-check": { import: 104.3, importAndInit: 107.6 },
        "baseline-dynamodb-client": { import: 84.1, importAndInit: 84.1 },
      },
      ratio_of_medians: { classifier: 1.22, "presend-check": 1.31 },
      import_only_ratio: { classifier: 1.19, "presend-check": 1.24 },
    },
    state_transitions_per_window: 6,
    state_transitions_per_retry: 3,
    state_transitions_details: {
      measured: {
        delivered_after_one_retry: window(6, 1, [
          "WaitUntilDue",
          "Release",
          "PublishRetryDue",
          "WaitForNextBounce",
          "Release",
          "WindowClosed",
        ]),
        suppressed_at_threshold_of_3: window(9, 2, ["WaitUntilDue"]),
        no_retry_until_window_end: window(15, 1, ["WaitUntilDue"]),
      },
      per_retry: 3,
      per_idle_poll: 4,
      per_window_closed_by_event: 3,
      per_window_run_out: 4,
      at_defaults: {
        delivered_after_one_retry: 6,
        suppressed_at_threshold: 15,
        no_retry_until_window_end: 47,
      },
      cost_per_million_windows_usd: {
        delivered_after_one_retry: 161,
        suppressed_at_threshold: 396.5,
        no_retry_until_window_end: 1236,
      },
      cost_assumptions: {
        write_units_per_window_write: 4,
        idle_polls_at_defaults: 10,
        step_functions_per_thousand_transitions: 0.025,
        eventbridge_per_million_events: 1,
      },
    },
    cost_per_million_windows_usd: 161,
    cost_per_million_notifications_usd: 2.345,
    cost_breakdown_usd: {
      sns: 0.5,
      sqs: 0.48,
      dynamoDbWrites: 1.3313,
      dynamoDbReads: 0.0003,
      lambdaRequests: 0.02,
      lambdaDuration: 0.0133,
      total: 2.345,
      cloudWatchLogs: 0.126,
    },
    cost_if_every_write_were_one_unit_usd: 1.639,
    cost_steady_state_usd: 3.071,
    cost_floor_usd: 1.605,
    cost_assumptions: {
      prices_usd: { ...PRICES_USD },
      prices_date: "2026-11-26",
      region: "us-east-1",
      batchSize: 10,
      memoryMb: 256,
      durationMsPerBatch: 38,
      writeUnitsPerNotification: 1.6,
      readUnitsPerNotification: 0.002,
      logBytesPerNotification: 270,
      sqs_requests_per_notification: 1.2,
    },
    chaos_notifications: 1234,
    chaos_mismatches: 0,
    chaos_dlq_poison_only: true,
    chaos_same_instant_mismatches: 0,
    chaos_same_instant_addresses: 16,
    chaos_outage_hours_survived: 12,
    chaos_good_records_dead_lettered: 0,
    chaos_fault_details: {
      retry_budget_hours: 12.05,
      max_receive_count: 22,
      outage_replays: [
        { hours: 48, good_records_dead_lettered: 30 },
        { hours: 12, good_records_dead_lettered: 0 },
      ],
      six_hour_outage: {
        good_records_dead_lettered: 0,
        poison_dead_lettered: 2,
        poison: 2,
        mismatched_addresses: 0,
      },
      beyond_budget_outage: {
        hours: 14,
        good_records_dead_lettered: 30,
        redriven: 30,
        mismatched_addresses_after_redrive: 0,
      },
      main_replay_good_records_dead_lettered: 0,
      repeated_poison: 0,
      killed_invocations: 21,
      windows: { open: 40, started: 52, throttled: 13, without_execution: 0 },
      ses_list: { listed: 80, failed_puts: 20, extra: 0, missing: 0 },
      operators: { unsuppressed: 3, erased: 3, tombstoned: 1, violations: 0 },
      history_replay: {
        messages: 1888,
        late_copies: 321,
        late_copies_of_trimmed_events: 53,
        trimmed_addresses: 48,
        mismatched_addresses: 0,
      },
    },
    chaos_details: {
      messages: 1467,
      messages_by_kind: { notification: 1234, "exact-duplicate": 61, poison: 29 },
      addresses: 176,
      distinct_events: 1220,
      differences: 0,
      double_counted_addresses: 0,
      unapplied_messages: 0,
      unexpected_items: 0,
      dead_letters: 29,
      queue_depth_after: 0,
      receives: 1590,
      good_records_redelivered: 51,
      faults_thrown: { "throttling/before/sdk": 20, "timeout/after/handler": 17 },
      model_statuses: { active: 120, "suppressed:hard": 56 },
      elapsed_ms: 9100,
      phases_ms: { prepare: 900, wait: 0, send: 400, pump: 8500, verify: 200 },
      notifications_per_second: 136,
      pollers: 16,
      visibility_timeout_seconds: 5,
      max_receive_count: 5,
      queue_window: 1000,
    },
    policy: { soft_bounce_threshold: 5, history_limit: 20 },
    load_average_at_end: [0.7, 0.5, 0.3],
    elapsed_seconds: 95.3,
  };
}

const CONTEXT: ReportContext = {
  git: { commit: "abc1234", subject: "bench: a test commit", uncommitted: [] },
  command: "npm run bench -- --chaos-notifications 1234",
};

/** The summary table's row of a figure: [value, goal, verdict]. */
function summaryRow(markdown: string, figure: string): [string, string, string] {
  const line = markdown.split("\n").find((text) => text.startsWith(`| \`${figure}\` |`));
  if (line === undefined) throw new Error(`no summary row for ${figure}`);
  const [, , value = "", goal = "", verdict = ""] = line.split("|").map((cell) => cell.trim());
  return [value, goal, verdict];
}

type Mutation = (result: BenchResult) => BenchResult;

describe("renderBenchmarks", () => {
  it.each([
    ["classify_ratio_vs_json_parse", "**3.21**"],
    ["classify_recipients_per_second", "24,680"],
    ["classify_long_diagnostic_ratio_256kb_vs_1kb", "**1.07**"],
    ["classify_2mb_diagnostic_record_ms", "**4.3** ms (`JSON.parse` alone 3.9 ms)"],
    ["cli_version_ratio_vs_node", "**1.23** (61.5 ms against 50 ms)"],
    ["classify_whole_process_recipients_per_second", "**43,210** (52,800 notifications in 1,222 ms"],
    ["classify_whole_process_ratio_vs_sisimai", "**98.7** (Sisimai 4.25.15: 120,617 ms; 100 in CPU time)"],
    ["dynamodb_requests_per_recipient_event", "**1.012** (UpdateItem 1,012, GetItem 3)"],
    ["presend_validation_microseconds_per_address", "**2.4** µs"],
    ["presend_end_to_end_ratio_vs_batch_get", "**1.37** (90.1 ms against 65.8 ms"],
    ["bundle_bytes", "classifier 565,111; presend-check 1,427,222"],
    ["cold_load_ratio", "classifier **1.25**, presend-check **1.28**"],
    ["state_transitions_per_retry", "**3**"],
    ["state_transitions_per_window", "**6**"],
    ["cost_per_million_windows_usd", "**$161**"],
    ["cost_per_million_notifications_usd", "**2.345** (steady state 3.071; 1.639"],
    ["chaos_notifications", "**1,234** (1,467 messages)"],
    ["chaos_same_instant_mismatches", "**0** of 16 addresses"],
    ["chaos_outage_hours_survived", "**12** simulated hours"],
    ["chaos_good_records_dead_lettered", "**0**"],
  ])("puts the run's %s in the summary table", (figure, expected) => {
    // Act
    const [value] = summaryRow(renderBenchmarks(fabricatedResult(), CONTEXT), figure);
    // Assess
    expect(value).toContain(expected);
  });

  it.each<[string, Mutation, Mutation]>([
    [
      "classify_ratio_vs_json_parse",
      (result) => ({ ...result, classify_ratio_vs_json_parse: 2 }),
      (result) => ({ ...result, classify_ratio_vs_json_parse: 2.2 }),
    ],
    [
      "classify_long_diagnostic_ratio_256kb_vs_1kb",
      (result) => ({ ...result, classify_long_diagnostic_ratio_256kb_vs_1kb: 1.5 }),
      (result) => ({ ...result, classify_long_diagnostic_ratio_256kb_vs_1kb: 1.8 }),
    ],
    [
      "classify_2mb_diagnostic_record_ms",
      (result) => ({ ...result, classify_2mb_diagnostic_record_ms: 100 }),
      (result) => ({ ...result, classify_2mb_diagnostic_record_ms: 900 }),
    ],
    [
      "cli_version_ratio_vs_node",
      (result) => ({ ...result, cli_version_ratio_vs_node: 4 }),
      (result) => ({ ...result, cli_version_ratio_vs_node: 4.5 }),
    ],
    [
      "classify_whole_process_ratio_vs_sisimai",
      (result) => ({ ...result, classify_whole_process_ratio_vs_sisimai: 100 }),
      (result) => ({ ...result, classify_whole_process_ratio_vs_sisimai: 27 }),
    ],
    [
      "dynamodb_requests_per_recipient_event",
      (result) => ({ ...result, dynamodb_requests_per_recipient_event: 1 }),
      (result) => ({ ...result, dynamodb_requests_per_recipient_event: 1.2 }),
    ],
    [
      "dynamodb_requests_per_recipient_event",
      (result) => ({ ...result, dynamodb_requests_per_recipient_event: 1 }),
      (result) => ({ ...result, dynamodb_requests_per_recipient_event: 1, intake_reads: 1 }),
    ],
    [
      "presend_requests_per_100_addresses",
      (result) => ({ ...result, presend_requests_per_100_addresses: 1 }),
      (result) => ({ ...result, presend_requests_per_100_addresses: 2 }),
    ],
    [
      "cold_load_ratio",
      (result) => ({ ...result, cold_load_ratio: { classifier: 1.3, "presend-check": 1.1 } }),
      (result) => ({ ...result, cold_load_ratio: { classifier: 1.1, "presend-check": 1.5 } }),
    ],
    [
      "state_transitions_per_retry",
      (result) => result,
      (result) => ({
        ...result,
        state_transitions_details: { ...result.state_transitions_details, per_retry: 4 },
      }),
    ],
    [
      "state_transitions_per_window",
      (result) => result,
      (result) => ({
        ...result,
        state_transitions_details: { ...result.state_transitions_details, per_window_closed_by_event: 4 },
      }),
    ],
    [
      "cost_per_million_notifications_usd",
      (result) => ({ ...result, cost_per_million_notifications_usd: 1.8 }),
      (result) => ({ ...result, cost_per_million_notifications_usd: 2.1 }),
    ],
    [
      "chaos_notifications",
      (result) => ({ ...result, chaos_notifications: 100_000 }),
      (result) => ({ ...result, chaos_notifications: 14_000 }),
    ],
    ["chaos_mismatches", (result) => result, (result) => ({ ...result, chaos_mismatches: 1 })],
    ["chaos_dlq_poison_only", (result) => result, (result) => ({ ...result, chaos_dlq_poison_only: false })],
    [
      "chaos_same_instant_mismatches",
      (result) => result,
      (result) => ({ ...result, chaos_same_instant_mismatches: 2 }),
    ],
    [
      "chaos_outage_hours_survived",
      (result) => ({ ...result, chaos_outage_hours_survived: 6 }),
      (result) => ({ ...result, chaos_outage_hours_survived: 0.25 }),
    ],
    [
      "chaos_good_records_dead_lettered",
      (result) => result,
      (result) => ({ ...result, chaos_good_records_dead_lettered: 1 }),
    ],
  ])("computes %s as met at its goal and missed past it", (figure, atGoal, pastGoal) => {
    // Act
    const [, , metVerdict] = summaryRow(renderBenchmarks(atGoal(fabricatedResult()), CONTEXT), figure);
    const [, , missedVerdict] = summaryRow(renderBenchmarks(pastGoal(fabricatedResult()), CONTEXT), figure);
    // Assess
    expect(metVerdict).toMatch(/^met\b/);
    expect(missedVerdict).toMatch(/^missed\b/);
  });

  it("says why the ratio to Sisimai has no verdict when Sisimai was not measured", () => {
    // Prepare
    const result: BenchResult = {
      ...fabricatedResult(),
      classify_whole_process_ratio_vs_sisimai: null,
      cli_process_details: {
        ...fabricatedResult().cli_process_details,
        sisimai: { measured: false, why: "Sisimai is not installed (apt-get install -y libsisimai-perl)" },
      },
    };
    // Act
    const markdown = renderBenchmarks(result, CONTEXT);
    const [value, , verdict] = summaryRow(markdown, "classify_whole_process_ratio_vs_sisimai");
    // Assess
    expect(value).toBe("not measured");
    expect(verdict).toBe("Sisimai is not installed (apt-get install -y libsisimai-perl)");
    expect(markdown).toContain("Sisimai was not measured: Sisimai is not installed");
  });

  it("calls a figure close when it misses its goal by at most 5 %", () => {
    // Prepare
    const result = { ...fabricatedResult(), cost_per_million_notifications_usd: 1.85 };
    // Act
    const [, , verdict] = summaryRow(renderBenchmarks(result, CONTEXT), "cost_per_million_notifications_usd");
    // Assess
    expect(verdict).toMatch(/^close\b/);
  });

  it("gives the cold loads' ratio of medians beside the per-round figure", () => {
    // Act
    const markdown = renderBenchmarks(fabricatedResult(), CONTEXT);
    // Assess
    expect(markdown).toContain("median over its baseline's median: classifier 1.22, presend-check 1.31.");
  });

  it("ends with the run's JSON, which parses back to the same result", () => {
    // Prepare
    const result = fabricatedResult();
    // Act
    const markdown = renderBenchmarks(result, CONTEXT);
    // Assess
    const json = /```json\n([\s\S]*)\n```\n$/.exec(markdown)?.[1];
    expect(json).toBeDefined();
    expect(JSON.parse(json ?? "")).toEqual(result);
  });

  it("names the commit, the command and any uncommitted change", () => {
    // Prepare
    const dirty: ReportContext = {
      ...CONTEXT,
      git: { ...CONTEXT.git, uncommitted: ["bench/bundles.ts"] },
    };
    // Act
    const clean = renderBenchmarks(fabricatedResult(), CONTEXT);
    const changed = renderBenchmarks(fabricatedResult(), dirty);
    // Assess
    expect(clean).toContain("commit `abc1234` (bench: a test commit). Nothing was uncommitted");
    expect(clean).toContain("## The run (`npm run bench -- --chaos-notifications 1234`)");
    expect(changed).toContain("**Uncommitted changes** when the run finished (1 path: `bench/bundles.ts`)");
  });

  it("says the commit is unknown without git", () => {
    // Act
    const markdown = renderBenchmarks(fabricatedResult(), {
      ...CONTEXT,
      git: { commit: null, subject: null, uncommitted: null },
    });
    // Assess
    expect(markdown).toContain("- **Code:** unknown: git could not tell which commit this was.");
  });
});
