// What the commands share beyond cli/command.ts: reading input files, the stack's outputs and the store.
// The AWS SDK and the store are imported when a command opens the store, so commands that never do
// (classify) start without them.
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { type AddressKeys, hmacKeys, PLAIN_KEYS } from "../functions/core/address-key.ts";
import type { PolicyConfig } from "../functions/core/policy.ts";
import type { AwsClients, StackOutputs } from "./aws.ts";
import { CommandFailure, type CommandOptions, type Io, stringOption, UsageError } from "./command.ts";
import { type InputEntry, type InputItem, type InputProblem, inputEntries } from "./input.ts";
import type { LocalDynamoDb } from "./local/dynamodb.ts";
import { claimStore, folderContents } from "./local/store-folder.ts";
import { lockStore } from "./local/store-lock.ts";
import { type EnvironmentPolicy, environmentPolicy, localStorePolicy, stackPolicy } from "./store-policy.ts";

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
  for await (const entry of readInputEntries(files, io)) {
    if (entry.item !== undefined) items.push(entry.item);
    else problems.push(entry.problem);
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
export async function openStore(options: CommandOptions, io: Io) {
  const aws = io.aws;
  const stackName = stringOption(options, "stack");
  const stack = await stackOutputsOf(options, aws);
  const keys = await addressKeysOf(options, stack?.addressKeySecretArn);
  let table = stringOption(options, "table");
  const { DynamoDbSuppressionStore } = await import("../functions/adapters/dynamodb-store.ts");
  if (stack !== undefined) {
    if (table !== undefined) throw new UsageError("give --table or --stack, not both");
    table = stack.tableName;
    if (table === undefined) {
      throw new UsageError(`stack "${stackName}" has no TableName output`);
    }
  }
  if (table !== undefined) {
    const policy =
      stack !== undefined
        ? policyOfStack(stack, stackName ?? "", io)
        : policyOfEnvironment("--table without --stack", io);
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
  const dynamo = await openLocalDynamoDb(options, io);
  let policy: PolicyConfig;
  try {
    // Read (or recorded, on first use) while the store is held, so no other command changes it meanwhile.
    policy = localStorePolicy(options.data);
  } catch (error) {
    await dynamo.close();
    throw error;
  }
  return {
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, policy, keys),
    policy,
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
    const { startLocalDynamoDb } = await import("./local/dynamodb.ts");
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

function policyOfStack(stack: StackOutputs, stackName: string, io: Io): PolicyConfig {
  if (stack.policy === undefined) {
    return policyOfEnvironment(`stack "${stackName}" has no Policy output`, io);
  }
  try {
    return stackPolicy(stack.policy, stackName);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The deployed functions' policy variables as the operator set them (io.env), else the defaults with a note. */
function policyOfEnvironment(why: string, io: Io): PolicyConfig {
  let read: EnvironmentPolicy;
  try {
    read = environmentPolicy(io.env ?? {}, why);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!read.fromEnvironment) io.stderr(`note: ${read.notice}\n`);
  return read.policy;
}
