// DynamoDB faults on demand: an SDK middleware that throws throttling or timeout errors for a
// deterministic share of requests, before a request reaches the table or after it was applied.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { hash32 } from "./seeded-random.ts";

export const FAULT_KINDS = ["throttling", "timeout"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * before: the request never reaches DynamoDB. after: DynamoDB applied it and the response was lost,
 * the case that tests idempotency hardest, since the retry finds its own write already there.
 */
export const FAULT_MOMENTS = ["before", "after"] as const;
export type FaultMoment = (typeof FAULT_MOMENTS)[number];

/**
 * handler: outside the SDK's retries, so the error reaches the handler and SQS redelivers the record.
 * sdk: inside them, so the SDK's own retries (maxAttempts 3) absorb it unless every attempt fails.
 */
export const FAULT_LAYERS = ["handler", "sdk"] as const;
export type FaultLayer = (typeof FAULT_LAYERS)[number];

export interface FaultPlan {
  readonly seed: number;
  /** Share of distinct requests that get a fault, 0–1. */
  readonly rate: number;
  /** Commands that may fail. @default the store's UpdateItem, GetItem and BatchGetItem */
  readonly commands?: readonly string[];
}

interface RequestFault {
  readonly kind: FaultKind;
  readonly moment: FaultMoment;
  readonly layer: FaultLayer;
  /** How many attempts of this request fail before it goes through. */
  readonly failures: number;
}

export interface FaultStats {
  /** Faults thrown, by kind, moment and layer, e.g. "throttling/after/handler". */
  readonly thrown: ReadonlyMap<string, number>;
  /** Requests that reached DynamoDB while armed. */
  readonly requests: number;
  total(): number;
}

export interface FaultInjector {
  readonly stats: FaultStats;
  /** Faults start once armed, so setting up a table or reading it back afterwards is never hit. */
  arm(): void;
  disarm(): void;
}

const DEFAULT_COMMANDS = ["UpdateItemCommand", "GetItemCommand", "BatchGetItemCommand"];

function faultError(kind: FaultKind): Error {
  const error =
    kind === "throttling"
      ? new Error("Injected: the level of configured provisioned throughput for the table was exceeded")
      : new Error("Injected: the request timed out before a response arrived");
  // The SDK recognises both by name and retries them; Lambda code sees them the same way.
  error.name = kind === "throttling" ? "ProvisionedThroughputExceededException" : "TimeoutError";
  return error;
}

/**
 * Which requests fail is decided by a hash of the request itself, so the same request fails the
 * same way whatever order concurrent batches send it in, and each fails a bounded number of times
 * (a record then goes through within SQS's receive count, as it would after a real outage).
 */
function planFor(seed: number, requestKey: string, rate: number): RequestFault | undefined {
  if (hash32(`${seed}:${requestKey}`) / 4_294_967_296 >= rate) return undefined;
  const bits = hash32(`${requestKey}:${seed}:plan`);
  const kind: FaultKind = bits & 1 ? "throttling" : "timeout";
  const moment: FaultMoment = bits & 2 ? "after" : "before";
  const layer: FaultLayer = bits & 4 ? "sdk" : "handler";
  if (layer === "handler" || moment === "after") return { kind, moment, layer, failures: 1 };
  // Inside the SDK: one or two failures are absorbed by its retries; three timeouts exhaust them.
  // Throttling retries back off for up to 1.5 s, so they stay within the visibility timeout.
  const failures = kind === "timeout" ? 1 + ((bits >>> 3) % 3) : 1 + ((bits >>> 3) % 2);
  return { kind, moment, layer, failures };
}

/** Add the fault middleware to a client: one outside the SDK's retries and one inside them. */
export function injectFaults(client: DynamoDBClient, plan: FaultPlan): FaultInjector {
  const commands = new Set(plan.commands ?? DEFAULT_COMMANDS);
  const attempts = new Map<string, number>();
  const thrown = new Map<string, number>();
  let armed = false;
  let requests = 0;

  // Both middlewares see the same input object of one call: its plan is worked out once.
  const plans = new WeakMap<object, { key: string; fault: RequestFault } | undefined>();
  const faultOf = (commandName: string | undefined, input: unknown) => {
    if (!armed || commandName === undefined || !commands.has(commandName)) return undefined;
    if (typeof input === "object" && input !== null && plans.has(input)) return plans.get(input);
    const key = `${commandName}:${JSON.stringify(input)}`;
    const fault = planFor(plan.seed, key, plan.rate);
    const answer = fault === undefined ? undefined : { key, fault };
    if (typeof input === "object" && input !== null) plans.set(input, answer);
    return answer;
  };

  /** Counts the attempt and says whether it fails. */
  const failsNow = (key: string, fault: RequestFault): boolean => {
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    return attempt <= fault.failures;
  };

  const raise = (fault: RequestFault): never => {
    const label = `${fault.kind}/${fault.moment}/${fault.layer}`;
    thrown.set(label, (thrown.get(label) ?? 0) + 1);
    throw faultError(fault.kind);
  };

  const middleware =
    (layer: FaultLayer) =>
    <Args extends { input: unknown }, Output>(
      next: (args: Args) => Promise<Output>,
      context: { commandName?: string },
    ) =>
    async (args: Args): Promise<Output> => {
      const planned = faultOf(context.commandName, args.input);
      if (planned === undefined || planned.fault.layer !== layer) {
        if (layer === "sdk" && armed) requests += 1;
        return next(args);
      }
      const fails = failsNow(planned.key, planned.fault);
      if (fails && planned.fault.moment === "before") return raise(planned.fault);
      if (layer === "sdk") requests += 1;
      const result = await next(args);
      if (fails) return raise(planned.fault);
      return result;
    };
  // initialize runs once per call, outside the retry loop; finalizeRequest (low priority) runs
  // once per attempt, inside it.
  client.middlewareStack.add(middleware("handler"), {
    step: "initialize",
    name: "chaosFaultsOutsideRetries",
  });
  client.middlewareStack.add(middleware("sdk"), {
    step: "finalizeRequest",
    priority: "low",
    name: "chaosFaultsInsideRetries",
  });

  return {
    stats: {
      thrown,
      get requests() {
        return requests;
      },
      total: () => [...thrown.values()].reduce((sum, count) => sum + count, 0),
    },
    arm: () => {
      armed = true;
    },
    disarm: () => {
      armed = false;
    },
  };
}
