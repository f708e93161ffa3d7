// The hot path's caches and one-shot hashes give what the uncached computation gives, and stay bounded.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { domainToASCII } from "node:url";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  ASCII_DOMAIN_CACHE_LIMIT,
  asciiDomainCacheSize,
  normaliseAddress,
} from "../../functions/core/address.ts";
import {
  type BounceEvidence,
  CLASSIFY_MEMO_BOUNDS,
  classifyBounce,
  classifyBounceUncached,
  classifyDelay,
  classifyDelayUncached,
  classifyMemoSizes,
  clearClassifyMemo,
  type DelayEvidence,
  reasonOfText,
} from "../../functions/core/classify.ts";
import { extractReplyCode, extractStatus } from "../../functions/core/status-code.ts";
import { eventIdOf } from "../../functions/core/verdicts.ts";

const { bounces, delays } = JSON.parse(
  readFileSync(new URL("../fixtures/bounces/cases.json", import.meta.url), "utf8"),
) as { bounces: BounceEvidence[]; delays: DelayEvidence[] };

/** What the classification gives from empty caches: the computation the memos stand in for. */
function coldBounce(evidence: BounceEvidence) {
  clearClassifyMemo();
  return classifyBounceUncached(evidence);
}

function coldDelay(evidence: DelayEvidence) {
  clearClassifyMemo();
  return classifyDelayUncached(evidence);
}

