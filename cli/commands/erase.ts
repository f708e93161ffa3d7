// bounce-guard erase: remove an address's personal data, keeping a tombstone if it is suppressed.
import type { AuditEntry } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  type Io,
  openStore,
  TABLE_OPTIONS,
} from "../context.ts";
import { ACTOR_OPTION, actorOf } from "../operator.ts";
import { formatTable } from "../table.ts";
import { requiredReason } from "./suppress.ts";

const OUTCOME_TEXT = {
  tombstoned: "history and evidence removed; kept suppressed by a tombstone",
  deleted: "not suppressed: the item was deleted",
  absent: "nothing stored for this address",
} as const;

async function erase(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const { addresses, exitCode } = addressArguments(args, "erase", io);
  const reason = requiredReason(options, "erase");
  const actor = actorOf(options);
  const json = booleanOption(options, "json");
  const now = io.now();
  const { store, close } = await openStore(options, io);
  const rows: string[][] = [];
  try {
    for (const address of addresses) {
      const audit: AuditEntry = { at: now.toISOString(), action: "erase", actor, reason };
      const outcome = await store.erase(address, audit, now);
      if (json) io.stdout(`${JSON.stringify({ address, outcome })}\n`);
      else rows.push([address, OUTCOME_TEXT[outcome]]);
    }
  } finally {
    await close();
  }
  if (!json && rows.length > 0) io.stdout(`${formatTable(["address", "result"], rows)}\n`);
  return exitCode;
}

export const eraseCommand: Command = {
  name: "erase",
  usage: [
    "erase ADDRESS... --reason TEXT [--actor NAME]",
    "remove an address's personal data (history, evidence, audit); a suppressed address keeps a",
    "tombstone so it stays suppressed (keyed by HMAC in keyed mode), any other is deleted",
  ],
  options: {
    ...TABLE_OPTIONS,
    reason: {
      type: "string",
      help: "--reason TEXT      why, in your words (required; kept in the tombstone's audit)",
    },
    ...ACTOR_OPTION,
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON)" },
  },
  run: (args, options, io) => erase(args, options, io),
};
