// bounce-guard list: the suppression list for people, an aligned table written a scan page at a time.
import { painterFor, STATUS_STYLE } from "../colour.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  EXIT,
  type Io,
  openStore,
  TABLE_OPTIONS,
  UsageError,
} from "../context.ts";
import { startProgress } from "../progress.ts";
import { createTableWriter } from "../streaming-table.ts";
import { LIST_FILTER_OPTIONS, type ListedAddress, listedPages, listFilterOf } from "../suppression-list.ts";

const HEADERS = [
  "address",
  "status",
  "reason",
  "by",
  "since",
  "retry at",
  "hard",
  "soft",
  "block",
  "complaint",
];
const STATUS_COLUMN = 1;

function cellsOf(listed: ListedAddress): string[] {
  return [
    listed.address,
    listed.status,
    listed.reason ?? "",
    listed.by ?? "",
    listed.since ?? "",
    listed.retryAt ?? "",
    String(listed.counts.hard),
    String(listed.counts.soft),
    String(listed.counts.block),
    String(listed.counts.complaint),
  ];
}

async function list(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`list takes no arguments, got "${args[0]}"`);
  const filter = listFilterOf(options);
  const json = booleanOption(options, "json");
  const paint = painterFor(io);
  const table = createTableWriter(HEADERS, io.stdout, paint);
  const { store, policy, close } = await openStore(options, io);
  const progress = startProgress(io, "scanning");
  let listed = 0;
  try {
    for await (const page of listedPages(store, policy, filter, io.now(), (count) =>
      progress.advance(count),
    )) {
      listed += page.length;
      if (json) {
        if (page.length > 0) io.stdout(page.map((row) => `${JSON.stringify(row)}\n`).join(""));
        continue;
      }
      table.rows(page.map(cellsOf), (row, column) => {
        const status = page[row]?.status;
        return column === STATUS_COLUMN && status !== undefined ? STATUS_STYLE[status] : undefined;
      });
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

export const listCommand: Command = {
  name: "list",
  usage: [
    "list [filters]",
    "the suppression list as a table for people (suppressed addresses unless --status)",
  ],
  options: {
    ...TABLE_OPTIONS,
    ...LIST_FILTER_OPTIONS,
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON, as export)" },
  },
  run: (args, options, io) => list(args, options, io),
};