/** The evidence with every address in its diagnostic replaced: normalisation maps all to one text. */
function withOtherAddresses(evidence: BounceEvidence, local: string): BounceEvidence {
  const diagnosticCode = evidence.diagnosticCode?.replace(/[^\s<>()[\]"',;:]+@/g, `${local}@`);
  return { ...evidence, diagnosticCode };
}

beforeEach(() => clearClassifyMemo());

describe("the reading memos", () => {
  it("give every bounce case the reading the uncached classification gives, when filled and when hit", () => {
    const warm = bounces.map((c) => classifyBounce(c));
    const hits = bounces.map((c) => classifyBounce(c));
    expect(classifyMemoSizes().bounce.readings).toBeGreaterThan(100);
    bounces.forEach((c, index) => {
      expect(hits[index]).toBe(warm[index]);
      expect(warm[index]).toEqual(coldBounce(c));
    });
  });

  it("give every delay case the reading the uncached classification gives", () => {
    const warm = delays.map((c) => classifyDelay(c));
    const hits = delays.map((c) => classifyDelay(c));
    expect(classifyMemoSizes().delay.readings).toBeGreaterThan(0);
    delays.forEach((c, index) => {
      expect(hits[index]).toBe(warm[index]);
      expect(warm[index]).toEqual(coldDelay(c));
    });
  });

  it("hand out one frozen reading per evidence, so no caller can change what the next one gets", () => {
    const evidence = {
      bounceType: "Permanent",
      bounceSubType: "General",
      diagnosticCode: "550 5.1.1 user unknown",
    };
    const first = classifyBounce(evidence);
    const second = classifyBounce({ ...evidence });
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { class: string }).class = "soft";
    }).toThrow(TypeError);
    expect(Object.isFrozen(classifyDelay({ delayType: "MailboxFull" }))).toBe(true);
  });

  it("do not keep a reading under evidence the caller changes afterwards", () => {
    const evidence: { -readonly [K in keyof BounceEvidence]: BounceEvidence[K] } = {
      bounceType: "Transient",
      status: "5.1.1",
      diagnosticCode: "smtp; 550 no such thing here",
    };
    const before = classifyBounce(evidence);
    evidence.status = "4.2.2";
    expect(classifyBounce(evidence)).toEqual(coldBounce(evidence));
    expect(classifyBounce(evidence).reason).toBe("mailboxfull");
    expect(classifyBounce({ ...evidence, status: "5.1.1" })).toEqual(before);
  });

  it("tell evidence apart that differs in any one field", () => {
    const pairs: readonly (readonly [BounceEvidence, BounceEvidence])[] = [
      [{ action: "failed" }, { action: "delayed" }],
      [{ status: "5.1.1" }, { status: "4.2.2" }],
      [{ bounceType: "Permanent" }, { bounceType: "Transient" }],
      [
        { bounceType: "Permanent", bounceSubType: "General" },
        { bounceType: "Permanent", bounceSubType: "Suppressed" },
      ],
      [{ diagnosticCode: "550 user unknown" }, { diagnosticCode: "552 mailbox full" }],
    ];
    for (const [first, second] of pairs) {
      const warm = [classifyBounce(first), classifyBounce(second)];
      expect(warm[0]).not.toEqual(warm[1]);
      expect(warm).toEqual([coldBounce(first), coldBounce(second)]);
    }
    const delayPairs: readonly (readonly [DelayEvidence, DelayEvidence])[] = [
      [{ delayType: "MailboxFull" }, { delayType: "SpamDetected" }],
      [{ status: "4.2.2" }, { status: "4.4.1" }],
      [{ diagnosticCode: "mailbox full" }, { diagnosticCode: "connection timed out" }],
    ];
    for (const [first, second] of delayPairs) {
      const warm = [classifyDelay(first), classifyDelay(second)];
      expect(warm[0]).not.toEqual(warm[1]);
      expect(warm).toEqual([coldDelay(first), coldDelay(second)]);
    }
  });

  it("tell evidence apart that only differs in which field holds a value", () => {
    const a = classifyBounce({ bounceType: "Transient", diagnosticCode: "5.1.1" });
    const b = classifyBounce({ bounceSubType: "Transient", diagnosticCode: "5.1.1" });
    const c = classifyBounce({ bounceType: "Transient", status: "5.1.1" });
    expect(a).toEqual(coldBounce({ bounceType: "Transient", diagnosticCode: "5.1.1" }));
    expect(b).toEqual(coldBounce({ bounceSubType: "Transient", diagnosticCode: "5.1.1" }));
    expect(c).toEqual(coldBounce({ bounceType: "Transient", status: "5.1.1" }));
    expect(classifyBounce({ diagnosticCode: "" })).toEqual(coldBounce({ diagnosticCode: "" }));
    expect(classifyBounce({})).toEqual(coldBounce({}));
  });

  it("read diagnostics that differ only in their addresses as the uncached classification does", () => {
    for (const c of bounces.filter((candidate) => candidate.diagnosticCode?.includes("@"))) {
      classifyBounce(c);
      const other = withOtherAddresses(c, "someone.else");
      expect(classifyBounce(other)).toEqual(coldBounce(other));
    }
  });

  it("agree with the uncached classification on random evidence from a small vocabulary", () => {
    // Few distinct pieces, so that the memos are hit and refilled many times over.
    const piece = fc.constantFrom(
      undefined,
      "",
      "Permanent",
      "Transient",
      "General",
      "NoEmail",
      "MailboxFull",
      "Suppressed",
      "failed",
      "delayed",
      "5.1.1",
      "4.2.2",
      "5.7.1",
      "2.0.0",
    );
    const diagnostic = fc.constantFrom(
      undefined,
      "",
      "smtp; 550 5.1.1 <a@example.com>: user unknown",
      "smtp; 550 5.1.1 <b@example.org>: user unknown",
      "smtp; 452 4.2.2 mailbox full",
      "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
      "421 4.4.1 Unable to connect to remote host",
      "Automatic reply: out of the office",
      "550 mailbox unavailable",
      "550 5.7.1 mailbox unavailable",
    );
    const bounce = fc.record(
      { bounceType: piece, bounceSubType: piece, action: piece, status: piece, diagnosticCode: diagnostic },
      { requiredKeys: [] },
    );
    const delay = fc.record(
      { delayType: piece, status: piece, diagnosticCode: diagnostic },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            bounce.map((b) => ({ b })),
            delay.map((d) => ({ d })),
          ),
          { maxLength: 30 },
        ),
        (calls) => {
          clearClassifyMemo();
          const warm = calls.map((call) => ("b" in call ? classifyBounce(call.b) : classifyDelay(call.d)));
          calls.forEach((call, index) => {
            expect(warm[index]).toEqual("b" in call ? coldBounce(call.b) : coldDelay(call.d));
          });
        },
      ),
      { numRuns: 150, seed: 20261126 },
    );
  });

  it("stay bounded however many distinct diagnostics arrive", () => {
    const { readings, phraseTexts } = CLASSIFY_MEMO_BOUNDS;
    for (let index = 0; index < readings * 2 + 100; index += 1) {
      classifyBounce({ bounceType: "Permanent", diagnosticCode: `550 5.1.1 user ${index} unknown` });
      classifyDelay({ delayType: "General", diagnosticCode: `451 4.3.0 try ${index} later` });
    }
    const sizes = classifyMemoSizes();
    expect(sizes.bounce).toEqual({ texts: readings, readings });
    expect(sizes.delay).toEqual({ texts: readings, readings });
    expect(sizes.phraseTexts).toBe(phraseTexts);
    // The latest evidence is still there, the oldest is gone.
    const latest = { bounceType: "Permanent", diagnosticCode: `550 5.1.1 user ${readings * 2 + 99} unknown` };
    expect(classifyBounce(latest)).toBe(classifyBounce({ ...latest }));
  });

  it("keep the latest few combinations of one diagnostic with other fields", () => {
    const { readingsPerText } = CLASSIFY_MEMO_BOUNDS;
    const evidence = (index: number) => ({
      bounceType: `type ${index}`,
      diagnosticCode: "550 5.1.1 user unknown",
    });
    const first = classifyBounce(evidence(0));
    for (let index = 1; index < readingsPerText * 3; index += 1) classifyBounce(evidence(index));
    expect(classifyMemoSizes().bounce).toEqual({ texts: 1, readings: readingsPerText });
    const last = classifyBounce(evidence(readingsPerText * 3 - 1));
    expect(classifyBounce(evidence(readingsPerText * 3 - 1))).toBe(last);
    // The first was dropped: asking again reads it anew (an equal reading, another object).
    const again = classifyBounce(evidence(0));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it("do not keep evidence longer than the bound, and still read it", () => {
    const { maxText } = CLASSIFY_MEMO_BOUNDS;
    const long = {
      bounceType: "Permanent",
      diagnosticCode: `550 5.1.1 ${"user unknown ".repeat(maxText / 10)}`,
    };
    const reading = classifyBounce(long);
    expect(reading).toEqual(coldBounce(long));
    clearClassifyMemo();
    classifyBounce(long);
    expect(classifyMemoSizes().bounce).toEqual({ texts: 0, readings: 0 });
    expect(classifyMemoSizes().phraseTexts).toBe(0);
  });

  it("do not change reasonOfText", () => {
    expect(reasonOfText("smtp; 550 5.1.1 <x@example.com> user unknown")).toBe("userunknown");
    expect(reasonOfText("smtp; 550 5.1.1 <y@example.com> user unknown")).toBe("userunknown");
    expect(reasonOfText("550 mailbox unavailable")).toBe("userunknown");
    expect(reasonOfText("blocked using zen.spamhaus.org")).toBe("blocked");
  });
});

