// bounce-guard export: the suppression list as CSV or NDJSON for scripts and for import elsewhere,
// streamed a scan page at a time.
import { type CommandOptions, type CommandRun, EXIT, type Io, openStore, UsageError } from "../context.ts";
import { csvLine } from "../csv.ts";
import { printable, printableJson } from "../printable.ts";
import { startProgress } from "../progress.ts";
import { CSV_COLUMNS, csvFieldsOf, formatOf, listedPages, listFilterOf } from "../suppression-list.ts";

async function exportList(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`export takes no arguments, got "${args[0]}"`);
  const filter = listFilterOf(options);
  const format = formatOf(options) ?? "csv";
  const { store, policy, close } = await openStore(options, io);
  const progress = startProgress(io, "exporting");
  let exported = 0;
  try {
    if (format === "csv") progress.print(`${csvLine(CSV_COLUMNS)}\n`);
    for await (const page of listedPages(store, policy, filter, io.now(), (count) =>
      progress.advance(count),
    )) {
      if (page.length === 0) continue;
      exported += page.length;
      const lines = page.map((listed) =>
        format === "csv" ? csvLine(csvFieldsOf(listed).map(printable)) : printableJson(listed),
      );
      progress.print(`${lines.join("\n")}\n`);
    }
  } finally {
    progress.finish();
    await close();
  }
  if (io.isTTY?.stderr === true) io.stderr(`${exported} addresses exported\n`);
  return EXIT.ok;
}

export const run: CommandRun = (args, options, io) => exportList(args, options, io);
