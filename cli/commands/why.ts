// bounce-guard why: why an address is (or is not) suppressed: the verdict, who or what decided
// it and when, the evidence, the recent history and the operator actions on it.
import { type AddressState, type Assessment, assess, type Suppression } from "../../functions/core/policy.ts";
import { answerFor, type PresendAnswer } from "../../functions/core/presend.ts";
import { NEVER_RELEASED, type StoredWindow } from "../../functions/core/retry-window.ts";
import { addressArguments } from "../address-arguments.ts";
import { painterFor, STATUS_STYLE } from "../colour.ts";
import { booleanOption, type CommandOptions, type CommandRun, type Io, openStore } from "../context.ts";
import { printable, printableJson } from "../printable.ts";
import { formatTable } from "../table.ts";

const HISTORY_SHOWN = 20;
const DIAGNOSTIC_SHOWN = 80;

const SUPPRESSED_BY_TEXT = {
  hard: "a hard bounce",
  complaint: "a complaint",
  ses: "SES (the address was on an SES suppression list)",
  "soft-threshold": "consecutive soft bounces reaching the threshold",
  confirmed: "a second permanent failure without a stated reason, confirming the first",
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
  if (suppression.confirms !== undefined) {
    lines.push(`  confirms    the permanent failure of ${suppression.confirms}`);
  }
  if (suppression.feedbackId !== undefined) lines.push(`  feedback id ${suppression.feedbackId}`);
  if (suppression.messageId !== undefined) lines.push(`  message id  ${suppression.messageId}`);
  // Notes, diagnostics and actors are stored text from outside: shown escaped.
  return lines.map(printable);
}

function describe(
  answer: PresendAnswer,
  state: AddressState | undefined,
  assessment: Assessment,
  paint: ReturnType<typeof painterFor>,
): string {
  const lines = [
    `${paint(printable(answer.address), "bold")}: ${paint(answer.verdict, STATUS_STYLE[assessment.status])} (${printable(answer.explanation)})`,
  ];
  if (assessment.reason !== undefined) lines.push(`  reason      ${assessment.reason}`);
  if (assessment.since !== undefined) lines.push(`  since       ${assessment.since}`);
  if (assessment.retryAt !== undefined) lines.push(`  retry at    ${assessment.retryAt}`);
  if (assessment.suppression !== undefined) lines.push(...suppressionLines(assessment.suppression));
  if (assessment.awaitingConfirmation !== undefined) {
    const { at, until } = assessment.awaitingConfirmation;
    lines.push(
      `  unconfirmed a permanent failure without a stated reason at ${at}: not suppressed on SES's word alone;`,
      `              a second one by ${until} suppresses the address, a delivery clears it`,
    );
  }
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
  if (state.windowFailure !== undefined)
    lines.push(`  last window failed: ${printable(state.windowFailure)}`);
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
  if (addresses.length === 0) return exitCode;
  const json = booleanOption(options, "json");
  const paint = painterFor(io);
  const { store, policy, close } = await openStore(options, io);
  try {
    for (const address of addresses) {
      const state = await store.get(address);
      const assessment = assess(state, policy, io.now());
      // The pre-send check's own answer, so "why" and "check" can never disagree.
      const answer = answerFor(address, { normalized: address }, assessment);
      if (json) {
        io.stdout(
          `${printableJson({
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

export const run: CommandRun = (args, options, io) => why(args, options, io);
