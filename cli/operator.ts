// Who is running an operator command, for the audit entries kept on the items.
import { userInfo } from "node:os";
import { type CommandOptions, stringOption } from "./command.ts";

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
