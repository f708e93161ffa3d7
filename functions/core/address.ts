// E-mail address normalisation and the redacted form used in logs.
import { hash } from "node:crypto";
import { domainToASCII } from "node:url";
import { BoundedMemo } from "./bounded-memo.ts";

const PLAIN_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/;
const BRACKETED = /<([^<>]*)>\s*$/;

export type NormalisedAddress =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly message: string };

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
 * Normalise an address for use as a key: trim, take the part inside angle brackets when a display
 * name is present, lower-case the domain and convert an internationalised domain to its ASCII
 * (punycode) form. The local part is kept as sent: RFC 5321 lets the receiving host treat it as
 * case-sensitive.
 */
export function normaliseAddress(raw: string): NormalisedAddress {
  let text = raw.trim();
  // Without a ">" there is nothing in angle brackets; most addresses come bare.
  const bracketed = text.includes(">") ? BRACKETED.exec(text) : null;
  if (bracketed?.[1] !== undefined) {
    text = bracketed[1].trim();
  }
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) {
    return { ok: false, message: `"${raw}" is not an e-mail address (no local part and domain around "@")` };
  }
  const localPart = text.slice(0, at);
  const lowered = text.slice(at + 1).toLowerCase();
  // One trailing dot (the DNS root) goes.
  const typed = lowered.endsWith(".") ? lowered.slice(0, -1) : lowered;
  // Most domains are plain ASCII already; only the others need the (slower) IDNA conversion.
  const domain = PLAIN_DOMAIN.test(typed) ? typed : asciiDomainOf(typed);
  if (domain === "") {
    return { ok: false, message: `"${raw}" has an invalid domain` };
  }
  return { ok: true, address: `${localPart}@${domain}` };
}

/** A stable, non-reversible stand-in for an address in logs (first 12 hex digits of SHA-256). */
export function redactAddress(address: string): string {
  return `addr:${hash("sha256", address, "hex").slice(0, 12)}`;
}
