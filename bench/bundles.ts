// The Lambda bundles as the CDK builds them: their size, what fills them, and how long a fresh
// Node process takes to load each one next to a bundle that only creates the SDK clients.
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build, type Metafile } from "esbuild";
import {
  classifierBundling,
  esbuildOptionsOf,
  type FunctionBundling,
  presendCheckBundling,
} from "../lib/function-bundling.ts";
import { median, pairedRatio, round } from "./statistics.ts";

const run = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const COLD_LOAD_SCRIPT = fileURLToPath(new URL("./cold-load.mjs", import.meta.url));

interface BundleSpec {
  readonly name: string;
  /** A file in the project, or the source of a bundle written here. */
  readonly entry: { readonly file: string } | { readonly source: string };
  /** The event of the first invocation, which builds the clients; none for a baseline. */
  readonly firstEvent?: unknown;
  /** The baseline bundle this function is compared with. */
  readonly baseline?: string;
  /** The function's own esbuild options, as the stack's bundling passes them. */
  readonly bundling?: () => FunctionBundling;
  /** Environment beyond the table name: the function's configuration as the stack deploys it by default. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Baselines: bundles that only create the SDK clients a function creates at its first invocation
 * in the stack's default configuration. The classifier writes the table and starts retry windows;
 * the pre-send check reads the table.
 */
const DYNAMODB_BASELINE = `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
export const clients = [new DynamoDBClient({})];
`;
const DYNAMODB_SFN_BASELINE = `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
export const clients = [new DynamoDBClient({}), new SFNClient({})];
`;

/** The stack's defaults: plain addresses, no SES suppression list. */
const DEFAULT_FEATURES = { keyedAddresses: false, sesSuppressionList: false } as const;

export const BUNDLES: readonly BundleSpec[] = [
  {
    name: "classifier",
    entry: { file: "functions/classifier.ts" },
    bundling: () => classifierBundling(DEFAULT_FEATURES),
    firstEvent: { Records: [] },
    baseline: "baseline-dynamodb-sfn-clients",
    environment: {
      RETRY_WINDOW_STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
    },
  },
  {
    name: "presend-check",
    entry: { file: "functions/presend-check.ts" },
    bundling: () => presendCheckBundling(PROJECT_ROOT, DEFAULT_FEATURES),
    firstEvent: {},
    baseline: "baseline-dynamodb-client",
  },
  { name: "baseline-dynamodb-client", entry: { source: DYNAMODB_BASELINE } },
  { name: "baseline-dynamodb-sfn-clients", entry: { source: DYNAMODB_SFN_BASELINE } },
];

export interface PackageShare {
  readonly package: string;
  readonly bytes: number;
  readonly share: number;
}

export interface BundleFigures {
  /** The code each function loads: the bundle file. */
  readonly bytes: Readonly<Record<string, number>>;
  /** Data files deployed beside a bundle and read when it loads (the pre-send check's domain list). */
  readonly dataBytes: Readonly<Record<string, number>>;
  /** Per bundle, the packages that fill it, largest first (esbuild metafile, bytes in the output). */
  readonly largestPackages: Readonly<Record<string, readonly PackageShare[]>>;
  readonly runs: number;
  /** Median ms to import the bundle, and to import it and run the first invocation's setup. */
  readonly coldLoadMs: Readonly<Record<string, { readonly import: number; readonly importAndInit: number }>>;
  /**
   * Per function: in each round, its import-and-init time over its baseline's import (which creates
   * the clients) in the same round; the median over the rounds. A round's loads run one after the
   * other, so a slow stretch of the machine slows both sides of its ratio.
   */
  readonly coldLoadRatio: Readonly<Record<string, number>>;
  /**
   * For information: the function's median import-and-init time over its baseline's median. When the
   * machine switches between fast and slow stretches, two medians can land in different ones.
   */
  readonly ratioOfMedians: Readonly<Record<string, number>>;
  /** The same with the import alone, for functions that build their clients only when first invoked. */
  readonly importOnlyRatio: Readonly<Record<string, number>>;
}

function packageOf(path: string): string {
  if (path.includes(".cache/bounce-guard/disposable-domains"))
    return "mailchecker's domains (generated list)";
  const matches = [...path.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  const last = matches.at(-1)?.[1];
  if (last !== undefined) return last;
  return path.startsWith("functions/") ? "bounce-guard functions/" : path;
}

/** The files of a bundle besides its source map: the code, and data files its loaders copied beside it. */
function deployedOutputs(metafile: Metafile): [string, Metafile["outputs"][string]][] {
  return Object.entries(metafile.outputs).filter(([path]) => !path.endsWith(".map"));
}

/** Per package, the bytes it puts in the bundle's code; a data file copied beside the code counts as its own entry. */
function largestPackages(metafile: Metafile, outfile: string): PackageShare[] {
  const byPackage = new Map<string, number>();
  for (const [outputPath, output] of deployedOutputs(metafile)) {
    const isCode = resolve(PROJECT_ROOT, outputPath) === outfile;
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = isCode ? packageOf(path) : `${packageOf(path)} (data file)`;
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  const total = [...byPackage.values()].reduce((sum, bytes) => sum + bytes, 0);
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, bytes]) => ({ package: name, bytes, share: Math.round((bytes / total) * 1000) / 1000 }));
}

