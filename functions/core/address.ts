// E-mail address normalisation and the redacted form used in logs.
import { createHmac } from "node:crypto";
import { domainToASCII } from "node:url";
import { BoundedMemo } from "./bounded-memo.ts";

const PLAIN_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;
const BRACKETED = /<([^<>]*)>\s*$/;

export type NormalisedAddress =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly message: string };

/** RFC 5321's limit on a path (256 octets with the angle brackets): longer cannot be an address. */
export const MAX_ADDRESS_LENGTH = 254;

/**
 * C0 and C1 controls, DEL, and the Unicode line and paragraph separators: no address holds one, and
 * a CR or LF in a key, a log line or an SES call is an injection, not a spelling.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** How a refused input is named in a message: quoted, escaped, and cut so a huge one stays readable. */
export function quotedInput(raw: string): string {
  const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
  return JSON.stringify(shown);
}

/**
 * domainToASCII is pure but slow (a call into ICU per address), and one container sees the same few
 * internationalised domains again and again. Bounded so that a stream of distinct domains cannot
 * grow it: when full, the oldest entry goes; longer than any real domain (253) is not kept at all.
 */
export const ASCII_DOMAIN_CACHE_LIMIT = 256;
const ASCII_DOMAINS = new BoundedMemo<string>(ASCII_DOMAIN_CACHE_LIMIT, 255);

function asciiDomainOf(domain: string): string {
  const known = ASCII_DOMAINS.get(domain);
  if (known !== undefined) return known;
  const ascii = domainToASCII(domain);
  ASCII_DOMAINS.set(domain, ascii);
  return ascii;
}

/** How many converted domains the cache holds (for tests of its bound). */
export function asciiDomainCacheSize(): number {
  return ASCII_DOMAINS.size;
}

/**
 * Normalise an address: trim, take the part inside angle brackets when a display name is present,
 * lower-case the domain and convert an internationalised domain to its ASCII (punycode) form. The
 * local part is kept as sent, for display; the store keys on `foldedAddress` of it. What cannot be
 * an address at all (control characters, longer than RFC 5321 allows) is refused here, at intake,
 * so it is never looked up or written.
 */
export function normaliseAddress(raw: string): NormalisedAddress {
  let text = raw.trim();
  if (CONTROL_CHARACTERS.test(text)) {
    return {
      ok: false,
      message: `${quotedInput(raw)} is not an e-mail address (it holds control characters)`,
    };
  }
  if (text.length > 4 * MAX_ADDRESS_LENGTH) {
    // Not even a display name and an address: refused before any further work on it.
    return {
      ok: false,
      message: `${quotedInput(raw)} is not an e-mail address (longer than ${MAX_ADDRESS_LENGTH} characters: ${text.length})`,
    };
  }
  // Without a ">" there is nothing in angle brackets; most addresses come bare.
  const bracketed = text.includes(">") ? BRACKETED.exec(text) : null;
  if (bracketed?.[1] !== undefined) {
    text = bracketed[1].trim();
  }
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) {
    return {
      ok: false,
      message: `${quotedInput(raw)} is not an e-mail address (no local part and domain around "@")`,
    };
  }
  const localPart = text.slice(0, at);
  const lowered = text.slice(at + 1).toLowerCase();
  // One trailing dot (the DNS root) goes.
  const typed = lowered.endsWith(".") ? lowered.slice(0, -1) : lowered;
  // Most domains are plain ASCII already; only the others need the (slower) IDNA conversion.
  const domain = PLAIN_DOMAIN.test(typed) ? typed : asciiDomainOf(typed);
  if (domain === "") {
    return { ok: false, message: `${quotedInput(raw)} has an invalid domain` };
  }
  const address = `${localPart}@${domain}`;
  if (address.length > MAX_ADDRESS_LENGTH) {
    return {
      ok: false,
      message: `${quotedInput(raw)} is not an e-mail address (longer than ${MAX_ADDRESS_LENGTH} characters: ${address.length})`,
    };
  }
  return { ok: true, address };
}

/**
 * The form the store keys an address by: the whole address lower-cased. Mailbox providers treat
 * the local part case-insensitively, and so does SES's suppression list, so `John.Doe@example.com`
 * and `john.doe@example.com` are one address; the spelling as sent is kept for display.
 */
export function foldedAddress(normalised: string): string {
  return normalised.toLowerCase();
}

/**
 * A stand-in for an address in logs: 48 bits of an HMAC of the folded address under `key`. A plain
 * hash of an address is reversed by hashing a list of addresses; without the key this cannot be.
 */
export function pseudonymOf(address: string, key: string | Uint8Array): string {
  return `anon:${createHmac("sha256", key).update(foldedAddress(address)).digest("hex").slice(0, 12)}`;
}
