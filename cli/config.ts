// Defaults for the deployment and the local store's folder: flags first, then the environment
// (BOUNCE_GUARD_STACK, BOUNCE_GUARD_REGION, BOUNCE_GUARD_DATA), then a config file
// (.bounce-guard/config.json, or the file BOUNCE_GUARD_CONFIG names), then the built-in default.
import { readFileSync } from "node:fs";
import { type CommandSpec, DEFAULT_DATA_DIRECTORY, UsageError } from "./command.ts";

export const DEFAULT_CONFIG_FILE = ".bounce-guard/config.json";

const SETTINGS = {
  stack: "BOUNCE_GUARD_STACK",
  region: "BOUNCE_GUARD_REGION",
  data: "BOUNCE_GUARD_DATA",
} as const;
type Setting = keyof typeof SETTINGS;

type Environment = Readonly<Record<string, string | undefined>>;

/** Where a setting came from; a higher rank is more explicit. */
const RANK = { flag: 3, environment: 2, file: 1, none: 0 } as const;
type Source = keyof typeof RANK;

interface Sourced {
  readonly value?: string;
  readonly source: Source;
}

/** The config file's settings; a missing file is no settings, a broken one a usage error naming it. */
export function readConfigFile(env: Environment): Partial<Record<Setting, string>> {
  const named = env.BOUNCE_GUARD_CONFIG;
  const path = named !== undefined && named !== "" ? named : DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && path === DEFAULT_CONFIG_FILE) return {};
    throw new UsageError(`cannot read the config file ${path} (${code ?? "error"})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the config file ${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `the config file ${path} must hold one JSON object, such as { "stack": "BounceGuard" }`,
    );
  }
  const settings: Partial<Record<Setting, string>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in SETTINGS)) {
      throw new UsageError(
        `the config file ${path} has an unknown key "${key}" (known: ${Object.keys(SETTINGS).join(", ")})`,
      );
    }
    if (typeof value !== "string" || value.trim() === "") {
      throw new UsageError(`the config file ${path}: "${key}" must be a non-empty string`);
    }
    settings[key as Setting] = value.trim();
  }
  return settings;
}

export interface Settings {
  readonly data: string;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/**
 * The options a command runs with. A deployed table is used when --stack or --table is at least as
 * explicit as --data (flag over environment over file); so an explicit --data keeps a command on
 * the local store even with a stack configured. Only commands that take these options read them.
 */
export function resolveSettings(
  spec: Pick<CommandSpec, "options">,
  flags: Readonly<Record<string, string | boolean | undefined>>,
  env: Environment,
): Settings {
  const takes = (name: string) => name in spec.options;
  if (!takes("data") && !takes("stack")) {
    return { data: DEFAULT_DATA_DIRECTORY, values: flags };
  }
  let file: Partial<Record<Setting, string>> | undefined;
  const sourced = (name: Setting): Sourced => {
    const flag = flags[name];
    if (typeof flag === "string") return { value: flag, source: "flag" };
    const fromEnvironment = env[SETTINGS[name]];
    if (fromEnvironment !== undefined && fromEnvironment !== "") {
      return { value: fromEnvironment, source: "environment" };
    }
    file ??= readConfigFile(env);
    const fromFile = file[name];
    return fromFile !== undefined ? { value: fromFile, source: "file" } : { source: "none" };
  };
  const data = sourced("data");
  const stack = takes("stack") ? sourced("stack") : { source: "none" as const };
  const region = takes("region") ? sourced("region") : { source: "none" as const };
  const tableFlag = typeof flags.table === "string";
  const deployedRank = Math.max(RANK[stack.source], tableFlag ? RANK.flag : RANK.none);
  if (deployedRank === RANK.flag && data.source === "flag") {
    throw new UsageError("give --data (the local store) or --stack/--table (a deployed one), not both");
  }
  const values: Record<string, string | boolean | undefined> = { ...flags };
  if (region.value !== undefined) values.region = region.value;
  // A tie (both from the environment, or both from the file) goes to the deployment named.
  if (deployedRank > 0 && deployedRank >= RANK[data.source]) {
    if (!tableFlag || stack.source === "flag") values.stack = stack.value;
  } else {
    delete values.stack;
    delete values.table;
  }
  return { data: data.value ?? DEFAULT_DATA_DIRECTORY, values };
}
