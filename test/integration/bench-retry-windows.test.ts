import { describe, expect, it } from "vitest";
import { measureWindowTransitionsApart } from "../../bench/retry-windows.ts";
import { runWindowDemo } from "../../cli/demo-windows.ts";
import { startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { synthesizeStack } from "../../cli/local/retry-window.ts";
import { startLocalQueues } from "../../cli/local/sqs.ts";
import { VirtualClock } from "../../cli/local/virtual-clock.ts";

describe("the retry-window figures measured in a child process", () => {
  it("rejects with the child's exit code when the child refuses its input, instead of waiting or resolving", async () => {
    // Act: zero write units is refused by the child before it measures anything.
    const measured = measureWindowTransitionsApart(0);

    // Assess
    await expect(measured).rejects.toThrow(/^the retry-window measurement exited with code 2/);
  }, 30_000);
});

describe("the retry-window runs on the controlled clock", () => {
  it("count the same transitions when every table request is slow, where real-time waits would drift", async () => {
    // Prepare: 400 ms per DynamoDB request. On this machine's clock the delivery then lands after the
    // next poll (5 transitions instead of 4) and the quiet window runs out a poll early (12, not 16).
    const template = await synthesizeStack();
    const dynamo = await startLocalDynamoDb({
      configureClient: (client) =>
        client.middlewareStack.add(
          (next) => async (args) => {
            await new Promise((resolve) => setTimeout(resolve, 400));
            return next(args);
          },
          { step: "initialize", name: "slowTable" },
        ),
    });
    const queues = await startLocalQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });

    // Act
    let windows: Awaited<ReturnType<typeof runWindowDemo>>["windows"];
    try {
      const clock = new VirtualClock(new Date("2025-06-01T00:00:00.000Z"));
      windows = (await runWindowDemo(dynamo, queues, template, { clock })).windows;
    } finally {
      await queues.close();
      await dynamo.close();
    }

    // Assess
    expect(windows.map(({ sender, transitions, execution }) => [sender, transitions, execution])).toEqual([
      ["delivers on retry", 4, "ABORTED"],
      ["still full on every retry", 7, "ABORTED"],
      ["never retries", 16, "SUCCEEDED"],
    ]);
    expect(windows[2]?.states.filter((state) => state === "Decide")).toHaveLength(3);
  }, 120_000);
});
