// CloudWatch metrics in the Embedded Metric Format: one JSON log line per flush, no API calls.
import { METRIC_NAMES } from "../core/contract.ts";
import type { SuppressionReason } from "../core/policy.ts";
import type { Reason, VerdictClass } from "../core/types.ts";

export interface Metrics {
  recipient(verdictClass: VerdictClass, reason: Reason): void;
  suppression(reason: SuppressionReason): void;
  duplicate(): void;
  failedRecord(): void;
  sesSyncFailure(): void;
  /** Write what was counted since the last flush and start again. */
  flush(): void;
}

/** One count in the Embedded Metric Format, optionally with one dimension. */
export function emfLine(
  namespace: string,
  metric: string,
  count: number,
  dimension?: { readonly name: string; readonly value: string },
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [dimension === undefined ? [] : [dimension.name]],
          Metrics: [{ Name: metric, Unit: "Count" }],
        },
      ],
    },
    ...(dimension === undefined ? {} : { [dimension.name]: dimension.value }),
    [metric]: count,
  });
}

export function createEmfMetrics(namespace: string, write: (line: string) => void): Metrics {
  let byClass = new Map<string, number>();
  let byReason = new Map<string, number>();
  let suppressions = new Map<string, number>();
  let duplicates = 0;
  let failures = 0;
  let sesSyncFailures = 0;
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const emit = (dimension: string, value: string, metric: string, count: number) =>
    write(emfLine(namespace, metric, count, dimension === "" ? undefined : { name: dimension, value }));
  return {
    recipient(verdictClass, reason) {
      bump(byClass, verdictClass);
      bump(byReason, reason);
    },
    suppression(reason) {
      bump(suppressions, reason);
    },
    duplicate() {
      duplicates += 1;
    },
    failedRecord() {
      failures += 1;
    },
    sesSyncFailure() {
      sesSyncFailures += 1;
    },
    flush() {
      for (const [value, count] of byClass) emit("Class", value, METRIC_NAMES.recipients, count);
      for (const [value, count] of byReason) emit("Reason", value, METRIC_NAMES.recipientsByReason, count);
      for (const [value, count] of suppressions) emit("Reason", value, METRIC_NAMES.suppressions, count);
      if (duplicates > 0) emit("", "", METRIC_NAMES.duplicatesSkipped, duplicates);
      if (failures > 0) emit("", "", METRIC_NAMES.failedRecords, failures);
      if (sesSyncFailures > 0) emit("", "", METRIC_NAMES.sesSyncFailures, sesSyncFailures);
      byClass = new Map();
      byReason = new Map();
      suppressions = new Map();
      duplicates = 0;
      failures = 0;
      sesSyncFailures = 0;
    },
  };
}

/** Metrics that go nowhere: for the command line, which reports in its own output. */
export const discardMetrics: Metrics = {
  recipient() {},
  suppression() {},
  duplicate() {},
  failedRecord() {},
  sesSyncFailure() {},
  flush() {},
};
