// Wires the command line to the real process: arguments, standard streams, clock, exit code.
import { quietSdkWarnings } from "./local/aws-clients.ts";
import { main } from "./main.ts";

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function runCli(): Promise<void> {
  quietSdkWarnings();
  // A reader that goes away (`| head`) is not an error of ours: stop quietly, as Unix tools do.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  try {
    process.exitCode = await main(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      readStdin,
      now: () => new Date(),
      isTTY: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
    });
  } catch (error) {
    process.stderr.write(`bounce-guard: ${(error as Error).message}\n`);
    process.exitCode = 70;
  }
}
