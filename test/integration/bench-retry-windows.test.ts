import { describe, expect, it } from "vitest";
import { measureWindowTransitionsApart } from "../../bench/retry-windows.ts";

describe("the retry-window figures measured in a child process", () => {
  it("rejects with the child's exit code when the child refuses its input, instead of waiting or resolving", async () => {
    // Act: zero write units is refused by the child before it measures anything.
    const measured = measureWindowTransitionsApart(0);

    // Assess
    await expect(measured).rejects.toThrow(/^the retry-window measurement exited with code 2/);
  }, 30_000);
});
