// bounce-guard status: the stored state of addresses, and why.

import { assess } from "../../functions/core/policy.ts";
import { addressArguments } from "../address-arguments.ts";
import { booleanOption, type CommandOptions, type CommandRun, type Io, openStore } from "../context.ts";
import { describeStatus } from "../describe-status.ts";
import { printable, printableJson } from "../printable.ts";

async function status(
  addresses: readonly string[],
  options: CommandOptions,
  json: boolean,
  io: Io,
): Promise<number> {
  const { addresses: normalisedAddresses, exitCode } = addressArguments(addresses, "status", io);
  if (normalisedAddresses.length === 0) return exitCode;
  const { store, policy, close } = await openStore(options, io);
  try {
    for (const address of normalisedAddresses) {
      const state = await store.get(address);
      const assessment = assess(state, policy, io.now());
      if (json) {
        io.stdout(
          `${printableJson({ address: address, ...assessment, counts: state?.counts, history: state?.history ?? [] })}\n`,
        );
        continue;
      }
      const lines = [
        `${address}: ${describeStatus(assessment)}${assessment.reason ? `, reason ${assessment.reason}` : ""}`,
      ];
      if (assessment.since) lines.push(`  since       ${assessment.since}`);
      const evidence = assessment.suppression;
      if (evidence?.status || evidence?.diagnostic) {
        lines.push(`  evidence    ${[evidence.status, evidence.diagnostic].filter(Boolean).join("  ")}`);
      }
      if (evidence?.streakReasons) lines.push(`  streak      ${evidence.streakReasons.join(", ")}`);
      if (state === undefined) {
        lines.push("  no feedback recorded for this address");
      } else {
        const counts = Object.entries(state.counts)
          .map(([name, count]) => `${name} ${count}`)
          .join(", ");
        lines.push(`  counts      ${counts}; live soft streak ${assessment.streak.count}`);
        lines.push("  history     (latest first)");
        for (const entry of [...state.history].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10)) {
          lines.push(
            `    ${entry.at}  ${entry.event}/${entry.class}/${entry.reason}  ${entry.status ?? ""}  ${(entry.diagnostic ?? "").slice(0, 80)}`,
          );
        }
      }
      // Stored text (diagnostics, notes) is shown escaped: it came from outside.
      io.stdout(`${lines.map(printable).join("\n")}\n`);
    }
  } finally {
    await close();
  }
  return exitCode;
}

export const run: CommandRun = (args, options, io) =>
  status(args, options, booleanOption(options, "json"), io);
