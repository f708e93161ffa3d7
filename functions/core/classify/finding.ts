// The finding: which reason the evidence names and what named it (a phrase, a status or reply
// code, SES's label), weighed most specific first.
import {
  classDigitOf,
  type EnhancedStatus,
  extractReplyCode,
  extractStatus,
  parseStatus,
} from "../status-code.ts";
import type { Reason } from "../types.ts";
import { normaliseDiagnostic, readablePart } from "./normalise.ts";
import { type NamedPhase, senderPhaseOf, senderReasonIn } from "./phase.ts";
import { phraseIn } from "./phrase-match.ts";
import type { LabelMeaning } from "./ses-labels.ts";
import { genericReasonOfStatus, REPLY_REASON, specificReasonOfStatus } from "./status-reasons.ts";

/** What named the reason: explanations cite it. */
export type Source =
  | { readonly kind: "ses-subtype"; readonly label: string }
  | { readonly kind: "text"; readonly phrase: string; readonly weak?: true }
  | { readonly kind: "status"; readonly status: EnhancedStatus }
  | { readonly kind: "reply"; readonly code: string }
  | { readonly kind: "action"; readonly action: string }
  | { readonly kind: "label"; readonly label: string }
  /** A diagnostic in which no phrase or code names anything, and SES's label when it has one. */
  | { readonly kind: "unread"; readonly label?: string }
  | { readonly kind: "nothing" };

/** A reason and the evidence that named it. */
export interface Finding {
  readonly reason: Reason;
  readonly source: Source;
  /** The sender phase that turned a recipient reason into a refusal of the sender. */
  readonly phase?: NamedPhase;
}

/** The receiver's evidence, read once. */
export interface Clues {
  readonly text: string;
  readonly status: EnhancedStatus | undefined;
  readonly replyCode: string | undefined;
  /** The greeting, HELO or MAIL FROM, when the diagnostic says the refusal came there. */
  readonly phase: NamedPhase | undefined;
}

/**
 * The status code the reading rests on: SES's `status` when it is a valid code that says more than
 * X.0.0, otherwise the one in the diagnostic if that is more specific.
 */
export function pickStatus(
  given: string | undefined,
  diagnostic: string | undefined,
): EnhancedStatus | undefined {
  const field = given === undefined ? undefined : readablePart(given);
  const fromField = parseStatus(field) ?? parseStatus(extractStatus(field));
  const fromText = parseStatus(
    extractStatus(diagnostic === undefined ? undefined : readablePart(diagnostic)),
  );
  if (fromField === undefined) return fromText;
  if (fromText === undefined) return fromField;
  const fieldIsGeneric = fromField.subject === 0 && fromField.detail === 0;
  return fieldIsGeneric ? fromText : fromField;
}

/** Reads the evidence; of the diagnostic, only what the rules read (normalise.ts). */
export function readClues(statusField: string | undefined, diagnostic: string | undefined): Clues {
  const read = diagnostic === undefined ? undefined : readablePart(diagnostic);
  const text = read === undefined ? "" : normaliseDiagnostic(read);
  return {
    text,
    status: pickStatus(statusField, read),
    replyCode: extractReplyCode(read),
    phase: senderPhaseOf(text),
  };
}

/** Strong text, then a specific status, then weak text, then a generic status, then the reply code. */
export function findInClues(clues: Clues, labelMeaning?: LabelMeaning): Finding | undefined {
  const strong = phraseIn(clues.text, "strong");
  if (strong !== undefined) {
    // RFC 3463 gives message size two codes; 5.2.3 is the administrative (per-mailbox) limit.
    const sizeLimit =
      strong.reason === "mesgtoobig" && clues.status?.subject === 2 && clues.status.detail === 3;
    return {
      reason: sizeLimit ? "exceedlimit" : strong.reason,
      source: { kind: "text", phrase: strong.phrase },
    };
  }
  // SES's NoEmail (and the like) outranks everything but a clear phrase.
  if (labelMeaning !== undefined && !labelMeaning.decisive && labelMeaning.reason === "userunknown") {
    return undefined;
  }
  const status = clues.status;
  const specific = status === undefined ? undefined : specificReasonOfStatus(status);
  if (status !== undefined && specific !== undefined)
    return { reason: specific, source: { kind: "status", status } };
  const weak = phraseIn(
    clues.text,
    status?.subject === 7
      ? "weakUnderPolicy"
      : classDigitOf(receiverCode(clues)) === 4
        ? "weakUnderTemporary"
        : "weak",
  );
  if (weak !== undefined) {
    return { reason: weak.reason, source: { kind: "text", phrase: weak.phrase, weak: true } };
  }
  if (status !== undefined && status.statusClass !== 2) {
    const generic = genericReasonOfStatus(status);
    if (generic !== "onhold") return { reason: generic, source: { kind: "status", status } };
  }
  const replyReason = clues.replyCode === undefined ? undefined : REPLY_REASON[clues.replyCode];
  if (clues.replyCode !== undefined && replyReason !== undefined) {
    return { reason: replyReason, source: { kind: "reply", code: clues.replyCode } };
  }
  return undefined;
}

/** The failure code the receiver gave: the status code, or else the reply code. */
export function receiverCode(clues: Clues): string | undefined {
  if (clues.status !== undefined && clues.status.statusClass !== 2) return clues.status.code;
  if (clues.replyCode !== undefined && !clues.replyCode.startsWith("2")) return clues.replyCode;
  return undefined;
}

/** The code a finding rests on, as a source: the status code, or else the reply code. */
export function codeSource(clues: Clues): Source {
  return clues.status !== undefined
    ? { kind: "status", status: clues.status }
    : { kind: "reply", code: clues.replyCode ?? "" };
}

/**
 * Before RCPT TO the receiver has not been told who the recipient is: a recipient reason (or none)
 * in a refusal at the greeting, HELO or MAIL FROM is a refusal of the sender (phase.ts).
 */
export function withSenderPhase(finding: Finding, clues: Clues): Finding {
  if (clues.phase === undefined) return finding;
  const reason = senderReasonIn(clues.phase.phase, finding.reason, saysLittle(finding));
  return reason === undefined ? finding : { reason, source: finding.source, phase: clues.phase };
}

/**
 * Whether a finding rests on nothing more than a code: a basic reply code, a status read by its
 * subject alone, or no reason at all.
 */
export function restsOnCodeAlone(finding: Finding): boolean {
  const { source } = finding;
  switch (source.kind) {
    case "text":
    case "ses-subtype":
      return false;
    case "status":
      return specificReasonOfStatus(source.status) === undefined;
    case "reply":
      return true;
    default:
      return finding.reason === "undefined" || finding.reason === "onhold";
  }
}

/** A finding that names no reason of its own: a code alone, or a vague phrase. */
function saysLittle(finding: Finding): boolean {
  return restsOnCodeAlone(finding) || (finding.source.kind === "text" && finding.source.weak === true);
}
