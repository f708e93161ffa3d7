// How long a record that failed for a transient reason (throttling, a timeout, a 5xx) waits before
// its next receive, and how long the whole retry budget lasts before SQS moves it to the DLQ. Pure.

/** Growing delays between receives: exponential, capped, with a bounded jitter. */
export interface RecordRetrySchedule {
  /** The delay after the first failed receive. */
  readonly firstDelaySeconds: number;
  /** No delay is longer (SQS allows a visibility timeout of at most 12 hours). */
  readonly maxDelaySeconds: number;
  /** Receives before SQS moves the message to the DLQ (the queue's redrive policy). */
  readonly maxReceiveCount: number;
  /** Each delay is stretched or shrunk by up to this share, so retries after an outage spread out. */
  readonly jitter: number;
}

/**
 * At the defaults a record is tried 22 times over at least 12 hours (15 h 3 min without jitter):
 * 30 s, 1, 2, 4, 8, 16 and 32 minutes, then hourly. A DynamoDB or Step Functions outage of 6 hours
 * leaves every good record waiting on the queue, never in the DLQ.
 */
export const DEFAULT_RECORD_RETRY: RecordRetrySchedule = {
  firstDelaySeconds: 30,
  maxDelaySeconds: 3_600,
  maxReceiveCount: 22,
  jitter: 0.2,
};

/** SQS's ceiling on a visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** The delay before the record's next receive, without jitter, after its `receiveCount`-th receive failed. */
export function baseDelaySeconds(receiveCount: number, schedule: RecordRetrySchedule): number {
  const exponent = Math.max(0, Math.min(30, receiveCount - 1));
  return Math.min(
    schedule.maxDelaySeconds,
    MAX_VISIBILITY_SECONDS,
    schedule.firstDelaySeconds * 2 ** exponent,
  );
}

/** The delay with jitter; `random` is a number in [0, 1) (a parameter, so tests are deterministic). */
export function retryDelaySeconds(
  receiveCount: number,
  schedule: RecordRetrySchedule,
  random: number,
): number {
  const factor = 1 - schedule.jitter + 2 * schedule.jitter * random;
  return Math.max(
    1,
    Math.min(MAX_VISIBILITY_SECONDS, Math.round(baseDelaySeconds(receiveCount, schedule) * factor)),
  );
}

/**
 * The shortest time from a record's first failed receive to its last receive: how long a transient
 * outage can last without any good record reaching the DLQ (jitter at its shortest).
 */
export function retryBudgetSeconds(schedule: RecordRetrySchedule): number {
  let total = 0;
  for (let receive = 1; receive < schedule.maxReceiveCount; receive += 1) {
    total += Math.floor(baseDelaySeconds(receive, schedule) * (1 - schedule.jitter));
  }
  return total;
}
