// Reading an import file line by line: CSV with a header naming an address column (export's CSV
// among them), or NDJSON objects with an "address" field (export's NDJSON among them).
import { normaliseAddress } from "../functions/core/address.ts";
import { COUNTERS, type Counter } from "../functions/core/policy.ts";
import { parseCsvLine } from "./csv.ts";
import type { ListFormat } from "./suppression-list.ts";

/** One address to import, as the file gave it (the address already normalised). */
export interface ImportRecord {
  readonly line: number;
  readonly address: string;
  readonly reason?: string;
  /** The exported status; rows that were not suppressed are not imported as suppressions. */
  readonly status?: string;
  readonly since?: string;
  readonly by?: string;
  /** The exported counters, restored on import. */
  readonly counts?: Readonly<Partial<Record<Counter, number>>>;
}

export type ImportLine =
  | { readonly kind: "record"; readonly record: ImportRecord }
  | { readonly kind: "invalid"; readonly line: number; readonly message: string }
  /** Nothing further in the file can be read (a CSV header without an address column). */
  | { readonly kind: "unreadable"; readonly line: number; readonly message: string }
  | { readonly kind: "header" | "blank" };

type OptionalField = "reason" | "status" | "since" | "by";

/** Counts as export writes them: whole numbers of at least 0, or nothing. */
function countsOf(
  line: number,
  count: (counter: Counter) => unknown,
): { counts: Partial<Record<Counter, number>> } | { invalid: ImportLine } {
  const counts: Partial<Record<Counter, number>> = {};
  for (const counter of COUNTERS) {
    const raw = count(counter);
    if (raw === undefined || raw === null || raw === "") continue;
    const value = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : Number.NaN;
    if (!Number.isInteger(value) || value < 0) {
      return {
        invalid: {
          kind: "invalid",
          line,
          message: `${counter} must be a whole number, got ${JSON.stringify(raw)}`,
        },
      };
    }
    if (value > 0) counts[counter] = value;
  }
  return { counts };
}

function recordOf(
  line: number,
  rawAddress: unknown,
  field: (name: OptionalField) => unknown,
  count: (counter: Counter) => unknown,
): ImportLine {
  if (typeof rawAddress !== "string" || rawAddress.trim() === "") {
    return { kind: "invalid", line, message: "no address" };
  }
  const normalised = normaliseAddress(rawAddress);
  if (!normalised.ok) return { kind: "invalid", line, message: normalised.message };
  const text = (name: OptionalField) => {
    const value = field(name);
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const [reason, status, since, by] = [text("reason"), text("status"), text("since"), text("by")];
  const counted = countsOf(line, count);
  if ("invalid" in counted) return counted.invalid;
  return {
    kind: "record",
    record: {
      line,
      address: normalised.address,
      ...(reason !== undefined ? { reason } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(by !== undefined ? { by } : {}),
      ...(Object.keys(counted.counts).length > 0 ? { counts: counted.counts } : {}),
    },
  };
}

/**
 * A reader for one file's lines, called in order with 1-based line numbers. The format is the one
 * given, else NDJSON when the first non-blank line starts with "{", else CSV (whose first non-blank
 * line is the header).
 */
export function createLineReader(given: ListFormat | undefined): (text: string, line: number) => ImportLine {
  let format = given;
  let columns: Map<string, number> | undefined;
  return (raw, line) => {
    // Spreadsheets often save CSV with a byte order mark before the header.
    const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    const trimmed = text.trim();
    if (trimmed === "") return { kind: "blank" };
    format ??= trimmed.startsWith("{") ? "ndjson" : "csv";
    if (format === "ndjson") {
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch (error) {
        return { kind: "invalid", line, message: `not valid JSON (${(error as Error).message})` };
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { kind: "invalid", line, message: 'not a JSON object with an "address"' };
      }
      const object = value as Record<string, unknown>;
      const counts = typeof object.counts === "object" && object.counts !== null ? object.counts : {};
      return recordOf(
        line,
        object.address,
        (name) => object[name],
        (counter) => (counts as Record<string, unknown>)[counter],
      );
    }
    const parsed = parseCsvLine(text);
    if (!parsed.ok) return { kind: "invalid", line, message: parsed.message };
    if (columns === undefined) {
      columns = new Map(parsed.fields.map((name, index) => [name.trim().toLowerCase(), index]));
      if (!columns.has("address")) {
        return { kind: "unreadable", line, message: 'the CSV header has no "address" column' };
      }
      return { kind: "header" };
    }
    const header = columns;
    const field = (name: string) => {
      const index = header.get(name);
      return index === undefined ? undefined : parsed.fields[index];
    };
    return recordOf(line, field("address"), field, field);
  };
}
