// What every command shares: streams and clock, exit codes, option access, input and the store.
import { mkdirSync, readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbSuppressionStore } from "../functions/adapters/dynamodb-store.ts";
import { DEFAULT_POLICY } from "../functions/core/policy.ts";
import { type InputItem, type InputProblem, splitInput } from "./input.ts";
import { startLocalDynamoDb } from "./local/dynamodb.ts";

/** Exit codes: 0 success, 1 some input was bad (the good input was still handled), 2 usage error. */
export const EXIT = { ok: 0, badInput: 1, usage: 2 } as const;

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly now: () => Date;
}

export const DEFAULT_DATA_DIRECTORY = ".bounce-guard/data";

/** A mistake in how the command was called: usage is printed and the exit code is 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The parsed options of one invocation; each command reads the ones it declared. */
export interface CommandOptions {
  readonly data: string;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
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
  /** One line for the usage text, e.g. "--reason TEXT  why (required)". */
  readonly help: string;
}

export interface Command {
  readonly name: string;
  /** Usage lines: the synopsis first, then any detail, without leading indentation. */
  readonly usage: readonly string[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  run(args: readonly string[], options: CommandOptions, io: Io): Promise<number>;
}

export async function readItems(
  files: readonly string[],
  io: Io,
): Promise<{ items: InputItem[]; problems: InputProblem[] }> {
  const items: InputItem[] = [];
  const problems: InputProblem[] = [];
  const sources =
    files.length === 0 ? [{ name: "stdin", text: await io.readStdin() }] : files.map(readFileOrProblem);
  for (const source of sources) {
    if ("problem" in source) {
      problems.push(source.problem);
      continue;
    }
    const read = splitInput(source.text, source.name);
    items.push(...read.items);
    problems.push(...read.problems);
  }
  return { items, problems };
}

export function readFileOrProblem(name: string): { name: string; text: string } | { problem: InputProblem } {
  try {
    return { name, text: readFileSync(name, "utf8") };
  } catch (error) {
    return {
      problem: {
        origin: name,
        message: `cannot read file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      },
    };
  }
}

/** The store behind status and check: the local one, or a deployed table named on the command line. */
/** Options that point status, check and the operations commands at a deployed table. */
export const TABLE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  table: { type: "string", help: "--table NAME       a deployed table instead of the local store" },
  region: {
    type: "string",
    help: "--region REGION    the deployed table's region (standard AWS credential chain)",
  },
};

/** The local store by default, or the deployed table named by --table (and --region). */
export async function openStore(options: CommandOptions) {
  const table = stringOption(options, "table");
  if (table !== undefined) {
    const region = stringOption(options, "region");
    const client = new DynamoDBClient(region !== undefined ? { region } : {});
    return {
      store: new DynamoDbSuppressionStore(client, table, DEFAULT_POLICY),
      client,
      tableName: table,
      close: async () => client.destroy(),
    };
  }
  mkdirSync(options.data, { recursive: true });
  const dynamo = await startLocalDynamoDb({ path: options.data });
  return {
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY),
    client: dynamo.client,
    tableName: dynamo.tableName,
    close: dynamo.close,
  };
}
