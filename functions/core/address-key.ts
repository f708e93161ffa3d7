// How an address becomes the table's key: as it is, or as an HMAC so the table holds no addresses.
import { createHmac } from "node:crypto";

export interface AddressKeys {
  /** True when keys are HMACs: the table then holds no plaintext address anywhere. */
  readonly keyed: boolean;
  keyOf(address: string): string;
}

export const PLAIN_KEYS: AddressKeys = { keyed: false, keyOf: (address) => address };

/** Below this a secret is guessable; HMAC-SHA256 wants at least its output size. */
const MINIMUM_SECRET_BYTES = 32;

/**
 * HMAC-SHA256 of the normalised address under a secret, prefixed with a version so the scheme can
 * change without a collision. The same secret must serve every reader and writer.
 */
export function hmacKeys(secret: string): AddressKeys {
  if (Buffer.byteLength(secret) < MINIMUM_SECRET_BYTES) {
    throw new RangeError(`the address key secret must be at least ${MINIMUM_SECRET_BYTES} bytes long`);
  }
  return {
    keyed: true,
    keyOf: (address) => `h1:${createHmac("sha256", secret).update(address).digest("base64url")}`,
  };
}

/** Remove an address from a text (diagnostics often quote it), case-insensitively. */
export function withoutAddress(text: string, address: string): string {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(escaped, "gi"), "<recipient>");
}
