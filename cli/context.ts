// What every command shares: streams and clock, exit codes, option access, input and the store.
// The AWS SDK and the store are imported when a command opens the store, so commands that never do
// (classify) start without them.
import { mkdirSync, readFileSync } from "node:fs";
import { type AddressKeys, hmacKeys, PLAIN_KEYS } from "../functions/core/address-key.ts";
import type { PolicyConfig } from "../functions/core/policy.ts";
import type { AwsClients, StackOutputs } from "./aws.ts";
import { type InputEntry, type InputItem, type InputProblem, inputEntries } from "./input.ts";
import { type EnvironmentPolicy, environmentPolicy, localStorePolicy, stackPolicy } from "./store-policy.ts";

/**
 * Exit codes: 0 success, 1 some input was bad or refused (the rest was still handled), 2 usage
 * error.
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
  readonly aws?: Partial<AwsClients>;
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
  for await (const entry of readInputEntries(files, io)) {
    if (entry.item !== undefined) items.push(entry.item);
    else problems.push(entry.problem);
  }
  return { items, problems };
}

/** The items and problems of the files (stdin without files) one at a time, one file read at a time. */
export async function* readInputEntries(files: readonly string[], io: Io): AsyncGenerator<InputEntry> {
  if (files.length === 0) {
    yield* inputEntries(await io.readStdin(), "stdin");
    return;
  }
  for (const file of files) {
    const source = readFileOrProblem(file);
    if ("problem" in source) yield { problem: source.problem };
    else yield* inputEntries(source.text, source.name);
  }
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

/** Options naming a deployed Bounce Guard: its stack (whose outputs name the table and queues), its region. */
export const DEPLOYMENT_OPTIONS = {
  stack: {
    type: "string",
    help: "--stack NAME       a deployed Bounce Guard stack (its outputs name the table and queues)",
  },
  region: {
    type: "string",
    help: "--region REGION    the deployed resources' region (standard AWS credential chain)",
  },
} as const satisfies Record<string, OptionSpec>;

/** Options that point status, check and the operations commands at a deployed table. */
export const TABLE_OPTIONS = {
  table: { type: "string", help: "--table NAME       a deployed table instead of the local store" },
  ...DEPLOYMENT_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

/** The outputs of the stack named by --stack (undefined without it); an unknown stack is a usage error. */
export async function stackOutputsOf(
  options: CommandOptions,
  aws: Partial<AwsClients> | undefined,
): Promise<StackOutputs | undefined> {
  const stack = stringOption(options, "stack");
  if (stack === undefined) return undefined;
  const { borrowClient, readStackOutputs } = await import("./aws.ts");
  const { client, release } = borrowClient(aws, "cloudFormation", stringOption(options, "region"));
  try {
    const lookup = await readStackOutputs(client, stack);
    if (!lookup.ok) throw new UsageError(lookup.message);
    return lookup.outputs;
  } finally {
    release();
  }
}

/**
 * Keyed mode for the command line: the same secret the functions use, from the environment
 * variable BOUNCE_GUARD_ADDRESS_KEY, the secret named by --address-key-secret, or the stack's
 * AddressKeySecretArn output with --stack. Without any, the table is keyed by the address itself.
 */
async function addressKeysOf(
  options: CommandOptions,
  stackSecretArn: string | undefined,
): Promise<AddressKeys> {
  const fromEnvironment = process.env.BOUNCE_GUARD_ADDRESS_KEY;
  if (fromEnvironment !== undefined && fromEnvironment !== "") return hmacKeys(fromEnvironment);
  const secret = stringOption(options, "address-key-secret") ?? stackSecretArn;
  if (secret === undefined) return PLAIN_KEYS;
  const region = stringOption(options, "region");
  const [{ loadAddressKeys }, { SecretsManagerClient }] = await Promise.all([
    import("../functions/adapters/address-key-secret.ts"),
    import("@aws-sdk/client-secrets-manager"),
  ]);
  return loadAddressKeys(secret, new SecretsManagerClient(region !== undefined ? { region } : {}));
}

/**
 * The local store by default, or the deployed table named by --table or by the outputs of
 * --stack (in --region), with the policy its answers are assessed with (cli/store-policy.ts): the
 * stack's Policy output, the functions' environment variables with --table alone (the defaults, with
 * a notice on stderr, when none is set), or the local store's record.
 */
export async function openStore(options: CommandOptions, io: Pick<Io, "aws" | "stderr">) {
  const aws = io.aws;
  const stackName = stringOption(options, "stack");
  const stack = await stackOutputsOf(options, aws);
  const keys = await addressKeysOf(options, stack?.addressKeySecretArn);
  let table = stringOption(options, "table");
  const { DynamoDbSuppressionStore } = await import("../functions/adapters/dynamodb-store.ts");
  let policy: PolicyConfig;
  if (stack !== undefined) {
    if (table !== undefined) throw new UsageError("give --table or --stack, not both");
    table = stack.tableName;
    if (table === undefined) {
      throw new UsageError(`stack "${stackName}" has no TableName output`);
    }
    policy = policyOfStack(stack, stackName ?? "", io);
  } else if (table !== undefined) {
    policy = policyOfEnvironment("--table without --stack", io);
  } else {
    mkdirSync(options.data, { recursive: true });
    policy = localStorePolicy(options.data);
  }
  if (table !== undefined) {
    const { borrowClient } = await import("./aws.ts");
    const { client, release } = borrowClient(aws, "dynamodb", stringOption(options, "region"));
    return {
      store: new DynamoDbSuppressionStore(client, table, policy, keys),
      policy,
      client,
      tableName: table,
      close: async () => release(),
    };
  }
  const { startLocalDynamoDb } = await import("./local/dynamodb.ts");
  const dynamo = await startLocalDynamoDb({ path: options.data });
  return {
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, policy, keys),
    policy,
    client: dynamo.client,
    tableName: dynamo.tableName,
    close: dynamo.close,
  };
}

function policyOfStack(stack: StackOutputs, stackName: string, io: Pick<Io, "stderr">): PolicyConfig {
  if (stack.policy === undefined) {
    return policyOfEnvironment(`stack "${stackName}" has no Policy output`, io);
  }
  try {
    return stackPolicy(stack.policy, stackName);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function policyOfEnvironment(why: string, io: Pick<Io, "stderr">): PolicyConfig {
  let read: EnvironmentPolicy;
  try {
    read = environmentPolicy(process.env, why);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!read.fromEnvironment) io.stderr(`note: ${read.notice}\n`);
  return read.policy;
}
