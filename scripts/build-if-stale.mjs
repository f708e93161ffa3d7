// Before `npm start`: rebuilds dist/ when a source changed since its build, so the local run runs
// what was edited. Plain JavaScript, so the check itself costs a few milliseconds.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_STAMP, newestSourceTime } from "./build-stamp.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
let builtFrom = -1;
try {
  builtFrom = JSON.parse(readFileSync(join(root, "dist", BUILD_STAMP), "utf8")).sourcesAt;
} catch {
  // No build yet.
}
if (newestSourceTime(root) > builtFrom) {
  process.stderr.write("bounce-guard: the sources changed since dist/ was built; building it again\n");
  const build = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts/build.ts")], {
    cwd: root,
    stdio: "inherit",
  });
  process.exitCode = build.status ?? 1;
}
