// bounce-guard why: why an address is (or is not) suppressed: the verdict, who or what decided
// it and when, the evidence, the recent history and the operator actions on it.
import {
  type AddressState,
  type Assessment,
  assess,
  DEFAULT_POLICY,
  type Suppression,
} from "../../functions/core/policy.ts";
import { answerFor, type PresendAnswer } from "../../functions/core/presend.ts";
import { NEVER_RELEASED, type StoredWindow } from "../../functions/core/retry-window.ts";
import { addressArguments } from "../address-arguments.ts";
import { painterFor, STATUS_STYLE } from "../colour.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  type Io,
  openStore,
  TABLE_OPTIONS,
} from "../context.ts";
import { formatTable } from "../table.ts";

const HISTORY_SHOWN = 20;
const DIAGNOSTIC_SHOWN = 80;

const SUPPRESSED_BY_TEXT = {
  hard: "a hard bounce",
  complaint: "a complaint",
  ses: "SES (the address was on an SES suppression list)",
  "soft-threshold": "consecutive soft bounces reaching the threshold",
  manual: "an operator",
} as const satisfies Record<Suppression["by"], string>;

function suppressionLines(suppression: Suppression): string[] {
  const lines = [`  by          ${SUPPRESSED_BY_TEXT[suppression.by]}`];
  if (suppression.actor !== undefined) lines.push(`  actor       ${suppression.actor}`);
  if (suppression.note !== undefined) lines.push(`  note        ${suppression.note}`);
  const evidence = [suppression.status, suppression.diagnostic].filter(Boolean).join("  ");
  if (evidence !== "") lines.push(`  evidence    ${evidence}`);
  if (suppression.streakReasons !== undefined) {
    lines.push(`  streak      ${suppression.streakReasons.join(", ")}`);
  }
  if (suppression.feedbackId !== undefined) lines.push(`  feedback id ${suppression.feedbackId}`);
  if (suppression.messageId !== undefined) lines.push(`  message id  ${suppression.messageId}`);
  return lines;
}

function describe(
  answer: PresendAnswer,
  state: AddressState | undefined,
  assessment: Assessment,
  paint: ReturnType<typeof painterFor>,
): string {
  const lines = [
    `${paint(answer.address, "bold")}: ${paint(answer.verdict, STATUS_STYLE[assessment.status])} (${answer.explanation})`,
  ];
  if (assessment.reason !== undefined) lines.push(`  reason      ${assessment.reason}`);
  if (assessment.since !== undefined) lines.push(`  since       ${assessment.since}`);
  if (assessment.retryAt !== undefined) lines.push(`  retry at    ${assessment.retryAt}`);
  if (assessment.suppression !== undefined) lines.push(...suppressionLines(assessment.suppression));
  if (state === undefined) {
    lines.push("  no feedback or operator action recorded for this address");
    return lines.join("\n");
  }
  const counts = Object.entries(state.counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");
  lines.push(`  counts      ${counts}; live soft streak ${assessment.streak.count}`);
  if (state.reactivatedAt !== undefined) {
    lines.push(`  reactivated ${state.reactivatedAt} (events before this no longer count)`);
  }
  if (state.window !== undefined) lines.push(...windowLines(state.window));
  if (state.windowFailure !== undefined) lines.push(`  last window failed: ${state.windowFailure}`);
  const history = [...state.history].sort((a, b) => b.at.localeCompare(a.at)).slice(0, HISTORY_SHOWN);
  lines.push("", `  history (latest first, ${history.length} of ${state.history.length} kept):`);
  if (history.length > 0) {
    const rows = history.map((entry) => [
      entry.at,
      entry.event,
      entry.class,
      entry.reason,
      entry.status ?? "",
      [
        state.reactivatedAt !== undefined && entry.at <= state.reactivatedAt ? "before reactivation" : "",
        entry.note === undefined ? "" : `${entry.note}: dated when received`,
      ]
        .filter(Boolean)
        .join("; "),
      (entry.diagnostic ?? "").slice(0, DIAGNOSTIC_SHOWN),
    ]);
    lines.push(indent(formatTable(["at", "event", "class", "reason", "status", "note", "diagnostic"], rows)));
  }
  const audit = state.audit ?? [];
  lines.push("", `  operator actions (oldest first, ${audit.length}):`);
  if (audit.length > 0) {
    const rows = audit.map((entry) => [
      entry.at,
      entry.action,
      entry.actor,
      entry.reason,
      entry.previous !== undefined
        ? `was ${entry.previous.by}/${entry.previous.reason} since ${entry.previous.since}`
        : "",
    ]);
    lines.push(indent(formatTable(["at", "action", "actor", "reason", "previous"], rows)));
  }
  return lines.join("\n");
}

/** The open retry window: when it opened and ends, the next due time and whether it was released. */
function windowLines(window: StoredWindow): string[] {
  const released =
    window.releasedAt === NEVER_RELEASED ? "nothing released yet" : `last released ${window.releasedAt}`;
  return [
    `  window      open ${window.start} until ${window.end}; next retry due ${window.due} (${window.reason}); ${released}`,
  ];
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

async function why(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const { addresses, exitCode } = addressArguments(args, "why", io);
  const json = booleanOption(options, "json");
  const paint = painterFor(io);
  const { store, close } = await openStore(options, io.aws);
  try {
    for (const address of addresses) {
      const state = await store.get(address);
      const assessment = assess(state, DEFAULT_POLICY, io.now());
      // The pre-send check's own answer, so "why" and "check" can never disagree.
      const answer = answerFor(address, { normalized: address }, assessment);
      if (json) {
        io.stdout(
          `${JSON.stringify({
            address,
            verdict: answer.verdict,
            explanation: answer.explanation,
            ...assessment,
            counts: state?.counts,
            reactivatedAt: state?.reactivatedAt,
            window: state?.window,
            windowFailure: state?.windowFailure,
            history: state?.history ?? [],
            audit: state?.audit ?? [],
          })}\n`,
        );
      } else {
        io.stdout(`${describe(answer, state, assessment, paint)}\n`);
      }
    }
  } finally {
    await close();
  }
  return exitCode;
}

export const whyCommand: Command = {
  name: "why",
  usage: [
    "why ADDRESS...",
    "why an address gets its verdict: reason, since, who or what suppressed it, evidence,",
    "the recent history with diagnostics and the operator actions (audit) on it",
  ],
  options: {
    ...TABLE_OPTIONS,
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON)" },
  },
  run: (args, options, io) => why(args, options, io),
};
