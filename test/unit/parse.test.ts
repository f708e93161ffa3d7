import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { splitInput } from "../../cli/input.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { parseNotification } from "../../functions/core/parse.ts";
import { readNotification } from "../../functions/core/read-notification.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ses");
const examples = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .map((name) => ({
    name,
    value: JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>,
  }));
const complete = examples.filter(({ value }) => "notificationType" in value || "eventType" in value);
const fragments = examples.filter(({ value }) => !("notificationType" in value || "eventType" in value));

function sqsRecord(body: string) {
  return { messageId: "m-1", receiptHandle: "r-1", body, eventSource: "aws:sqs", attributes: {} };
}

describe("notifications without their mail object", () => {
  const withMail = complete.filter(
    ({ value }) => "bounce" in value || "complaint" in value || "delivery" in value,
  );

  it.each(withMail)(
    "reads $name without mail: the same verdicts, less what only the mail holds",
    ({ value }) => {
      // Prepare
      const { mail: _mail, ...trimmed } = value;
      const full = parseNotification(value);
      const pasted = parseNotification(trimmed);

      // Act
      const fullVerdicts = full.kind === "notification" ? verdictsOf(full.notification) : [];
      const pastedVerdicts = pasted.kind === "notification" ? verdictsOf(pasted.notification) : [];

      // Assess
      expect(pasted.kind).toBe("notification");
      expect(pastedVerdicts).toHaveLength(fullVerdicts.length);
      pastedVerdicts.forEach((verdict, index) => {
        const { messageId: _m, configurationSet: _c, eventId, ...rest } = fullVerdicts[index] ?? verdict;
        expect(verdict).toMatchObject(rest);
        expect(verdict.messageId).toBeUndefined();
        expect(verdict.configurationSet).toBeUndefined();
        // Bounces and complaints keep their id (SES's feedback id names them); a delivery is named by its time.
        if (verdict.event !== "delivery") expect(verdict.eventId).toBe(eventId);
      });
    },
  );

  it("gives two copies of a delivery pasted without mail the same event id, and another delivery another", () => {
    const delivery = (timestamp: string) => ({
      notificationType: "Delivery",
      delivery: { timestamp, recipients: ["jane@example.com"], smtpResponse: "250 ok" },
    });
    const idOf = (value: unknown) => {
      const parsed = parseNotification(value);
      return parsed.kind === "notification" ? verdictsOf(parsed.notification)[0]?.eventId : undefined;
    };

    expect(idOf(delivery("2026-01-01T00:00:00.000Z"))).toBe(idOf(delivery("2026-01-01T00:00:00.000Z")));
    expect(idOf(delivery("2026-01-01T00:00:00.000Z"))).not.toBe(idOf(delivery("2026-01-01T00:00:01.000Z")));
  });

  it("gives event types without a body of their own no recipients without mail", () => {
    const parsed = parseNotification({ eventType: "Open", open: { timestamp: "2026-01-01T00:00:00.000Z" } });

    expect(parsed.kind).toBe("notification");
    expect(parsed.kind === "notification" && verdictsOf(parsed.notification)).toEqual([]);
  });
});

