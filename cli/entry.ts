// The bounce-guard command, compiled to dist/cli/entry.js (the bin, cli/bounce-guard.js, runs it). It imports
// nothing else until it knows the command: `--version` answers from package.json alone. Every other
// invocation (`-V` and `--version` among other words too) goes to the parser, whose version option
// reads the same package.json through the same function.
import { packageVersion } from "./version.ts";

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { runCli } = await import("./run.ts");
  await runCli();
}
