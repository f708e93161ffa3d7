// The ADDRESS... arguments of the per-address commands, normalised before any store is opened.
import { normaliseAddress } from "../functions/core/address.ts";
import { EXIT, type Io, UsageError } from "./context.ts";

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
    const normalised = normaliseAddress(raw);
    if (normalised.ok) {
      addresses.push(normalised.address);
    } else {
      io.stderr(`${normalised.message}\n`);
      exitCode = EXIT.badInput;
    }
  }
  return { addresses, exitCode };
}
