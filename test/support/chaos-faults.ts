// The replay's stand-ins for what cannot run here, each with faults on demand: Step Functions'
// StartExecution (throttled), SES's account-level suppression list (puts refused), and a Lambda
// invocation that dies after a number of writes. Which call fails is decided by a hash of the call,
// so a replay fails the same calls whatever order its concurrent batches run in.
import { type DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { RetryScheduler } from "../../functions/adapters/retry-scheduler.ts";
import type { SuppressionListSync } from "../../functions/adapters/ses-suppression-sync.ts";
import type { RecordRetry } from "../../functions/adapters/sqs-record-retry.ts";
import { foldedAddress } from "../../functions/core/address.ts";
import type { SesListReason } from "../../functions/core/types.ts";
import { hash32 } from "./seeded-random.ts";

/** True for a deterministic share `rate` of the keys. */
export function chosen(seed: number, key: string, rate: number): boolean {
  return hash32(`${seed}:${key}`) / 4_294_967_296 < rate;
}

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

export interface EmulatedScheduler {
  readonly scheduler: RetryScheduler;
  /** Execution names started, each once (Step Functions refuses a name twice). */
  readonly started: ReadonlySet<string>;
  readonly stats: { throttled: number; alreadyStarted: number; stopped: number };
}

/**
 * StartExecution by name, as Step Functions keeps names: a second start of a name is "already
 * started". The first start of a `throttleRate` share of the names fails with ThrottlingException,
 * as Step Functions does when the account's start rate is exceeded.
 */
export function emulatedScheduler(seed: number, throttleRate: number): EmulatedScheduler {
  const started = new Set<string>();
  const attempts = new Map<string, number>();
  const stats = { throttled: 0, alreadyStarted: 0, stopped: 0 };
  return {
    started,
    stats,
    scheduler: {
      async start(window) {
        const attempt = (attempts.get(window.name) ?? 0) + 1;
        attempts.set(window.name, attempt);
        if (attempt === 1 && chosen(seed, window.name, throttleRate)) {
          stats.throttled += 1;
          throw named("ThrottlingException", "Injected: rate exceeded");
        }
        if (started.has(window.name)) {
          stats.alreadyStarted += 1;
          return "already-started";
        }
        started.add(window.name);
        return "started";
      },
      async stop() {
        stats.stopped += 1;
        return "stopped";
      },
    },
  };
}

export interface EmulatedSesList {
  readonly sync: SuppressionListSync;
  /** Folded address → reason, as SES's account-level list holds it. */
  readonly listed: ReadonlyMap<string, SesListReason>;
  readonly stats: { failedPuts: number; puts: number; removes: number };
}

/** SES's account-level list: the first put of a `failureRate` share of the addresses fails (throttling). */
export function emulatedSesList(seed: number, failureRate: number): EmulatedSesList {
  const listed = new Map<string, SesListReason>();
  const failed = new Set<string>();
  const stats = { failedPuts: 0, puts: 0, removes: 0 };
  return {
    listed,
    stats,
    sync: {
      async put(address, reason) {
        const key = foldedAddress(address);
        if (!failed.has(key) && chosen(seed, key, failureRate)) {
          failed.add(key);
          stats.failedPuts += 1;
          throw named("TooManyRequestsException", "Injected: maximum sending rate exceeded");
        }
        stats.puts += 1;
        listed.set(key, reason);
      },
      async remove(address) {
        stats.removes += 1;
        listed.delete(foldedAddress(address));
      },
    },
  };
}

/**
 * An invocation that dies after `writes` UpdateItems: every request after them throws, and so does
 * every call to SQS, SES or Step Functions, as nothing runs after a Lambda is killed. `dead` says
 * whether it died (an invocation that needed fewer writes completes normally).
 */
export interface KilledInvocation {
  readonly client: DynamoDBClient;
  readonly guard: <T extends object>(port: T) => T;
  readonly dead: () => boolean;
}

export function killedAfter(client: DynamoDBClient, writes: number): KilledInvocation {
  let done = 0;
  let dead = false;
  const killed = () => named("Killed", "Injected: the function was killed");
  const dying = {
    async send(command: unknown) {
      if (done >= writes) dead = true;
      if (dead) throw killed();
      const result = await client.send(command as UpdateItemCommand);
      if (command instanceof UpdateItemCommand) done += 1;
      return result;
    },
  } as unknown as DynamoDBClient;
  const guard = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (dead) throw killed();
          return (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { client: dying, guard, dead: () => dead };
}

/** A RecordRetry that does nothing once the invocation is dead (it never ran). */
export function guardedRecordRetry(retry: RecordRetry, dead: () => boolean): RecordRetry {
  return {
    delay: async (records) => (dead() ? undefined : retry.delay(records)),
    deadLetter: async (records) => (dead() ? new Set<string>() : retry.deadLetter(records)),
  };
}
