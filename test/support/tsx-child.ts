// A project module run in a child Node process under tsx: how the bench and the chaos replay put
// work on the second core.
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** `--import tsx` resolves from the working directory: the project's, wherever the caller runs. */
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** True when the module at `moduleUrl` is the process's entry point (it was started as a child). */
export function isEntryPoint(moduleUrl: string): boolean {
  return process.argv[1] === fileURLToPath(moduleUrl);
}

/** Run the module at `moduleUrl` with `args` in a child process, from the project's root. */
export function spawnUnderTsx(moduleUrl: string, args: readonly string[], stdio: StdioOptions): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", fileURLToPath(moduleUrl), ...args], {
    cwd: PROJECT_ROOT,
    stdio,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
}
