import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BounceEvidence,
  classifyBounce,
  classifyDelay,
  classOfReason,
  type DelayEvidence,
  extractStatus,
  normaliseDiagnostic,
  READ_LIMIT,
  readablePart,
  reasonOfText,
} from "../../functions/core/classify.ts";
import { REASONS, type Reason } from "../../functions/core/types.ts";

interface Expected {
  readonly class: string;
  readonly reason: Reason;
}
interface BounceCase extends BounceEvidence {
  readonly id: string;
  readonly note: string;
  readonly expected: Expected;
}
interface DelayCase extends DelayEvidence {
  readonly id: string;
  readonly note: string;
  readonly expected: Expected;
}

const { bounces, delays } = JSON.parse(
  readFileSync(new URL("../fixtures/bounces/cases.json", import.meta.url), "utf8"),
) as { bounces: BounceCase[]; delays: DelayCase[] };

const evidence = (
  bounceType: string,
  bounceSubType: string,
  status?: string,
  diagnosticCode?: string,
): BounceEvidence => ({
  bounceType,
  bounceSubType,
  ...(status === undefined ? {} : { status }),
  ...(diagnosticCode === undefined ? {} : { diagnosticCode }),
});

describe("classifyBounce over the bounce cases", () => {
  it("has at least 200 bounce cases, each with a note on where its phrasing comes from", () => {
    expect(bounces.length).toBeGreaterThanOrEqual(200);
    expect(bounces.every((c) => c.note.length > 0)).toBe(true);
    expect(new Set(bounces.map((c) => c.id)).size).toBe(bounces.length);
  });

  it.each(bounces)("reads $id ($note) as $expected.class/$expected.reason", (c) => {
    // Act
    const reading = classifyBounce(c);
    // Assess
    expect({ class: reading.class, reason: reading.reason }).toEqual(c.expected);
  });
});

describe("classifyDelay over the delay cases", () => {
  it.each(delays)("reads $id ($note) as $expected.class/$expected.reason", (c) => {
    // Act
    const reading = classifyDelay(c);
    // Assess
    expect({ class: reading.class, reason: reading.reason }).toEqual(c.expected);
  });
});

describe("classifyBounce: SES labels that are wrong", () => {
  it("reads Transient/General with 5.4.4 as a hard bounce", () => {
    const reading = classifyBounce(
      evidence("Transient", "General", "5.4.4", "smtp; 550 5.4.4 Invalid domain"),
    );
    expect(reading).toMatchObject({ class: "hard", reason: "hostunknown", status: "5.4.4" });
  });

  it("reads Transient/General with 5.1.1 as a hard bounce", () => {
    const reading = classifyBounce(evidence("Transient", "General", "5.1.1", "smtp; 550 5.1.1 User unknown"));
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown", status: "5.1.1" });
  });

  it("reads Transient/General with a '5.3.0 denied' text as a refusal by the recipient's side, retried", () => {
    // A bare "denied" proves no dead address; like Sisimai we only call non-existence hard, and the
    // soft-bounce streak suppresses the address if the refusal persists.
    const reading = classifyBounce(
      evidence("Transient", "General", "5.3.0", "smtp; 553 5.3.0 <a@example.net>... denied"),
    );
    expect(reading).toMatchObject({ class: "soft", reason: "filtered" });
  });

  it.each([
    ["listed at Spamhaus", "smtp; 550 5.7.1 Rejected: 198.51.100.2 listed at zen.spamhaus.org", "blocked"],
    [
      "blocked using zen.spamhaus.org",
      "smtp; 554 5.7.1 Client host [198.51.100.2] blocked using zen.spamhaus.org",
      "blocked",
    ],
    ["rejected due to policy", "smtp; 550 5.7.1 Message rejected due to policy", "policyviolation"],
    ["spam", "smtp; 550 5.7.1 Message rejected as spam", "spamdetected"],
  ])(
    "reads Permanent/General 5.7.1 '%s' as a block of the sender, not a dead address",
    (_name, diagnostic, reason) => {
      const reading = classifyBounce(evidence("Permanent", "General", "5.7.1", diagnostic));
      expect(reading).toMatchObject({ class: "block", reason });
    },
  );

  it.each([
    "I am out of the office until Monday.",
    "Automatic reply: Re: your order",
    "Auto-Reply: I'm on vacation",
  ])("reads Transient/General %j as an auto-reply", (diagnostic) => {
    const reading = classifyBounce(evidence("Transient", "General", undefined, diagnostic));
    expect(reading).toMatchObject({ class: "autoreply", reason: "vacation" });
  });
});

