// Names both sides of the deploy boundary use: the construct (lib/) sets and watches them, the
// functions read and emit them, the command line reads them too. Spelled here once.
import type { PolicyConfig } from "./policy.ts";

/** The custom metrics the functions emit (Embedded Metric Format) in the configured namespace. */
export const METRIC_NAMES = {
  recipients: "Recipients",
  recipientsByReason: "RecipientsByReason",
  suppressions: "Suppressions",
  duplicatesSkipped: "DuplicatesSkipped",
  failedRecords: "FailedRecords",
  sesSyncFailures: "SesSyncFailures",
  /** The pre-send check could not read the table and answered `unavailable` (not a Lambda error). */
  presendUnavailable: "PresendUnavailable",
} as const;

/** The environment variables of the policy settings, read by both functions (and by the command line). */
export const POLICY_VARIABLES = {
  softBounceThreshold: "SOFT_BOUNCE_THRESHOLD",
  softBounceMemorySeconds: "SOFT_BOUNCE_MEMORY_SECONDS",
  retryIntervalSeconds: "RETRY_INTERVAL_SECONDS",
  historyTtlSeconds: "HISTORY_TTL_SECONDS",
  deferBlocks: "DEFER_BLOCKS",
} as const satisfies Partial<Record<keyof PolicyConfig, string>>;
