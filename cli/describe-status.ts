// One line saying where an address stands, shared by the local run and `status`.
import type { Assessment } from "../functions/core/policy.ts";

export function describeStatus(assessment: Assessment): string {
  if (assessment.status === "deferred") return `deferred until ${assessment.retryAt ?? "?"}`;
  if (assessment.status === "suppressed")
    return `suppressed (${assessment.suppression?.by ?? assessment.reason ?? "?"})`;
  return assessment.streak.count > 0 ? `active, streak ${assessment.streak.count}` : "active";
}
