import { describe, expect, it } from "vitest";
import { FUTURE_TOLERANCE_SECONDS, withUsableTime } from "../../functions/core/event-time.ts";
import { at, DAY_SECONDS, instant, verdictOf } from "../fixtures/scenarios/feedback.ts";

const RECEIVED = instant(DAY_SECONDS);

describe("event times", () => {
  it("keeps SES's timestamp when it is readable and not in the future", () => {
    // Prepare
    const verdict = verdictOf("soft", { timestamp: at(0) });

    // Act / Assess
    expect(withUsableTime(verdict, RECEIVED)).toBe(verdict);
    const justAhead = verdictOf("soft", { timestamp: at(DAY_SECONDS + FUTURE_TOLERANCE_SECONDS) });
    expect(withUsableTime(justAhead, RECEIVED)).toBe(justAhead);
  });

  it.each([
    ["unreadable", "yesterday-ish", "timestamp-unreadable"],
    ["empty", "", "timestamp-unreadable"],
    ["next year", at(DAY_SECONDS + 365 * DAY_SECONDS), "timestamp-in-future"],
    ["an hour ahead", at(DAY_SECONDS + 3_600), "timestamp-in-future"],
  ])("dates a verdict whose timestamp is %s at the receive time, with a note", (_, timestamp, note) => {
    // Act
    const usable = withUsableTime(verdictOf("soft", { timestamp }), RECEIVED);

    // Assess
    expect({ timestamp: usable.timestamp, note: usable.timestampNote }).toEqual({
      timestamp: RECEIVED.toISOString(),
      note,
    });
  });
});
