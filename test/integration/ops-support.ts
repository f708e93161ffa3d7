// Shared by the ops-*.test.ts files: the command line run in-process against an in-memory dynalite
// table (reached as a "deployed" table through --table and an injected client), with captured output.
import type { AwsClients } from "../../cli/aws.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { type Io, main } from "../../cli/main.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";

/** The clock of every command in these tests: later than every fixture's events. */
export const NOW = new Date("2026-11-26T12:00:00.000Z");

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Each write to stdout, to see that output is streamed rather than written once at the end. */
  readonly stdoutWrites: readonly string[];
}

export interface RunOptions {
  readonly now?: Date;
  readonly isTTY?: { readonly stdout: boolean; readonly stderr: boolean };
  readonly aws?: Partial<AwsClients>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly stdin?: string;
  /** Hears every write to either stream, in order, as a terminal showing both would. */
  readonly onWrite?: (text: string) => void;
}

export interface OpsTable {
  readonly dynamo: LocalDynamoDb;
  readonly store: DynamoDbSuppressionStore;
  /** Run `bounce-guard ARGS --table <this table>`. */
  run(args: readonly string[], options?: RunOptions): Promise<Captured>;
  close(): Promise<void>;
}

export async function runCommand(args: readonly string[], options: RunOptions = {}): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => {
      out.push(text);
      options.onWrite?.(text);
    },
    stderr: (text) => {
      err.push(text);
      options.onWrite?.(text);
    },
    readStdin: async () => options.stdin ?? "",
    now: () => options.now ?? NOW,
    ...(options.isTTY !== undefined ? { isTTY: options.isTTY } : {}),
    ...(options.aws !== undefined ? { aws: options.aws } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.confirm !== undefined ? { confirm: options.confirm } : {}),
  };
  const code = await main(args, io);
  return { code, stdout: out.join(""), stderr: err.join(""), stdoutWrites: out };
}

/** A fresh in-memory table; commands reach it with --table, as they would a deployed one. */
export async function startOpsTable(): Promise<OpsTable> {
  const dynamo = await startLocalDynamoDb();
  return {
    dynamo,
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY),
    run: (args, options = {}) =>
      runCommand([...args, "--table", dynamo.tableName], {
        ...options,
        aws: { dynamodb: () => dynamo.client, ...options.aws },
      }),
    close: () => dynamo.close(),
  };
}

/** The lines of NDJSON output, parsed. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
