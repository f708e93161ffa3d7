// bounce-guard export: the suppression list as CSV or NDJSON for scripts and for import elsewhere,
// streamed a scan page at a time.
import {
  type Command,
  type CommandOptions,
  EXIT,
  type Io,
  openStore,
  TABLE_OPTIONS,
  UsageError,
} from "../context.ts";
import { csvLine } from "../csv.ts";
import { startProgress } from "../progress.ts";
import {
  CSV_COLUMNS,
  csvFieldsOf,
  FORMAT_OPTION,
  formatOf,
  LIST_FILTER_OPTIONS,
  listedPages,
  listFilterOf,
} from "../suppression-list.ts";

async function exportList(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`export takes no arguments, got "${args[0]}"`);
  const filter = listFilterOf(options);
  const format = formatOf(options) ?? "csv";
  const { store, policy, close } = await openStore(options, io);
  const progress = startProgress(io, "exporting");
  let exported = 0;
  try {
    if (format === "csv") io.stdout(`${csvLine(CSV_COLUMNS)}\n`);
    for await (const page of listedPages(store, policy, filter, io.now(), (count) =>
      progress.advance(count),
    )) {
      if (page.length === 0) continue;
      exported += page.length;
      const lines = page.map((listed) =>
        format === "csv" ? csvLine(csvFieldsOf(listed)) : JSON.stringify(listed),
      );
      io.stdout(`${lines.join("\n")}\n`);
    }
  } finally {
    progress.finish();
    await close();
  }
  if (io.isTTY?.stderr === true) io.stderr(`${exported} addresses exported\n`);
  return EXIT.ok;
}

export const exportCommand: Command = {
  name: "export",
  usage: [
    "export [--format csv|ndjson] [filters]",
    `the list for scripts and import (suppressed addresses unless --status); CSV columns:`,
    CSV_COLUMNS.join(","),
  ],
  options: { ...TABLE_OPTIONS, ...FORMAT_OPTION, ...LIST_FILTER_OPTIONS },
  run: (args, options, io) => exportList(args, options, io),
};
