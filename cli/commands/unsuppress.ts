// bounce-guard unsuppress: audited reactivation. Read, assess, check (complaints need --force),
// then one write conditioned on the item being as it was read, so nothing landing in between is lost.

import { type AuditEntry, assess, checkReactivation } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { painterFor, type Style } from "../colour.ts";
import { booleanOption, type CommandOptions, type CommandRun, EXIT, type Io, openStore } from "../context.ts";
import { actorOf } from "../operator.ts";
import { printableJson } from "../printable.ts";
import { sesListSyncOf } from "../ses-list-sync.ts";
import { formatTable } from "../table.ts";
import { requiredReason } from "./suppress.ts";

type Outcome = "reactivated" | "not-found" | "refused" | "changed" | "ses-sync-failed";

/** Refused and changed addresses make the exit code 1; the others were still processed. */
const OUTCOME_FAILS = {
  reactivated: false,
  "not-found": false,
  refused: true,
  changed: true,
  "ses-sync-failed": true,
} as const satisfies Record<Outcome, boolean>;

const OUTCOME_STYLE = {
  reactivated: "green",
  "not-found": undefined,
  refused: "red",
  changed: "yellow",
  "ses-sync-failed": "yellow",
} as const satisfies Record<Outcome, Style | undefined>;

async function unsuppress(args: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  const { addresses, exitCode: readExitCode } = addressArguments(args, "unsuppress", io);
  const reason = requiredReason(options, "unsuppress");
  const actor = actorOf(options);
  const force = booleanOption(options, "force");
  const json = booleanOption(options, "json");
  const paint = painterFor(io);
  const now = io.now();
  // With sesSuppressionListSync on, our suppressions are mirrored on SES's list: remove them there too.
  const sync = sesListSyncOf(options, io);
  if (addresses.length === 0) {
    sync?.release();
    return readExitCode;
  }
  const { store, policy, close } = await openStore(options, io).catch((error: unknown) => {
    sync?.release();
    throw error;
  });
  let exitCode = readExitCode;
  const rows: { cells: string[]; outcome: Outcome }[] = [];
  const report = (address: string, outcome: Outcome, detail: string) => {
    if (OUTCOME_FAILS[outcome]) exitCode = EXIT.badInput;
    if (json) io.stdout(`${printableJson({ address, outcome, detail })}\n`);
    else rows.push({ cells: [address, outcome, detail], outcome });
  };
  try {
    for (const address of addresses) {
      const seen = await store.read(address);
      const state = seen.state;
      if (state === undefined) {
        report(address, "not-found", "nothing recorded for this address; nothing to reactivate");
        continue;
      }
      const check = checkReactivation(state, assess(state, policy, now), force);
      if (!check.ok) {
        report(address, "refused", check.why);
        continue;
      }
      const audit: AuditEntry = {
        at: now.toISOString(),
        action: "unsuppress",
        actor,
        reason,
        ...(check.previous !== undefined ? { previous: check.previous } : {}),
      };
      const written = await store.reactivate(address, seen, audit, now);
      if (written === undefined) {
        report(
          address,
          "changed",
          "new feedback arrived while reactivating; nothing written, check it and run again",
        );
        continue;
      }
      if (sync !== undefined) {
        try {
          await sync.remove(address);
        } catch (error) {
          report(
            address,
            "ses-sync-failed",
            `reactivated here, but the SES account list still holds it: ${(error as Error).message}`,
          );
          continue;
        }
      }
      report(
        address,
        "reactivated",
        check.previous !== undefined
          ? `was suppressed (${check.previous.by}, ${check.previous.reason}) since ${check.previous.since}; counters reset`
          : "was not suppressed; counters reset",
      );
    }
  } finally {
    sync?.release();
    await close();
  }
  if (rows.length > 0) {
    const table = formatTable(
      ["address", "result", "detail"],
      rows.map((row) => row.cells),
      {
        paint,
        styleOf: (row, column) => {
          const outcome = rows[row]?.outcome;
          return column === 1 && outcome !== undefined ? OUTCOME_STYLE[outcome] : undefined;
        },
      },
    );
    io.stdout(`${table}\n`);
  }
  return exitCode;
}

export const run: CommandRun = (args, options, io) => unsuppress(args, options, io);
