// When a recipient event happened, as far as the policy is concerned: SES's timestamp, unless it
// cannot be read or lies in the future, when the receive time stands in for it. Pure.
import type { RecipientVerdict } from "./types.ts";

/**
 * How far ahead of the receive time SES's timestamp may be before it is not believed: clocks differ
 * by seconds, not minutes. A bounce dated next year would otherwise defer the address until then.
 */
export const FUTURE_TOLERANCE_SECONDS = 15 * 60;

const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The verdict with a usable time: unchanged when SES's timestamp is a readable instant no later
 * than `receivedAt` plus the tolerance; otherwise dated `receivedAt`, with a note saying why (kept
 * in the history, shown by `why`). Never throws: a bad timestamp is SES's data, not a broken record.
 */
export function withUsableTime(verdict: RecipientVerdict, receivedAt: Date): RecipientVerdict {
  const millis = CANONICAL_ISO.test(verdict.timestamp) ? Date.parse(verdict.timestamp) : Number.NaN;
  if (Number.isNaN(millis)) {
    return { ...verdict, timestamp: receivedAt.toISOString(), timestampNote: "timestamp-unreadable" };
  }
  if (millis > receivedAt.getTime() + FUTURE_TOLERANCE_SECONDS * 1000) {
    return { ...verdict, timestamp: receivedAt.toISOString(), timestampNote: "timestamp-in-future" };
  }
  return verdict;
}
