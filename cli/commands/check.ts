// bounce-guard check: the pre-send check against the local store or a deployed table.
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createMxResolver } from "../../functions/adapters/mx-lookup.ts";
import { MAX_ADDRESSES, type PresendAnswer } from "../../functions/core/presend.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  EXIT,
  type Io,
  openStore,
  readFileOrProblem,
  stringOption,
  TABLE_OPTIONS,
  UsageError,
} from "../context.ts";
import { formatTable } from "../table.ts";

async function check(addresses: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const all = [...addresses];
  const file = stringOption(options, "file");
  if (file !== undefined) {
    const read = readFileOrProblem(file);
    if ("problem" in read) {
      io.stderr(`${read.problem.origin}: ${read.problem.message}\n`);
      return EXIT.badInput;
    }
    all.push(
      ...read.text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#")),
    );
  }
  if (all.length === 0) throw new UsageError("check needs at least one ADDRESS or --file");
  const checks = stringOption(options, "checks")
    ?.split(",")
    .map((check) => check.trim())
    .filter(Boolean);
  const { store, policy, close } = await openStore(options, io);
  try {
    const check = createPresendCheck({
      store,
      policy,
      logger: silentLogger,
      resolver: createMxResolver(),
      now: io.now,
    });
    const answers: PresendAnswer[] = [];
    for (let start = 0; start < all.length; start += MAX_ADDRESSES) {
      const response = await check({
        addresses: all.slice(start, start + MAX_ADDRESSES),
        ...(checks ? { checks } : {}),
      });
      if ("error" in response) {
        io.stderr(`check refused: ${response.error.message} (${response.error.code})\n`);
        return response.error.code === "unavailable" ? EXIT.badInput : EXIT.usage;
      }
      answers.push(...response.results);
    }
    if (booleanOption(options, "json")) {
      for (const answer of answers) io.stdout(`${JSON.stringify(answer)}\n`);
    } else {
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
      io.stdout(`${formatTable(["address", "verdict", "reason", "detail"], rows)}\n`);
    }
    return EXIT.ok;
  } finally {
    await close();
  }
}

export const checkCommand: Command = {
  name: "check",
  usage: ["check ADDRESS...", "the pre-send check: send, defer, suppress or invalid per address"],
  options: {
    ...TABLE_OPTIONS,
    file: { type: "string", help: "--file FILE        read addresses from FILE, one per line" },
    checks: {
      type: "string",
      help: "--checks LIST      validations to run (default syntax,disposable,typo; add mx)",
    },
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON)" },
  },
  run: (args, options, io) => check(args, options, io),
};
