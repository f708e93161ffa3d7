// Compares the classifier with Debian's Sisimai (libsisimai-perl) on our own bounce cases.
// A development aid: run `bash scripts/sisimai-crosscheck.sh`; nothing in the tests or CI needs it.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { classifyBounce } from "../functions/core/classify.ts";
import type { Reason } from "../functions/core/types.ts";

interface BounceCase {
  readonly id: string;
  readonly note: string;
  readonly bounceType?: string;
  readonly bounceSubType?: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
  readonly expected: { readonly class: string; readonly reason: Reason };
}

interface SisimaiReading {
  readonly reason: string;
  readonly status: string;
  readonly hard: boolean;
}

/** The corpus's class rule (Sisimai's refusals of the sender or message), as CLASS_OF_REASON has it. */
const BLOCK_REASONS = new Set([
  "norelaying",
  "filtered",
  "blocked",
  "spamdetected",
  "policyviolation",
  "badreputation",
  "requireptr",
  "authfailure",
  "virusdetected",
  "contenterror",
  "rejected",
  "securityerror",
  "notcompliantrfc",
  "failedstarttls",
]);
/**
 * Receivers refuse content after the message body (end of DATA); everything else here is refused
 * at RCPT TO, where MTAs check recipients, client IPs and sender domains.
 */
const DATA_PHASE_REASONS = new Set([
  "spamdetected",
  "virusdetected",
  "contenterror",
  "mesgtoobig",
  "exceedlimit",
  "notcompliantrfc",
]);
/** Reasons that Sisimai 4.25 does not have yet (added in Sisimai 5). */
const NEWER_REASONS = new Set([
  "authfailure",
  "requireptr",
  "badreputation",
  "notcompliantrfc",
  "failedstarttls",
  "speeding",
  "suppressed",
]);

const here = dirname(fileURLToPath(import.meta.url));
const { bounces } = JSON.parse(readFileSync(join(here, "../test/fixtures/bounces/cases.json"), "utf8")) as {
  bounces: BounceCase[];
};
// Sisimai reads delivery status notifications: SES-only verdicts and auto-replies have none.
const comparable = bounces.filter(
  (c) =>
    (c.status !== undefined || c.diagnosticCode !== undefined) &&
    !["vacation", "suppressed"].includes(c.expected.reason),
);

const perl = spawnSync("perl", [join(here, "sisimai-read.pl")], {
  input: JSON.stringify(
    comparable.map(({ id, status, diagnosticCode, expected }) => ({
      id,
      status,
      diagnosticCode,
      command: DATA_PHASE_REASONS.has(expected.reason) ? "end of DATA" : "RCPT TO",
    })),
  ),
  encoding: "utf8",
});
if (perl.status !== 0) {
  process.stderr.write(perl.stderr);
  process.exit(1);
}
const readings = JSON.parse(perl.stdout) as Record<string, SisimaiReading>;

const sisimaiClass = (r: SisimaiReading): string =>
  BLOCK_REASONS.has(r.reason) ? "block" : r.hard ? "hard" : "soft";

const classCauses = new Map<string, number>();
const countCause = (cause: string): void => {
  classCauses.set(cause, (classCauses.get(cause) ?? 0) + 1);
};

let read = 0;
let sameReason = 0;
let sameClass = 0;
let knownReasonCases = 0;
let sameKnownReason = 0;
const disagreements: string[] = [];
for (const c of comparable) {
  const theirs = readings[c.id];
  if (theirs === undefined) {
    disagreements.push(`${c.id} not read by Sisimai (${c.note})`);
    continue;
  }
  read++;
  const ours = classifyBounce(c);
  const reasonAgrees = ours.reason === theirs.reason;
  const classAgrees = ours.class === sisimaiClass(theirs);
  if (reasonAgrees) sameReason++;
  if (classAgrees) sameClass++;
  if (!NEWER_REASONS.has(ours.reason)) {
    knownReasonCases++;
    if (reasonAgrees) sameKnownReason++;
  }
  if (!classAgrees) {
    const theirClass = sisimaiClass(theirs);
    if (ours.class === "unconfirmed") {
      countCause("a permanent failure without a reason: unconfirmed here (Sisimai: onhold, soft)");
    } else if (ours.class === "soft" && theirClass === "hard" && ours.reason === theirs.reason) {
      countCause("a dead-address reason with a 4xx code (we retry)");
    } else {
      countCause("different reason");
    }
  }
  if (!reasonAgrees || !classAgrees) {
    disagreements.push(
      `${c.id} ours ${ours.class}/${ours.reason} sisimai ${sisimaiClass(theirs)}/${theirs.reason} (${theirs.status}) — ${c.note}`,
    );
  }
}
const percent = (n: number, of: number): string => `${((100 * n) / Math.max(of, 1)).toFixed(1)} %`;
console.log(disagreements.join("\n"));
console.log(`cases compared: ${read} of ${comparable.length}`);
console.log(`class agreement: ${sameClass}/${read} = ${percent(sameClass, read)}`);
for (const [cause, count] of classCauses) console.log(`  class differs: ${count} × ${cause}`);
console.log(`reason agreement: ${sameReason}/${read} = ${percent(sameReason, read)}`);
console.log(
  `reason agreement where our reason exists in Sisimai 4.25: ${sameKnownReason}/${knownReasonCases} = ${percent(sameKnownReason, knownReasonCases)}`,
);
