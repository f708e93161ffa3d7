// bounce-guard import: suppressions from a CSV/NDJSON file (export's output among them) or from the
// SES account-level suppression list. Idempotent: addresses already suppressed are skipped, so a
// second run changes nothing.
import { open } from "node:fs/promises";
import { basename } from "node:path";
import {
  ListSuppressedDestinationsCommand,
  type SuppressedDestinationSummary,
  type SuppressionListReason,
} from "@aws-sdk/client-sesv2";
import type { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { foldedAddress, normaliseAddress } from "../../functions/core/address.ts";
import {
  type AuditEntry,
  assess,
  type Counter,
  MANUAL_REASON,
  type PolicyConfig,
  SUPPRESSED_BY,
  type SuppressedBy,
  type Suppression,
  type SuppressionReason,
} from "../../functions/core/policy.ts";
import { REASONS, type Reason } from "../../functions/core/types.ts";
import { borrowClient, type SuppressionListReader } from "../aws.ts";
import { mapWithLimit } from "../concurrency.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  openStore,
  requireReadableFile,
  stringOption,
  UsageError,
} from "../context.ts";
import { createLineReader, type ImportRecord } from "../import-records.ts";
import { actorOf } from "../operator.ts";
import { printable, printableJson } from "../printable.ts";
import { startProgress } from "../progress.ts";
import { formatOf, type ListFormat } from "../suppression-list.ts";

/**
 * DynamoDB has no batch form of UpdateItem, so "batched" writes are this many conditional updates
 * in flight at once; reads of the chunk before them are BatchGetItem requests of 100 keys.
 */
const WRITES_IN_FLIGHT = 16;
/** Addresses read, checked and written together; one chunk in memory at a time. */
const CHUNK_SIZE = 500;
/** ListSuppressedDestinations' largest page. */
const SES_PAGE_SIZE = 1000;

/** What each SES account suppression-list reason means in our vocabulary. */
const SES_REASONS = {
  BOUNCE: "suppressed",
  COMPLAINT: "feedback",
} as const satisfies Record<SuppressionListReason, Reason>;

/** One address ready to import: what to write and where it came from. */
interface Candidate {
  readonly origin: string;
  readonly address: string;
  readonly suppression: Suppression;
  readonly audit: AuditEntry;
  readonly counts?: Readonly<Partial<Record<Counter, number>>>;
}

interface Invalid {
  readonly origin: string;
  readonly line?: number;
  readonly message: string;
}

interface Summary {
  added: number;
  skipped: number;
  notSuppressed: number;
  readonly invalid: Invalid[];
}

function isSuppressionReason(value: string | undefined): value is SuppressionReason {
  return value === MANUAL_REASON || (REASONS as readonly string[]).includes(value ?? "");
}

function isoOr(value: string | undefined, fallback: Date): string {
  const ms = value !== undefined ? Date.parse(value) : Number.NaN;
  return new Date(Number.isNaN(ms) ? fallback.getTime() : ms).toISOString();
}

function isSuppressedBy(value: string | undefined): value is SuppressedBy {
  return (SUPPRESSED_BY as readonly string[]).includes(value ?? "");
}

/**
 * A file row becomes a suppression as export wrote it: its reason and who suppressed (by) are kept
 * when they are ours (so an imported complaint keeps its --force lock), its since when it is a
 * date, its counts; anything else becomes an operator's suppression ("manual") with a note.
 */
function candidateOfRecord(record: ImportRecord, file: string, actor: string, now: Date): Candidate {
  const origin = `${file}:${record.line}`;
  const kept = isSuppressionReason(record.reason);
  const by = isSuppressedBy(record.by) ? record.by : "manual";
  const details = [
    record.reason !== undefined && !kept ? `reason "${record.reason}"` : undefined,
    record.by !== undefined && by !== record.by ? `was suppressed by ${record.by}` : undefined,
  ].filter((detail) => detail !== undefined);
  return {
    origin,
    address: record.address,
    suppression: {
      at: isoOr(record.since, now),
      by,
      reason: kept ? record.reason : MANUAL_REASON,
      actor,
      note: `imported from ${origin}${details.length > 0 ? ` (${details.join(", ")})` : ""}`,
    },
    audit: { at: now.toISOString(), action: "import", actor, reason: `imported from ${origin}` },
    ...(record.counts !== undefined ? { counts: record.counts } : {}),
  };
}

