// bounce-guard erase: remove an address's personal data, keeping a tombstone if it is suppressed.
import type { AuditEntry } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { booleanOption, type CommandOptions, type CommandRun, EXIT, type Io, openStore } from "../context.ts";
import { actorOf } from "../operator.ts";
import { printableJson } from "../printable.ts";
import { sesListSyncOf } from "../ses-list-sync.ts";
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
  // SES's account-level list holds the address itself (the sync's suppressions, the mirror's deferrals).
  const sync = sesListSyncOf(options, io);
  if (addresses.length === 0) {
    sync?.release();
    return exitCode;
  }
  const { store, close } = await openStore(options, io).catch((error: unknown) => {
    sync?.release();
    throw error;
  });
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
      if (json) io.stdout(`${printableJson({ address, outcome, ...(ses !== undefined ? { ses } : {}) })}\n`);
      else
        rows.push([address, ses === undefined ? OUTCOME_TEXT[outcome] : `${OUTCOME_TEXT[outcome]}; ${ses}`]);
    }
  } finally {
    sync?.release();
    await close();
  }
  if (!json && rows.length > 0) io.stdout(`${formatTable(["address", "result"], rows)}\n`);
  return code;
}

export const run: CommandRun = (args, options, io) => erase(args, options, io);
