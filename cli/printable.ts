// Text from the table or from a notification, made safe to print: control characters (C0, DEL, C1)
// and bidirectional overrides become visible escapes, so a stored address or diagnostic cannot move
// the cursor, clear the screen, recolour the terminal or reorder what the operator reads.

const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

export function printable(text: string): string {
  return text.replace(UNSAFE, (character) => {
    const named = NAMED[character];
    if (named !== undefined) return named;
    const code = character.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** At most `width` characters, cut at a word boundary when there is one, with "…" when cut. */
export function shorten(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.slice(0, width - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > width / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, "")}…`;
}

/** What JSON.stringify leaves as it is but a terminal may act on: DEL, C1 controls, bidi overrides. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for a line of --json output: the same value, with the characters a terminal may act on
 * written as \u escapes (JSON.stringify already escapes C0 controls), so a script reads what the
 * table holds and a person who prints it sees nothing move.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    UNSAFE_IN_JSON,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
