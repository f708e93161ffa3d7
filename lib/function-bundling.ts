// How each Lambda function is bundled for a configuration: the stack and the bench build alike.
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import type { BuildOptions } from "esbuild";
import { BUNDLE_FLAGS } from "../functions/adapters/optional-adapters.ts";
import { disposableDomainsBundling } from "./disposable-domains.ts";

/**
 * What every function's bundle shares, written once for the two shapes below: ESM for the runtime's
 * Node.js, ESM entry points of packages first, minified, with a source map but not the sources, and a
 * `require` of its own, which ESM bundles that include CommonJS dependencies (the AWS SDK) need.
 */
const SHARED = {
  target: "node24",
  mainFields: ["module", "main"],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

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

/** A function's bundling as aws-lambda-nodejs takes it (the stack's `NodejsFunction`s). */
export function nodejsBundlingOf(bundling: FunctionBundling): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    target: SHARED.target,
    mainFields: [...SHARED.mainFields],
    minify: SHARED.minify,
    sourceMap: SHARED.sourceMap,
    sourcesContent: SHARED.sourcesContent,
    banner: SHARED.banner,
    // The SDK is bundled, not taken from the runtime: the version tested is the version deployed.
    externalModules: [],
    forceDockerBundling: false,
    define: { ...bundling.define },
    ...(bundling.loader !== undefined ? { loader: { ...bundling.loader } } : {}),
    ...(bundling.alias !== undefined
      ? {
          esbuildArgs: Object.fromEntries(
            Object.entries(bundling.alias).map(([name, path]) => [`--alias:${name}`, path]),
          ),
        }
      : {}),
  };
}

/**
 * The same bundling as esbuild's build API takes it: the options aws-lambda-nodejs passes for
 * `nodejsBundlingOf`. The bench and the tests build with them.
 */
export function esbuildOptionsOf(bundling: FunctionBundling): BuildOptions {
  return {
    bundle: true,
    platform: "node",
    format: "esm",
    target: SHARED.target,
    mainFields: [...SHARED.mainFields],
    minify: SHARED.minify,
    sourcemap: SHARED.sourceMap,
    sourcesContent: SHARED.sourcesContent,
    banner: { js: SHARED.banner },
    define: { ...bundling.define },
    ...(bundling.alias !== undefined ? { alias: { ...bundling.alias } } : {}),
    ...(bundling.loader !== undefined ? { loader: { ...bundling.loader } } : {}),
  };
}
