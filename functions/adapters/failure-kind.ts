// Whether an error the classifier met is worth retrying later (an outage, throttling, a timeout) or
// says the record itself can never be applied (poison).

/**
 * Errors a request's own content causes: retrying the same record cannot help. Everything else is
 * treated as transient, the unknown included (a missing permission, say, passes once an operator
 * fixes it), so a good record is never dead-lettered for a fault that is not its own.
 */
const POISON_ERRORS = new Set([
  "ValidationException",
  "SerializationException",
  "ItemCollectionSizeLimitExceededException",
]);

/** Throttling, timeouts, networking and 5xx: what the backoff is for. Listed for the metrics' sake. */
const TRANSIENT_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "InternalServerError",
  "InternalServerErrorException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

export type FailureKind = "transient" | "poison";

export function failureKindOf(error: unknown): FailureKind {
  const name = error instanceof Error ? error.name : "";
  if (TRANSIENT_ERRORS.has(name)) return "transient";
  if (POISON_ERRORS.has(name)) return "poison";
  return "transient";
}
