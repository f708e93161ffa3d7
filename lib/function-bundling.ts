// How each Lambda function is bundled for a configuration: the stack, the package's build and the
// bench build alike. Run from the sources, the stack bundles at synth; run from the compiled package,
// it deploys the bundles the package's build made (scripts/build.ts) with the same options.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

export type FunctionName = "classifier" | "presend-check";

/** The features a function's bundle can hold: the pre-send check never uses the SES list. */
function featuresOf(name: FunctionName, features: BundleFeatures): BundleFeatures {
  return name === "presend-check" ? { ...features, sesSuppressionList: false } : features;
}

/** The bundle a function gets for a configuration, by the features it holds: one per combination. */
export function bundleName(name: FunctionName, features: BundleFeatures): string {
  const held = featuresOf(name, features);
  return [name, ...(held.keyedAddresses ? ["keyed"] : []), ...(held.sesSuppressionList ? ["ses"] : [])].join(
    "-",
  );
}

/** Every bundle the package ships: each function with each combination of the features it can hold. */
export function everyBundle(): { readonly name: FunctionName; readonly features: BundleFeatures }[] {
  const combinations = [false, true].flatMap((keyedAddresses) =>
    [false, true].map((sesSuppressionList) => ({ keyedAddresses, sesSuppressionList })),
  );
  const bundles = (["classifier", "presend-check"] as const).flatMap((name) =>
    combinations.map((features) => ({ name, features: featuresOf(name, features) })),
  );
  return bundles.filter(
    (bundle, index) =>
      bundles.findIndex(
        (other) => bundleName(other.name, other.features) === bundleName(bundle.name, bundle.features),
      ) === index,
  );
}

/** The handler module of each function, under the project root. */
export const FUNCTION_ENTRIES = {
  classifier: "functions/classifier.ts",
  "presend-check": "functions/presend-check.ts",
} as const satisfies Record<FunctionName, string>;

/** The esbuild options of a function's bundle; `projectRoot` is where the disposable-domain module is written. */
export function bundlingOf(
  name: FunctionName,
  projectRoot: string,
  features: BundleFeatures,
): FunctionBundling {
  return name === "classifier" ? classifierBundling(features) : presendCheckBundling(projectRoot, features);
}

/** Where a function's code comes from: bundled from the sources at synth, or a bundle the package's build made. */
export type FunctionCode =
  | { readonly kind: "prebuilt"; readonly directory: string }
  | {
      readonly kind: "sources";
      readonly entry: string;
      readonly projectRoot: string;
      readonly lockFile: string;
      readonly bundling: FunctionBundling;
    };

/** The compiled package keeps its bundles in dist/bundles, beside dist/lib where this module then is. */
const COMPILED = import.meta.url.endsWith(".js");

/**
 * A function's code for a configuration. Compiled, the package deploys the bundle its build made
 * (what was tested is what is deployed, and the app needs no esbuild); from the sources, the stack
 * bundles them at synth with the project's lock file.
 */
export function functionCode(name: FunctionName, features: BundleFeatures): FunctionCode {
  if (COMPILED) {
    const directory = fileURLToPath(new URL(`../bundles/${bundleName(name, features)}/`, import.meta.url));
    if (!existsSync(join(directory, "index.mjs"))) {
      throw new Error(
        `the package's bundle ${directory} is missing: reinstall bounce-guard or run its build`,
      );
    }
    return { kind: "prebuilt", directory };
  }
  const projectRoot = fileURLToPath(new URL("..", import.meta.url));
  return {
    kind: "sources",
    entry: join(projectRoot, FUNCTION_ENTRIES[name]),
    projectRoot,
    lockFile: join(projectRoot, "package-lock.json"),
    bundling: bundlingOf(name, projectRoot, features),
  };
}
