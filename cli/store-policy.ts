// The policy a store's answers are assessed with, so the command line agrees with what wrote the store:
// a deployed stack's Policy output, the functions' environment variables with --table alone, or the
// record a local store keeps of the policy it is written with.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigurationError, readPolicy } from "../functions/adapters/environment.ts";
import { POLICY_VARIABLES } from "../functions/core/contract.ts";
import { DEFAULT_POLICY, type PolicyConfig, policyOfSettings } from "../functions/core/policy.ts";
import { CommandFailure } from "./command.ts";

/** The local store's record, beside dynalite's files in the store's directory. */
export const LOCAL_POLICY_FILE = "policy.json";

/** The policy recorded in a local store, or undefined when none is; a record it cannot read is a failure naming it. */
export function readLocalPolicy(dataDirectory: string): PolicyConfig | undefined {
  const path = join(dataDirectory, LOCAL_POLICY_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return policyOfSettings((JSON.parse(text) as { policy?: unknown }).policy, { localRun: true });
  } catch (error) {
    throw new CommandFailure(
      `${path}: not a policy record (${(error as Error).message}); correct it, or delete it to use the default policy`,
      { cause: error },
    );
  }
}

/** Records the policy a local store is written with (the demo's, a replay's), replacing any earlier record. */
export function recordLocalPolicy(dataDirectory: string, policy: PolicyConfig): void {
  mkdirSync(dataDirectory, { recursive: true });
  writeFileSync(join(dataDirectory, LOCAL_POLICY_FILE), `${JSON.stringify({ policy }, null, 2)}\n`);
}

/** A local store's policy: its record, or the defaults, recorded on first use so later commands agree. */
export function localStorePolicy(dataDirectory: string): PolicyConfig {
  const recorded = readLocalPolicy(dataDirectory);
  if (recorded !== undefined) return recorded;
  recordLocalPolicy(dataDirectory, DEFAULT_POLICY);
  return DEFAULT_POLICY;
}

/** The policy of a stack's Policy output (JSON of the settings); throws an Error naming what is wrong. */
export function stackPolicy(output: string, stackName: string): PolicyConfig {
  try {
    return policyOfSettings(JSON.parse(output));
  } catch (error) {
    throw new Error(
      `stack "${stackName}" has a Policy output that is not a policy: ${(error as Error).message}`,
    );
  }
}

export type EnvironmentPolicy =
  | { readonly fromEnvironment: true; readonly policy: PolicyConfig }
  | { readonly fromEnvironment: false; readonly policy: PolicyConfig; readonly notice: string };

/**
 * A deployed table's policy when no stack says it: the functions' own environment variables if any
 * is set (as an operator copies them from the deployed configuration), else the defaults with a notice
 * that they may not be what was deployed.
 */
export function environmentPolicy(environment: NodeJS.ProcessEnv, why: string): EnvironmentPolicy {
  const names = Object.values(POLICY_VARIABLES);
  let policy: PolicyConfig;
  try {
    policy = readPolicy(environment);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new Error(error.message);
    throw error;
  }
  if (names.some((name) => (environment[name] ?? "") !== "")) return { fromEnvironment: true, policy };
  return {
    fromEnvironment: false,
    policy,
    notice: `${why}: the default policy (soft-bounce threshold ${policy.softBounceThreshold}, retry interval ${policy.retryIntervalSeconds} s); give --stack, or set ${names.join(", ")} as the deployed functions have them`,
  };
}
