// The package's build (`npm run build`; `npm ci` runs it through `prepare`): dist/ holds the compiled
// JavaScript with type declarations, the Lambda bundles the compiled construct deploys, the retry
// window's template the compiled command line runs locally, and the SES examples its demo sends.
// Nothing at run time needs tsx, esbuild or (for the command line) aws-cdk-lib.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUILT_TEMPLATE_FILE, retryWindowResources, synthesizeStack } from "../cli/local/retry-window.ts";
import {
  bundleName,
  bundlingOf,
  esbuildOptionsOf,
  everyBundle,
  FUNCTION_ENTRIES,
} from "../lib/function-bundling.ts";
import { BUILD_STAMP, newestSourceTime } from "./build-stamp.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");

/** tsc with tsconfig.build.json: JavaScript with `.ts` imports rewritten to `.js`, and declarations. */
function compile(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tsc exited with ${code}`))));
  });
}

/** Each function with each feature combination, as the stack's own bundling would build it. */
async function bundleFunctions(): Promise<void> {
  await Promise.all(
    everyBundle().map(({ name, features }) =>
      build({
        ...esbuildOptionsOf(bundlingOf(name, ROOT, features)),
        entryPoints: [join(ROOT, FUNCTION_ENTRIES[name])],
        outfile: join(DIST, "bundles", bundleName(name, features), "index.mjs"),
        absWorkingDir: ROOT,
        logLevel: "warning",
      }),
    ),
  );
}

async function writeRetryWindowTemplate(): Promise<void> {
  const file = join(DIST, "cli", "local", BUILT_TEMPLATE_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(retryWindowResources(await synthesizeStack()))}\n`);
}

const started = performance.now();
// Stamped with the sources it was built from first, so an edit during the build still counts as newer.
const sourcesAt = newestSourceTime(ROOT);
rmSync(DIST, { recursive: true, force: true });
await Promise.all([compile(), bundleFunctions(), writeRetryWindowTemplate()]);
cpSync(join(ROOT, "test/fixtures/ses"), join(DIST, "test/fixtures/ses"), { recursive: true });
writeFileSync(join(DIST, BUILD_STAMP), `${JSON.stringify({ sourcesAt })}\n`);
process.stderr.write(`bounce-guard: built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
