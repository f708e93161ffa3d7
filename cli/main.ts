// bounce-guard: the command line for the local run and for people running Bounce Guard. Parsing,
// help and usage errors come from commander; each command's module is loaded only when it runs.
import { Command, CommanderError, Option } from "commander";
import {
  type CommandOptions,
  type CommandSpec,
  EXIT,
  type Io,
  type OptionSpec,
  UsageError,
} from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { packageVersion } from "./version.ts";

export { EXIT, type Io } from "./command.ts";

const PROGRAM = "bounce-guard";
const HELP_WIDTH = 100;

const EXIT_CODES_LINE = "Exit codes: 0 ok, 1 a finding or a failure (said on stderr), 2 a usage error.";

function overview(): string[] {
  return [
    "",
    "Every command works on the local store (.bounce-guard/data) unless --stack or --table names a",
    "deployed one. Defaults for --stack, --region and --data come from BOUNCE_GUARD_STACK,",
    "BOUNCE_GUARD_REGION and BOUNCE_GUARD_DATA, or from .bounce-guard/config.json",
    '({ "stack": …, "region": …, "data": … }; another file with BOUNCE_GUARD_CONFIG).',
    "Tables for people (colour on a terminal unless NO_COLOR is set), --json for scripts.",
    EXIT_CODES_LINE,
    `Run '${PROGRAM} help COMMAND' for a command's options and examples.`,
  ];
}

function flagsOf(name: string, option: OptionSpec): string {
  const short = option.short !== undefined ? `-${option.short}, ` : "";
  return `${short}--${name}${option.type === "string" ? ` <${option.value ?? "VALUE"}>` : ""}`;
}

/** "ADDRESS..." is required, "[FILE...]" optional; commander spells required ones <ADDRESS...>. */
function argumentOf(spec: CommandSpec): string | undefined {
  const text = spec.arguments;
  if (text === undefined) return undefined;
  return text.startsWith("[") ? text : `<${text}>`;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** What the parser chose: the command, its arguments and its options by their names in cli/commands.ts. */
interface Chosen {
  readonly spec: CommandSpec;
  readonly args: string[];
  readonly values: Record<string, string | boolean | undefined>;
}

/** commander's messages ("error: …\n(Did you mean …?)") as one line of ours. */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, "")
    .replace(/\s*\n\s*/g, " ")
    .replace("(Did you mean", "(did you mean")
    .replace(/\.$/, "")
    .trim();
}

function usageLine(command: string | undefined, message: string): string {
  const where = command !== undefined ? `${PROGRAM} help ${command}` : `${PROGRAM} --help`;
  return `${PROGRAM}${command !== undefined ? ` ${command}` : ""}: ${message} (see '${where}')\n`;
}

function buildProgram(io: Io, choose: (chosen: Chosen) => void, failed: (command?: string) => void) {
  const program = new Command(PROGRAM)
    .description("Bounce Guard: SES bounce and complaint feedback to a suppression list, and a look at it.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "this help")
    .helpCommand("help [COMMAND]", "a command's options and examples")
    .exitOverride()
    .configureHelp({ sortSubcommands: false, helpWidth: HELP_WIDTH })
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: () => failed(undefined),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText("after", overview().join("\n"));
  for (const spec of COMMANDS) {
    const command = program
      .command(spec.name)
      .summary(spec.summary)
      .description([spec.summary, ...(spec.details !== undefined ? ["", ...spec.details] : [])].join("\n"))
      .helpOption("-h, --help", "this help")
      .configureOutput({ outputError: () => failed(spec.name) });
    const argument = argumentOf(spec);
    if (argument !== undefined) command.argument(argument);
    for (const [name, option] of Object.entries(spec.options)) {
      const parsed = new Option(flagsOf(name, option), option.description);
      if (option.choices !== undefined) parsed.choices(option.choices);
      command.addOption(parsed);
    }
    const examples = (spec.examples ?? []).map((example) => `  ${example}`);
    command.addHelpText(
      "after",
      [...(examples.length > 0 ? ["", "Examples:", ...examples] : []), "", EXIT_CODES_LINE].join("\n"),
    );
    command.action((...params: unknown[]) => {
      const self = params.at(-1) as Command;
      const parsed = self.opts();
      const values: Record<string, string | boolean | undefined> = {};
      for (const name of Object.keys(spec.options)) {
        values[name] = parsed[camelCase(name)] as string | boolean | undefined;
      }
      const args = self.processedArgs.flatMap((value: unknown) =>
        Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)],
      );
      choose({ spec, args, values });
    });
  }
  return program;
}

/** Runs one invocation; never throws: every failure is one line on stderr and an exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let chosen: Chosen | undefined;
  let errorCommand: string | undefined;
  let parserFailed = false;
  const program = buildProgram(
    io,
    (choice) => {
      chosen = choice;
    },
    (command) => {
      parserFailed = true;
      errorCommand = command;
    },
  );
  if (argv.length === 0) {
    io.stderr(program.helpInformation());
    return EXIT.usage;
  }
  const [first, second] = argv;
  if (first === "help" && second !== undefined && !COMMANDS.some((command) => command.name === second)) {
    io.stderr(usageLine(undefined, `unknown command '${second}'`));
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (!parserFailed) return EXIT.ok; // --help, help COMMAND, --version: already printed
    const named = argv.find((word) => COMMANDS.some((command) => command.name === word));
    // `bounce-guard --data DIR list`: the options belong after the command.
    const hint =
      errorCommand === undefined && error.code === "commander.unknownOption" && named !== undefined
        ? `; options go after the command: bounce-guard ${named} ${argv.filter((word) => word !== named).join(" ")}`
        : "";
    io.stderr(usageLine(errorCommand, `${oneLine(error.message)}${hint}`));
    return EXIT.usage;
  }
  if (chosen === undefined) return EXIT.ok;
  const { spec, args, values } = chosen;
  try {
    // Loaded only when a command runs, so --version and help stay light.
    const { resolveSettings } = await import("./config.ts");
    const settings = resolveSettings(spec, values, io.env ?? {});
    const options: CommandOptions = {
      command: spec.name,
      data: settings.data,
      values: settings.values,
      writes: spec.writes === true,
    };
    const module = await spec.load();
    return await module.run(args, options, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(usageLine(spec.name, error.message));
      return EXIT.usage;
    }
    const { describeFailure } = await import("./failures.ts");
    io.stderr(`${PROGRAM} ${spec.name}: ${describeFailure(error, io.env ?? {})}\n`);
    return EXIT.badInput;
  }
}