/** esbuild with the arguments aws-lambda-nodejs passes for the stack's bundling options. */
async function bundle(spec: BundleSpec, directory: string): Promise<{ outfile: string; metafile: Metafile }> {
  const outfile = join(directory, spec.name, "index.mjs");
  const result = await build({
    ...("file" in spec.entry
      ? { entryPoints: [join(PROJECT_ROOT, spec.entry.file)] }
      : {
          stdin: {
            contents: spec.entry.source,
            resolveDir: PROJECT_ROOT,
            sourcefile: `${spec.name}.ts`,
            loader: "ts",
          },
        }),
    ...esbuildOptionsOf(spec.bundling?.() ?? { define: {} }),
    outfile,
    metafile: true,
    absWorkingDir: PROJECT_ROOT,
    logLevel: "silent",
  });
  return { outfile, metafile: result.metafile };
}

async function coldLoadOnce(
  outfile: string,
  firstEvent: unknown,
  environment: Readonly<Record<string, string>> = {},
): Promise<{ importMs: number; initMs: number }> {
  const { stdout } = await run(
    process.execPath,
    [
      COLD_LOAD_SCRIPT,
      pathToFileURL(outfile).href,
      firstEvent === undefined ? "-" : JSON.stringify(firstEvent),
    ],
    {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? "",
        AWS_REGION: "us-east-1",
        TABLE_NAME: "bounce-guard-bench",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...environment,
      },
    },
  );
  const line = stdout.split("\n").find((text) => text.startsWith("COLD_LOAD "));
  if (line === undefined)
    throw new Error(`no timing from the cold load of ${outfile}: ${stdout.slice(0, 300)}`);
  return JSON.parse(line.slice("COLD_LOAD ".length)) as { importMs: number; initMs: number };
}

export async function measureBundles(runs = 9): Promise<BundleFigures> {
  const directory = await mkdtemp(join(tmpdir(), "bounce-guard-bench-"));
  try {
    // Built at once (esbuild works them in parallel), kept in BUNDLES' order.
    const built = new Map(
      await Promise.all(
        BUNDLES.map(async (spec) => [spec.name, { ...(await bundle(spec, directory)), spec }] as const),
      ),
    );
    const bytes: Record<string, number> = {};
    const largest: Record<string, PackageShare[]> = {};
    const dataBytes: Record<string, number> = {};
    for (const [name, { outfile, metafile }] of built) {
      bytes[name] = (await stat(outfile)).size;
      const data = deployedOutputs(metafile).filter(([path]) => resolve(PROJECT_ROOT, path) !== outfile);
      if (data.length > 0) dataBytes[name] = data.reduce((sum, [, output]) => sum + output.bytes, 0);
      largest[name] = largestPackages(metafile, outfile);
    }
    const samples = new Map<string, { import: number[]; total: number[] }>();
    // Interleaved, so a busy moment of the machine hits every bundle alike.
    for (let round = 0; round < runs; round += 1) {
      for (const [name, { outfile, spec }] of built) {
        const timing = await coldLoadOnce(outfile, spec.firstEvent, spec.environment);
        const sample = samples.get(name) ?? { import: [], total: [] };
        sample.import.push(timing.importMs);
        sample.total.push(timing.importMs + timing.initMs);
        samples.set(name, sample);
      }
    }
    const coldLoadMs: Record<string, { import: number; importAndInit: number }> = {};
    for (const [name, sample] of samples) {
      coldLoadMs[name] = {
        import: round(median(sample.import), 1),
        importAndInit: round(median(sample.total), 1),
      };
    }
    const coldLoadRatio: Record<string, number> = {};
    const ratioOfMedians: Record<string, number> = {};
    const importOnlyRatio: Record<string, number> = {};
    for (const spec of BUNDLES) {
      const timing = coldLoadMs[spec.name];
      const sample = samples.get(spec.name);
      const baselineSample = spec.baseline === undefined ? undefined : samples.get(spec.baseline);
      const baseline = spec.baseline === undefined ? undefined : coldLoadMs[spec.baseline];
      if (spec.firstEvent === undefined || timing === undefined || baseline === undefined) continue;
      if (sample === undefined || baselineSample === undefined) continue;
      coldLoadRatio[spec.name] = round(pairedRatio(sample.total, baselineSample.total), 2);
      ratioOfMedians[spec.name] = round(timing.importAndInit / baseline.importAndInit, 2);
      importOnlyRatio[spec.name] = round(timing.import / baseline.import, 2);
    }
    return {
      bytes,
      dataBytes,
      largestPackages: largest,
      runs,
      coldLoadMs,
      coldLoadRatio,
      ratioOfMedians,
      importOnlyRatio,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
