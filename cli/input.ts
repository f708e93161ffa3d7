// Reading notifications from files or stdin: one JSON document, an array, or NDJSON.

export interface InputItem {
  /** Where the item came from, for error messages: "file:line" or "file[index]". */
  readonly origin: string;
  readonly value: unknown;
}

export interface InputProblem {
  readonly origin: string;
  readonly message: string;
}

export interface ReadInput {
  readonly items: InputItem[];
  readonly problems: InputProblem[];
}

/** One thing read from an input: an item, or a problem naming where the input was bad. */
export type InputEntry =
  | { readonly item: InputItem; readonly problem?: undefined }
  | { readonly problem: InputProblem; readonly item?: undefined };

/**
 * Split a text into input items. A text that is one JSON document gives that document (an array
 * gives its elements, an SQS event its records); otherwise every non-empty line must be one JSON
 * document (NDJSON), and a line that is not is reported with its number, never skipped silently.
 */
export function splitInput(text: string, name: string): ReadInput {
  const items: InputItem[] = [];
  const problems: InputProblem[] = [];
  for (const entry of inputEntries(text, name)) {
    if (entry.item !== undefined) items.push(entry.item);
    else problems.push(entry.problem);
  }
  return { items, problems };
}

/** The items and problems of `splitInput`, one at a time, so a long input is never held parsed whole. */
export function* inputEntries(text: string, name: string): Generator<InputEntry> {
  const trimmed = text.trim();
  if (trimmed === "") {
    yield { problem: { origin: name, message: "input is empty" } };
    return;
  }
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    // not one document: read it line by line
  }
  if (whole !== undefined) {
    for (const item of expand(whole, name)) yield { item };
    return;
  }
  let lineNumber = 0;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    lineNumber += 1;
    if (line.trim() === "") continue;
    const origin = `${name}:${lineNumber}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      yield { problem: { origin, message: `not valid JSON (${(error as Error).message})` } };
      continue;
    }
    for (const item of expand(value, origin)) yield { item };
  }
}

function expand(value: unknown, origin: string): InputItem[] {
  if (Array.isArray(value)) {
    return value.map((element, index) => ({ origin: `${origin}[${index}]`, value: element }));
  }
  if (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { Records?: unknown }).Records)
  ) {
    const records = (value as { Records: unknown[] }).Records;
    return records.map((record, index) => ({ origin: `${origin} Records[${index}]`, value: record }));
  }
  return [{ origin, value }];
}
