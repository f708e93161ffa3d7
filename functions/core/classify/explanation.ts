// The one sentence each reading carries: the evidence that decided (the exact phrase or code), what
// it overrode, and what the class means when that is not obvious.
import { describeStatus } from "../status-code.ts";
import type { Reason } from "../types.ts";
import type { BounceClass } from "./evidence.ts";
import type { Clues, Finding, Source } from "./finding.ts";
import type { NamedPhase } from "./phase.ts";
import { genericReasonOfStatus, specificReasonOfStatus } from "./status-reasons.ts";

export function describeSource(source: Source): string {
  switch (source.kind) {
    case "ses-subtype":
      return `SES's ${source.label} subtype`;
    case "text":
      return `the diagnostic text "${source.phrase}"`;
    case "status":
      return `status ${source.status.code} (${describeStatus(source.status)})`;
    case "reply":
      return `reply code ${source.code}`;
    case "action":
      return `the DSN action "${source.action}"`;
    case "label":
      return `SES's ${source.label} label`;
    case "unread":
      return source.label === undefined
        ? "a diagnostic in which no phrase or code names a reason"
        : `SES's ${source.label} label, with a diagnostic in which no phrase or code names a reason,`;
    case "nothing":
      return "the absence of any status, diagnostic or telling SES label";
  }
}

const PHASE_NAMES = { connection: "the greeting or HELO", "mail-from": "MAIL FROM" } as const;

function describePhase(phase: NamedPhase): string {
  return `, in a refusal at ${PHASE_NAMES[phase.phase]} ("${phase.phrase}", before any recipient was named),`;
}

/** SES's label as an explanation names it, and the class it stands for. */
export interface LabelEvidence {
  readonly text: string;
  readonly class: BounceClass | undefined;
}

/** What a class came to beyond its reason, said after it. */
export type ClassNote = "demoted" | "unconfirmed" | "retries-ended" | undefined;

const NOTES = {
  demoted: ", a retry because the receiver answered with a 4xx temporary code",
  unconfirmed:
    ": a permanent failure with no reason given, so the address is deferred and suppressed only if a second permanent failure confirms it",
  "retries-ended": ": a temporary failure on a final bounce, so SES's retries ran out",
} as const satisfies Record<Exclude<ClassNote, undefined>, string>;

/** A sentence starting with a capital letter. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether SES's label and the verdict's class disagree (a hard label agrees with unconfirmed). */
function disagrees(labelClass: BounceClass, verdictClass: BounceClass | "autoreply"): boolean {
  return labelClass !== verdictClass && !(labelClass === "hard" && verdictClass === "unconfirmed");
}

export function explain(
  finding: Finding,
  verdictClass: BounceClass | "autoreply",
  clues: Clues,
  label: LabelEvidence | undefined,
  note: ClassNote,
): string {
  const overrides: string[] = [];
  const { source } = finding;
  if (source.kind === "text" && clues.status !== undefined) {
    const statusReason: Reason = specificReasonOfStatus(clues.status) ?? genericReasonOfStatus(clues.status);
    if (statusReason !== finding.reason && statusReason !== "onhold") {
      overrides.push(`status ${clues.status.code} (${describeStatus(clues.status)})`);
    }
  }
  const fromLabel = source.kind === "label" || (source.kind === "unread" && source.label !== undefined);
  if (label?.class !== undefined && !fromLabel && disagrees(label.class, verdictClass)) {
    overrides.push(`SES's ${label.text} label`);
  }
  const phase = finding.phase === undefined ? "" : describePhase(finding.phase);
  const head = `${describeSource(source)}${phase} means ${finding.reason} (${verdictClass})`;
  const overriding = overrides.length > 0 ? `, overriding ${overrides.join(" and ")}` : "";
  return sentence(`${head}${overriding}${note === undefined ? "" : NOTES[note]}.`);
}
