// bounce-guard unsuppress: audited reactivation. Read, assess, check (complaints need --force),
// then one write conditioned on the item being as it was read, so nothing landing in between is lost.

import { createSesSuppressionSync } from "../../functions/adapters/ses-suppression-sync.ts";
import { type AuditEntry, assess, checkReactivation, DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { borrowClient } from "../aws.ts";
import { painterFor, type Style } from "../colour.ts";
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
  const { store, close } = await openStore(options, io.aws);
  // With sesSuppressionListSync on, our suppressions are mirrored on SES's list: remove them there too.
  const writer = booleanOption(options, "ses-sync")
    ? borrowClient(io.aws, "sesv2Writer", stringOption(options, "region"))
    : undefined;
  const sync = writer !== undefined ? createSesSuppressionSync(writer.client) : undefined;
  let exitCode = readExitCode;
  const rows: { cells: string[]; outcome: Outcome }[] = [];
  const report = (address: string, outcome: Outcome, detail: string) => {
    if (OUTCOME_FAILS[outcome]) exitCode = EXIT.badInput;
    if (json) io.stdout(`${JSON.stringify({ address, outcome, detail })}\n`);
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
      const check = checkReactivation(state, assess(state, DEFAULT_POLICY, now), force);
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
    writer?.release();
    await close();
  }
  if (rows.length > 0) {
    const table = formatTable(
      ["address", "result", "detail"],
      rows.map((row) => row.cells),
    ).split("\n");
    // Whole lines are coloured so the alignment stays as formatTable made it.
    const painted = table.map((line, index) => {
      const row = rows[index - 2];
      return row === undefined ? line : paint(line, OUTCOME_STYLE[row.outcome]);
    });
    io.stdout(`${painted.join("\n")}\n`);
  }
  return exitCode;
}

export const unsuppressCommand: Command = {
  name: "unsuppress",
  usage: [
    "unsuppress ADDRESS... --reason TEXT [--force] [--actor NAME]",
    "reactivate addresses: counters reset, earlier events stop counting, an audit entry keeps",
    "what the suppression was; complaints are refused without --force (exit 1, others still done)",
  ],
  options: {
    ...TABLE_OPTIONS,
    reason: { type: "string", help: "--reason TEXT      why, in your words (required)" },
    force: {
      type: "boolean",
      help: "--force            also reactivate addresses whose recipient complained",
    },
    "ses-sync": {
      type: "boolean",
      help: "--ses-sync         also remove them from the SES account-level list (stacks with sesSuppressionListSync)",
    },
    ...ACTOR_OPTION,
    json: { type: "boolean", help: "--json             one JSON object per address (NDJSON)" },
  },
  run: (args, options, io) => unsuppress(args, options, io),
};
