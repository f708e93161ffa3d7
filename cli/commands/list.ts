// bounce-guard list: the suppression list for people, an aligned table written a scan page at a time.
import { MANUAL_REASON, SUPPRESSED_BY } from "../../functions/core/policy.ts";
import { REASONS } from "../../functions/core/types.ts";
import { painterFor, STATUS_STYLE } from "../colour.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  openStore,
  UsageError,
} from "../context.ts";
import { printableJson } from "../printable.ts";
import { startProgress } from "../progress.ts";
import { type ListedAddress, listedPages, listFilterOf } from "../suppression-list.ts";
import { createTableWriter, type StreamingColumn } from "../table.ts";

const longest = (words: readonly string[]) => Math.max(...words.map((word) => word.length));
/** "2026-11-26 10:00Z": minutes are enough for people; --json keeps the full timestamps. */
const TIME_WIDTH = 17;

/** Every width is known before the first page, so the pages of a long scan line up; the address goes last. */
const COLUMNS: readonly StreamingColumn[] = [
  { header: "status", width: longest(Object.keys(STATUS_STYLE)) },
  { header: "reason", width: longest([...REASONS, MANUAL_REASON]) },
  { header: "by", width: longest(SUPPRESSED_BY) },
  { header: "since", width: TIME_WIDTH },
  { header: "retry at", width: TIME_WIDTH },
  { header: "hard", width: 4 },
  { header: "soft", width: 4 },
  { header: "block", width: 5 },
  { header: "complaint", width: 9 },
  { header: "address", width: 0 },
];
const STATUS_COLUMN = 0;

export function shortTime(iso: string | undefined): string {
  return iso === undefined ? "" : `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

function cellsOf(listed: ListedAddress): string[] {
  return [
    listed.status,
    listed.reason ?? "",
    listed.by ?? "",
    shortTime(listed.since),
    shortTime(listed.retryAt),
    String(listed.counts.hard),
    String(listed.counts.soft),
    String(listed.counts.block),
    String(listed.counts.complaint),
    listed.address,
  ];
}

async function list(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`list takes no arguments, got "${args[0]}"`);
  const filter = listFilterOf(options);
  const json = booleanOption(options, "json");
  const paint = painterFor(io);
  const table = createTableWriter(COLUMNS, paint);
  const { store, policy, close } = await openStore(options, io);
  const progress = startProgress(io, "scanning");
  let listed = 0;
  try {
    for await (const page of listedPages(store, policy, filter, io.now(), (count) =>
      progress.advance(count),
    )) {
      if (page.length === 0) continue;
      listed += page.length;
      if (json) {
        progress.print(page.map((row) => `${printableJson(row)}\n`).join(""));
        continue;
      }
      progress.print(
        table.rows(page.map(cellsOf), (row, column) => {
          const status = page[row]?.status;
          return column === STATUS_COLUMN && status !== undefined ? STATUS_STYLE[status] : undefined;
        }),
      );
    }
  } finally {
    progress.finish();
    await close();
  }
  if (!json) {
    const scope = filter.status === "all" ? "addresses" : `${filter.status} addresses`;
    io.stdout(`${paint(`${listed} ${scope}`, "dim")}\n`);
  }
  return EXIT.ok;
}

export const run: CommandRun = (args, options, io) => list(args, options, io);
