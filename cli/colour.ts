// Minimal ANSI colour for people at a terminal; nothing is coloured when stdout is not one.
import type { AddressStatus } from "../functions/core/policy.ts";
import type { Io } from "./context.ts";

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

export const STATUS_STYLE = {
  suppressed: "red",
  deferred: "yellow",
  active: "green",
} as const satisfies Record<AddressStatus, Style>;

/** A painter bound to the invocation: identity unless stdout is a terminal. */
export function painterFor(io: Io): (text: string, style: Style | undefined) => string {
  if (io.isTTY?.stdout !== true) return (text) => text;
  return (text, style) => (style === undefined ? text : `\u001b[${CODES[style]}m${text}\u001b[0m`);
}
