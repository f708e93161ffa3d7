// Who is running an operator command, for the audit entries kept on the items.
import { userInfo } from "node:os";
import { type CommandOptions, type OptionSpec, stringOption } from "./context.ts";

export const ACTOR_OPTION: Readonly<Record<string, OptionSpec>> = {
  actor: { type: "string", help: "--actor NAME       who is acting, for the audit (default: the OS user)" },
};

/** --actor, else the OS user; some containers have no user entry, and the audit still needs a name. */
export function actorOf(options: CommandOptions): string {
  const given = stringOption(options, "actor")?.trim();
  if (given !== undefined && given !== "") return given;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
