// How each Lambda function is bundled for a configuration: the stack and the bench build alike.
import type { BuildOptions } from "esbuild";
import { BUNDLE_FLAGS } from "../functions/adapters/optional-adapters.ts";
import { disposableDomainsBundling } from "./disposable-domains.ts";

/** ESM bundles that include CommonJS dependencies (the AWS SDK) need a `require` of their own. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
/** The runtime's Node.js version, as esbuild's target. */
export const BUNDLE_TARGET = "node24";
/** ESM entry points of packages first. */
export const BUNDLE_MAIN_FIELDS: readonly string[] = ["module", "main"];

/** The optional adapters a deployment uses (functions/adapters/optional-adapters.ts). */
export interface BundleFeatures {
  /** Keyed mode: the HMAC secret is read from Secrets Manager. */
  readonly keyedAddresses: boolean;
  /** The SES account suppression list: the sync of suppressions, or the mirror of deferrals. */
  readonly sesSuppressionList: boolean;
}

/** esbuild options beyond the ones every function shares. */
export interface FunctionBundling {
  /** Replaced at bundle time: each optional adapter the configuration does not use is left out. */
  readonly define: Readonly<Record<string, string>>;
  readonly alias?: Readonly<Record<string, string>>;
  readonly loader?: Readonly<Record<string, "file">>;
}

function defines(features: BundleFeatures): Record<string, string> {
  // Each value is a JavaScript expression: the string "true" leaves the adapter out.
  return {
    [BUNDLE_FLAGS.withoutKeyedAddresses]: JSON.stringify(String(!features.keyedAddresses)),
    [BUNDLE_FLAGS.withoutSesSuppressionList]: JSON.stringify(String(!features.sesSuppressionList)),
  };
}

/** The classifier: every optional adapter may be in it. */
export function classifierBundling(features: BundleFeatures): FunctionBundling {
  return { define: defines(features) };
}

/** The pre-send check: never the SES list; the disposable-domain list as a data file beside the bundle. */
export function presendCheckBundling(projectRoot: string, features: BundleFeatures): FunctionBundling {
  return {
    define: defines({ ...features, sesSuppressionList: false }),
    ...disposableDomainsBundling(projectRoot),
  };
}

/**
 * The options of esbuild's build API for a function's bundle: the ones aws-lambda-nodejs passes for
 * the stack's bundling (lib/bounce-guard.ts, `newFunction`). The bench and the tests build with them.
 */
export function esbuildOptionsOf(bundling: FunctionBundling): BuildOptions {
  return {
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "esm",
    mainFields: [...BUNDLE_MAIN_FIELDS],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    define: { ...bundling.define },
    ...(bundling.alias !== undefined ? { alias: { ...bundling.alias } } : {}),
    ...(bundling.loader !== undefined ? { loader: { ...bundling.loader } } : {}),
  };
}