function candidateOfSes(
  summary: SuppressedDestinationSummary,
  origin: string,
  actor: string,
  now: Date,
): Candidate | Invalid {
  const normalised = normaliseAddress(summary.EmailAddress ?? "");
  if (!normalised.ok) return { origin, message: normalised.message };
  const sesReason = summary.Reason ?? "BOUNCE";
  const reason: Reason = SES_REASONS[sesReason as SuppressionListReason] ?? "suppressed";
  const source = `the SES account suppression list (${sesReason})`;
  return {
    origin,
    address: normalised.address,
    suppression: {
      at: (summary.LastUpdateTime ?? now).toISOString(),
      by: "ses",
      reason,
      actor,
      note: `imported from ${source}`,
    },
    audit: { at: now.toISOString(), action: "import", actor, reason: `imported from ${source}` },
  };
}

/**
 * Import one chunk: one read of all its addresses, then a write for each that is not suppressed
 * yet. An address twice in a chunk is written once; one in a later chunk is read after this
 * chunk's writes, so it is skipped too.
 */
async function importChunk(
  store: Pick<DynamoDbSuppressionStore, "getMany" | "suppressManually">,
  candidates: readonly Candidate[],
  policy: PolicyConfig,
  now: Date,
  summary: Summary,
): Promise<void> {
  const states = await store.getMany(candidates.map((candidate) => candidate.address));
  // One address whatever its letter case, as the store keys it.
  const seen = new Set<string>();
  const toWrite = candidates.filter((candidate) => {
    const key = foldedAddress(candidate.address);
    const duplicate = seen.has(key);
    seen.add(key);
    return !duplicate && assess(states.get(candidate.address), policy, now).status !== "suppressed";
  });
  await mapWithLimit(toWrite, WRITES_IN_FLIGHT, (candidate) =>
    store.suppressManually(candidate.address, candidate.suppression, candidate.audit, candidate.counts),
  );
  summary.added += toWrite.length;
  summary.skipped += candidates.length - toWrite.length;
}

async function countLines(file: string): Promise<number> {
  const handle = await open(file);
  let lines = 0;
  try {
    for await (const _ of handle.readLines()) lines += 1;
  } finally {
    await handle.close();
  }
  return lines;
}

async function importFile(
  file: string,
  format: ListFormat | undefined,
  options: CommandOptions,
  io: Io,
  write: (candidates: readonly Candidate[]) => Promise<void>,
  summary: Summary,
): Promise<boolean> {
  const actor = actorOf(options);
  const now = io.now();
  const name = basename(file);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file);
  } catch (error) {
    io.stderr(`${file}: cannot read file (${(error as NodeJS.ErrnoException).code ?? "error"})\n`);
    return false;
  }
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    io.stderr(`${file} is a folder; give a CSV or NDJSON file\n`);
    return false;
  }
  // Counting the lines first costs a second read, so only when a progress bar is drawn.
  const total = io.isTTY?.stderr === true ? await countLines(file) : undefined;
  const progress = startProgress(io, `importing ${name}`, total);
  const read = createLineReader(format);
  let chunk: Candidate[] = [];
  let line = 0;
  let shownLine = 0;
  const flush = async () => {
    await write(chunk);
    chunk = [];
    progress.advance(line - shownLine);
    shownLine = line;
  };
  try {
    for await (const text of handle.readLines()) {
      line += 1;
      const parsed = read(text, line);
      if (parsed.kind === "unreadable") {
        summary.invalid.push({
          origin: `${name}:${parsed.line}`,
          line: parsed.line,
          message: parsed.message,
        });
        return false;
      }
      if (parsed.kind === "invalid") {
        summary.invalid.push({
          origin: `${name}:${parsed.line}`,
          line: parsed.line,
          message: parsed.message,
        });
      } else if (parsed.kind === "record") {
        const { record } = parsed;
        if (record.status !== undefined && record.status !== "suppressed") summary.notSuppressed += 1;
        else chunk.push(candidateOfRecord(record, name, actor, now));
      }
      if (chunk.length >= CHUNK_SIZE) await flush();
    }
    await flush();
  } finally {
    progress.finish();
    await handle.close();
  }
  return true;
}

