// The local dead-letter queue kept between runs: the local SQS lives only as long as the demo, so
// the messages it dead-lettered are saved in the store's folder, where `dlq` shows them and
// `redrive` sends them through the classifier again.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const DEAD_LETTERS_FILE = "dead-letters.ndjson";

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  /** What the local run called the message, when it had a label. */
  readonly label?: string;
  /** Receives that failed, over every run and redrive. */
  readonly receives: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  /** The classifier's error at the last failure. */
  readonly error: string;
}

export interface DeadLetterFile {
  readonly letters: DeadLetter[];
  /** Lines that are not dead letters (the file was edited by hand): named, never dropped silently. */
  readonly problems: { readonly line: number; readonly message: string; readonly text: string }[];
}

function isDeadLetter(value: unknown): value is DeadLetter {
  if (typeof value !== "object" || value === null) return false;
  const letter = value as Record<string, unknown>;
  return (
    typeof letter.messageId === "string" &&
    typeof letter.body === "string" &&
    typeof letter.receives === "number" &&
    typeof letter.firstFailedAt === "string" &&
    typeof letter.lastFailedAt === "string" &&
    typeof letter.error === "string" &&
    (letter.label === undefined || typeof letter.label === "string")
  );
}

export function readDeadLetters(directory: string): DeadLetterFile {
  const path = join(directory, DEAD_LETTERS_FILE);
  if (!existsSync(path)) return { letters: [], problems: [] };
  const letters: DeadLetter[] = [];
  const problems: { line: number; message: string; text: string }[] = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, index) => {
      if (text.trim() === "") return;
      try {
        const value: unknown = JSON.parse(text);
        if (isDeadLetter(value)) letters.push(value);
        else problems.push({ line: index + 1, message: "not a dead letter (messageId, body, error…)", text });
      } catch (error) {
        problems.push({ line: index + 1, message: `not valid JSON (${(error as Error).message})`, text });
      }
    });
  return { letters, problems };
}

/**
 * Replace the file at once (write and rename), so a crash never leaves half a file. Lines that were
 * not dead letters are written back as they were: they are the operator's to fix.
 */
export function writeDeadLetters(
  directory: string,
  letters: readonly DeadLetter[],
  unreadLines: readonly string[] = [],
): void {
  const path = join(directory, DEAD_LETTERS_FILE);
  if (letters.length === 0 && unreadLines.length === 0) {
    rmSync(path, { force: true });
    return;
  }
  const temporary = `${path}.tmp`;
  const lines = [...letters.map((letter) => JSON.stringify(letter)), ...unreadLines];
  writeFileSync(temporary, lines.map((line) => `${line}\n`).join(""));
  renameSync(temporary, path);
}

/** Add letters, merging by message id with those already kept. */
export function keepDeadLetters(directory: string, added: readonly DeadLetter[]): void {
  const { letters, problems } = readDeadLetters(directory);
  const byId = new Map(letters.map((letter) => [letter.messageId, letter]));
  for (const letter of added) {
    const earlier = byId.get(letter.messageId);
    byId.set(
      letter.messageId,
      earlier === undefined
        ? letter
        : { ...letter, receives: earlier.receives + letter.receives, firstFailedAt: earlier.firstFailedAt },
    );
  }
  writeDeadLetters(
    directory,
    [...byId.values()],
    problems.map((problem) => problem.text),
  );
}
