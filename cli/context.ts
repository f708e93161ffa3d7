// What the commands share beyond cli/command.ts: reading input files, the stack's outputs and the store.
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { loadAddressKeys } from "../functions/adapters/address-key-secret.ts";
import { DynamoDbSuppressionStore } from "../functions/adapters/dynamodb-store.ts";
import { type AddressKeys, hmacKeys, PLAIN_KEYS } from "../functions/core/address-key.ts";
import { DEFAULT_POLICY } from "../functions/core/policy.ts";
import { type AwsClients, borrowClient, readStackOutputs, type StackOutputs } from "./aws.ts";
import { CommandFailure, type CommandOptions, type Io, stringOption, UsageError } from "./command.ts";
import { type InputItem, type InputProblem, splitInput } from "./input.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "./local/dynamodb.ts";
import { claimStore, folderContents } from "./local/store-folder.ts";
import { lockStore } from "./local/store-lock.ts";

export {
  booleanOption,
  CommandFailure,
  type CommandOptions,
  type CommandRun,
  DEFAULT_DATA_DIRECTORY,
  DEPLOYMENT_OPTIONS,
  EXIT,
  type Io,
  stringOption,
  TABLE_OPTIONS,
  UsageError,
} from "./command.ts";

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

/** A file this command will read: a folder or an unreadable file is a failure said in one line. */
export function requireReadableFile(path: string, what: string): void {
  if (statSync(path).isDirectory()) throw new CommandFailure(`${path} is a folder; give ${what}`);
  closeSync(openSync(path, "r"));
}

const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EISDIR: "it is a folder, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

export function readFileOrProblem(name: string): { name: string; text: string } | { problem: InputProblem } {
  try {
    return { name, text: readFileSync(name, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return {
      problem: { origin: name, message: `cannot read file: ${READ_PROBLEMS[code] ?? "failed"} (${code})` },
    };
  }
}

/** The outputs of the stack named by --stack (undefined without it); an unknown stack is a usage error. */
export async function stackOutputsOf(
  options: CommandOptions,
  aws: Partial<AwsClients> | undefined,
): Promise<StackOutputs | undefined> {
  const stack = stringOption(options, "stack");
  if (stack === undefined) return undefined;
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
  return loadAddressKeys(secret, new SecretsManagerClient(region !== undefined ? { region } : {}));
}

/**
 * The local store by default, or the deployed table named by --table or by the outputs of
 * --stack (in --region).
 */
export async function openStore(options: CommandOptions, io: Io) {
  const aws = io.aws;
  const stack = await stackOutputsOf(options, aws);
  const keys = await addressKeysOf(options, stack?.addressKeySecretArn);
  let table = stringOption(options, "table");
  if (stack !== undefined) {
    if (table !== undefined) throw new UsageError("give --table or --stack, not both");
    table = stack.tableName;
    if (table === undefined) {
      throw new UsageError(`stack "${stringOption(options, "stack")}" has no TableName output`);
    }
  }
  if (table !== undefined) {
    const { client, release } = borrowClient(aws, "dynamodb", stringOption(options, "region"));
    return {
      store: new DynamoDbSuppressionStore(client, table, DEFAULT_POLICY, keys),
      client,
      tableName: table,
      close: async () => release(),
    };
  }
  const dynamo = await openLocalDynamoDb(options, io);
  return {
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY, keys),
    client: dynamo.client,
    tableName: dynamo.tableName,
    close: dynamo.close,
  };
}

/**
 * The local store's embedded DynamoDB, held by this command alone (see store-lock.ts) until
 * `close`. A command that writes makes the folder the operator's: the demo will not reset it.
 */
export async function openLocalDynamoDb(options: CommandOptions, io: Io): Promise<LocalDynamoDb> {
  if (folderContents(options.data).kind === "not-a-folder") {
    throw new CommandFailure(`${options.data} is a file, not a folder; give --data a folder`);
  }
  mkdirSync(options.data, { recursive: true });
  const lock = await lockStore(options.data, options.command, io);
  try {
    if (options.writes === true) claimStore(options.data);
    const dynamo = await startLocalDynamoDb({ path: options.data });
    return {
      ...dynamo,
      close: async () => {
        try {
          await dynamo.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
