// Which phrase of a table a normalised diagnostic holds, remembered per text.
import { BoundedMemo } from "../bounded-memo.ts";
import type { Reason } from "../types.ts";
import { normaliseDiagnostic } from "./normalise.ts";
import {
  type PhraseRule,
  STRONG_RULES,
  type TextReason,
  WEAK_RULES,
  WEAK_RULES_UNDER_POLICY_STATUS,
  WEAK_RULES_UNDER_TEMPORARY_CODE,
} from "./phrases.ts";

export interface PhraseMatch {
  readonly reason: TextReason;
  /** The words that matched, as the explanation cites them. */
  readonly phrase: string;
}

/** The first rule of the table whose phrases the text holds. */
function firstMatch(text: string, rules: readonly PhraseRule[]): PhraseMatch | undefined {
  if (text === "") return undefined;
  for (const { reason, phrases } of rules) {
    const match = phrases.exec(text);
    if (match !== null) return { reason, phrase: match[0].trim() };
  }
  return undefined;
}

const TABLES = {
  strong: STRONG_RULES,
  weak: WEAK_RULES,
  weakUnderPolicy: WEAK_RULES_UNDER_POLICY_STATUS,
  weakUnderTemporary: WEAK_RULES_UNDER_TEMPORARY_CODE,
} as const satisfies Record<string, readonly PhraseRule[]>;

export type PhraseTable = keyof typeof TABLES;

/** The tables a normalised text was looked up in; null records "looked, no match". */
type TextMatches = { [table in PhraseTable]?: PhraseMatch | null };

/**
 * The regex scan (some forty families per text) is most of a classification, and normalisation
 * maps diagnostics that differ only in an address or a code (most of them: MTAs quote the recipient)
 * to one text, so the scan's result is kept per normalised text.
 */
export const PHRASE_MEMO_LIMIT = 1024;
export const TEXT_MATCHES = new BoundedMemo<TextMatches>(PHRASE_MEMO_LIMIT, 1000);

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
    match = firstMatch(text, TABLES[table]) ?? null;
    matches[table] = match;
  }
  return match ?? undefined;
}

/** The reason the diagnostic's phrases name, strong ones first, if any. */
export function reasonOfText(diagnostic: string | undefined): Reason | undefined {
  if (diagnostic === undefined) return undefined;
  const text = normaliseDiagnostic(diagnostic);
  return (phraseIn(text, "strong") ?? phraseIn(text, "weak"))?.reason;
}
