// Wires the command line to the real process: arguments, standard streams, clock, environment,
// questions at the terminal and the exit code.
import { main } from "./main.ts";

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A yes/no question on stderr, answered on the terminal; anything but y or yes is no. */
async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await terminal.question(`${question} [y/N] `);
    return /^y(?:es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}

export async function runCli(): Promise<void> {
  // The AWS SDK warns about Node 20 once per process; the command line runs on it on purpose.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // A reader that goes away (`| head`) is not an error of ours: stop quietly, as Unix tools do.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  // An emulator or SDK error raised outside any command's promise still ends in one line and exit 1.
  const fail = async (error: unknown) => {
    const { describeFailure } = await import("./failures.ts");
    process.stderr.write(`bounce-guard: ${describeFailure(error, process.env)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  try {
    process.exitCode = await main(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      readStdin,
      now: () => new Date(),
      isTTY: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
      env: process.env,
      ...(interactive ? { confirm } : {}),
    });
  } catch (error) {
    // main answers every failure itself; this is the last guard, still one line and a documented code.
    await fail(error);
  }
}
