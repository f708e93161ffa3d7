// The local AWS stand-ins (dynalite and the local SQS server) in a process of their own, so the
// emulators and the code under test use both cores; the replay would otherwise share one thread
// with them.
import { createInterface } from "node:readline";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { startLocalSqsServer } from "../../cli/local/sqs.ts";
import { MEMO_MODE_VARIABLE, memoizeDynaliteExpressions } from "./dynalite-expression-memo.ts";
import { isEntryPoint, spawnUnderTsx } from "./tsx-child.ts";

interface Endpoints {
  /** dynalite, with the suppression table created. */
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  /** local-aws-sqs, with no queue yet. */
  readonly sqsEndpoint: string;
}

export interface EmulatorProcess extends Endpoints {
  close(): Promise<void>;
}

/** Start the child and wait for it to say where it listens. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawnUnderTsx(import.meta.url, ["--serve"], ["pipe", "pipe", "inherit"]);
  const stdout = child.stdout;
  if (stdout === null) throw new Error("the emulator process has no stdout");
  const ready = await new Promise<Endpoints>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    child.once("exit", (code) => reject(new Error(`the emulator process exited early (code ${code})`)));
    lines.once("line", (line) => {
      lines.close();
      resolve(JSON.parse(line) as Endpoints);
    });
  });
  return {
    ...ready,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        // Closing stdin is the child's signal to stop; it also fires if this process dies.
        child.stdin?.end();
      }),
  };
}

async function serve(): Promise<void> {
  // dynalite's expression parsing was about a third of this process's CPU in a replay; the tests
  // set "verify", so that each parse the chaos test makes also checks the memo.
  memoizeDynaliteExpressions(process.env[MEMO_MODE_VARIABLE] === "verify" ? "verify" : "memo");
  const dynamo = await startLocalDynamoDb();
  const sqs = await startLocalSqsServer();
  const ready: Endpoints = {
    dynamoDbEndpoint: dynamo.endpoint,
    tableName: dynamo.tableName,
    sqsEndpoint: sqs.endpoint,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.stdin.resume();
  process.stdin.once("end", () => {
    void Promise.all([dynamo.close(), sqs.close()]).then(() => process.exit(0));
  });
}

if (isEntryPoint(import.meta.url) && process.argv.includes("--serve")) {
  await serve();
}