describe("status codes read with one shared regex", () => {
  it("read each text from its start, whatever the previous call stopped at", () => {
    // The first call returns at the 4.x.x code midway; the second text is shorter than that offset.
    expect(extractStatus("smtp; 550 5.1.1 first, then 4.2.2 and 5.7.1")).toBe("5.1.1");
    expect(extractStatus("4.2.2")).toBe("4.2.2");
    expect(extractStatus("2.0.0 ok, later 2.1.5")).toBe("2.0.0");
    expect(extractReplyCode("550 x then 451 y")).toBe("550");
    expect(extractReplyCode("421")).toBe("421");
  });

  it("read the same code on a second call as on the first", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), (before, text) => {
        extractStatus(`${before} 5.1.1 ${before} 4.2.2`);
        extractReplyCode(`550 ${before} 421`);
        const status = extractStatus(text);
        const reply = extractReplyCode(text);
        extractStatus("x 5.1.1 y 4.4.7 z");
        extractReplyCode("550 then 451");
        expect(extractStatus(text)).toBe(status);
        expect(extractReplyCode(text)).toBe(reply);
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});

describe("event ids", () => {
  const reference = (event: string, ref: string, address: string, extra: string) =>
    createHash("sha256")
      .update(`${event}\u0000${ref}\u0000${address.toLowerCase()}\u0000${extra}`)
      .digest("base64url")
      .slice(0, 22);

  it("are the same digests as the streaming hash gives, for any text", () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }));
    fc.assert(
      fc.property(text, text, text, (ref, address, extra) => {
        expect(eventIdOf("bounce", ref, address, extra)).toBe(reference("bounce", ref, address, extra));
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });

  it("keep the ids already stored (values from the createHash implementation)", () => {
    expect(eventIdOf("delivery", "m-1", "jane@example.com")).toBe("O3upS87-K5dRWno4F2EXXo");
    expect(eventIdOf("bounce", "0100c8abf9ef6730-6714dadd-360d-000000", "Jane@example.com")).toBe(
      "LpxSFDo6gMon6jwtp_cdrN",
    );
    expect(eventIdOf("delay", "m-2", "Jöhn@bücher.example", "2025-01-01T00:00:00.000Z")).toBe(
      "S6ljayogVrOgIesdWK-GL7",
    );
  });
});

describe("the internationalised domain cache", () => {
  it("gives what domainToASCII gives and stays bounded", () => {
    for (let index = 0; index < ASCII_DOMAIN_CACHE_LIMIT * 2; index += 1) {
      const domain = `bücher${index}.example`;
      expect(normaliseAddress(`jane@${domain}`)).toEqual({
        ok: true,
        address: `jane@${domainToASCII(domain)}`,
      });
      expect(normaliseAddress(`jane@${domain.toUpperCase()}.`)).toEqual({
        ok: true,
        address: `jane@${domainToASCII(domain)}`,
      });
    }
    expect(asciiDomainCacheSize()).toBe(ASCII_DOMAIN_CACHE_LIMIT);
    expect(normaliseAddress("jane@xn--.example")).toEqual(normaliseAddress("jane@xn--.example"));
  });
});
