// The one sentence each reading carries: the evidence that decided, and what it overrode.
import { describeStatus } from "../status-code.ts";
import type { Reason } from "../types.ts";
import type { BounceClass } from "./evidence.ts";
import type { Clues, Finding, Source } from "./finding.ts";
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
    case "nothing":
      return "the absence of any status, diagnostic or telling SES label";
  }
}

/** SES's label as an explanation names it, and the class it stands for. */
export interface LabelEvidence {
  readonly text: string;
  readonly class: BounceClass | undefined;
}

/** A sentence starting with a capital letter. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function explain(
  finding: Finding,
  verdictClass: BounceClass | "autoreply",
  clues: Clues,
  label: LabelEvidence | undefined,
  demoted: boolean,
): string {
  const overrides: string[] = [];
  const { source } = finding;
  if (source.kind === "text" && clues.status !== undefined) {
    const statusReason: Reason = specificReasonOfStatus(clues.status) ?? genericReasonOfStatus(clues.status);
    if (statusReason !== finding.reason && statusReason !== "onhold") {
      overrides.push(`status ${clues.status.code} (${describeStatus(clues.status)})`);
    }
  }
  if (label?.class !== undefined && source.kind !== "label" && label.class !== verdictClass) {
    overrides.push(`SES's ${label.text} label`);
  }
  const head = `${describeSource(source)} means ${finding.reason} (${verdictClass})`;
  const overriding = overrides.length > 0 ? `, overriding ${overrides.join(" and ")}` : "";
  const retry = demoted ? ", a retry because the receiver answered with a 4xx temporary code" : "";
  return sentence(`${head}${overriding}${retry}.`);
}
