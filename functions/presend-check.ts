// The pre-send check Lambda: "may I mail these addresses?" answered per address, in input order.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import middy from "@middy/core";
import { DynamoDbSuppressionStore } from "./adapters/dynamodb-store.ts";
import { readEnvironment } from "./adapters/environment.ts";
import { createLogger, type Logger } from "./adapters/logger.ts";
import { emfLine } from "./adapters/metrics.ts";
import { createMxResolver, type MailDomainResolver } from "./adapters/mx-lookup.ts";
import { addressKeysFor } from "./adapters/optional-adapters.ts";
import {
  type AddressValidation,
  checkAddress,
  type MailboxParser,
  type ValidationCheck,
} from "./core/address-checks.ts";
import { METRIC_NAMES } from "./core/contract.ts";
import { type AddressState, assess, type PolicyConfig } from "./core/policy.ts";
import { answerFor, type CheckError, type PresendAnswer, parseCheckRequest } from "./core/presend.ts";

export type CheckResponse =
  | { readonly results: readonly PresendAnswer[] }
  | { readonly error: CheckError | { code: "unavailable"; message: string } };

export interface PresendCheckDependencies {
  readonly store: Pick<DynamoDbSuppressionStore, "getMany">;
  readonly policy: PolicyConfig;
  readonly logger: Logger;
  /** Used when callers ask for the "mx" check; a DNS resolver with a per-container cache by default. */
  readonly resolver?: MailDomainResolver;
  readonly now?: () => Date;
  /** Called when the table could not be read, so the failure can be alarmed on. */
  readonly onUnavailable?: () => void;
}

async function withMailDomains(
  validations: AddressValidation[],
  resolver: MailDomainResolver,
): Promise<AddressValidation[]> {
  const domains = new Map<string, ReturnType<MailDomainResolver["lookup"]>>();
  for (const validation of validations) {
    if (validation.invalid !== undefined || validation.normalized === undefined) continue;
    const domain = validation.normalized.slice(validation.normalized.lastIndexOf("@") + 1);
    if (!domains.has(domain)) domains.set(domain, resolver.lookup(domain));
  }
  const answers = new Map<string, Awaited<ReturnType<MailDomainResolver["lookup"]>>>();
  for (const [domain, answer] of domains) answers.set(domain, await answer);
  return validations.map((validation) => {
    if (validation.invalid !== undefined || validation.normalized === undefined) return validation;
    const answer = answers.get(validation.normalized.slice(validation.normalized.lastIndexOf("@") + 1));
    return answer?.kind === "no-mail"
      ? { ...validation, invalid: { reason: "no-mail-domain", message: answer.message } }
      : validation;
  });
}

/**
 * Each address checked; the full RFC 5321 parser is loaded only when an address needs it (one the
 * plain-form check cannot vouch for), so a cold start never evaluates its grammar.
 */
async function validated(
  addresses: readonly string[],
  checks: ReadonlySet<ValidationCheck>,
): Promise<AddressValidation[]> {
  const readings = addresses.map((address) => checkAddress(address, checks));
  if (readings.every((reading) => !("kind" in reading))) return readings as AddressValidation[];
  const { parse } = await import("smtp-address-parser");
  const parser: MailboxParser = parse;
  return readings.map((reading, index) =>
    "kind" in reading ? checkAddress(addresses[index] as string, checks, parser) : reading,
  );
}

export function createPresendCheck(dependencies: PresendCheckDependencies) {
  const now = dependencies.now ?? (() => new Date());
  const resolver = dependencies.resolver ?? createMxResolver();
  return async function check(payload: unknown): Promise<CheckResponse> {
    const parsed = parseCheckRequest(payload);
    if (!parsed.ok) return { error: parsed.error };
    const { addresses, checks } = parsed.request;
    let validations = await validated(addresses, checks);
    if (checks.has("mx")) {
      validations = await withMailDomains(validations, resolver);
    }
    const keys = validations.flatMap((validation) =>
      validation.normalized !== undefined ? [validation.normalized] : [],
    );
    let states: Map<string, AddressState>;
    try {
      states = await dependencies.store.getMany(keys);
    } catch (error) {
      dependencies.logger.log("error", "suppression table read failed", { error: (error as Error).message });
      dependencies.onUnavailable?.();
      return {
        error: { code: "unavailable", message: "the suppression table could not be read; try again" },
      };
    }
    const at = now();
    const results = addresses.map((raw, index) => {
      const validation = validations[index] ?? {};
      const state = validation.normalized !== undefined ? states.get(validation.normalized) : undefined;
      return answerFor(
        raw,
        validation,
        validation.normalized !== undefined ? assess(state, dependencies.policy, at) : undefined,
      );
    });
    return { results };
  };
}

let coldStart: Promise<ReturnType<typeof createPresendCheck>> | undefined;

/** Built once per container: configuration, clients and (in keyed mode) the HMAC secret. */
async function presendCheck(): Promise<ReturnType<typeof createPresendCheck>> {
  const environment = readEnvironment();
  const keys = await addressKeysFor(environment.addressKeySecretArn);
  return createPresendCheck({
    store: new DynamoDbSuppressionStore(
      new DynamoDBClient({}),
      environment.tableName,
      environment.policy,
      keys,
    ),
    policy: environment.policy,
    logger: createLogger({ logAddresses: environment.logAddresses }),
    // The caller gets a structured answer, not a Lambda error, so the failure is counted here.
    onUnavailable: () =>
      process.stdout.write(`${emfLine(environment.metricsNamespace, METRIC_NAMES.presendUnavailable, 1)}\n`),
  });
}

/** The Lambda entry point, invoked directly with `{ "addresses": [...] }`. */
export const handler = middy<unknown, CheckResponse>().handler(async (event) => {
  coldStart ??= presendCheck();
  const check = await coldStart.catch((error: unknown) => {
    coldStart = undefined;
    throw error;
  });
  return check(event);
});
