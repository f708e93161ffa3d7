// bounce-guard classify: one JSON verdict per recipient, for scripts and for checking rules.
import { parseNotification } from "../../functions/core/parse.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";
import { type CommandRun, EXIT, type Io, readInputEntries } from "../context.ts";
import type { InputProblem } from "../input.ts";
import { printable, printableJson } from "../printable.ts";

/** Output written in chunks of about this many characters: a write per verdict would cost more than the verdict. */
const OUTPUT_CHUNK = 64 * 1024;

async function classify(files: readonly string[], io: Io): Promise<number> {
  const problems: InputProblem[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    if (pending.length > 0) io.stdout(pending.join(""));
    pending = [];
    pendingLength = 0;
  };
  for await (const entry of readInputEntries(files, io)) {
    if (entry.problem !== undefined) {
      problems.push(entry.problem);
      continue;
    }
    const parsed = parseNotification(entry.item.value);
    if (parsed.kind === "error") {
      problems.push({ origin: entry.item.origin, message: parsed.error.message });
      continue;
    }
    if (parsed.kind === "control") {
      flush();
      io.stderr(`${printable(entry.item.origin)}: SNS ${parsed.controlType} ignored (not mail feedback)\n`);
      continue;
    }
    for (const verdict of verdictsOf(parsed.notification)) {
      const line = `${printableJson(verdict)}\n`;
      pending.push(line);
      pendingLength += line.length;
    }
    if (pendingLength >= OUTPUT_CHUNK) flush();
  }
  flush();
  for (const problem of problems) io.stderr(`${printable(`${problem.origin}: ${problem.message}`)}\n`);
  return problems.length > 0 ? EXIT.badInput : EXIT.ok;
}

export const run: CommandRun = (args, _options, io) => classify(args, io);
