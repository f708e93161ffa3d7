import { describe, expect, it } from "vitest";
import { benchRecords, longDiagnostic, withAddressInDiagnostics } from "../../bench/classify-speed.ts";
import { classifyBounce } from "../../functions/core/classify.ts";
import { parseNotification } from "../../functions/core/parse.ts";

type Recipient = { emailAddress: string; diagnosticCode?: string | null };

function recipientsOf(body: string): Recipient[] {
  const parsed = parseNotification({ eventSource: "aws:sqs", messageId: "m", body });
  if (parsed.kind !== "notification") throw new Error(`not a notification: ${body.slice(0, 80)}`);
  const { bounce, deliveryDelay } = parsed.notification;
  return [...(bounce?.bouncedRecipients ?? []), ...(deliveryDelay?.delayedRecipients ?? [])];
}

describe("the classify bench's records with addresses in their diagnostics", () => {
  const records = benchRecords(400, 3);
  const quoted = withAddressInDiagnostics(records);

  it("quote each bounced or delayed recipient's bare address in its own diagnostic", () => {
    const diagnostics = quoted.flatMap((record) => recipientsOf(record.body));
    const withText = diagnostics.filter((recipient) => typeof recipient.diagnosticCode === "string");

    expect(withText.length).toBeGreaterThan(50);
    for (const recipient of withText) {
      const bare = /<([^<>]+)>\s*$/.exec(recipient.emailAddress)?.[1] ?? recipient.emailAddress;
      expect(recipient.diagnosticCode).toContain(`<${bare}>: `);
    }
  });

  it("change nothing but the diagnostics", () => {
    const withoutDiagnostics = (body: string) =>
      JSON.parse(
        JSON.stringify(parseNotification({ eventSource: "aws:sqs", messageId: "m", body })),
        (key, value) => (key === "diagnosticCode" ? undefined : value),
      );

    expect(quoted).toHaveLength(records.length);
    quoted.forEach((record, index) => {
      expect(withoutDiagnostics(record.body)).toEqual(withoutDiagnostics(records[index]?.body ?? ""));
    });
  });
});

describe("the long diagnostics of the classify bench", () => {
  it.each([1024, 256 * 1024])("are exactly %i units long and start with a receiver's reply", (length) => {
    const diagnostic = longDiagnostic(length);
    expect(diagnostic).toHaveLength(length);
    expect(
      classifyBounce({ bounceType: "Permanent", bounceSubType: "General", diagnosticCode: diagnostic }),
    ).toMatchObject({ class: "hard", reason: "userunknown" });
  });
});
