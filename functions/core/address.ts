// E-mail address normalisation and the redacted form used in logs.
import { createHash } from "node:crypto";
import { domainToASCII } from "node:url";

const PLAIN_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;

export type NormalisedAddress =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly message: string };

/**
 * Normalise an address for use as a key: trim, take the part inside angle brackets when a display
 * name is present, lower-case the domain and convert an internationalised domain to its ASCII
 * (punycode) form. The local part is kept as sent: RFC 5321 lets the receiving host treat it as
 * case-sensitive.
 */
export function normaliseAddress(raw: string): NormalisedAddress {
  let text = raw.trim();
  const bracketed = /<([^<>]*)>\s*$/.exec(text);
  if (bracketed?.[1] !== undefined) {
    text = bracketed[1].trim();
  }
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) {
    return { ok: false, message: `"${raw}" is not an e-mail address (no local part and domain around "@")` };
  }
  const localPart = text.slice(0, at);
  const typed = text
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, "");
  // Most domains are plain ASCII already; only the others need the (slower) IDNA conversion.
  const domain = PLAIN_DOMAIN.test(typed) ? typed : domainToASCII(typed);
  if (domain === "") {
    return { ok: false, message: `"${raw}" has an invalid domain` };
  }
  return { ok: true, address: `${localPart}@${domain}` };
}

/** A stable, non-reversible stand-in for an address in logs (first 12 hex digits of SHA-256). */
export function redactAddress(address: string): string {
  return `addr:${createHash("sha256").update(address).digest("hex").slice(0, 12)}`;
}
