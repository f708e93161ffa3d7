// The functions' bundles as the stack builds them: what each configuration leaves out, and the
// disposable-domain list the pre-send check reads from a data file beside its bundle.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BundleFeatures,
  bundleName,
  classifierBundling,
  esbuildOptionsOf,
  everyBundle,
  type FunctionBundling,
  functionCode,
  presendCheckBundling,
} from "../../lib/function-bundling.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILD_TIMEOUT_MS = 60_000;
const SES = "@aws-sdk/client-sesv2";
const SECRETS_MANAGER = "@aws-sdk/client-secrets-manager";

const directory = mkdtempSync(join(tmpdir(), "bounce-guard-bundling-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Builds `entry` with a function's bundling, as the stack does, plus `extra` options. */
function buildEntry(entry: string, bundling: FunctionBundling, extra: BuildOptions) {
  return build({
    ...esbuildOptionsOf(bundling),
    entryPoints: [join(PROJECT_ROOT, entry)],
    absWorkingDir: PROJECT_ROOT,
    logLevel: "silent",
    ...extra,
  });
}

/** The packages whose code is in the bundle of `entry`, as esbuild's metafile lists them. */
async function packagesIn(entry: string, bundling: FunctionBundling): Promise<Set<string>> {
  const result = await buildEntry(entry, bundling, {
    outdir: join(directory, "metafile"),
    write: false,
    metafile: true,
  });
  const inputs = Object.values((result.metafile as Metafile).outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
  return new Set(
    inputs.flatMap((path) =>
      [...path.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((m) => m[1] ?? ""),
    ),
  );
}

const NONE: BundleFeatures = { keyedAddresses: false, sesSuppressionList: false };
const ALL: BundleFeatures = { keyedAddresses: true, sesSuppressionList: true };
const KEYED_ONLY: BundleFeatures = { keyedAddresses: true, sesSuppressionList: false };
const CLASSIFIER = "functions/classifier.ts";
const PRESEND_CHECK = "functions/presend-check.ts";

describe("what each configuration's bundles hold", () => {
  // The pre-send check never holds SES: it has no use for the suppression list.
  // Each row: entry, configuration, its features, then whether SES and Secrets Manager are in it.
  it.each<[string, string, BundleFeatures, boolean, boolean]>([
    [CLASSIFIER, "default", NONE, false, false],
    [CLASSIFIER, "keyed only", KEYED_ONLY, false, true],
    [CLASSIFIER, "keyed, SES list", ALL, true, true],
    [PRESEND_CHECK, "default", NONE, false, false],
    [PRESEND_CHECK, "keyed, SES list", ALL, false, true],
  ])(
    "%s (%s) holds the optional clients its configuration uses, and the clients it always needs",
    async (entry, _config, features, ses, secretsManager) => {
      // Act
      const bundling =
        entry === CLASSIFIER ? classifierBundling(features) : presendCheckBundling(PROJECT_ROOT, features);
      const packages = await packagesIn(entry, bundling);

      // Assess
      expect({
        [SES]: packages.has(SES),
        [SECRETS_MANAGER]: packages.has(SECRETS_MANAGER),
        dynamodb: packages.has("@aws-sdk/client-dynamodb"),
        sfn: packages.has("@aws-sdk/client-sfn"),
        sqs: packages.has("@aws-sdk/client-sqs"),
      }).toEqual({
        [SES]: ses,
        [SECRETS_MANAGER]: secretsManager,
        dynamodb: true,
        sfn: entry === CLASSIFIER,
        // The classifier holds failed records back and sends poison to the DLQ itself.
        sqs: entry === CLASSIFIER,
      });
    },
    BUILD_TIMEOUT_MS,
  );
});

describe("the disposable-domain list in the pre-send check's bundle", () => {
  it(
    "answers for exactly mailchecker's domains, read from a data file beside the bundle",
    async () => {
      // Prepare: a bundle of the one call the check makes, built with the check's bundling.
      const require = createRequire(import.meta.url);
      const domains = (require("mailchecker") as { blacklist(): Set<string> }).blacklist();
      const outdir = join(directory, "domains");
      await build({
        ...esbuildOptionsOf(presendCheckBundling(PROJECT_ROOT, NONE)),
        stdin: {
          contents:
            'import mailchecker from "mailchecker";\nexport const has = (domain) => mailchecker.blacklist().has(domain);\n',
          resolveDir: PROJECT_ROOT,
          loader: "js",
        },
        outfile: join(outdir, "index.mjs"),
        sourcemap: false,
        absWorkingDir: PROJECT_ROOT,
        logLevel: "silent",
      });

      // Act
      const bundled = (await import(pathToFileURL(join(outdir, "index.mjs")).href)) as {
        has(domain: string): boolean;
      };

      // Assess
      const files = readdirSync(outdir);
      const dataFiles = files.filter((file) => file.endsWith(".list"));
      expect(dataFiles).toHaveLength(1);
      const code = readFileSync(join(outdir, "index.mjs"), "utf8");
      expect(code.length).toBeLessThan(20_000);
      expect(code).not.toContain("mailinator.com");
      expect(domains.size).toBeGreaterThan(10_000);
      const missing = [...domains].filter((domain) => !bundled.has(domain));
      expect(missing).toEqual([]);
      const neighbours = [...domains].flatMap((domain) => [`${domain}x`, `x${domain}`, domain.slice(1)]);
      const wrong = neighbours.filter((domain) => bundled.has(domain) !== domains.has(domain));
      expect(wrong).toEqual([]);
      expect(bundled.has("gmail.com")).toBe(false);
      expect(existsSync(join(outdir, dataFiles[0] ?? ""))).toBe(true);
    },
    BUILD_TIMEOUT_MS,
  );
});

/** Builds `entry` with `bundling` into its own directory; returns the bundle's path. */
async function bundleOf(name: string, entry: string, bundling: FunctionBundling): Promise<string> {
  const outfile = join(directory, name, "index.mjs");
  await buildEntry(entry, bundling, { outfile, sourcemap: false });
  return outfile;
}

/**
 * In a fresh Node process: imports the bundle, invokes its handler with each event in turn, and
 * after each says whether `marker` is set on globalThis (a module sets it when it is evaluated).
 */
async function markerAfterEach(
  bundle: string,
  events: readonly unknown[],
  marker: string,
): Promise<boolean[]> {
  const script = join(directory, `${marker}.mjs`);
  writeFileSync(
    script,
    [
      `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
      "const seen = [];",
      `for (const event of ${JSON.stringify(events)}) {`,
      "  await handler(event, {});",
      `  seen.push(${JSON.stringify(marker)} in globalThis);`,
      "}",
      'process.stdout.write("\\nMARKERS " + JSON.stringify(seen) + "\\n");',
      "",
    ].join("\n"),
  );
  const { stdout } = await promisify(execFile)(process.execPath, [script], {
    cwd: directory,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      // Nothing listens there: a table read fails at once, and the check answers "unavailable".
      AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      TABLE_NAME: "bounce-guard-test",
      RETRY_WINDOW_STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:test",
    },
  });
  const line = stdout.split("\n").find((text) => text.startsWith("MARKERS "));
  if (line === undefined) throw new Error(`no markers from the bundle: ${stdout.slice(0, 300)}`);
  return JSON.parse(line.slice("MARKERS ".length)) as boolean[];
}

describe("what a cold start of the bundles leaves unloaded", () => {
  it(
    "the classifier evaluates zod only for a record the fast path cannot vouch for",
    async () => {
      // Prepare: zod sets globalThis.__zod_globalConfig when its core module is evaluated.
      const bundle = await bundleOf("classifier-lazy", "functions/classifier.ts", classifierBundling(NONE));
      const broken = JSON.stringify({ notificationType: "Bounce", mail: { messageId: "m", timestamp: "t" } });
      const record = {
        messageId: "m-1",
        receiptHandle: "r-1",
        body: broken,
        eventSource: "aws:sqs",
        attributes: {},
      };

      // Act
      const seen = await markerAfterEach(
        bundle,
        [{ Records: [] }, { Records: [record] }],
        "__zod_globalConfig",
      );

      // Assess
      expect(seen).toEqual([false, true]);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    "the pre-send check evaluates the RFC 5321 parser only for an address that is not of the plain form",
    async () => {
      // Prepare: the parser package behind a module that marks its evaluation.
      const require = createRequire(import.meta.url);
      const marked = join(directory, "marked-smtp-parser.mjs");
      writeFileSync(
        marked,
        `globalThis.__smtpParserLoaded = true;\nexport { parse } from ${JSON.stringify(require.resolve("smtp-address-parser"))};\n`,
      );
      const bundling = presendCheckBundling(PROJECT_ROOT, NONE);
      const bundle = await bundleOf("presend-lazy", "functions/presend-check.ts", {
        ...bundling,
        alias: { ...bundling.alias, "smtp-address-parser": marked },
      });

      // Act
      const seen = await markerAfterEach(
        bundle,
        [{}, { addresses: ["plain@example.com"] }, { addresses: ['"john doe"@example.com'] }],
        "__smtpParserLoaded",
      );

      // Assess
      expect(seen).toEqual([false, false, true]);
    },
    BUILD_TIMEOUT_MS,
  );
});

describe("the package's prebuilt bundles", () => {
  it("cover every configuration the construct can ask for, each under its own name", () => {
    // Prepare
    const shipped = everyBundle().map(({ name, features }) => bundleName(name, features));
    const configurations = [false, true].flatMap((keyedAddresses) =>
      [false, true].map((sesSuppressionList): BundleFeatures => ({ keyedAddresses, sesSuppressionList })),
    );

    // Act
    const asked = configurations.flatMap((features) =>
      (["classifier", "presend-check"] as const).map((name) => bundleName(name, features)),
    );

    // Assess
    expect(new Set(shipped).size).toBe(shipped.length);
    expect([...new Set(asked)].sort()).toEqual([...shipped].sort());
    expect(shipped).toHaveLength(6);
    expect(bundleName("presend-check", { keyedAddresses: true, sesSuppressionList: true })).toBe(
      "presend-check-keyed",
    );
  });

  it("are used by the construct only when it runs compiled: from the sources it bundles at synth", () => {
    // Act
    const code = functionCode("presend-check", { keyedAddresses: false, sesSuppressionList: false });

    // Assess
    expect(code).toMatchObject({
      kind: "sources",
      entry: join(PROJECT_ROOT, "functions/presend-check.ts"),
      lockFile: join(PROJECT_ROOT, "package-lock.json"),
    });
  });
});
