// bounce-guard erase: remove an address's personal data, keeping a tombstone if it is suppressed.
import { normaliseAddress } from "../../functions/core/address.ts";
import type { AuditEntry } from "../../functions/core/policy.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  EXIT,
  type Io,
  openStore,
  TABLE_OPTIONS,
  UsageError,
} from "../context.ts";
import { ACTOR_OPTION, actorOf } from "../operator.ts";
import { formatTable } from "../table.ts";
import { requiredReason } from "./suppress.ts";

const OUTCOME_TEXT = {
  tombstoned: "history and evidence removed; kept suppressed by a tombstone",
  deleted: "not suppressed: the item was deleted",
  absent: "nothing stored for this address",
} as const;

async function erase(addresses: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (addresses.length === 0) throw new UsageError("erase needs at least one ADDRESS");
  const reason = requiredReason(options, "erase");
  const actor = actorOf(options);
  const json = booleanOption(options, "json");
  const now = io.now();
  const { store, close } = await openStore(options, io.aws);
  let exitCode: number = EXIT.ok;
  const rows: string[][] = [];
  try {
    for (const raw of addresses) {
      const normalised = normaliseAddress(raw);
      if (!normalised.ok) {
        io.stderr(`${normalised.message}\n`);
        exitCode = EXIT.badInput;
        continue;
      }
      const audit: AuditEntry = { at: now.toISOString(), action: "erase", actor, reason };
      const outcome = await store.erase(normalised.address, audit, now);
      if (json) io.stdout(`${JSON.stringify({ address: normalised.address, outcome })}\n`);
      else rows.push([normalised.address, OUTCOME_TEXT[outcome]]);
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