/** Every page of the SES account-level suppression list, following NextToken. */
async function* sesSuppressionPages(
  client: SuppressionListReader,
): AsyncGenerator<SuppressedDestinationSummary[]> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListSuppressedDestinationsCommand({
        PageSize: SES_PAGE_SIZE,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      }),
    );
    yield page.SuppressedDestinationSummaries ?? [];
    nextToken = page.NextToken !== "" ? page.NextToken : undefined;
  } while (nextToken !== undefined);
}

async function importFromSes(
  options: CommandOptions,
  io: Io,
  write: (candidates: readonly Candidate[]) => Promise<void>,
  summary: Summary,
): Promise<void> {
  const actor = actorOf(options);
  const now = io.now();
  const { client, release } = borrowClient(io.aws, "sesv2", stringOption(options, "region"));
  const progress = startProgress(io, "importing from SES");
  let pageNumber = 0;
  try {
    for await (const page of sesSuppressionPages(client)) {
      pageNumber += 1;
      const candidates: Candidate[] = [];
      page.forEach((destination, index) => {
        const candidate = candidateOfSes(destination, `SES page ${pageNumber} item ${index + 1}`, actor, now);
        if ("address" in candidate) candidates.push(candidate);
        else summary.invalid.push(candidate);
      });
      await write(candidates);
      progress.advance(page.length);
    }
  } finally {
    progress.finish();
    release();
  }
}

async function importAddresses(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const fromSes = booleanOption(options, "from-ses");
  const [file, ...extra] = args;
  if (fromSes ? file !== undefined : file === undefined || extra.length > 0) {
    throw new UsageError("import needs exactly one FILE, or --from-ses");
  }
  if (fromSes && stringOption(options, "format") !== undefined) {
    throw new UsageError("--format is for files, not --from-ses");
  }
  const format = formatOf(options);
  // A file that cannot be read stops the import before the store is opened: one line, exit 1.
  if (file !== undefined) requireReadableFile(file, "a CSV or NDJSON file");
  const now = io.now();
  const summary: Summary = { added: 0, skipped: 0, notSuppressed: 0, invalid: [] };
  const { store, policy, close } = await openStore(options, io);
  let completed = true;
  try {
    const write = (candidates: readonly Candidate[]) => importChunk(store, candidates, policy, now, summary);
    if (file === undefined) await importFromSes(options, io, write, summary);
    else completed = await importFile(file, format, options, io, write, summary);
  } finally {
    await close();
  }
  for (const invalid of summary.invalid) io.stderr(`${printable(`${invalid.origin}: ${invalid.message}`)}\n`);
  const source = file ?? "the SES account suppression list";
  if (booleanOption(options, "json")) {
    io.stdout(`${printableJson({ source, completed, ...summary })}\n`);
  } else {
    const parts = [
      `${summary.added} added`,
      `${summary.skipped} skipped (already suppressed)`,
      `${summary.invalid.length} invalid`,
      ...(summary.notSuppressed > 0 ? [`${summary.notSuppressed} not suppressed in the file (ignored)`] : []),
    ];
    io.stdout(`import from ${source}${completed ? "" : " stopped"}: ${parts.join(", ")}\n`);
    const lines = summary.invalid.flatMap((invalid) => (invalid.line !== undefined ? [invalid.line] : []));
    if (lines.length > 0) io.stderr(`invalid lines: ${lines.join(", ")}\n`);
  }
  return completed && summary.invalid.length === 0 ? EXIT.ok : EXIT.badInput;
}

export const run: CommandRun = (args, options, io) => importAddresses(args, options, io);
