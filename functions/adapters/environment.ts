// Lambda configuration: read from the environment once, at cold start, failing fast.
import { POLICY_VARIABLES } from "../core/contract.ts";
import { type PolicyConfig, policyConfig } from "../core/policy.ts";
import { type RetryWindowConfig, retryWindowConfig } from "../core/retry-window.ts";

export interface FunctionEnvironment {
  readonly tableName: string;
  readonly policy: PolicyConfig;
  readonly logAddresses: boolean;
  readonly metricsNamespace: string;
  /** Mirror hard-bounce and complaint suppressions on the SES account-level suppression list. */
  readonly sesSuppressionSync: boolean;
  /** Keyed mode: the Secrets Manager secret whose value keys the table by HMAC of the address. */
  readonly addressKeySecretArn?: string;
  /** The retry-window state machine and its settings; absent when no window is run. */
  readonly retryWindow?: { readonly stateMachineArn: string; readonly config: RetryWindowConfig };
  /** Mirror deferrals on the SES account-level suppression list while they last. */
  readonly sesDeferralMirror: boolean;
  /**
   * The classifier's queue and its DLQ: failed records are held back there with growing delays, and
   * poison is sent to the DLQ at once. Absent, SQS's own visibility timeout and receive count decide.
   */
  readonly queues?: { readonly queueUrl: string; readonly deadLetterQueueUrl: string };
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

/** The policy settings of the environment (POLICY_VARIABLES), over the defaults; bad values name the variable. */
export function readPolicy(environment: NodeJS.ProcessEnv = process.env): PolicyConfig {
  const overrides: Partial<Record<keyof PolicyConfig, number>> = {};
  const { deferBlocks, ...integers } = POLICY_VARIABLES;
  for (const [key, name] of Object.entries(integers) as [keyof typeof integers, string][]) {
    const value = integerOf(environment, name);
    if (value !== undefined) overrides[key] = value;
  }
  try {
    return policyConfig({ ...overrides, deferBlocks: environment[deferBlocks]?.toLowerCase() !== "false" });
  } catch (error) {
    throw new ConfigurationError(`invalid policy settings: ${(error as Error).message}`, { cause: error });
  }
}

export function readEnvironment(environment: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  const tableName = environment.TABLE_NAME;
  if (tableName === undefined || tableName === "") {
    throw new ConfigurationError("environment variable TABLE_NAME is required");
  }
  const policy = readPolicy(environment);
  let retryWindow: FunctionEnvironment["retryWindow"];
  const stateMachineArn = environment.RETRY_WINDOW_STATE_MACHINE_ARN;
  if (stateMachineArn !== undefined && stateMachineArn !== "") {
    const windowSeconds = integerOf(environment, "RETRY_WINDOW_SECONDS");
    const pollSeconds = integerOf(environment, "RETRY_POLL_SECONDS");
    const windowOverrides: Partial<RetryWindowConfig> = {
      ...(windowSeconds !== undefined ? { retryWindowSeconds: windowSeconds } : {}),
      ...(pollSeconds !== undefined ? { pollSeconds } : {}),
    };
    try {
      retryWindow = { stateMachineArn, config: retryWindowConfig(windowOverrides) };
    } catch (error) {
      throw new ConfigurationError(`invalid retry window settings: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const sesDeferralMirror = booleanOf(environment, "SES_DEFERRAL_MIRROR");
  if (sesDeferralMirror && retryWindow === undefined) {
    // Only the window's state machine removes a mirrored deferral: without it the entry would stay for good.
    throw new ConfigurationError(
      "environment variable SES_DEFERRAL_MIRROR needs RETRY_WINDOW_STATE_MACHINE_ARN: without the retry window nothing removes the mirrored deferrals",
    );
  }
  if (retryWindow !== undefined && retryWindow.config.pollSeconds < policy.retryIntervalSeconds) {
    throw new ConfigurationError(
      `environment variable RETRY_POLL_SECONDS (${retryWindow.config.pollSeconds}) must be at least RETRY_INTERVAL_SECONDS (${policy.retryIntervalSeconds}): the state machine looks for the next bounce after one retry interval`,
    );
  }
  const queueUrl = environment.FEEDBACK_QUEUE_URL;
  const deadLetterQueueUrl = environment.DEAD_LETTER_QUEUE_URL;
  if (
    (queueUrl === undefined || queueUrl === "") !==
    (deadLetterQueueUrl === undefined || deadLetterQueueUrl === "")
  ) {
    throw new ConfigurationError(
      "environment variables FEEDBACK_QUEUE_URL and DEAD_LETTER_QUEUE_URL go together: set both or neither",
    );
  }
  return {
    tableName,
    policy,
    ...(queueUrl && deadLetterQueueUrl ? { queues: { queueUrl, deadLetterQueueUrl } } : {}),
    logAddresses: booleanOf(environment, "LOG_ADDRESSES"),
    metricsNamespace: environment.METRICS_NAMESPACE || "BounceGuard",
    sesSuppressionSync: booleanOf(environment, "SES_SUPPRESSION_SYNC"),
    sesDeferralMirror,
    ...(retryWindow !== undefined ? { retryWindow } : {}),
    ...(environment.ADDRESS_KEY_SECRET_ARN
      ? { addressKeySecretArn: environment.ADDRESS_KEY_SECRET_ARN }
      : {}),
  };
}
