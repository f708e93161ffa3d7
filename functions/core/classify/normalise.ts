// The diagnostic as the rules read it: its first KB, lower case, accents folded, addresses,
// URL paths and codes removed, whitespace collapsed.
//
// Everything here runs in time linear in what is read: every pattern either starts with a literal
// or bounds its repetition, so no position is scanned more than a fixed number of times.

/**
 * What the rules read of a diagnostic, in UTF-16 units. Receivers put their reply first, and a
 * reply is a few lines of at most 512 characters each (RFC 5321); what follows in a longer
 * diagnostic is quoted mail, headers or transcripts, which never decide and would only cost time.
 * The longest diagnostic of the development corpus has 783 characters. Reading time grows with
 * what is read, so a 2 MB diagnostic costs what a 1 KB one does.
 */
export const READ_LIMIT = 1024;

/** The part of a diagnostic the rules read: its first READ_LIMIT units, never half a surrogate pair. */
export function readablePart(text: string): string {
  if (text.length <= READ_LIMIT) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(READ_LIMIT - 1)) ? READ_LIMIT - 1 : READ_LIMIT;
  return text.slice(0, end);
}

/**
 * An address: a local part of at most 64 characters and a domain of at most 255 (RFC 5321's
 * limits), so a failed attempt looks at most 64 characters ahead, whatever the text.
 */
const ADDRESS = /<?[^\s<>()[\]"',;:@]{1,64}@[^\s<>()[\]"',;@]{1,255}>?/g;
/** A URL keeps its host (a blocklist's or a help centre's name says something) and loses the rest. */
const URL = /\b(?:https?:\/\/|www\.)([^\s/?#<>"'\\]{0,255})\S*/g;
const CODES = /(?<![\w.])(?:[245]\.\d{1,3}\.\d{1,3}(?!\.?\d)|[245][0-5]\d(?=[\s-]|$))-?/g;
// Justifications that name spam without saying the message was spam (Gmail's boilerplate).
const BOILERPLATE = /to (?:best )?protect our users from spam|to reduce the amount of spam sent to gmail/g;
/** Latin, Greek and Cyrillic accents; other scripts' marks (Japanese voicing marks) are kept. */
const ACCENTS = /[\u0300-\u036f]/g;
const SPACES = /\s+/g;

/** Anything beyond ASCII. */
const NON_ASCII = /[^\p{ASCII}]/u;

/**
 * Lower case, accents folded (and full-width forms made ASCII), URLs cut to their host, addresses
 * and codes removed, whitespace collapsed; only the first READ_LIMIT units are read.
 */
export function normaliseDiagnostic(diagnostic: string): string {
  const text = readablePart(diagnostic);
  // Accents only exist outside ASCII; most diagnostics are ASCII and skip the Unicode pass.
  const folded = NON_ASCII.test(text) ? text.normalize("NFKD").replace(ACCENTS, "").normalize("NFC") : text;
  return folded
    .toLowerCase()
    .replace(URL, " $1 ")
    .replace(ADDRESS, " <addr> ")
    .replace(CODES, " ")
    .replace(BOILERPLATE, " ")
    .replace(SPACES, " ")
    .trim();
}
