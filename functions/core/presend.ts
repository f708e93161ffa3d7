// The pre-send check: the request it accepts and the answer it gives per address. Pure.
import {
  type AddressValidation,
  DEFAULT_CHECKS,
  VALIDATION_CHECKS,
  type ValidationCheck,
} from "./address-checks.ts";
import type { Assessment } from "./policy.ts";

export const MAX_ADDRESSES = 1000;

export interface CheckRequest {
  readonly addresses: readonly string[];
  readonly checks: ReadonlySet<ValidationCheck>;
}

export type CheckErrorCode =
  | "invalid-payload"
  | "no-addresses"
  | "too-many-addresses"
  | "invalid-address"
  | "unknown-check";

export interface CheckError {
  readonly code: CheckErrorCode;
  readonly message: string;
}

function error(code: CheckErrorCode, message: string): { ok: false; error: CheckError } {
  return { ok: false, error: { code, message } };
}

/** Validate an invoke payload: `{ addresses: [...] }` or `{ address }`, optional `checks`. */
export function parseCheckRequest(
  payload: unknown,
): { ok: true; request: CheckRequest } | { ok: false; error: CheckError } {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return error(
      "invalid-payload",
      'the payload must be a JSON object such as { "addresses": ["someone@example.com"] }',
    );
  }
  // Each field is read once (a getter is not asked twice) and checked below.
  const { address, addresses, checks } = payload as Record<string, unknown>;
  let list: unknown[];
  let field: (index: number) => string;
  if (addresses !== undefined) {
    if (!Array.isArray(addresses)) return error("invalid-payload", '"addresses" must be an array of strings');
    list = addresses;
    field = (index) => `addresses[${index}]`;
  } else if (address !== undefined) {
    list = [address];
    field = () => "address";
  } else {
    return error("no-addresses", 'give "addresses" (an array) or "address" (a string)');
  }
  if (list.length === 0) return error("no-addresses", '"addresses" is empty');
  if (list.length > MAX_ADDRESSES) {
    return error("too-many-addresses", `at most ${MAX_ADDRESSES} addresses per request, got ${list.length}`);
  }
  const notString = list.findIndex((item) => typeof item !== "string");
  if (notString !== -1) {
    const value = list[notString];
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    return error("invalid-address", `${field(notString)} is ${kind}, not a string`);
  }
  let chosen: readonly ValidationCheck[] = DEFAULT_CHECKS;
  if (checks !== undefined) {
    if (!Array.isArray(checks))
      return error("unknown-check", `"checks" must be an array of ${VALIDATION_CHECKS.join(", ")}`);
    const unknown = checks.find((check) => !VALIDATION_CHECKS.includes(check as ValidationCheck));
    if (unknown !== undefined) {
      return error(
        "unknown-check",
        `unknown check ${JSON.stringify(unknown)}; known: ${VALIDATION_CHECKS.join(", ")}`,
      );
    }
    chosen = checks as ValidationCheck[];
  }
  return { ok: true, request: { addresses: list as string[], checks: new Set(chosen) } };
}

export type PresendVerdict = "send" | "defer" | "suppress" | "invalid";

export interface PresendAnswer {
  readonly address: string;
  readonly normalized?: string;
  readonly verdict: PresendVerdict;
  /** The stored reason (Sisimai vocabulary) or the validation that failed; "ok" for send. */
  readonly reason: string;
  readonly since?: string;
  readonly retryAt?: string;
  readonly evidence?: {
    readonly feedbackId?: string;
    readonly messageId?: string;
    readonly diagnostic?: string;
    readonly status?: string;
  };
  readonly suggestion?: string;
  /** One sentence for people. */
  readonly explanation: string;
}

/**
 * Combine what the store knows and what validation found. Our own list wins (it carries evidence
 * of a real bounce or complaint), then validation, then a live deferral.
 */
export function answerFor(
  raw: string,
  validation: AddressValidation,
  assessment: Assessment | undefined,
): PresendAnswer {
  const base = {
    address: raw,
    ...(validation.normalized !== undefined ? { normalized: validation.normalized } : {}),
    ...(validation.suggestion !== undefined ? { suggestion: validation.suggestion } : {}),
  };
  if (assessment?.status === "suppressed") {
    const suppression = assessment.suppression;
    const evidence = {
      ...(suppression?.feedbackId ? { feedbackId: suppression.feedbackId } : {}),
      ...(suppression?.messageId ? { messageId: suppression.messageId } : {}),
      ...(suppression?.diagnostic ? { diagnostic: suppression.diagnostic } : {}),
      ...(suppression?.status ? { status: suppression.status } : {}),
    };
    return {
      ...base,
      verdict: "suppress",
      reason: assessment.reason ?? "undefined",
      ...(assessment.since !== undefined ? { since: assessment.since } : {}),
      ...(Object.keys(evidence).length > 0 ? { evidence } : {}),
      explanation: `suppressed (${suppression?.by ?? "unknown"}) for ${assessment.reason ?? "an unknown reason"}`,
    };
  }
  if (validation.invalid !== undefined) {
    return {
      ...base,
      verdict: "invalid",
      reason: validation.invalid.reason,
      explanation: validation.invalid.message,
    };
  }
  if (assessment?.status === "deferred") {
    return {
      ...base,
      verdict: "defer",
      reason: assessment.reason ?? "undefined",
      ...(assessment.since !== undefined ? { since: assessment.since } : {}),
      ...(assessment.retryAt !== undefined ? { retryAt: assessment.retryAt } : {}),
      explanation: `recently bounced (${assessment.reason ?? "soft"}); retry after ${assessment.retryAt ?? "the retry interval"}`,
    };
  }
  return {
    ...base,
    verdict: "send",
    reason: "ok",
    explanation: "no suppression, deferral or validation problem",
  };
}
