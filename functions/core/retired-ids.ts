// The ids of events trimmed from an item's history, kept until no copy of them can arrive any more:
// what makes the duplicate check last as long as a message can live in the queue and its DLQ. Pure.
import { hash } from "node:crypto";

const DAY_SECONDS = 86_400;

/**
 * How long a trimmed event's id is remembered. SQS keeps a message at most 14 days from when it was
 * first sent, in the queue and the DLQ together (a move to the DLQ keeps the original enqueue time);
 * one day more covers a redrive started on the last day.
 */
export const DUPLICATE_HORIZON_SECONDS = 15 * DAY_SECONDS;

/**
 * Characters kept of a retired event id: 48 bits of a digest of it. Two events of one address within
 * a horizon share them with a chance of about n² / 2^49, negligible for any real address (n in the
 * thousands). A digest rather than the id's start, so ids of any form (a test's "event-12" and
 * "event-123") stay apart too.
 */
export const RETIRED_ID_LENGTH = 8;

/** Between chunks, and between a chunk's time and its ids: neither is in the ids' base64url alphabet. */
const CHUNK_SEPARATOR = ";";
const TIME_SEPARATOR = ":";

/**
 * The form of an event id the retired list holds, and the duplicate check looks for. It takes the
 * form the item's ids list holds (`storedEventId`), the same for the event's whole id and for the
 * id read back from the item.
 */
export function retiredIdOf(storedId: string): string {
  return hash("sha256", storedId, "base64url").slice(0, RETIRED_ID_LENGTH);
}

/**
 * The retired list after trimming `ids` at `now`: chunks of ids, each stamped with the time they
 * were retired (seconds, base 36), concatenated without separators so each costs 8 bytes on an item
 * every write rewrites. A chunk older than the horizon goes. One string, so the write's condition
 * finds an id in it with `contains`, whatever its position: ids are all the same length and the
 * separators are outside their alphabet, so a match lies inside one chunk's ids.
 */
export function retire(
  existing: string | undefined,
  storedIds: readonly string[],
  now: Date,
  horizonSeconds = DUPLICATE_HORIZON_SECONDS,
): string | undefined {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const kept = (existing ?? "").split(CHUNK_SEPARATOR).filter((chunk) => {
    const time = Number.parseInt(chunk.slice(0, chunk.indexOf(TIME_SEPARATOR)), 36);
    return chunk.includes(TIME_SEPARATOR) && !Number.isNaN(time) && time + horizonSeconds > nowSeconds;
  });
  const fresh = storedIds.filter((id) => id !== "").map(retiredIdOf);
  if (fresh.length > 0) kept.push(`${nowSeconds.toString(36)}${TIME_SEPARATOR}${fresh.join("")}`);
  return kept.length > 0 ? kept.join(CHUNK_SEPARATOR) : undefined;
}

/** Whether the retired list holds an event id, in its stored form (what the write's condition checks). */
export function isRetired(retired: string | undefined, storedId: string): boolean {
  return retired?.includes(retiredIdOf(storedId)) ?? false;
}
