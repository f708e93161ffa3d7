// The bounce-guard command, compiled to dist/cli/entry.js (the bin, cli/bounce-guard.js, runs it). It imports
// nothing else until it knows the command: `--version` answers from package.json alone.
import { createRequire } from "node:module";

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === "--version") {
  // The package's own name resolves through its "exports", from the sources and from dist/ alike.
  const { version } = createRequire(import.meta.url)("bounce-guard/package.json") as { version: string };
  process.stdout.write(`${version}\n`);
} else {
  const { runCli } = await import("./run.ts");
  await runCli();
}
