// The suppression list as list and export show it: the filters, one row per address, CSV columns.
import type { DynamoDbSuppressionStore } from "../functions/adapters/dynamodb-store.ts";
import {
  type AddressState,
  type AddressStatus,
  type Assessment,
  assess,
  type Counter,
  type PolicyConfig,
  type SuppressedBy,
} from "../functions/core/policy.ts";
import { type CommandOptions, stringOption, UsageError } from "./command.ts";
import { LIST_FORMATS, LIST_STATUSES } from "./commands.ts";

/** The file formats export writes and import reads. */
export type ListFormat = (typeof LIST_FORMATS)[number];

/** --format, validated; undefined when not given (export writes CSV, import looks at the file). */
export function formatOf(options: CommandOptions): ListFormat | undefined {
  const format = stringOption(options, "format");
  if (format === undefined) return undefined;
  if (!(LIST_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be csv or ndjson, got "${format}"`);
  }
  return format as ListFormat;
}

export type ListStatus = (typeof LIST_STATUSES)[number];

export interface ListFilter {
  readonly status: ListStatus;
  /** Matches the reason or who suppressed, so "feedback" and "complaint" both find complaints. */
  readonly reason?: string;
  /** Epoch milliseconds: only addresses whose current status began at or after it. */
  readonly sinceMs?: number;
}

export function listFilterOf(options: CommandOptions): ListFilter {
  const status = stringOption(options, "status") ?? "suppressed";
  if (!(LIST_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${LIST_STATUSES.join(", ")}, got "${status}"`);
  }
  const since = stringOption(options, "since");
  const sinceMs = since !== undefined ? Date.parse(since) : undefined;
  if (sinceMs !== undefined && Number.isNaN(sinceMs)) {
    throw new UsageError(`--since must be a date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${since}"`);
  }
  const reason = stringOption(options, "reason");
  return {
    status: status as ListStatus,
    ...(reason !== undefined ? { reason } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
  };
}

/** One address as listed and exported; NDJSON export lines are exactly this object. */
export interface ListedAddress {
  readonly address: string;
  readonly status: AddressStatus;
  readonly reason?: string;
  readonly by?: SuppressedBy;
  readonly since?: string;
  readonly retryAt?: string;
  readonly counts: Readonly<Record<Counter, number>>;
}

export function listedAddressOf(state: AddressState, assessment: Assessment): ListedAddress {
  return {
    // The spelling first sent, where it differs from the case-folded key.
    address: state.spelling ?? state.address,
    status: assessment.status,
    ...(assessment.reason !== undefined ? { reason: assessment.reason } : {}),
    ...(assessment.suppression !== undefined ? { by: assessment.suppression.by } : {}),
    ...(assessment.since !== undefined ? { since: assessment.since } : {}),
    ...(assessment.retryAt !== undefined ? { retryAt: assessment.retryAt } : {}),
    counts: state.counts,
  };
}

export function matchesFilter(listed: ListedAddress, filter: ListFilter): boolean {
  if (filter.status !== "all" && listed.status !== filter.status) return false;
  if (filter.reason !== undefined && listed.reason !== filter.reason && listed.by !== filter.reason) {
    return false;
  }
  if (filter.sinceMs !== undefined) {
    if (listed.since === undefined || Date.parse(listed.since) < filter.sinceMs) return false;
  }
  return true;
}

/**
 * The matching addresses a scan page at a time, each assessed at `now`: callers write every page as
 * it comes, so the table is never held in memory. `onScanned` hears how many items each page read.
 */
export async function* listedPages(
  store: Pick<DynamoDbSuppressionStore, "scan">,
  policy: PolicyConfig,
  filter: ListFilter,
  now: Date,
  onScanned: (count: number) => void = () => {},
): AsyncGenerator<ListedAddress[]> {
  for await (const page of store.scan()) {
    onScanned(page.length);
    yield page
      .map((state) => listedAddressOf(state, assess(state, policy, now)))
      .filter((listed) => matchesFilter(listed, filter));
  }
}

export const CSV_COLUMNS = [
  "address",
  "status",
  "reason",
  "by",
  "since",
  "retry_at",
  "hard",
  "soft",
  "block",
  "complaint",
  "delivery",
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

export function csvFieldsOf(listed: ListedAddress): string[] {
  const { counts } = listed;
  const fields = {
    address: listed.address,
    status: listed.status,
    reason: listed.reason ?? "",
    by: listed.by ?? "",
    since: listed.since ?? "",
    retry_at: listed.retryAt ?? "",
    hard: String(counts.hard),
    soft: String(counts.soft),
    block: String(counts.block),
    complaint: String(counts.complaint),
    delivery: String(counts.delivery),
  } satisfies Record<CsvColumn, string>;
  return CSV_COLUMNS.map((column) => fields[column]);
}
