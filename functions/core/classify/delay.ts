// Reading one delayed recipient of an SES DeliveryDelay event: SES is still retrying, so nothing
// here is final.
import { readingOf } from "./bounce.ts";
import type { BounceClass, DelayEvidence, DelayReading } from "./evidence.ts";
import { describeSource, sentence } from "./explanation.ts";
import {
  codeSource,
  type Finding,
  findInClues,
  readClues,
  receiverCode,
  withSenderPhase,
} from "./finding.ts";
import { classOfReason } from "./reason-class.ts";
import { delayTypeReasonOf } from "./ses-labels.ts";

/**
 * classifyDelay without the reading memo: the reference the memo is tested against. A reason that
 * would kill the address is read as soft; sender blocks stay blocks.
 */
export function classifyDelayUncached(evidence: DelayEvidence): DelayReading {
  const clues = readClues(evidence.status, evidence.diagnosticCode);
  const delayType = evidence.delayType ?? "";
  const typeReason = delayTypeReasonOf(delayType);
  const typeLabel = `SES delay type ${delayType === "" ? "(none)" : delayType}`;
  const found: Finding =
    findInClues(clues) ??
    (typeReason !== undefined && typeReason !== "undefined"
      ? { reason: typeReason, source: { kind: "label", label: typeLabel } }
      : receiverCode(clues) !== undefined
        ? { reason: "onhold", source: codeSource(clues) }
        : { reason: "undefined", source: { kind: "label", label: typeLabel } });
  const finding = withSenderPhase(found, clues);
  const reasonClass = classOfReason(finding.reason, receiverCode(clues));
  const final = reasonClass === "hard" || reasonClass === "unconfirmed";
  const delayClass: BounceClass | "autoreply" =
    finding.reason === "vacation" ? "autoreply" : final ? "soft" : reasonClass;
  const source = describeSource(finding.source).replace(/^SES's (.*) label$/, "$1");
  const still = final ? ", still soft because SES is retrying" : "";
  // No full stop: callers append what the delay means for the final outcome.
  return readingOf(
    delayClass,
    finding.reason,
    clues.status,
    sentence(`${source} means ${finding.reason} (${delayClass})${still}`),
  );
}
