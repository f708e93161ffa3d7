import { describe, expect, it } from "vitest";
import { type FeedbackStreamOptions, generateFeedbackStream } from "../support/feedback-stream.ts";

const OPTIONS: FeedbackStreamOptions = {
  seed: 11,
  notifications: 600,
  addresses: 90,
  end: new Date("2025-06-01T00:00:00.000Z"),
};

const poisonPlaces = (options: FeedbackStreamOptions) =>
  generateFeedbackStream(options)
    .messages.map((message, index) => (message.kind === "poison" ? index : -1))
    .filter((index) => index !== -1);

describe("generateFeedbackStream: where poison lies", () => {
  it("is the same stream for the same seed", () => {
    // Act
    const first = generateFeedbackStream(OPTIONS).messages;
    const second = generateFeedbackStream(OPTIONS).messages;

    // Assess
    expect(second).toEqual(first);
  });

  it("puts every poison message in the first share of the stream it is given, spread over it", () => {
    // Act
    const stream = generateFeedbackStream({ ...OPTIONS, poisonSpan: 0.5 });
    const places = poisonPlaces({ ...OPTIONS, poisonSpan: 0.5 });

    // Assess: all in the first half (the last place is right before the message at the half), and
    // not bunched at its start.
    const good = stream.messages.length - places.length;
    expect(places.length).toBeGreaterThan(10);
    for (const [rank, place] of places.entries()) expect(place - rank).toBeLessThanOrEqual(good / 2);
    expect(Math.max(...places)).toBeGreaterThan(stream.messages.length / 4);
  });

  it("keeps the last fifth free of poison by default, and can spread it over the whole stream", () => {
    // Act
    const byDefault = poisonPlaces(OPTIONS);
    const everywhere = poisonPlaces({ ...OPTIONS, poisonSpan: 1 });

    // Assess: a poison message's place among the good messages is its place less the poison before it.
    const good = generateFeedbackStream(OPTIONS).messages.length - byDefault.length;
    const latest = (places: number[]) => Math.max(...places.map((place, rank) => place - rank));
    expect(latest(byDefault)).toBeLessThanOrEqual(0.8 * good);
    expect(latest(everywhere)).toBeGreaterThan(0.8 * good);
  });

  it("refuses a span outside (0, 1]", () => {
    expect(() => generateFeedbackStream({ ...OPTIONS, poisonSpan: 0 })).toThrow(/poisonSpan/);
    expect(() => generateFeedbackStream({ ...OPTIONS, poisonSpan: 1.5 })).toThrow(/poisonSpan/);
  });
});
