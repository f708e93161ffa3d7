// The classifier against real bounce diagnostics labelled with Sisimai's reasons (the development
// half of the corpus; the other half is held out). Floors only ever move up: raise them when the
// rules improve, never lower them to make a change pass. `npm run corpus -- --misses` lists what
// disagrees.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normaliseDiagnostic } from "../../functions/core/classify.ts";
import {
  type CorpusScore,
  formatScore,
  isForgiven,
  LABELLINGS,
  readCorpus,
  scoreCorpus,
  sesBounceOf,
} from "../support/bounce-corpus.ts";

const CORPUS = readCorpus(
  readFileSync(new URL("../fixtures/corpus/bounce-diagnostics-dev.jsonl", import.meta.url), "utf8"),
);

/** The worst labelling's figures may not fall below these. */
const FLOORS = {
  classPercent: 95.5,
  reasonPercent: 91.8,
  hardRecallPercent: 96.2,
  falseHard: 6,
} as const;

let scored: CorpusScore | undefined;
function score(): CorpusScore {
  scored ??= scoreCorpus(CORPUS);
  return scored;
}

describe("the development half of the bounce corpus", () => {
  it("holds the 271 labelled diagnostics, 267 of them with a class to score", () => {
    expect(CORPUS).toHaveLength(271);
    expect(CORPUS.filter((c) => c.expectedClass !== "unknown")).toHaveLength(267);
  });

  it("scores each labelling at or above the floors, worst of the three", () => {
    // Act
    const result = score();
    process.stdout.write(`\nbounce corpus, development half (npm run corpus):\n${formatScore(result)}\n`);
    // Assess
    expect(result.worst.classPercent).toBeGreaterThanOrEqual(FLOORS.classPercent);
    expect(result.worst.reasonPercent).toBeGreaterThanOrEqual(FLOORS.reasonPercent);
    expect(result.worst.hardRecallPercent).toBeGreaterThanOrEqual(FLOORS.hardRecallPercent);
    expect(result.worst.falseHard).toBeLessThanOrEqual(FLOORS.falseHard);
  });
});

describe("explanations over the corpus", () => {
  it("cite the exact phrase of the diagnostic, or the code, or the SES label that decided", () => {
    for (const labelling of score().labellings) {
      for (const { corpusCase, verdict } of labelling.outcomes) {
        const text = normaliseDiagnostic(corpusCase.diagnosticRaw ?? `smtp; ${corpusCase.diagnostic}`);
        const phrase = /^The diagnostic text "(.+?)"(?:,| means)/.exec(verdict.explanation)?.[1];
        const status = /^Status (\d\.\d{1,3}\.\d{1,3}) /.exec(verdict.explanation)?.[1];
        const reply = /^Reply code (\d{3}) /.exec(verdict.explanation)?.[1];
        const label = /^SES's (\S+) label[ ,]/.exec(verdict.explanation)?.[1];
        const where = `line ${corpusCase.line} (${labelling.labelling}): ${verdict.explanation}`;
        if (phrase !== undefined) expect(text, where).toContain(phrase);
        else if (status !== undefined) expect(verdict.status, where).toBe(status);
        else if (reply !== undefined)
          expect(corpusCase.diagnosticRaw ?? corpusCase.diagnostic, where).toContain(reply);
        else if (label !== undefined) {
          expect(label, where).toBe(
            labelling.labelling === "Undetermined" ? "Undetermined/Undetermined" : labelling.labelling,
          );
        } else
          expect(verdict.explanation, where).toMatch(
            /^A diagnostic in which no phrase or code names a reason/,
          );
      }
    }
  });
});

describe("the corpus scorer", () => {
  const userUnknown = CORPUS.find((c) => c.expectedReason === "userunknown" && c.status === "5.1.1");

  it("wraps a case as an SES Bounce in each labelling, with the verbatim diagnostic when there is one", () => {
    const withRaw = CORPUS.find((c) => c.diagnosticRaw !== undefined);
    const withoutRaw = CORPUS.find((c) => c.diagnosticRaw === undefined);
    expect(withRaw).toBeDefined();
    expect(withoutRaw).toBeDefined();
    if (withRaw === undefined || withoutRaw === undefined) return;
    for (const labelling of LABELLINGS) {
      const bounce = sesBounceOf(withRaw, labelling).bounce as Record<string, unknown>;
      expect(bounce).toMatchObject({
        bounceType: labelling.bounceType,
        bounceSubType: labelling.bounceSubType,
      });
      expect(bounce.bouncedRecipients).toEqual([
        expect.objectContaining({ diagnosticCode: withRaw.diagnosticRaw }),
      ]);
    }
    const bounce = sesBounceOf(withoutRaw, LABELLINGS[0]).bounce as { bouncedRecipients: unknown[] };
    expect(bounce.bouncedRecipients[0]).toMatchObject({ diagnosticCode: `smtp; ${withoutRaw.diagnostic}` });
  });

  it("forgives userunknown only for a reply that says so, labelled filtered or rejected", () => {
    const base = {
      line: 1,
      diagnostic: "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown",
      expectedClass: "block" as const,
    };
    expect(isForgiven({ ...base, expectedReason: "filtered" }, "userunknown")).toBe(true);
    expect(isForgiven({ ...base, expectedReason: "rejected" }, "userunknown")).toBe(true);
    expect(isForgiven({ ...base, expectedReason: "blocked" }, "userunknown")).toBe(false);
    expect(isForgiven({ ...base, expectedReason: "filtered" }, "hostunknown")).toBe(false);
    expect(
      isForgiven({ ...base, diagnostic: "550 Access denied", expectedReason: "filtered" }, "userunknown"),
    ).toBe(false);
  });

  it("counts a hard case read as hard towards recall and never as false hard", () => {
    expect(userUnknown).toBeDefined();
    if (userUnknown === undefined) return;
    const result = scoreCorpus([userUnknown]);
    for (const labelling of result.labellings) {
      expect(labelling).toMatchObject({ hardCases: 1, hardRecalled: 1, falseHard: 0, notHardCases: 0 });
    }
  });

  it("names the line of a case it cannot read", () => {
    expect(() =>
      readCorpus('{"diagnostic": "x", "expected_reason": "userunknown", "expected_class": "hard"}\n{'),
    ).toThrow(/^line 2: not JSON/);

    expect(() =>
      readCorpus('{"diagnostic": "x", "expected_reason": "nonsense", "expected_class": "hard"}'),
    ).toThrow(/line 1: "expected_reason" is "nonsense", not a reason/);
    expect(() =>
      readCorpus('{"diagnostic": "x", "expected_reason": "userunknown", "expected_class": "dead"}'),
    ).toThrow(/line 1: "expected_class" is "dead"/);
  });
});
