import { describe, expect, it } from "vitest";
import {
  baseDelaySeconds,
  DEFAULT_RECORD_RETRY,
  retryBudgetSeconds,
  retryDelaySeconds,
} from "../../functions/core/record-retry.ts";

const HOUR = 3_600;

describe("the record retry schedule", () => {
  it("grows from 30 s by doubling to an hourly cap", () => {
    // Act
    const delays = Array.from({ length: 10 }, (_, index) =>
      baseDelaySeconds(index + 1, DEFAULT_RECORD_RETRY),
    );

    // Assess
    expect(delays).toEqual([30, 60, 120, 240, 480, 960, 1_920, 3_600, 3_600, 3_600]);
  });

  it("keeps a record out of the DLQ through an outage of at least 12 hours, whatever the jitter", () => {
    // Act
    const budget = retryBudgetSeconds(DEFAULT_RECORD_RETRY);

    // Assess
    expect(budget).toBeGreaterThanOrEqual(12 * HOUR);
    expect(budget).toBeLessThan(14 * 24 * HOUR);
  });

  it("stretches or shrinks each delay by at most the jitter, never beyond SQS's 12 hours", () => {
    // Act
    const lowest = retryDelaySeconds(8, DEFAULT_RECORD_RETRY, 0);
    const highest = retryDelaySeconds(8, DEFAULT_RECORD_RETRY, 0.999_999);
    const huge = retryDelaySeconds(40, { ...DEFAULT_RECORD_RETRY, maxDelaySeconds: 100_000 }, 0.999_999);

    // Assess
    expect([lowest, highest]).toEqual([2_880, 4_320]);
    expect(huge).toBe(43_200);
  });
});
