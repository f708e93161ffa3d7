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

/**
 * Split a text into input items. A text that is one JSON document gives that document (an array
 * gives its elements, an SQS event its records); otherwise every non-empty line must be one JSON
 * document (NDJSON), and a line that is not is reported with its number, never skipped silently.
 */
export function splitInput(text: string, name: string): ReadInput {
  const trimmed = text.trim();
  if (trimmed === "") {
    return { items: [], problems: [{ origin: name, message: "input is empty" }] };
  }
  try {
    const whole: unknown = JSON.parse(trimmed);
    return { items: expand(whole, name), problems: [] };
  } catch {
    // not one document: read it line by line
  }
  const items: InputItem[] = [];
  const problems: InputProblem[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    const origin = `${name}:${index + 1}`;
    try {
      items.push(...expand(JSON.parse(line), origin));
    } catch (error) {
      problems.push({ origin, message: `not valid JSON (${(error as Error).message})` });
    }
  });
  return { items, problems };
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
