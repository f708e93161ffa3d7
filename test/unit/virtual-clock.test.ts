import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../cli/local/virtual-clock.ts";

const START = new Date("2025-06-01T00:00:00.000Z");
const at = (ms: number) => new Date(START.getTime() + ms);

describe("VirtualClock", () => {
  it("runs scheduled work in the order of its instants, ties in the order they were scheduled", async () => {
    // Prepare
    const clock = new VirtualClock(START);
    const seen: string[] = [];
    const note = (name: string) => async () => {
      seen.push(`${name}@${clock.now().getTime() - START.getTime()}`);
    };
    clock.schedule(at(3_600_000), note("later"));
    clock.schedule(at(1_000), note("first"));
    clock.schedule(at(1_000), note("tie"));

    // Act
    const end = await clock.run();

    // Assess
    expect(seen).toEqual(["first@1000", "tie@1000", "later@3600000"]);
    expect(end).toEqual(at(3_600_000));
  });

  it("does not move on while work holds it, however long the work takes in real time", async () => {
    // Prepare
    const clock = new VirtualClock(START);
    const seen: string[] = [];
    clock.schedule(at(10), async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen.push(`slow done at ${clock.now().getTime() - START.getTime()}`);
      // Work scheduled while holding comes after it, at its own instant.
      clock.schedule(at(15), async () => {
        seen.push("scheduled meanwhile");
      });
    });
    clock.schedule(at(20), async () => {
      seen.push("next");
    });

    // Act
    await clock.run();

    // Assess
    expect(seen).toEqual(["slow done at 10", "scheduled meanwhile", "next"]);
  });

  it("wakes a sleeper at its instant holding the clock again, and never wakes a cancelled one", async () => {
    // Prepare
    const clock = new VirtualClock(START);
    const woken: number[] = [];
    const sleeper = clock.hold();
    const cancelled = clock.hold();
    let cancel = false;
    const sleeping = clock.sleepUntil(at(5_000), sleeper).then(() => {
      woken.push(clock.now().getTime() - START.getTime());
      expect(sleeper.holding).toBe(true);
      sleeper.release();
    });
    void clock.sleepUntil(at(1_000), cancelled, () => cancel).then(() => woken.push(-1));
    cancel = true;

    // Act
    await clock.run();
    await sleeping;

    // Assess
    expect(woken).toEqual([5_000]);
    expect(cancelled.holding).toBe(false);
  });

  it("rejects its run with the error of scheduled work that failed", async () => {
    // Prepare
    const clock = new VirtualClock(START);
    clock.schedule(at(1), async () => {
      throw new Error("the sender broke");
    });

    // Act / Assess
    await expect(clock.run()).rejects.toThrow("the sender broke");
  });
});
