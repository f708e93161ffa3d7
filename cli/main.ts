// bounce-guard: the command line for the local run and for people running Bounce Guard.
import { parseArgs } from "node:util";
import { checkCommand } from "./commands/check.ts";
import { classifyCommand } from "./commands/classify.ts";
import { demoCommand } from "./commands/demo.ts";
import { eraseCommand } from "./commands/erase.ts";
import { exportCommand } from "./commands/export.ts";
import { importCommand } from "./commands/import.ts";
import { listCommand } from "./commands/list.ts";
import { redriveCommand } from "./commands/redrive.ts";
import { replayCommand } from "./commands/replay.ts";
import { statusCommand } from "./commands/status.ts";
import { suppressCommand } from "./commands/suppress.ts";
import { unsuppressCommand } from "./commands/unsuppress.ts";
import { whyCommand } from "./commands/why.ts";
import {
  type Command,
  DEFAULT_DATA_DIRECTORY,
  EXIT,
  type Io,
  type OptionSpec,
  UsageError,
} from "./context.ts";

export { EXIT, type Io } from "./context.ts";

/** Every command, in the order the usage text lists them. */
const COMMANDS: readonly Command[] = [
  demoCommand,
  classifyCommand,
  statusCommand,
  whyCommand,
  checkCommand,
  suppressCommand,
  unsuppressCommand,
  eraseCommand,
  listCommand,
  exportCommand,
  importCommand,
  replayCommand,
  redriveCommand,
];

const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  data: {
    type: "string",
    help: `--data DIR         local store directory (default ${DEFAULT_DATA_DIRECTORY})`,
  },
  help: { type: "boolean", short: "h", help: "-h, --help         this text" },
};

function usage(): string {
  const commands = COMMANDS.flatMap((command) => {
    const [synopsis = command.name, ...detail] = command.usage;
    const options = Object.values(command.options ?? {}).map((option) => `      ${option.help}`);
    return [`  ${synopsis}`, ...detail.map((line) => `      ${line}`), ...options];
  });
  const global = Object.values(GLOBAL_OPTIONS).map((option) => `  ${option.help}`);
  return [
    "Usage: bounce-guard <command> [options]",
    "",
    "Commands:",
    ...commands,
    "",
    "Options for every command:",
    ...global,
    "",
    "Deployed resources are reached with the standard AWS credential chain; human output is an",
    "aligned table (colour only on a terminal), --json gives NDJSON for scripts.",
    "",
    "Exit codes:",
    "  0  success",
    "  1  some input was bad or refused (invalid lines or addresses, complaints without --force,",
    "     an address changed while reactivating, messages not moved); the rest was still handled",
    "  2  usage error (unknown command or option, missing argument or --reason)",
  ].join("\n");
}

/** parseArgs needs one table; options with the same name must mean the same in every command. */
function allOptions(): Record<string, { type: "string" | "boolean"; short?: string }> {
  const table: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const spec of [GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options ?? {})]) {
    for (const [name, option] of Object.entries(spec)) {
      table[name] = { type: option.type, ...(option.short !== undefined ? { short: option.short } : {}) };
    }
  }
  return table;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: allOptions(), allowPositionals: true });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${usage()}\n`);
    return EXIT.usage;
  }
  const [name, ...rest] = parsed.positionals;
  if (parsed.values.help === true || name === undefined || name === "help") {
    io.stdout(`${usage()}\n`);
    return name === undefined && parsed.values.help !== true ? EXIT.usage : EXIT.ok;
  }
  const data = typeof parsed.values.data === "string" ? parsed.values.data : DEFAULT_DATA_DIRECTORY;
  try {
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (command === undefined) throw new UsageError(`unknown command "${name}"`);
    const allowed = new Set([...Object.keys(GLOBAL_OPTIONS), ...Object.keys(command.options ?? {})]);
    const stray = Object.keys(parsed.values).find((option) => !allowed.has(option));
    if (stray !== undefined) throw new UsageError(`${name} does not take --${stray}`);
    // No option is declared `multiple`, so no value is an array.
    const values = parsed.values as Record<string, string | boolean | undefined>;
    return await command.run(rest, { data, values }, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${usage()}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
