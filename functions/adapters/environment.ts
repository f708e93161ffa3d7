// Lambda configuration: read from the environment once, at cold start, failing fast.
import { type PolicyConfig, policyConfig } from "../core/policy.ts";

export interface FunctionEnvironment {
  readonly tableName: string;
  readonly policy: PolicyConfig;
  readonly logAddresses: boolean;
  readonly metricsNamespace: string;
  /** Mirror hard-bounce and complaint suppressions on the SES account-level suppression list. */
  readonly sesSuppressionSync: boolean;
  /** Keyed mode: the Secrets Manager secret whose value keys the table by HMAC of the address. */
  readonly addressKeySecretArn?: string;
}

export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

function integerOf(environment: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = environment[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new ConfigurationError(`environment variable ${name} must be an integer, got "${raw}"`);
  }
  return value;
}

function booleanOf(environment: NodeJS.ProcessEnv, name: string): boolean {
  const raw = environment[name]?.toLowerCase();
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new ConfigurationError(`environment variable ${name} must be "true" or "false", got "${raw}"`);
}

export function readEnvironment(environment: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  const tableName = environment.TABLE_NAME;
  if (tableName === undefined || tableName === "") {
    throw new ConfigurationError("environment variable TABLE_NAME is required");
  }
  const overrides: Partial<Record<keyof PolicyConfig, number>> = {};
  const names = {
    softBounceThreshold: "SOFT_BOUNCE_THRESHOLD",
    softBounceMemorySeconds: "SOFT_BOUNCE_MEMORY_SECONDS",
    retryIntervalSeconds: "RETRY_INTERVAL_SECONDS",
    historyTtlSeconds: "HISTORY_TTL_SECONDS",
  } as const satisfies Partial<Record<keyof PolicyConfig, string>>;
  for (const [key, name] of Object.entries(names) as [keyof typeof names, string][]) {
    const value = integerOf(environment, name);
    if (value !== undefined) overrides[key] = value;
  }
  let policy: PolicyConfig;
  try {
    policy = policyConfig({ ...overrides, deferBlocks: environment.DEFER_BLOCKS?.toLowerCase() !== "false" });
  } catch (error) {
    throw new ConfigurationError(`invalid policy settings: ${(error as Error).message}`, { cause: error });
  }
  return {
    tableName,
    policy,
    logAddresses: booleanOf(environment, "LOG_ADDRESSES"),
    metricsNamespace: environment.METRICS_NAMESPACE || "BounceGuard",
    sesSuppressionSync: booleanOf(environment, "SES_SUPPRESSION_SYNC"),
    ...(environment.ADDRESS_KEY_SECRET_ARN
      ? { addressKeySecretArn: environment.ADDRESS_KEY_SECRET_ARN }
      : {}),
  };
}
