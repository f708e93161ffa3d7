// bounce-guard erase: remove an address's personal data, keeping a tombstone if it is suppressed.
import { createSesSuppressionSync } from "../../functions/adapters/ses-suppression-sync.ts";
import type { AuditEntry } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { borrowClient } from "../aws.ts";
import {
  booleanOption,
  type Command,
  type CommandOptions,
  EXIT,
  type Io,
  openStore,
  stringOption,
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
  const { store, close } = await openStore(options, io.aws);
  // SES's account-level list holds the address itself (the sync's suppressions, the mirror's deferrals).
  const writer = booleanOption(options, "ses-sync")
    ? borrowClient(io.aws, "sesv2Writer", stringOption(options, "region"))
    : undefined;
  const sync = writer !== undefined ? createSesSuppressionSync(writer.client) : undefined;
  let code = exitCode;
  const rows: string[][] = [];
  try {
    for (const address of addresses) {
      const audit: AuditEntry = { at: now.toISOString(), action: "erase", actor, reason };
      const outcome = await store.erase(address, audit, now);
      let ses: string | undefined;
      if (sync !== undefined) {
        try {
          await sync.remove(address);
          ses = "removed from the SES account list";
        } catch (error) {
          code = EXIT.badInput;
          ses = `the SES account list still holds it: ${(error as Error).message}`;
        }
      }
      if (json) io.stdout(`${JSON.stringify({ address, outcome, ...(ses !== undefined ? { ses } : {}) })}\n`);
      else
        rows.push([address, ses === undefined ? OUTCOME_TEXT[outcome] : `${OUTCOME_TEXT[outcome]}; ${ses}`]);
    }
  } finally {
    writer?.release();
    await close();
  }
  if (!json && rows.length > 0) io.stdout(`${formatTable(["address", "result"], rows)}\n`);
  return code;
}

export const eraseCommand: Command = {
  name: "erase",
  usage: [
    "erase ADDRESS... --reason TEXT [--ses-sync] [--actor NAME]",
    "remove an address's personal data (history, evidence, audit, open retry window); a suppressed",
    "address keeps a tombstone so it stays suppressed (keyed by HMAC in keyed mode), any other is deleted",
  ],
  options: {
    ...TABLE_OPTIONS,
    reason: {
      type: "string",
      help: "--reason TEXT      why, in your words (required; kept in the tombstone's audit)",
    },
    "ses-sync": {
      type: "boolean",
      help: "--ses-sync         also remove them from the SES account-level list (sync or deferral mirror on)",
    },
    ...ACTOR_OPTION,
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON)" },
  },
  run: (args, options, io) => erase(args, options, io),
};
