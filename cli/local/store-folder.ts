// What a local store's folder holds, so that the demo resets only a store it made itself and no
// other command's work: the demo leaves a marker, and every command that writes removes it.
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_POLICY_FILE } from "../store-policy.ts";
import { DEAD_LETTERS_FILE } from "./dead-letters.ts";
import { LOCK_FILE } from "./store-lock.ts";

/** Present while the folder holds nothing but what the built-in demo wrote. */
export const DEMO_MARKER = "made-by-demo.json";

/** The files of the embedded DynamoDB (LevelDB) in a store's folder. */
const LEVELDB_FILE = /^(?:CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(?:log|ldb|sst|dbtmp))$/;

/**
 * The command line's own files there: the demo's marker, the dead letters, the lock and the record
 * of the policy the store is written with (which every store gets on first use, the demo's and
 * yours alike: only the marker tells them apart).
 */
const COMMAND_LINE_FILES: ReadonlySet<string> = new Set([
  DEMO_MARKER,
  DEAD_LETTERS_FILE,
  `${DEAD_LETTERS_FILE}.tmp`,
  LOCK_FILE,
  LOCAL_POLICY_FILE,
]);

function isStoreFile(name: string): boolean {
  return LEVELDB_FILE.test(name) || COMMAND_LINE_FILES.has(name);
}

export type FolderContents =
  /** Nothing there yet, or an empty folder. */
  | { readonly kind: "empty" }
  /** A store holding only the built-in demo's data. */
  | { readonly kind: "demo" }
  /** A store some other command wrote to: suppressions, imports, replays. */
  | { readonly kind: "store" }
  /** Files that are not a store's: never touched. */
  | { readonly kind: "foreign"; readonly examples: readonly string[] }
  | { readonly kind: "not-a-folder" };

export function folderContents(directory: string): FolderContents {
  if (!existsSync(directory)) return { kind: "empty" };
  if (!statSync(directory).isDirectory()) return { kind: "not-a-folder" };
  const entries = readdirSync(directory).filter((name) => name !== LOCK_FILE);
  if (entries.length === 0) return { kind: "empty" };
  const foreign = entries.filter((name) => !isStoreFile(name));
  if (foreign.length > 0) return { kind: "foreign", examples: foreign.slice(0, 3) };
  return entries.includes(DEMO_MARKER) ? { kind: "demo" } : { kind: "store" };
}

/**
 * Empty a store folder the caller has checked (see folderContents), file by file: the store's own
 * files only, never the folder itself nor anything else in it. The lock stays with its holder.
 */
export function emptyStoreFolder(directory: string): void {
  for (const name of readdirSync(directory)) {
    if (name === LOCK_FILE || !isStoreFile(name)) continue;
    rmSync(join(directory, name), { force: true });
  }
}

export function markDemoStore(directory: string, now: Date): void {
  writeFileSync(
    join(directory, DEMO_MARKER),
    `${JSON.stringify({ madeBy: "bounce-guard demo", at: now.toISOString() })}\n`,
  );
}

/** A command other than the built-in demo writes: from now on the store is the operator's. */
export function claimStore(directory: string): void {
  rmSync(join(directory, DEMO_MARKER), { force: true });
}
