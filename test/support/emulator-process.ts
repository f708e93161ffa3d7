// The local AWS stand-ins (dynalite and the local SQS server) in a process of their own, so the
// emulators and the code under test use both cores; the replay would otherwise share one thread
// with them.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { startLocalSqsServer } from "../../cli/local/sqs.ts";

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

const SELF = fileURLToPath(import.meta.url);
/** `--import tsx` resolves from the working directory: the project's, wherever the caller runs. */
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Start the child and wait for it to say where it listens. */
export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SELF, "--serve"], {
    cwd: PROJECT_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
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

if (process.argv[1] === SELF && process.argv.includes("--serve")) {
  await serve();
}