describe("classifyBounce: evidence order", () => {
  it("lets a blocklist phrase beat a 5.1.1 status", () => {
    const reading = classifyBounce(
      evidence("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 client [192.0.2.3] blocked by Spamhaus"),
    );
    expect(reading).toMatchObject({ class: "block", reason: "blocked" });
  });

  it("lets 'user unknown' beat a 5.7.1 status", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.7.1", "smtp; 550 5.7.1 User unknown"));
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown" });
  });

  it("keeps a full mailbox soft even with a 5.2.2 status", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.2.2", "smtp; 552 5.2.2 mailbox full"));
    expect(reading).toMatchObject({ class: "soft", reason: "mailboxfull" });
  });

  it("lets a specific status beat a vague phrase", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "General",
        "5.1.1",
        "smtp; 550 5.1.1 Requested action not taken: mailbox unavailable",
      ),
    );
    expect(reading.reason).toBe("userunknown");
  });

  it("reads the status out of the diagnostic when SES gives none", () => {
    const reading = classifyBounce(evidence("Transient", "General", undefined, "smtp; 550 5.1.1 xyzzy"));
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown", status: "5.1.1" });
  });

  it("prefers the diagnostic's specific status over SES's generic 5.0.0", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.0.0", "smtp; 550 5.1.2 xyzzy"));
    expect(reading).toMatchObject({ reason: "hostunknown", status: "5.1.2" });
  });

  it("makes an otherwise hard reason a retry when the receiver answered 4xx", () => {
    const reading = classifyBounce(
      evidence("Transient", "General", undefined, "smtp; 450 Recipient unknown"),
    );
    expect(reading).toMatchObject({ class: "soft", reason: "userunknown" });
  });

  it("lets a clear phrase override the NoEmail subtype", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "NoEmail",
        "5.7.1",
        "smtp; 554 5.7.1 Client host [192.0.2.3] blocked using zen.spamhaus.org",
      ),
    );
    expect(reading).toMatchObject({ class: "block", reason: "blocked" });
  });

  it("keeps NoEmail a dead address when only a status code disagrees", () => {
    const reading = classifyBounce(
      evidence("Permanent", "NoEmail", "5.7.1", "smtp; 550 5.7.1 Requested action not taken"),
    );
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown" });
  });

  it("falls back to SES's Permanent label when nothing else says anything", () => {
    const reading = classifyBounce(evidence("Permanent", "General"));
    expect(reading).toMatchObject({ class: "hard", reason: "undefined" });
  });

  it("reads Undetermined with no evidence at all as soft and undefined", () => {
    const reading = classifyBounce(evidence("Undetermined", "Undetermined"));
    expect(reading).toMatchObject({ class: "soft", reason: "undefined" });
  });

  it("reads an empty evidence object as soft and undefined", () => {
    expect(classifyBounce({})).toMatchObject({ class: "soft", reason: "undefined" });
  });
});

describe("classifyBounce: SES suppression", () => {
  it.each(["Suppressed", "OnAccountSuppressionList"])(
    "flags Permanent/%s as suppressed by SES",
    (subType) => {
      const reading = classifyBounce(
        evidence("Permanent", subType, "5.1.1", "Amazon SES has suppressed sending"),
      );
      expect(reading).toMatchObject({ class: "hard", reason: "suppressed", suppressedBySes: true });
    },
  );

  it("does not flag an ordinary bounce as suppressed by SES", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"));
    expect(reading.suppressedBySes).toBeUndefined();
  });

  it("does not crash on an unknown subtype and reads the evidence instead", () => {
    const reading = classifyBounce(
      evidence("Permanent", "BrandNewSubType", "5.2.2", "smtp; 552 5.2.2 over quota"),
    );
    expect(reading).toMatchObject({ class: "soft", reason: "mailboxfull" });
  });
});

describe("classifyBounce: explanations", () => {
  it("says which status overrode SES's label", () => {
    const reading = classifyBounce(evidence("Transient", "General", "5.1.1"));
    expect(reading.explanation).toBe(
      "Status 5.1.1 (bad destination mailbox address) means userunknown (hard), overriding SES's Transient/General label.",
    );
  });

  it("says which phrase overrode the status code", () => {
    const reading = classifyBounce(
      evidence("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 blocked using zen.spamhaus.org"),
    );
    expect(reading.explanation).toContain('"blocked using"');
    expect(reading.explanation).toContain("overriding status 5.1.1 (bad destination mailbox address)");
    expect(reading.explanation).toContain("SES's Permanent/General label");
  });

  it("says when a 4xx code made an otherwise hard reason a retry", () => {
    const reading = classifyBounce(evidence("Transient", "General", "4.1.1"));
    expect(reading.explanation).toContain("retry");
  });

  it("writes every explanation as one sentence", () => {
    for (const c of bounces) {
      const { explanation } = classifyBounce(c);
      expect(explanation, c.id).toMatch(/^[A-Z].*\.$/);
      expect(explanation.slice(0, -1), c.id).not.toMatch(/\.\s+[A-Z]/);
    }
  });
});

