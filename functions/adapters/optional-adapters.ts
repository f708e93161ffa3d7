// Adapters only some deployments use, loaded only where they are used and left out of the bundles
// of the deployments that do not use them.
//
// The stack bundles each function for its own configuration and tells esbuild, through `define`
// (lib/function-bundling.ts), which of these adapters the configuration leaves out: the checks of
// `process.env.BOUNCE_GUARD_BUNDLE_*` below become constants, and the branch with the dynamic import
// is dropped with everything it imports. Unbundled (the tests, the local run) every adapter is there.
// Each check must stay spelled out in full, beside its import, for esbuild to replace it.
import { type AddressKeys, PLAIN_KEYS } from "../core/address-key.ts";
import { ConfigurationError } from "./environment.ts";
import type { SuppressionListSync } from "./ses-suppression-sync.ts";

/** The names esbuild replaces; lib/function-bundling.ts defines them, and a test holds the two together. */
export const BUNDLE_FLAGS = {
  withoutKeyedAddresses: "process.env.BOUNCE_GUARD_BUNDLE_WITHOUT_KEYED_ADDRESSES",
  withoutSesSuppressionList: "process.env.BOUNCE_GUARD_BUNDLE_WITHOUT_SES_SUPPRESSION_LIST",
} as const;

/** Plain keys without a secret; in keyed mode the HMAC keys from the secret (Secrets Manager). */
export async function addressKeysFor(secretArn: string | undefined): Promise<AddressKeys> {
  if (secretArn === undefined) return PLAIN_KEYS;
  if (process.env.BOUNCE_GUARD_BUNDLE_WITHOUT_KEYED_ADDRESSES !== "true") {
    const { loadAddressKeys } = await import("./address-key-secret.ts");
    return loadAddressKeys(secretArn);
  }
  throw new ConfigurationError(
    "environment variable ADDRESS_KEY_SECRET_ARN is set, but this function was bundled without keyed addresses: deploy it through the stack with `keyedAddresses` or `addressKeySecret`",
  );
}

/** The SES v2 account suppression list, for the sync and the deferral mirror. */
export async function sesSuppressionList(): Promise<SuppressionListSync> {
  if (process.env.BOUNCE_GUARD_BUNDLE_WITHOUT_SES_SUPPRESSION_LIST !== "true") {
    const { createSesV2SuppressionSync } = await import("./ses-suppression-sync.ts");
    return createSesV2SuppressionSync();
  }
  throw new ConfigurationError(
    "environment variable SES_SUPPRESSION_SYNC or SES_DEFERRAL_MIRROR is on, but this function was bundled without the SES suppression list: deploy it through the stack with `sesSuppressionListSync` or `sesDeferralMirror`",
  );
}
