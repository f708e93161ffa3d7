import { describe, expect, it } from "vitest";
import { mergeStates } from "../../functions/core/merge-states.ts";
import { assess, DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { at, DAY_SECONDS, entryOf, instant, stateOf } from "../fixtures/scenarios/feedback.ts";

const NOW = instant(30 * DAY_SECONDS);

describe("one address under its folded key and its older key", () => {
  it("is suppressed when either item is, and counts an event in both once", () => {
    // Prepare
    const hard = entryOf("hard", DAY_SECONDS);
    const legacy = stateOf([hard], { counts: { hard: 1, soft: 0, block: 0, complaint: 0, delivery: 0 } });
    const current = stateOf([hard, entryOf("delivered", 2 * DAY_SECONDS)], {
      counts: { hard: 0, soft: 0, block: 0, complaint: 0, delivery: 1 },
    });

    // Act
    const merged = mergeStates(current, legacy);

    // Assess
    expect(merged?.history).toHaveLength(2);
    expect(merged?.counts).toMatchObject({ hard: 1, delivery: 1 });
    expect(assess(merged, DEFAULT_POLICY, NOW).status).toBe("suppressed");
  });

  it("applies the later reactivation to both items", () => {
    // Prepare
    const legacy = stateOf([entryOf("hard", DAY_SECONDS)], {
      suppression: { at: at(DAY_SECONDS), by: "hard", reason: "userunknown" },
    });
    const current = stateOf([entryOf("soft", 3 * DAY_SECONDS)], { reactivatedAt: at(2 * DAY_SECONDS) });

    // Act
    const merged = mergeStates(current, legacy);

    // Assess
    expect(merged?.reactivatedAt).toBe(at(2 * DAY_SECONDS));
    expect(merged?.suppression).toBeUndefined();
    expect(assess(merged, DEFAULT_POLICY, NOW).status).toBe("active");
  });

  it("is either item alone when the other does not exist", () => {
    const only = stateOf([entryOf("soft", DAY_SECONDS)]);
    expect(mergeStates(only, undefined)).toBe(only);
    expect(mergeStates(undefined, only)).toBe(only);
    expect(mergeStates(undefined, undefined)).toBeUndefined();
  });
});
