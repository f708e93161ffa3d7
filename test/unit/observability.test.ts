import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ConfigurationError, readEnvironment } from "../../functions/adapters/environment.ts";
import { createLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { at, HOUR_SECONDS, instant, sesBounce } from "../fixtures/scenarios/feedback.ts";

const ADDRESS = "Private.Person@Example.com";

function recordOf(notification: unknown): SQSRecord {
  return {
    messageId: "m-1",
    receiptHandle: "r",
    body: JSON.stringify(notification),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "s",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
    awsRegion: "us-east-1",
  };
}

/** Runs one hard bounce through the classifier (with a store that only acknowledges) and returns the log lines. */
async function logLinesOf(logAddresses: boolean): Promise<string[]> {
  const lines: string[] = [];
  const classifier = createClassifier({
    // The store is not what is observed here: it acknowledges every write as applied.
    store: {
      apply: async (_address, decision) =>
        decision.kind === "none"
          ? { kind: "skipped", why: decision.why }
          : {
              kind: "applied",
              promoted: false,
              assessment: { status: "suppressed", streak: { count: 0, reasons: [] }, blockCount: 0 },
            },
      settleSes: async () => true,
    },
    logger: createLogger({ logAddresses, write: (line) => lines.push(line) }),
    metrics: createEmfMetrics("Test", () => {}),
    now: () => instant(HOUR_SECONDS),
  });
  await classifier.processRecord(
    recordOf(
      sesBounce({ address: ADDRESS, at: at(0), diagnosticCode: `smtp; 550 5.1.1 <${ADDRESS}> user unknown` }),
    ),
  );
  return lines;
}

describe("logs", () => {
  it("carry no raw address by default, only its redacted form", async () => {
    const lines = await logLinesOf(false);

    const text = lines.join("\n").toLowerCase();
    expect(lines.length).toBeGreaterThan(0);
    expect(text).not.toContain("private.person");
    expect(JSON.parse(lines[0] ?? "{}").address).toMatch(/^anon:[0-9a-f]{12}$/);
  });

  it("carry the address when the operator opted in", async () => {
    const lines = await logLinesOf(true);

    expect(JSON.parse(lines[0] ?? "{}").address).toBe("Private.Person@example.com");
  });
});

describe("EMF metrics", () => {
  it("write one Embedded Metric Format line per class, reason and suppression, then start again", () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics("BounceGuard", (line) => lines.push(line));
    metrics.recipient("hard", "userunknown");
    metrics.recipient("hard", "userunknown");
    metrics.suppression("userunknown");
    metrics.duplicate();

    metrics.flush();
    const flushedAgain = lines.length;
    metrics.flush();

    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed).toContainEqual(
      expect.objectContaining({
        Class: "hard",
        Recipients: 2,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: "BounceGuard",
              Dimensions: [["Class"]],
              Metrics: [{ Name: "Recipients", Unit: "Count" }],
            },
          ],
        }),
      }),
    );
    expect(parsed).toContainEqual(expect.objectContaining({ Reason: "userunknown", Suppressions: 1 }));
    expect(parsed).toContainEqual(expect.objectContaining({ DuplicatesSkipped: 1 }));
    expect(lines).toHaveLength(flushedAgain);
  });
});

describe("the functions' environment", () => {
  it.each([
    [{}, /TABLE_NAME is required/],
    [
      { TABLE_NAME: "t", SOFT_BOUNCE_THRESHOLD: "five" },
      /SOFT_BOUNCE_THRESHOLD must be an integer, got "five"/,
    ],
    [
      { TABLE_NAME: "t", SOFT_BOUNCE_THRESHOLD: "40" },
      /softBounceThreshold must be an integer between 1 and 25, got 40/,
    ],
    [{ TABLE_NAME: "t", LOG_ADDRESSES: "yes" }, /LOG_ADDRESSES must be "true" or "false", got "yes"/],
  ])("stops at cold start with the bad value named: %o", (environment, message) => {
    expect(() => readEnvironment(environment)).toThrow(ConfigurationError);
    expect(() => readEnvironment(environment)).toThrow(message);
  });

  it("reads every setting it is given", () => {
    const environment = readEnvironment({
      TABLE_NAME: "table",
      SOFT_BOUNCE_THRESHOLD: "3",
      RETRY_INTERVAL_SECONDS: "600",
      LOG_ADDRESSES: "true",
      METRICS_NAMESPACE: "Custom",
      SES_SUPPRESSION_SYNC: "true",
      ADDRESS_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:key",
    });

    expect(environment).toMatchObject({
      tableName: "table",
      policy: { softBounceThreshold: 3, retryIntervalSeconds: 600 },
      logAddresses: true,
      metricsNamespace: "Custom",
      sesSuppressionSync: true,
      addressKeySecretArn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:key",
    });
  });
});
