// bounce-guard report: the table read once (a scan page at a time) into the report's figures, then
// written as one self-contained HTML file, or printed as JSON with --json.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  openStore,
  stringOption,
  UsageError,
} from "../context.ts";
import { printableJson } from "../printable.ts";
import { startProgress } from "../progress.ts";
import { createReportAccumulator } from "../report/figures.ts";
import { renderReport } from "../report/html.ts";

export const DEFAULT_REPORT_DIRECTORY = ".bounce-guard/report";

function sourceOf(options: CommandOptions, tableName: string): string {
  const stack = stringOption(options, "stack");
  if (stack !== undefined) return `Stack ${stack} (table ${tableName})`;
  if (stringOption(options, "table") !== undefined) return `Table ${tableName}`;
  return `The local store ${options.data}`;
}

async function report(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError(`report takes no arguments, got "${args[0]}"`);
  const json = booleanOption(options, "json");
  const out = stringOption(options, "out") ?? DEFAULT_REPORT_DIRECTORY;
  if (json && stringOption(options, "out") !== undefined) {
    throw new UsageError("give --json (the figures on stdout) or --out DIR (the HTML report), not both");
  }
  // Judged with the policy the store was written with, as every other command reads it.
  const { store, policy, tableName, close } = await openStore(options, io);
  const figures = createReportAccumulator(policy, io.now(), sourceOf(options, tableName));
  const progress = startProgress(io, "reading");
  try {
    for await (const page of store.scan()) {
      for (const state of page) figures.add(state);
      progress.advance(page.length);
    }
  } finally {
    progress.finish();
    await close();
  }
  const result = figures.finish();
  if (json) {
    io.stdout(`${printableJson(result)}\n`);
    return EXIT.ok;
  }
  mkdirSync(out, { recursive: true });
  const file = join(out, "index.html");
  writeFileSync(file, renderReport(result));
  io.stdout(`wrote ${file} (${result.addresses.total} addresses)\n`);
  return EXIT.ok;
}

export const run: CommandRun = (args, options, io) => report(args, options, io);
