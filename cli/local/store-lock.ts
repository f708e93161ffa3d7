// One command at a time on a local store: the embedded DynamoDB's LevelDB files admit one process.
// A lock file in the store's folder names the holder; a second command waits for it a while, then
// says in one line who holds the store. A lock left by a process that is gone is taken over.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { CommandFailure, type Io } from "../command.ts";

export const LOCK_FILE = "bounce-guard.lock";
/** How long a command waits for the store by default; BOUNCE_GUARD_LOCK_WAIT_SECONDS changes it. */
export const DEFAULT_LOCK_WAIT_SECONDS = 10;
const POLL_MS = 100;

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export interface StoreLock {
  release(): void;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof holder.pid !== "number" || typeof holder.command !== "string") return undefined;
    return {
      pid: holder.pid,
      host: String(holder.host ?? ""),
      command: holder.command,
      since: String(holder.since ?? "?"),
    };
  } catch {
    return undefined;
  }
}

/** A holder on this machine whose process is gone left the lock behind. */
function isGone(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function tryCreate(path: string, holder: LockHolder): boolean {
  try {
    writeFileSync(path, `${JSON.stringify(holder)}\n`, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined) return "another bounce-guard command";
  return `bounce-guard ${holder.command} (pid ${holder.pid}, since ${holder.since.slice(11, 19)} UTC)`;
}

function waitSeconds(io: Io): number {
  const given = Number(io.env?.BOUNCE_GUARD_LOCK_WAIT_SECONDS);
  return Number.isFinite(given) && given >= 0 ? given : DEFAULT_LOCK_WAIT_SECONDS;
}

/**
 * Take the store folder's lock for `command`, waiting up to BOUNCE_GUARD_LOCK_WAIT_SECONDS (10 s)
 * for a holder to finish; then fail with one line naming the holder.
 */
export async function lockStore(directory: string, command: string, io: Io): Promise<StoreLock> {
  const path = join(directory, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, host: hostname(), command, since: io.now().toISOString() };
  const deadline = Date.now() + waitSeconds(io) * 1000;
  let told = false;
  for (;;) {
    if (tryCreate(path, mine)) {
      return {
        release: () => {
          // Only our own lock: a stale takeover by someone else is theirs to remove.
          if (readHolder(path)?.pid === mine.pid) rmSync(path, { force: true });
        },
      };
    }
    const holder = readHolder(path);
    if (holder !== undefined && isGone(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new CommandFailure(
        `the local store ${directory} is in use by ${describeHolder(holder)}; wait for it to finish, or use another --data folder`,
      );
    }
    if (!told) {
      io.stderr(`waiting for ${describeHolder(holder)} to finish with ${directory}…\n`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
