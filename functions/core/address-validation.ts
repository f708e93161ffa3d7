// Pre-send address validation with the full RFC 5321 parser at hand: for the CLI, the bench and the
// tests. The checks themselves are in address-checks.ts.
import { parse as parseSmtpAddress } from "smtp-address-parser";
import { type AddressValidation, checkAddress, type ValidationCheck } from "./address-checks.ts";

export {
  type AddressValidation,
  DEFAULT_CHECKS,
  type InvalidReason,
  isDisposableDomain,
  plainlyValid,
  type TypoReading,
  typoOf,
  VALIDATION_CHECKS,
  type ValidationCheck,
} from "./address-checks.ts";

/**
 * Validate one address with the chosen checks (MX lookups happen in the adapter; a typo of a
 * major provider's domain is invalid, any other typo only gives a suggestion).
 */
export function validateAddress(raw: string, checks: ReadonlySet<ValidationCheck>): AddressValidation {
  return checkAddress(raw, checks, parseSmtpAddress);
}
