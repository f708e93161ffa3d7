// The local mode's emulators are optional dependencies of the package: loaded when a local run
// needs them, and named when they are not installed.
import { CommandFailure } from "../command.ts";

/** An optional package the local mode needs is not installed: said in one line, exit code 1. */
export class MissingOptionalDependency extends CommandFailure {
  override readonly name = "MissingOptionalDependency";
}

function isMissing(error: unknown, name: string): boolean {
  const { code, message } = error as NodeJS.ErrnoException;
  return code === "ERR_MODULE_NOT_FOUND" && String(message).includes(`'${name}'`);
}

/** Loads an optional package, or fails with an error saying which one to install. */
export async function loadOptional<Module>(name: string, load: () => Promise<Module>): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new MissingOptionalDependency(
      `the local mode needs ${name}, an optional dependency of bounce-guard that is not installed (npm install ${name})`,
      { cause: error },
    );
  }
}

/** Whether an optional package can be loaded. */
export async function isInstalled(name: string, load: () => Promise<unknown>): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (error) {
    if (isMissing(error, name)) return false;
    throw error;
  }
}
