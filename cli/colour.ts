// Colour for people at a terminal (picocolors): none when stdout is not a terminal, when NO_COLOR
// is set (no-color.org) or when TERM is dumb.
import picocolors from "picocolors";
import type { AddressStatus } from "../functions/core/policy.ts";
import type { Io } from "./command.ts";

export type Style = "red" | "green" | "yellow" | "bold" | "dim";

export const STATUS_STYLE = {
  suppressed: "red",
  deferred: "yellow",
  active: "green",
} as const satisfies Record<AddressStatus, Style>;

/** Whether this invocation's stdout gets colour. */
export function colourOn(io: Io): boolean {
  const noColour = io.env?.NO_COLOR;
  return io.isTTY?.stdout === true && (noColour === undefined || noColour === "") && io.env?.TERM !== "dumb";
}

/** A painter bound to the invocation: identity unless colourOn. */
export function painterFor(io: Io): (text: string, style: Style | undefined) => string {
  const colours = picocolors.createColors(colourOn(io));
  return (text, style) => (style === undefined ? text : colours[style](text));
}
