// The diagnostic as the phrase tables read it: lower case, accents folded, addresses, URLs and
// codes removed, whitespace collapsed.

const ADDRESS = /<?[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;]+>?/g;
const URL = /\b(?:https?:\/\/|www\.)\S+/g;
const CODES = /(?<![\w.])(?:[245]\.\d{1,3}\.\d{1,3}(?!\.?\d)|[245][0-5]\d(?=[\s-]|$))-?/g;
// Justifications that name spam without saying the message was spam (Gmail's boilerplate).
const BOILERPLATE = /to (?:best )?protect our users from spam|to reduce the amount of spam sent to gmail/g;
const COMBINING_MARKS = /\p{Mn}/gu;

/** Anything beyond ASCII. */
const NON_ASCII = /[^\p{ASCII}]/u;

/** Lower case, accents folded, addresses and codes removed, whitespace collapsed. */
export function normaliseDiagnostic(text: string): string {
  // Accents only exist outside ASCII; most diagnostics are ASCII and skip the Unicode pass.
  const folded = NON_ASCII.test(text) ? text.normalize("NFKD").replace(COMBINING_MARKS, "") : text;
  return folded
    .toLowerCase()
    .replace(URL, " ")
    .replace(ADDRESS, " <addr> ")
    .replace(CODES, " ")
    .replace(BOILERPLATE, " ")
    .replace(/\s+/g, " ")
    .trim();
}
