// bounce-guard suppress: an operator suppresses addresses by hand, recorded with who, when and why.
import { type AuditEntry, assess, manualSuppression } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { painterFor } from "../colour.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  type Io,
  openStore,
  stringOption,
  UsageError,
} from "../context.ts";
import { actorOf } from "../operator.ts";
import { printableJson } from "../printable.ts";
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
  if (addresses.length === 0) return exitCode;
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
        io.stdout(`${printableJson({ address, outcome, actor, reason, suppression: earlier })}\n`);
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
    io.stdout(`${formatTable(["address", "result"], rows, { paint })}\n`);
    io.stdout(
      `${paint(`${rows.length} ${rows.length === 1 ? "address" : "addresses"}; audited as ${actor}: ${reason}`, "dim")}\n`,
    );
  }
  return exitCode;
}

export const run: CommandRun = (args, options, io) => suppress(args, options, io);
