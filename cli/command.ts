// What the parser and every command share, kept free of the AWS SDK and the store so that
// `bounce-guard --version` and `help` load nothing else: exit codes, streams, options, errors.

/**
 * The exit codes, and the only ones: 0 success; 1 a finding (invalid input, a refused or still
 * failing item) or a failure (an OS, AWS or emulator error, said in one line); 2 a usage error.
 */
export const EXIT = { ok: 0, badInput: 1, usage: 2 } as const;

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly now: () => Date;
  /** Which streams are terminals: colour only on a stdout terminal, progress only on a stderr one. */
  readonly isTTY?: { readonly stdout: boolean; readonly stderr: boolean };
  /** AWS clients to use instead of ones made with the standard credential chain (tests, tools). */
  readonly aws?: Partial<import("./aws.ts").AwsClients>;
  /** The environment: NO_COLOR, TERM and the BOUNCE_GUARD_* settings. None when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Asks a yes/no question of the person at the terminal; absent when nobody can answer. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export const DEFAULT_DATA_DIRECTORY = ".bounce-guard/data";

/** A mistake in how the command was called: one line naming it, and exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * An expected failure the command has already put in words for the operator (a busy store, a
 * folder the demo will not reset, a stack without the output needed): one line, exit code 1.
 */
export class CommandFailure extends Error {
  // A string, so that a kind of failure (see MissingOptionalDependency) can name itself.
  override readonly name: string = "CommandFailure";
}

/** The parsed options of one invocation; each command reads the ones it declared. */
export interface CommandOptions {
  /** The command's name, e.g. for naming who holds the local store. */
  readonly command: string;
  /** The local store's folder (used unless --table or --stack points at a deployed table). */
  readonly data: string;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** Whether the command writes to the store (the demo's folder then stops being the demo's). */
  readonly writes?: boolean;
}

export function stringOption(options: CommandOptions, name: string): string | undefined {
  const value = options.values[name];
  return typeof value === "string" ? value : undefined;
}

export function booleanOption(options: CommandOptions, name: string): boolean {
  return options.values[name] === true;
}

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** The value's placeholder in help, e.g. "TEXT" for `--reason TEXT`. */
  readonly value?: string;
  readonly description: string;
  /** The values allowed, checked by the parser (and offered by shell completion). */
  readonly choices?: readonly string[];
}

/** What a command module exports: its work, given parsed arguments. */
export type CommandRun = (args: readonly string[], options: CommandOptions, io: Io) => Promise<number>;

export interface CommandSpec {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** Positional arguments as help shows them, e.g. "ADDRESS..." or "[FILE...]". */
  readonly arguments?: string;
  /** More lines for the command's own help. */
  readonly details?: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples?: readonly string[];
  /** Writes to the store: see CommandOptions.writes. */
  readonly writes?: boolean;
  /** The command's module, loaded only when the command runs. */
  readonly load: () => Promise<{ readonly run: CommandRun }>;
}

/** Options naming a deployed Bounce Guard: its stack (whose outputs name the table and queues), its Region. */
export const DEPLOYMENT_OPTIONS = {
  stack: {
    type: "string",
    value: "NAME",
    description: "a deployed Bounce Guard stack: its outputs name the table and queues",
  },
  region: { type: "string", value: "REGION", description: "the AWS Region of the deployed resources" },
} as const satisfies Record<string, OptionSpec>;

/** Options that point a command at a deployed table instead of the local store. */
export const TABLE_OPTIONS = {
  table: { type: "string", value: "NAME", description: "a deployed table instead of the local store" },
  ...DEPLOYMENT_OPTIONS,
  "address-key-secret": {
    type: "string",
    value: "ARN",
    description: "keyed mode: the secret holding the address key (--stack finds it)",
  },
} as const satisfies Record<string, OptionSpec>;

export const DATA_OPTION = {
  data: {
    type: "string",
    value: "DIR",
    description: `the local store's folder (default ${DEFAULT_DATA_DIRECTORY})`,
  },
} as const satisfies Record<string, OptionSpec>;

export const JSON_OPTION = {
  json: { type: "boolean", description: "one JSON object per line (NDJSON) for scripts" },
} as const satisfies Record<string, OptionSpec>;
