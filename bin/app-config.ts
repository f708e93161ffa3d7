// Turns the ready app's CDK context (cdk.json or `-c key=value`) into typed stack props, failing fast.
import { editDistance } from "../functions/core/edit-distance.ts";
import type { BounceGuardStackProps } from "../lib/bounce-guard-stack.ts";

/** A context value the app cannot use; the message names the key and the value. */
export class InvalidContextError extends Error {
  override readonly name = "InvalidContextError";
}

/** The context keys the app reads, documented in the README's deploy section. */
export const CONTEXT_KEYS = [
  "identities",
  "configurationSet",
  "createConfigurationSet",
  "alarmEmail",
  "softBounceThreshold",
  "publishDeliveryEvents",
  "logAddresses",
  "deferBlocks",
  "presendCheckAccounts",
  "sesSuppressionListSync",
  "keyedAddresses",
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/**
 * Context keys that belong to the CDK toolkit or a library rather than to this app: the feature
 * flags (`@aws-cdk/…`), the toolkit's own (`aws:cdk:…`), context lookups (`availability-zones:…`)
 * all hold a ":" or start with "@"; these few do not.
 */
const FRAMEWORK_KEYS = new Set(["acknowledged-issue-numbers", "cli-telemetry", "cdk-nag"]);

/** A suggestion is made only when the key is this close to a known one. */
const SUGGESTION_DISTANCE = 3;

function isFrameworkKey(key: string): boolean {
  return key.startsWith("@") || key.includes(":") || key.includes("/") || FRAMEWORK_KEYS.has(key);
}

/**
 * Every context key given to the app must be one it reads (or the framework's), so a misspelt
 * `-c identitites=…` stops the synth instead of deploying without it.
 */
export function checkContextKeys(keys: readonly string[]): void {
  const unknown = keys.filter(
    (key) => !isFrameworkKey(key) && !(CONTEXT_KEYS as readonly string[]).includes(key),
  );
  const [first] = unknown;
  if (first === undefined) return;
  const closest = [...CONTEXT_KEYS]
    .map((known) => ({ known, distance: editDistance(first.toLowerCase(), known.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const suggestion =
    closest !== undefined && closest.distance <= SUGGESTION_DISTANCE
      ? ` (did you mean "${closest.known}"?)`
      : "";
  throw new InvalidContextError(
    `unknown context key "${first}"${suggestion}; the app reads ${CONTEXT_KEYS.join(", ")}${unknown.length > 1 ? ` (also unknown: ${unknown.slice(1).join(", ")})` : ""}`,
  );
}

export type AppConfig = Pick<
  BounceGuardStackProps,
  | "identities"
  | "configurationSetName"
  | "createConfigurationSet"
  | "alarmEmail"
  | "softBounceThreshold"
  | "publishDeliveryEvents"
  | "logAddresses"
  | "deferBlocks"
  | "presendCheckAccounts"
  | "sesSuppressionListSync"
  | "keyedAddresses"
>;

/** SES configuration set names: letters, digits, _ and -, at most 64. */
const CONFIGURATION_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const ACCOUNT_ID = /^\d{12}$/;

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function text(key: ContextKey, value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string")
    throw new InvalidContextError(`context "${key}" must be a string, got ${show(value)}`);
  return value.trim();
}

function flag(key: ContextKey, value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InvalidContextError(`context "${key}" must be true or false, got ${show(value)}`);
}

function list(key: ContextKey, value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const items =
    typeof value === "string"
      ? value.split(",")
      : Array.isArray(value) && value.every((item) => typeof item === "string")
        ? (value as string[])
        : undefined;
  if (items === undefined) {
    throw new InvalidContextError(
      `context "${key}" must be a comma-separated list of strings, got ${show(value)}`,
    );
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item !== "");
  return trimmed.length === 0 ? undefined : trimmed;
}

function integer(key: ContextKey, value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number =
    typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(number))
    throw new InvalidContextError(`context "${key}" must be an integer, got ${show(value)}`);
  return number;
}

/**
 * Reads the app's context through `lookup` (the app's `node.tryGetContext`) and validates it. Range checks
 * of the policy values are left to the construct, which shares them with the function code.
 *
 * `presendCheckAccounts`: AWS account ids (12 digits, comma-separated on the command line or a JSON list in
 * cdk.json) allowed to invoke the pre-send check through its resource policy, e.g.
 * `npx cdk deploy -c presendCheckAccounts=111122223333,444455556666`.
 *
 * `sesSuppressionListSync`: true to also put hard-bounce and complaint suppressions on the SES account-level
 * suppression list. `keyedAddresses`: true to key the table by HMAC of the address under a generated, retained
 * secret; decide before the first deployment, as switching later orphans the items already stored.
 */
export function appConfigFromContext(lookup: (key: ContextKey) => unknown): AppConfig {
  const identities = list("identities", lookup("identities"));
  const configurationSetName = text("configurationSet", lookup("configurationSet"));
  const createConfigurationSet = flag("createConfigurationSet", lookup("createConfigurationSet"));
  const alarmEmail = text("alarmEmail", lookup("alarmEmail"));
  const softBounceThreshold = integer("softBounceThreshold", lookup("softBounceThreshold"));
  const publishDeliveryEvents = flag("publishDeliveryEvents", lookup("publishDeliveryEvents"));
  const logAddresses = flag("logAddresses", lookup("logAddresses"));
  const deferBlocks = flag("deferBlocks", lookup("deferBlocks"));
  const presendCheckAccounts = list("presendCheckAccounts", lookup("presendCheckAccounts"));
  const sesSuppressionListSync = flag("sesSuppressionListSync", lookup("sesSuppressionListSync"));
  const keyedAddresses = flag("keyedAddresses", lookup("keyedAddresses"));

  if (configurationSetName !== undefined && !CONFIGURATION_SET_NAME.test(configurationSetName)) {
    throw new InvalidContextError(
      `context "configurationSet" must be an SES configuration set name (letters, digits, _ or -, at most 64), got ${show(configurationSetName)}`,
    );
  }
  if (configurationSetName !== undefined && createConfigurationSet === true) {
    throw new InvalidContextError(
      `context "configurationSet" (${show(configurationSetName)}) and "createConfigurationSet" are mutually exclusive: attach to an existing set or create one`,
    );
  }
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new InvalidContextError(`context "alarmEmail" must be an e-mail address, got ${show(alarmEmail)}`);
  }
  const badAccount = presendCheckAccounts?.find((account) => !ACCOUNT_ID.test(account));
  if (badAccount !== undefined) {
    throw new InvalidContextError(
      `context "presendCheckAccounts" must be 12-digit AWS account ids, got ${show(badAccount)}`,
    );
  }

  const config: { -readonly [K in keyof AppConfig]: AppConfig[K] } = {};
  if (identities !== undefined) config.identities = identities;
  if (configurationSetName !== undefined) config.configurationSetName = configurationSetName;
  if (createConfigurationSet !== undefined) config.createConfigurationSet = createConfigurationSet;
  if (alarmEmail !== undefined) config.alarmEmail = alarmEmail;
  if (softBounceThreshold !== undefined) config.softBounceThreshold = softBounceThreshold;
  if (publishDeliveryEvents !== undefined) config.publishDeliveryEvents = publishDeliveryEvents;
  if (logAddresses !== undefined) config.logAddresses = logAddresses;
  if (deferBlocks !== undefined) config.deferBlocks = deferBlocks;
  if (presendCheckAccounts !== undefined) config.presendCheckAccounts = presendCheckAccounts;
  if (sesSuppressionListSync !== undefined) config.sesSuppressionListSync = sesSuppressionListSync;
  if (keyedAddresses !== undefined) config.keyedAddresses = keyedAddresses;
  return config;
}
