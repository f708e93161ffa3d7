// The functions' bundles as the stack builds them: what each configuration leaves out, and the
// disposable-domain list the pre-send check reads from a data file beside its bundle.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BundleFeatures,
  classifierBundling,
  esbuildOptionsOf,
  type FunctionBundling,
  presendCheckBundling,
} from "../../lib/function-bundling.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILD_TIMEOUT_MS = 60_000;
const SES = "@aws-sdk/client-sesv2";
const SECRETS_MANAGER = "@aws-sdk/client-secrets-manager";

const directory = mkdtempSync(join(tmpdir(), "bounce-guard-bundling-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The packages whose code is in the bundle of `entry`, as esbuild's metafile lists them. */
async function packagesIn(entry: string, bundling: FunctionBundling): Promise<Set<string>> {
  const result = await build({
    ...esbuildOptionsOf(bundling),
    entryPoints: [join(PROJECT_ROOT, entry)],
    outdir: join(directory, "metafile"),
    write: false,
    metafile: true,
    absWorkingDir: PROJECT_ROOT,
    logLevel: "silent",
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

describe("what each configuration's bundles hold", () => {
  it(
    "leaves the SES v2 and Secrets Manager clients out of both functions by default",
    async () => {
      // Act
      const classifier = await packagesIn("functions/classifier.ts", classifierBundling(NONE));
      const presend = await packagesIn(
        "functions/presend-check.ts",
        presendCheckBundling(PROJECT_ROOT, NONE),
      );

      // Assess
      expect(classifier.has("@aws-sdk/client-dynamodb")).toBe(true);
      expect(classifier.has("@aws-sdk/client-sfn")).toBe(true);
      expect(presend.has("@aws-sdk/client-dynamodb")).toBe(true);
      for (const packages of [classifier, presend]) {
        expect(packages.has(SES)).toBe(false);
        expect(packages.has(SECRETS_MANAGER)).toBe(false);
      }
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    "puts each client in when the configuration uses it, and never SES in the pre-send check",
    async () => {
      // Act
      const classifier = await packagesIn("functions/classifier.ts", classifierBundling(ALL));
      const keyedOnly = await packagesIn(
        "functions/classifier.ts",
        classifierBundling({ keyedAddresses: true, sesSuppressionList: false }),
      );
      const presend = await packagesIn("functions/presend-check.ts", presendCheckBundling(PROJECT_ROOT, ALL));

      // Assess
      expect(classifier.has(SES)).toBe(true);
      expect(classifier.has(SECRETS_MANAGER)).toBe(true);
      expect(keyedOnly.has(SES)).toBe(false);
      expect(keyedOnly.has(SECRETS_MANAGER)).toBe(true);
      expect(presend.has(SECRETS_MANAGER)).toBe(true);
      expect(presend.has(SES)).toBe(false);
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