describe("parseNotification", () => {
  it("finds fifteen complete official examples and two fragments", () => {
    expect(complete).toHaveLength(15);
    expect(fragments.map(({ name }) => name)).toEqual([
      "16-aws-docs-fragment-bounce-object.json",
      "42-aws-docs-fragment-bounced-recipient.json",
    ]);
  });

  it.each(complete)("reads $name identically bare, in an SNS envelope and in an SQS record", ({ value }) => {
    const bare = parseNotification(value);
    const envelope = snsEnvelopeOf(value, { messageId: "sns-1" });
    const viaSns = parseNotification(envelope);
    const viaSqsRaw = parseNotification(sqsRecord(JSON.stringify(value)));
    const viaSqsSns = parseNotification(sqsRecord(JSON.stringify(envelope)));

    expect(bare.kind).toBe("notification");
    for (const other of [viaSns, viaSqsRaw, viaSqsSns]) {
      expect(other.kind).toBe("notification");
      if (other.kind === "notification" && bare.kind === "notification") {
        expect(other.notification).toEqual(bare.notification);
      }
    }
    if (viaSqsSns.kind === "notification") {
      expect(viaSqsSns.envelope).toEqual({ sqsMessageId: "m-1", snsMessageId: "sns-1" });
    }
  });

  it("tells identity notifications from configuration-set events and reads the configuration set", () => {
    const identity = parseNotification(complete[0]?.value);
    const event = parseNotification(examples.find(({ name }) => name.startsWith("07-"))?.value);

    expect(identity.kind === "notification" && identity.notification.source).toBe("identity");
    expect(event.kind === "notification" && event.notification.source).toBe("event-publishing");
    expect(event.kind === "notification" && event.notification.configurationSet).toBe("ConfigSet");
  });

  it.each(fragments)("rejects the fragment $name with an error naming what is missing", ({ value }) => {
    const result = parseNotification(value);

    expect(result.kind).toBe("error");
    expect(result.kind === "error" && result.error.message).toMatch(/no notificationType, eventType/);
  });

  it("ignores fields SES adds later", () => {
    const value = structuredClone(complete[0]?.value) as Record<string, Record<string, unknown>>;
    value.newTopLevel = { anything: true } as never;
    (value.bounce as Record<string, unknown>).futureField = [1, 2, 3];

    const result = parseNotification(value);

    expect(result.kind).toBe("notification");
  });

  it("keeps an unknown event type instead of failing", () => {
    const value = { ...complete[0]?.value, notificationType: undefined, eventType: "Teleport" };

    const result = parseNotification(value);

    expect(result.kind === "notification" && result.notification.type).toBe("Teleport");
  });

  it.each(["SubscriptionConfirmation", "UnsubscribeConfirmation"])(
    "recognises SNS %s as a control message",
    (type) => {
      const result = parseNotification(
        sqsRecord(JSON.stringify({ Type: type, MessageId: "c-1", Message: "confirm" })),
      );

      expect(result).toMatchObject({ kind: "control", controlType: type });
    },
  );

  it.each([
    ["a number", 42, "not-an-object", /input is number/],
    ["an array", [1], "not-an-object", /an array/],
    ["text that is not JSON", "hello", "not-json", /input is not valid JSON/],
    ["an SQS body that is not JSON", sqsRecord("{oops"), "not-json", /SQS body is not valid JSON/],
    ["an SNS Message that is not JSON", { Type: "Notification", Message: "nope" }, "not-json", /SNS Message/],
    [
      "an SNS message of another type",
      { Type: "Weird", Message: "{}" },
      "not-a-notification",
      /Type "Weird"/,
    ],
    [
      "a bounce without its bounce object",
      { notificationType: "Bounce", mail: { messageId: "m", timestamp: "t" } },
      "invalid-notification",
      /bounce: a Bounce notification needs "bounce"/,
    ],
    [
      "a bounce object without its recipients (with or without mail)",
      { notificationType: "Bounce", bounce: {} },
      "invalid-notification",
      /bounce\.bouncedRecipients/,
    ],
    [
      "a mail object that is not an object",
      { notificationType: "Bounce", mail: "m", bounce: {} },
      "invalid-notification",
      /mail/,
    ],
    ["a whole SQS event", { Records: [] }, "not-a-notification", /parse each record/],
  ])("rejects %s with a clear error", (_what, input, code, message) => {
    const result = parseNotification(input);

    expect(result.kind).toBe("error");
    if (result.kind === "error") {
      expect(result.error.code).toBe(code);
      expect(result.error.message).toMatch(message);
    }
  });

  it("refuses envelopes nested deeper than SES, SNS and SQS do", () => {
    let body = JSON.stringify(complete[0]?.value);
    for (let depth = 0; depth < 5; depth += 1) body = JSON.stringify(sqsRecord(body));

    const result = parseNotification(body);

    expect(result.kind === "error" && result.error.message).toMatch(/more than three deep/);
  });
});

describe("splitInput then parseNotification", () => {
  it("parses each record of an SQS event on its own so one bad record does not hide the others", () => {
    const good = JSON.stringify(complete[0]?.value);
    const event = { Records: [sqsRecord(good), sqsRecord("not json"), sqsRecord(good)] };

    const results = splitInput(JSON.stringify(event), "event.json").items.map((item) =>
      parseNotification(item.value),
    );

    expect(results.map((result) => result.kind)).toEqual(["notification", "error", "notification"]);
  });
});

describe("readNotification without the schema (the classifier's cold path)", () => {
  // What the classifier gets: JSON text, decoded here, in each wrapping.
  const wrapped = complete.flatMap(({ name, value }) => {
    const sns = JSON.stringify(snsEnvelopeOf(value, { messageId: "sns-1" }));
    return [
      { name: `${name} as text`, input: JSON.stringify(value) as unknown },
      { name: `${name} in SNS`, input: sns },
      { name: `${name} in SQS`, input: sqsRecord(sns) },
    ];
  });

  it.each(wrapped)("reads $name without the schema, exactly as parseNotification does", ({ input }) => {
    // Act
    const reading = readNotification(input);

    // Assess
    expect(reading.kind).toMatch(/^(notification|control)$/);
    expect(reading).toEqual(parseNotification(input));
  });

  it("leaves a caller's own object to the schema: only what JSON.parse made here is vouched for", () => {
    for (const { value } of complete) expect(readNotification(value)).toEqual({ kind: "needs-schema" });
  });

  it("needs the schema for what the fast path cannot vouch for, and words nothing itself", () => {
    // Prepare
    const broken = [
      JSON.stringify({ notificationType: "Bounce", mail: { messageId: "m", timestamp: "t" } }),
      JSON.stringify({ notificationType: 7, mail: {} }),
      JSON.stringify({ Type: "Notification", MessageId: 7, Message: "{}" }),
    ];

    // Act
    const readings = broken.map((text) => readNotification(sqsRecord(text)));

    // Assess
    expect(readings).toEqual(broken.map(() => ({ kind: "needs-schema" })));
    for (const text of broken) expect(parseNotification(sqsRecord(text)).kind).toBe("error");
  });

  it("answers broken JSON and non-objects itself, as parseNotification does", () => {
    for (const input of ["{", "[]", 42, null, sqsRecord("not json")]) {
      expect(readNotification(input)).toEqual(parseNotification(input));
    }
  });
});