describe("classOfReason", () => {
  it.each([
    ["userunknown", "hard"],
    ["hostunknown", "hard"],
    ["hasmoved", "hard"],
    ["notaccept", "hard"],
    ["suspend", "soft"],
    ["filtered", "soft"],
    ["norelaying", "soft"],
    ["mailererror", "soft"],
    ["syntaxerror", "soft"],
    ["suppressed", "hard"],
    ["blocked", "block"],
    ["spamdetected", "block"],
    ["policyviolation", "block"],
    ["badreputation", "block"],
    ["requireptr", "block"],
    ["authfailure", "block"],
    ["virusdetected", "block"],
    ["contenterror", "block"],
    ["rejected", "block"],
    ["securityerror", "block"],
    ["notcompliantrfc", "block"],
    ["failedstarttls", "block"],
    ["mailboxfull", "soft"],
    ["mesgtoobig", "soft"],
    ["exceedlimit", "soft"],
    ["expired", "soft"],
    ["undefined", "hard"],
    ["onhold", "hard"],
  ] as const)("reads %s with a 5.x.x status as %s", (reason, expected) => {
    expect(classOfReason(reason, "5.0.0")).toBe(expected);
  });

  it.each(["4.1.1", "450", "421"])("makes userunknown a retry with %s", (status) => {
    expect(classOfReason("userunknown", status)).toBe("soft");
  });

  it("keeps a sender block a block with a 4.x.x status", () => {
    expect(classOfReason("blocked", "4.7.1")).toBe("block");
  });

  it("keeps a dead address hard when no status is known", () => {
    expect(classOfReason("userunknown")).toBe("hard");
  });

  it("gives every reason one of hard, soft or block", () => {
    for (const reason of REASONS) expect(["hard", "soft", "block"]).toContain(classOfReason(reason));
  });
});

describe("classifyDelay", () => {
  it("never reads a delay as hard: SES is still retrying", () => {
    const reading = classifyDelay({
      delayType: "General",
      status: "5.1.1",
      diagnosticCode: "smtp; 550 5.1.1 User unknown",
    });
    expect(reading).toMatchObject({ class: "soft", reason: "userunknown" });
    expect(reading.explanation).toContain("still soft");
  });

  it("reads an unknown delay type without evidence as soft and undefined", () => {
    expect(classifyDelay({ delayType: "NotInvented" })).toMatchObject({ class: "soft", reason: "undefined" });
  });
});

describe("the text predicates", () => {
  it("folds case, accents, addresses and codes out of the diagnostic", () => {
    expect(normaliseDiagnostic("smtp; 550-5.1.1 <Jane@Example.com>: Boîte  PLEINE")).toBe(
      "smtp; <addr> : boite pleine",
    );
  });

  it("does not read a reason out of the words of an address", () => {
    expect(reasonOfText("smtp; 550 <blocked.unknown.user@example.com> ok")).toBeUndefined();
  });

  it("does not read Spamhaus's name as a spam verdict", () => {
    expect(reasonOfText("blocked using zen.spamhaus.org")).toBe("blocked");
  });

  it("keeps a URL's host, which may name a blocklist, and drops the rest of it", () => {
    expect(normaliseDiagnostic("553 See http://www.spamhaus.org/query/bl?ip=192.0.2.1 now")).toBe(
      "see www.spamhaus.org now",
    );
    expect(reasonOfText("553 http://www.spamhaus.org/query/bl?ip=192.0.2.1")).toBe("blocked");
  });

  it("reads only the first READ_LIMIT characters: the reply, not the quoted mail after it", () => {
    const padding = "x ".repeat(READ_LIMIT);
    expect(reasonOfText(`550 mailbox full ${padding}`)).toBe("mailboxfull");
    expect(reasonOfText(`550 ${padding} mailbox full`)).toBeUndefined();
  });

  it("never cuts a surrogate pair in half at the read limit", () => {
    const text = `${"a".repeat(READ_LIMIT - 1)}💥 and more`;
    expect(readablePart(text)).toBe("a".repeat(READ_LIMIT - 1));
    expect(readablePart("short")).toBe("short");
  });

  it("re-exports extractStatus", () => {
    expect(extractStatus("smtp; 550 5.1.1 User unknown")).toBe("5.1.1");
  });
});

describe("robustness", () => {
  it("classifies any evidence without throwing and with a valid verdict", () => {
    const anyText = fc.option(fc.string({ maxLength: 300 }), { nil: undefined });
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (bounceType, bounceSubType, status, diagnosticCode) => {
        const reading = classifyBounce({
          ...(bounceType === undefined ? {} : { bounceType }),
          ...(bounceSubType === undefined ? {} : { bounceSubType }),
          ...(status === undefined ? {} : { status }),
          ...(diagnosticCode === undefined ? {} : { diagnosticCode }),
        });
        expect(["hard", "soft", "block", "autoreply"]).toContain(reading.class);
        expect(REASONS).toContain(reading.reason);
        expect(reading.explanation.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("reads a long diagnostic quickly", () => {
    // Prepare: a pathological 20 kB diagnostic must not trigger regex backtracking blow-ups.
    const diagnostic = `smtp; 550 ${"user account mailbox address ".repeat(700)}x`;
    // Act
    const started = performance.now();
    classifyBounce(evidence("Permanent", "General", undefined, diagnostic));
    const elapsedMs = performance.now() - started;
    // Assess
    expect(elapsedMs).toBeLessThan(250);
  });

  it("classifies the whole case file in well under a millisecond per recipient", () => {
    const started = performance.now();
    for (let round = 0; round < 5; round++) for (const c of bounces) classifyBounce(c);
    const perRecipientMs = (performance.now() - started) / (5 * bounces.length);
    expect(perRecipientMs).toBeLessThan(1);
  });
});
