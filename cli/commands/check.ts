// bounce-guard check: the pre-send check against the local store or a deployed table.
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createMxResolver } from "../../functions/adapters/mx-lookup.ts";
import type { PresendAnswer, PresendVerdict } from "../../functions/core/presend.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import { painterFor, type Style } from "../colour.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  openStore,
  readFileOrProblem,
  stringOption,
  UsageError,
} from "../context.ts";
import { printableJson } from "../printable.ts";
import { startProgress } from "../progress.ts";
import { formatTable } from "../table.ts";

/** Addresses per call of the check: well inside its limit of 1,000, small enough for a smooth progress bar. */
const CHUNK = 250;

const VERDICTS = ["send", "defer", "suppress", "invalid"] as const satisfies readonly PresendVerdict[];
const VERDICT_STYLE = {
  send: "green",
  defer: "yellow",
  suppress: "red",
  invalid: "red",
} as const satisfies Record<PresendVerdict, Style>;

function addressesOfFile(file: string, io: Io): string[] | undefined {
  const read = readFileOrProblem(file);
  if ("problem" in read) {
    io.stderr(`${read.problem.origin}: ${read.problem.message}\n`);
    return undefined;
  }
  const addresses = read.text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (addresses.length === 0) {
    io.stderr(`${file}: no addresses in it (one per line; blank lines and # comments are skipped)\n`);
    return undefined;
  }
  return addresses;
}

/** "5000 addresses: 4990 send, 6 defer, 3 suppress, 1 invalid" */
export function summaryOf(answers: readonly PresendAnswer[]): string {
  const counts = VERDICTS.map(
    (verdict) => `${answers.filter((answer) => answer.verdict === verdict).length} ${verdict}`,
  );
  return `${answers.length} ${answers.length === 1 ? "address" : "addresses"}: ${counts.join(", ")}`;
}

async function check(addresses: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const all = [...addresses];
  const file = stringOption(options, "file");
  if (file !== undefined) {
    const fromFile = addressesOfFile(file, io);
    if (fromFile === undefined) return EXIT.badInput;
    all.push(...fromFile);
  }
  if (all.length === 0) throw new UsageError("check needs at least one ADDRESS or --file FILE");
  const checks = stringOption(options, "checks")
    ?.split(",")
    .map((check) => check.trim())
    .filter(Boolean);
  const json = booleanOption(options, "json");
  const { store, policy, close } = await openStore(options, io);
  const progress = startProgress(io, "checking", all.length);
  const answers: PresendAnswer[] = [];
  try {
    const check = createPresendCheck({
      store,
      policy,
      logger: silentLogger,
      resolver: createMxResolver(),
      now: io.now,
    });
    for (let start = 0; start < all.length; start += CHUNK) {
      const response = await check({
        addresses: all.slice(start, start + CHUNK),
        ...(checks ? { checks } : {}),
      });
      if ("error" in response) {
        progress.finish();
        if (response.error.code === "unavailable") {
          io.stderr(`check failed: ${response.error.message}\n`);
          return EXIT.badInput;
        }
        throw new UsageError(response.error.message);
      }
      answers.push(...response.results);
      progress.advance(response.results.length);
      if (json) progress.print(response.results.map((answer) => `${printableJson(answer)}\n`).join(""));
    }
  } finally {
    progress.finish();
    await close();
  }
  if (!json) {
    const paint = painterFor(io);
    const rows = answers.map((answer) => [
      answer.address,
      answer.verdict,
      answer.reason,
      answer.retryAt !== undefined
        ? `retry after ${answer.retryAt}`
        : answer.suggestion !== undefined
          ? `did you mean ${answer.suggestion}?`
          : answer.explanation,
    ]);
    const table = formatTable(["address", "verdict", "reason", "detail"], rows, {
      paint,
      styleOf: (row, column) => {
        const verdict = answers[row]?.verdict;
        return column === 1 && verdict !== undefined ? VERDICT_STYLE[verdict] : undefined;
      },
    });
    io.stdout(`${table}\n${paint(summaryOf(answers), "dim")}\n`);
  }
  return EXIT.ok;
}

export const run: CommandRun = (args, options, io) => check(args, options, io);
