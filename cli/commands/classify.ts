// bounce-guard classify: one JSON verdict per recipient, for scripts and for checking rules.
import { parseNotification } from "../../functions/core/parse.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";
import { type CommandRun, EXIT, type Io, readItems } from "../context.ts";
import { printable, printableJson } from "../printable.ts";

async function classify(files: readonly string[], io: Io): Promise<number> {
  const { items, problems } = await readItems(files, io);
  let exitCode: number = problems.length > 0 ? EXIT.badInput : EXIT.ok;
  for (const item of items) {
    const parsed = parseNotification(item.value);
    if (parsed.kind === "error") {
      problems.push({ origin: item.origin, message: parsed.error.message });
      exitCode = EXIT.badInput;
      continue;
    }
    if (parsed.kind === "control") {
      io.stderr(`${item.origin}: SNS ${parsed.controlType} ignored (not mail feedback)\n`);
      continue;
    }
    for (const verdict of verdictsOf(parsed.notification)) {
      io.stdout(`${printableJson(verdict)}\n`);
    }
  }
  for (const problem of problems) io.stderr(`${printable(`${problem.origin}: ${problem.message}`)}\n`);
  return exitCode;
}

export const run: CommandRun = (args, _options, io) => classify(args, io);
