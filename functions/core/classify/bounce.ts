// Reading one bounced recipient: the decisive SES subtypes, then the receiver's evidence, then
// SES's label; and the class the reason comes to.
import type { EnhancedStatus } from "../status-code.ts";
import type { Reason } from "../types.ts";
import type { BounceClass, BounceEvidence, BounceReading } from "./evidence.ts";
import { explain, type LabelEvidence } from "./explanation.ts";
import {
  type Clues,
  codeSource,
  type Finding,
  findInClues,
  pickStatus,
  readClues,
  receiverCode,
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
  const finding = findInClues(clues, labelMeaning) ?? findInLabel(evidence, clues, labelText, labelMeaning);
  const conclusion = conclude(networkFailureThatEnded(finding, clues), clues, label);
  return readingOf(conclusion.class, conclusion.reason, conclusion.status, conclusion.explanation);
}

/**
 * A bounce is final: a network failure that SES (or the reporting MTA) reports with a 4.x.x code
 * means the retry period ran out, which is what `expired` names.
 */
function networkFailureThatEnded(finding: Finding, clues: Clues): Finding {
  if (finding.reason === "networkerror" && clues.status?.statusClass === 4) {
    return { reason: "expired", source: finding.source };
  }
  return finding;
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
  if (labelClass(evidence.bounceType) !== undefined) {
    return { reason: "undefined", source: { kind: "label", label: labelText } };
  }
  return { reason: "undefined", source: { kind: "nothing" } };
}

/** The class a finding comes to, and the sentence saying why. */
interface Conclusion {
  readonly class: BounceClass | "autoreply";
  readonly reason: Reason;
  readonly status: EnhancedStatus | undefined;
  readonly explanation: string;
}

function conclude(finding: Finding, clues: Clues, label: LabelEvidence | undefined): Conclusion {
  const digit = receiverCode(clues);
  let verdictClass: BounceClass | "autoreply";
  let demoted = false;
  if (finding.reason === "vacation") {
    verdictClass = "autoreply";
  } else if (finding.reason === "undefined" || finding.reason === "onhold") {
    // Nothing says what happened: the receiver's own code class decides (5 permanent, 4 retry),
    // and only without any code is SES's Permanent or Transient all there is.
    verdictClass = digit === undefined ? (label?.class ?? "soft") : classOfReason(finding.reason, digit);
  } else {
    verdictClass = classOfReason(finding.reason, digit);
    demoted = verdictClass === "soft" && CLASS_OF_REASON[finding.reason] === "hard";
  }
  return {
    class: verdictClass,
    reason: finding.reason,
    status: clues.status,
    explanation: explain(finding, verdictClass, clues, label, demoted),
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
