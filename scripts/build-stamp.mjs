// When the package's sources last changed: the build stamps dist/ with it, and `npm start` rebuilds
// dist/ when a source is newer than its stamp (scripts/build-if-stale.mjs).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The stamp file in dist/. */
export const BUILD_STAMP = ".build-stamp.json";

/** What the build reads: the sources it compiles and bundles, and what configures it. */
const SOURCES = [
  "lib",
  "functions",
  "cli",
  "types",
  "test/fixtures/ses",
  "scripts/build.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "cdk.json",
];

function newestIn(path) {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestIn(join(path, name)));
  return newest;
}

/** The newest modification time (ms) among the build's sources under `root`. */
export function newestSourceTime(root) {
  return Math.max(...SOURCES.map((source) => newestIn(join(root, source))));
}
