// The ADDRESS... arguments of the per-address commands, checked before any store is opened with the
// same syntax rule as the pre-send check (RFC 5321), so no command accepts what `check` calls invalid.
import { validateAddress } from "../functions/core/address-validation.ts";
import { EXIT, type Io, UsageError } from "./command.ts";
import { printable } from "./printable.ts";

const SYNTAX_ONLY = new Set(["syntax"] as const);

export interface AddressArguments {
  readonly addresses: readonly string[];
  /** EXIT.badInput when an argument was not an address (named on stderr); the rest still count. */
  readonly exitCode: number;
}

export function addressArguments(args: readonly string[], command: string, io: Io): AddressArguments {
  if (args.length === 0) throw new UsageError(`${command} needs at least one ADDRESS`);
  const addresses: string[] = [];
  let exitCode: number = EXIT.ok;
  for (const raw of args) {
    const validation = validateAddress(raw, SYNTAX_ONLY);
    if (validation.invalid === undefined && validation.normalized !== undefined) {
      addresses.push(validation.normalized);
      continue;
    }
    const detail = (validation.invalid?.message ?? "").replace(/^not a valid address: /, "");
    const quoted = printable(JSON.stringify(raw));
    io.stderr(
      detail.startsWith(quoted) || detail.includes(raw)
        ? `${printable(detail)}\n`
        : `${quoted} is not an e-mail address: ${printable(detail)}\n`,
    );
    exitCode = EXIT.badInput;
  }
  return { addresses, exitCode };
}
