// Which phrase of a table a normalised diagnostic holds, remembered per text.
import { BoundedMemo } from "../bounded-memo.ts";
import type { Reason } from "../types.ts";
import { normaliseDiagnostic } from "./normalise.ts";
import {
  STRONG_ORDER,
  STRONG_PHRASES,
  type TextReason,
  WEAK_ORDER,
  WEAK_ORDER_UNDER_POLICY_STATUS,
  WEAK_PHRASES,
} from "./phrases.ts";

export interface PhraseMatch {
  readonly reason: Reason;
  readonly phrase: string;
}

function firstMatch<R extends TextReason>(
  text: string,
  order: readonly R[],
  phrases: Readonly<Record<R, RegExp>>,
): PhraseMatch | undefined {
  if (text === "") return undefined;
  for (const reason of order) {
    const match = phrases[reason].exec(text);
    if (match !== null) return { reason, phrase: match[0].trim() };
  }
  return undefined;
}

/** The phrase tables a normalised text is looked up in; null records "looked, no match". */
interface TextMatches {
  strong?: PhraseMatch | null;
  weak?: PhraseMatch | null;
  weakUnderPolicy?: PhraseMatch | null;
}
export type PhraseTable = keyof TextMatches;

/**
 * The regex scan (up to ~30 alternations per text) is most of a classification, and normalisation
 * maps diagnostics that differ only in an address or a code (most of them: MTAs quote the recipient)
 * to one text, so the scan's result is kept per normalised text.
 */
export const PHRASE_MEMO_LIMIT = 1024;
export const TEXT_MATCHES = new BoundedMemo<TextMatches>(PHRASE_MEMO_LIMIT, 1000);

function scan(text: string, table: PhraseTable): PhraseMatch | undefined {
  switch (table) {
    case "strong":
      return firstMatch(text, STRONG_ORDER, STRONG_PHRASES);
    case "weak":
      return firstMatch(text, WEAK_ORDER, WEAK_PHRASES);
    case "weakUnderPolicy":
      return firstMatch(text, WEAK_ORDER_UNDER_POLICY_STATUS, WEAK_PHRASES);
  }
}

/** firstMatch over one table, remembered per normalised text. */
export function phraseIn(text: string, table: PhraseTable): PhraseMatch | undefined {
  if (text === "") return undefined;
  let matches = TEXT_MATCHES.get(text);
  if (matches === undefined) {
    matches = {};
    TEXT_MATCHES.set(text, matches);
  }
  let match = matches[table];
  if (match === undefined) {
    match = scan(text, table) ?? null;
    matches[table] = match;
  }
  return match ?? undefined;
}

/** The reason the diagnostic's specific phrases name, if any. */
export function reasonOfText(diagnostic: string | undefined): Reason | undefined {
  if (diagnostic === undefined) return undefined;
  const text = normaliseDiagnostic(diagnostic);
  return (phraseIn(text, "strong") ?? phraseIn(text, "weak"))?.reason;
}
