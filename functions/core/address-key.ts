// How an address becomes the table's key: its case-folded form, or an HMAC of that form so the table
// holds no addresses.
import { createHmac } from "node:crypto";
import { foldedAddress } from "./address.ts";
import type { RecipientVerdict } from "./types.ts";

export interface AddressKeys {
  /** True when keys are HMACs: the table then holds no plaintext address anywhere. */
  readonly keyed: boolean;
  /** The item's key: the case-folded address, or the HMAC of it in keyed mode. */
  keyOf(address: string): string;
  /**
   * The key versions before case folding wrote this spelling under (the address as sent, or its
   * HMAC), when it differs from `keyOf`: readers look there too, so nothing stored before is lost.
   */
  legacyKeyOf(address: string): string | undefined;
}

export const PLAIN_KEYS: AddressKeys = {
  keyed: false,
  keyOf: (address) => foldedAddress(address),
  legacyKeyOf: (address) => (foldedAddress(address) === address ? undefined : address),
};

/** Below this a secret is guessable; HMAC-SHA256 wants at least its output size. */
const MINIMUM_SECRET_BYTES = 32;

/**
 * HMAC-SHA256 of the case-folded address under a secret, prefixed with a version so the scheme can
 * change without a collision. The same secret must serve every reader and writer.
 */
export function hmacKeys(secret: string): AddressKeys {
  if (Buffer.byteLength(secret) < MINIMUM_SECRET_BYTES) {
    throw new RangeError(`the address key secret must be at least ${MINIMUM_SECRET_BYTES} bytes long`);
  }
  const hmacOf = (text: string) => `h1:${createHmac("sha256", secret).update(text).digest("base64url")}`;
  return {
    keyed: true,
    keyOf: (address) => hmacOf(foldedAddress(address)),
    legacyKeyOf: (address) => (foldedAddress(address) === address ? undefined : hmacOf(address)),
  };
}

/** Remove an address from a text (diagnostics often quote it), case-insensitively. */
export function withoutAddress(text: string, address: string): string {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(escaped, "gi"), "<recipient>");
}

/**
 * The verdict with its own address taken out of the diagnostic, before anything cuts the diagnostic
 * short: cut first, an address straddling the cut would leave a readable part behind.
 */
export function withoutRecipientInDiagnostic(verdict: RecipientVerdict): RecipientVerdict {
  return verdict.diagnostic === undefined
    ? verdict
    : { ...verdict, diagnostic: withoutAddress(verdict.diagnostic, verdict.address) };
}
