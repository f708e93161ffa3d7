import { describe, expect, it } from "vitest";
import {
  DUPLICATE_HORIZON_SECONDS,
  isRetired,
  RETIRED_ID_LENGTH,
  retire,
  retiredIdOf,
} from "../../functions/core/retired-ids.ts";
import { DAY_SECONDS, instant } from "../fixtures/scenarios/feedback.ts";

describe("retired event ids", () => {
  it("remembers every id retired within the horizon, and each in 8 characters", () => {
    // Act
    const first = retire(undefined, ["aaaaaaaaaaaa", "bbbbbbbbbbbb"], instant(0));
    const second = retire(first, ["cccccccccccc"], instant(DAY_SECONDS));

    // Assess
    for (const id of ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"])
      expect(isRetired(second, id)).toBe(true);
    expect(isRetired(second, "dddddddddddd")).toBe(false);
    expect(retiredIdOf("aaaaaaaaaaaa")).toHaveLength(RETIRED_ID_LENGTH);
  });

  it("drops a chunk once the horizon has passed since it was retired", () => {
    // Prepare
    const old = retire(undefined, ["aaaaaaaaaaaa"], instant(0));

    // Act
    const later = retire(old, ["bbbbbbbbbbbb"], instant(DUPLICATE_HORIZON_SECONDS + 1));

    // Assess
    expect(isRetired(later, "aaaaaaaaaaaa")).toBe(false);
    expect(isRetired(later, "bbbbbbbbbbbb")).toBe(true);
  });

  it("keeps ids apart that share their first characters", () => {
    // Act
    const retired = retire(undefined, ["event-12"], instant(0));

    // Assess
    expect(isRetired(retired, "event-12")).toBe(true);
    expect(isRetired(retired, "event-123")).toBe(false);
  });

  it("leaves nothing when nothing is retired and everything has expired", () => {
    expect(
      retire(retire(undefined, ["aaaaaaaaaaaa"], instant(0)), [], instant(20 * DAY_SECONDS)),
    ).toBeUndefined();
  });
});
