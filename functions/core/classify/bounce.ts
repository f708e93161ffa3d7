// Reading one bounced recipient: the decisive SES subtypes, then the receiver's evidence, then
// SES's label; and the class the reason comes to.
import type { EnhancedStatus } from "../status-code.ts";
import { classDigitOf } from "../status-code.ts";
import type { Reason } from "../types.ts";
import type { BounceClass, BounceEvidence, BounceReading } from "./evidence.ts";
import { type ClassNote, explain, type LabelEvidence } from "./explanation.ts";
import {
  type Clues,
  codeSource,
  type Finding,
  findInClues,
  pickStatus,
  readClues,
  receiverCode,
  restsOnCodeAlone,
  withSenderPhase,
} from "./finding.ts";
import { CLASS_OF_REASON, classOfReason } from "./reason-class.ts";
import { type LabelMeaning, labelClass, labelMeaningOf, sesLabel } from "./ses-labels.ts";

/** classifyBounce without the reading memo: the reference the memo is tested against. */
export function classifyBounceUncached(evidence: BounceEvidence): BounceReading {
  const labelText = sesLabel(evidence.bounceType, evidence.bounceSubType);
  const labelKey = `${evidence.bounceType ?? ""}/${evidence.bounceSubType ?? ""}`;
  const labelMeaning = labelMeaningOf(labelKey);
  const label = { text: labelText, class: labelClass(evidence.bounceType) };

  if (labelMeaning?.decisive === true) {
    const suppressed: { -readonly [K in keyof BounceReading]: BounceReading[K] } = readingOf(
      "hard",
      labelMeaning.reason,
      pickStatus(evidence.status, evidence.diagnosticCode),
      `SES did not send: its ${labelText} subtype means the address is on an SES suppression list.`,
    );
    suppressed.suppressedBySes = true;
    return suppressed;
  }

  const clues = readClues(evidence.status, evidence.diagnosticCode);
  const found = findInClues(clues, labelMeaning) ?? findInLabel(evidence, clues, labelText, labelMeaning);
  const conclusion = conclude(withSenderPhase(found, clues), clues, label);
  return readingOf(conclusion.class, conclusion.reason, conclusion.status, conclusion.explanation);
}

function findInLabel(
  evidence: BounceEvidence,
  clues: Clues,
  labelText: string,
  labelMeaning: LabelMeaning | undefined,
): Finding {
  if (labelMeaning !== undefined) {
    return { reason: labelMeaning.reason, source: { kind: "ses-subtype", label: labelText } };
  }
  const action = evidence.action?.toLowerCase();
  if (action !== undefined && /^(?:delayed|expired)/.test(action)) {
    return { reason: "expired", source: { kind: "action", action } };
  }
  if (receiverCode(clues) !== undefined) {
    // A failure code that matched nothing more telling. With a diagnostic nobody could read the
    // reason is on hold; with none it is undefined.
    return { reason: clues.text === "" ? "undefined" : "onhold", source: codeSource(clues) };
  }
  const labelled = labelClass(evidence.bounceType) !== undefined;
  if (clues.text !== "") {
    return {
      reason: "undefined",
      source: labelled ? { kind: "unread", label: labelText } : { kind: "unread" },
    };
  }
  if (labelled) return { reason: "undefined", source: { kind: "label", label: labelText } };
  return { reason: "undefined", source: { kind: "nothing" } };
}

/** The class a finding comes to, and the sentence saying why. */
interface Conclusion {
  readonly class: BounceClass | "autoreply";
  readonly reason: Reason;
  readonly status: EnhancedStatus | undefined;
  readonly explanation: string;
}

function conclude(found: Finding, clues: Clues, label: LabelEvidence | undefined): Conclusion {
  const code = receiverCode(clues);
  let finding = found;
  let verdictClass: BounceClass | "autoreply";
  let note: ClassNote;
  if (finding.reason === "vacation") {
    verdictClass = "autoreply";
  } else if (
    classDigitOf(code) === 4 &&
    finding.phase === undefined &&
    restsOnCodeAlone(finding) &&
    CLASS_OF_REASON[finding.reason] !== "block"
  ) {
    // A bounce is final: a temporary code with nothing more telling (a security or policy code
    // still tells of a refusal) means SES's retries ran out.
    finding = { reason: "expired", source: finding.source };
    verdictClass = "soft";
    note = "retries-ended";
  } else if ((finding.reason === "undefined" || finding.reason === "onhold") && code === undefined) {
    // Nothing but SES's label: Permanent is a permanent failure nobody explained.
    verdictClass = label?.class === "hard" ? "unconfirmed" : "soft";
  } else {
    const said = finding.source.kind === "text" && finding.source.weak !== true;
    verdictClass = classOfReason(finding.reason, code, said);
    if (verdictClass === "soft" && CLASS_OF_REASON[finding.reason] === "hard") note = "demoted";
  }
  if (verdictClass === "unconfirmed") note = "unconfirmed";
  return {
    class: verdictClass,
    reason: finding.reason,
    status: clues.status,
    explanation: explain(finding, verdictClass, clues, label, note),
  };
}

/**
 * A reading with `status` only when there is one, its keys always in this order. Two literals, not
 * a spread of an optional part: V8 spreads small objects into a literal an order of magnitude slower.
 */
export function readingOf(
  readingClass: BounceReading["class"],
  reason: Reason,
  status: EnhancedStatus | undefined,
  explanation: string,
): BounceReading {
  return status === undefined
    ? { class: readingClass, reason, explanation }
    : { class: readingClass, reason, status: status.code, explanation };
}
