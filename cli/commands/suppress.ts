// bounce-guard suppress: an operator suppresses addresses by hand, recorded with who, when and why.
import { type AuditEntry, assess, manualSuppression } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { painterFor } from "../colour.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  type Io,
  openStore,
  stringOption,
  TABLE_OPTIONS,
  UsageError,
} from "../context.ts";
import { ACTOR_OPTION, actorOf } from "../operator.ts";
import { formatTable } from "../table.ts";

/** --reason is the operator's own words for the audit; suppress and unsuppress both require it. */
export function requiredReason(options: CommandOptions, command: string): string {
  const reason = stringOption(options, "reason")?.trim();
  if (reason === undefined || reason === "") {
    throw new UsageError(`${command} needs --reason TEXT (kept in the audit on each address)`);
  }
  return reason;
}

async function suppress(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const { addresses, exitCode } = addressArguments(args, "suppress", io);
  const reason = requiredReason(options, "suppress");
  const actor = actorOf(options);
  const json = booleanOption(options, "json");
  const paint = painterFor(io);
  const now = io.now();
  const { store, policy, close } = await openStore(options, io);
  const rows: string[][] = [];
  try {
    for (const address of addresses) {
      const audit: AuditEntry = { at: now.toISOString(), action: "suppress", actor, reason };
      const state = await store.suppressManually(address, manualSuppression(now, actor, reason), audit);
      const assessment = assess(state, policy, now);
      const earlier = assessment.suppression;
      // An earlier suppression stays the answer; the operator's action is audited either way.
      const outcome =
        earlier !== undefined && !(earlier.by === "manual" && earlier.at === audit.at)
          ? "already-suppressed"
          : "suppressed";
      if (json) {
        io.stdout(`${JSON.stringify({ address, outcome, actor, reason, suppression: earlier })}\n`);
      } else {
        rows.push([
          address,
          outcome === "suppressed"
            ? "suppressed"
            : `already suppressed (${earlier?.by ?? "?"}, ${earlier?.reason ?? "?"} since ${earlier?.at ?? "?"}); action audited`,
        ]);
      }
    }
  } finally {
    await close();
  }
  if (!json && rows.length > 0) {
    io.stdout(`${formatTable(["address", "result"], rows)}\n`);
    io.stdout(`${paint(`${rows.length} addresses; audited as ${actor}: ${reason}`, "dim")}\n`);
  }
  return exitCode;
}

export const suppressCommand: Command = {
  name: "suppress",
  usage: [
    "suppress ADDRESS... --reason TEXT [--actor NAME]",
    "suppress addresses by hand; who, when and why are kept in the audit on each address",
  ],
  options: {
    ...TABLE_OPTIONS,
    reason: { type: "string", help: "--reason TEXT      why, in your words (required)" },
    ...ACTOR_OPTION,
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON)" },
  },
  run: (args, options, io) => suppress(args, options, io),
};
