import { describe, expect, it } from "vitest";
import { assess, confirmationOf, DEFAULT_POLICY, suppressionCounts } from "../../functions/core/policy.ts";
import { at, DAY_SECONDS, entryOf, instant, stateOf } from "../fixtures/scenarios/feedback.ts";

const NOW = instant(30 * DAY_SECONDS);
const REACTIVATED = at(10 * DAY_SECONDS);

describe("a reactivation and what happened before it", () => {
  it("ignores a hard bounce's snapshot dated at or before the reactivation, written after it by a late arrival", () => {
    // Prepare: what a late bounce's write leaves: its entry and, through if_not_exists, its snapshot.
    const state = stateOf([entryOf("hard", 5 * DAY_SECONDS)], {
      reactivatedAt: REACTIVATED,
      suppression: { at: at(5 * DAY_SECONDS), by: "hard", reason: "userunknown" },
      retained: true,
    });

    // Act
    const assessment = assess(state, DEFAULT_POLICY, NOW);

    // Assess
    expect(assessment.status).toBe("active");
  });

  it("still counts an operator's suppression whatever date it carries, and any suppression after the reactivation", () => {
    // Prepare
    const imported = {
      at: at(5 * DAY_SECONDS),
      by: "manual" as const,
      reason: "manual" as const,
      actor: "ops",
    };
    const later = { at: at(11 * DAY_SECONDS), by: "hard" as const, reason: "userunknown" as const };

    // Act / Assess
    expect(suppressionCounts(imported, REACTIVATED)).toBe(true);
    expect(suppressionCounts(later, REACTIVATED)).toBe(true);
    expect(suppressionCounts({ ...later, at: REACTIVATED }, REACTIVATED)).toBe(false);
    expect(
      assess(stateOf([], { reactivatedAt: REACTIVATED, suppression: imported }), DEFAULT_POLICY, NOW).status,
    ).toBe("suppressed");
  });

  it("never confirms with a permanent failure without a reason dated at or before the reactivation", () => {
    // Prepare: one unconfirmed failure before the reactivation, one at it, one after.
    const state = stateOf(
      [
        entryOf("unconfirmed", 9 * DAY_SECONDS),
        entryOf("unconfirmed", 10 * DAY_SECONDS),
        entryOf("unconfirmed", 11 * DAY_SECONDS),
      ],
      { reactivatedAt: REACTIVATED },
    );

    // Act
    const assessment = assess(state, DEFAULT_POLICY, instant(11 * DAY_SECONDS + 60));

    // Assess: the one after it waits for its own confirmation.
    expect(assessment.status).toBe("deferred");
    expect(assessment.awaitingConfirmation?.at).toBe(at(11 * DAY_SECONDS));
    expect(confirmationOf(state, DEFAULT_POLICY)).toBeUndefined();
  });

  it("ignores a confirmed suppression's snapshot dated at or before the reactivation", () => {
    // Prepare: a trim kept the confirmation as the snapshot, then the operator reactivated.
    const state = stateOf([entryOf("unconfirmed", 5 * DAY_SECONDS)], {
      reactivatedAt: REACTIVATED,
      suppression: {
        at: at(5 * DAY_SECONDS),
        by: "confirmed",
        reason: "undefined",
        confirms: at(DAY_SECONDS),
      },
      retained: true,
    });

    // Act
    const assessment = assess(state, DEFAULT_POLICY, NOW);

    // Assess
    expect(assessment.status).toBe("active");
    expect(confirmationOf(state, DEFAULT_POLICY)).toBeUndefined();
  });

  it("confirms with two permanent failures without a reason after the reactivation", () => {
    // Prepare
    const state = stateOf(
      [entryOf("unconfirmed", 11 * DAY_SECONDS), entryOf("unconfirmed", 12 * DAY_SECONDS)],
      { reactivatedAt: REACTIVATED },
    );

    // Act
    const assessment = assess(state, DEFAULT_POLICY, NOW);

    // Assess
    expect(assessment.suppression).toMatchObject({ by: "confirmed", confirms: at(11 * DAY_SECONDS) });
    expect(confirmationOf(state, DEFAULT_POLICY)).toEqual(assessment.suppression);
  });
});
