// `npm run corpus [-- FILE.jsonl] [--misses] [--json]`: the classifier's agreement with Sisimai's
// labels on a bounce corpus (by default the development half in test/fixtures/corpus), in the
// three SES labellings, scored as the corpus's README says. The corpus test holds floors on the
// same figures; any file of the same format (the held-out half) is measured the same way.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatMisses, formatScore, readCorpus, scoreCorpus } from "../test/support/bounce-corpus.ts";

const DEVELOPMENT_HALF = "test/fixtures/corpus/bounce-diagnostics-dev.jsonl";
const USAGE = "usage: npm run corpus -- [FILE.jsonl] [--misses] [--json]\n";

function main(): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = positionals[0] ?? new URL(`../${DEVELOPMENT_HALF}`, import.meta.url);
  const name = positionals[0] ?? DEVELOPMENT_HALF;
  let cases: ReturnType<typeof readCorpus>;
  try {
    cases = readCorpus(readFileSync(file, "utf8"));
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    return 1;
  }
  const score = scoreCorpus(cases);
  if (values.json) {
    const labellings = score.labellings.map(({ outcomes: _outcomes, ...figures }) => figures);
    process.stdout.write(
      `${JSON.stringify({ file: name, cases: cases.length, labellings, worst: score.worst }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(`${cases.length} cases from ${name}\n\n${formatScore(score)}\n`);
  if (values.misses) {
    for (const labelling of score.labellings) {
      process.stdout.write(`\n${labelling.labelling}:\n${formatMisses(labelling)}\n`);
    }
  }
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      misses: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
}

process.exitCode = main();
