import { describe, expect, it } from "vitest";
import { pairedRatio } from "../../bench/statistics.ts";

describe("pairedRatio", () => {
  it("is the median of the per-round ratios", () => {
    expect(pairedRatio([12, 30, 15], [10, 20, 10])).toBe(1.5);
  });

  it("cancels a slow stretch that hits both sides of each round alike", () => {
    // Prepare: the function always takes 1.2× its baseline, in rounds on a machine whose speed drifts.
    const speeds = [1, 1, 1, 1.6, 1.7, 1.8, 1.9];
    const baseline = speeds.map((speed, round) => 80 * speed * (round % 2 === 0 ? 1 : 1.01));
    const sample = speeds.map((speed) => 96 * speed);

    // Act
    const ratio = pairedRatio(sample, baseline);

    // Assess
    expect(ratio).toBeGreaterThan(1.18);
    expect(ratio).toBeLessThanOrEqual(1.2);
  });

  it("refuses samples of different lengths or none", () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(/one length/);
    expect(() => pairedRatio([], [])).toThrow(/non-empty/);
  });
});
