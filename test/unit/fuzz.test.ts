import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SQSRecord } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitInput } from "../../cli/input.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { VALIDATION_CHECKS, validateAddress } from "../../functions/core/address-validation.ts";
import { type ParseResult, parseNotification } from "../../functions/core/parse.ts";
import { DEFAULT_POLICY, decide } from "../../functions/core/policy.ts";
import { parseCheckRequest } from "../../functions/core/presend.ts";
import { FEEDBACK_EVENTS, REASONS, VERDICT_CLASSES } from "../../functions/core/types.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";

/**
 * Enough runs to find shallow bugs, few enough that the file runs in a few seconds. For a deeper
 * search: FUZZ_RUNS=20000 FUZZ_SEED=random npx vitest run test/unit/fuzz.test.ts
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? 300) / 300;
const RUNS = {
  numRuns: Math.round(300 * SCALE),
  ...(process.env.FUZZ_SEED === "random" ? {} : { seed: 20261126 }),
} as const;
const runs = (count: number) => ({ ...RUNS, numRuns: Math.round(count * SCALE) });

/** A call slower than this on one input is a hang in the making (catastrophic regex backtracking). */
const SLOW_CALL_MS = 1_000;

const FIXTURES = join(import.meta.dirname, "../fixtures/ses");
const examples = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>);

const PARSE_ERROR_CODES = ["not-json", "not-an-object", "not-a-notification", "invalid-notification"];
const CHECK_ERROR_CODES = [
  "invalid-payload",
  "no-addresses",
  "too-many-addresses",
  "invalid-address",
  "unknown-check",
];

/** Fails the property unless `result` is one of ParseResult's documented shapes. */
function expectParseResult(result: ParseResult): void {
  expect(["notification", "control", "error"]).toContain(result.kind);
  if (result.kind === "error") {
    expect(Object.keys(result).sort()).toEqual(["error", "kind"]);
    expect(PARSE_ERROR_CODES).toContain(result.error.code);
    expect(typeof result.error.message).toBe("string");
    expect(result.error.message.length).toBeGreaterThan(0);
  } else if (result.kind === "control") {
    expect(typeof result.controlType).toBe("string");
  } else {
    expect(typeof result.notification.type).toBe("string");
    expect(["identity", "event-publishing"]).toContain(result.notification.source);
    const mail = result.notification.mail;
    if (mail !== undefined) expect(typeof mail.messageId).toBe("string");
  }
}

/** Runs `work` and fails if it takes long enough to be a hang. */
function timed<T>(work: () => T): T {
  const started = performance.now();
  const result = work();
  expect(performance.now() - started).toBeLessThan(SLOW_CALL_MS);
  return result;
}

/** Fails unless every verdict (and the decision for it) is well formed. */
function expectWellFormedVerdicts(result: ParseResult): void {
  if (result.kind !== "notification") return;
  const verdicts = timed(() => verdictsOf(result.notification));
  for (const verdict of verdicts) {
    expect(typeof verdict.address).toBe("string");
    expect(FEEDBACK_EVENTS).toContain(verdict.event);
    expect(VERDICT_CLASSES).toContain(verdict.class);
    expect(REASONS).toContain(verdict.reason);
    expect(verdict.eventId).toMatch(/^[\w-]{22}$/);
    expect(["suppress", "record", "none"]).toContain(decide(verdict).kind);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of the official examples

type Path = readonly (string | number)[];

/** Every path to a value inside `value`, parents before children. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value)
    ? value.map((_, index) => index)
    : Object.keys(value);
  return keys.flatMap((key) => [
    [...prefix, key],
    ...pathsOf((value as Record<string | number, unknown>)[key], [...prefix, key]),
  ]);
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let current: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return typeof current === "object" && current !== null
    ? (current as Record<string | number, unknown>)
    : undefined;
}

const junkString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "null", "{", "5.1.1", "<>", "@", "a@", "@b", "\u0000", "💥".repeat(20)),
);

const anyValue = fc.oneof(
  junkString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(junkString, { maxLength: 3 }),
  fc.dictionary(junkString, junkString, { maxKeys: 3 }),
);

const mutation = fc.record({
  operation: fc.constantFrom("drop", "retype", "junk"),
  at: fc.nat(),
  value: anyValue,
  junk: junkString,
});

const WRAPPINGS = ["bare", "sns", "sqs", "sqs-sns", "text", "truncated-text", "sns-of-sns-of-sns"] as const;

const sqsRecordAround = (body: string) => ({
  messageId: "m-1",
  receiptHandle: "r-1",
  body,
  eventSource: "aws:sqs",
});

/** The forms a notification reaches the parser in, and two broken ones. */
const WRAP = {
  bare: (value) => value,
  sns: (value) => snsEnvelopeOf(value, { messageId: "sns-1", timestamp: "2025-01-01T00:00:00.000Z" }),
  sqs: (value) => sqsRecordAround(JSON.stringify(value)),
  "sqs-sns": (value) => sqsRecordAround(JSON.stringify(snsEnvelopeOf(value, { messageId: "sns-1" }))),
  text: (value) => JSON.stringify(value),
  "truncated-text": (value, cut) => {
    const text = JSON.stringify(value);
    return text.slice(0, cut % Math.max(1, text.length));
  },
  "sns-of-sns-of-sns": (value) =>
    snsEnvelopeOf(snsEnvelopeOf(snsEnvelopeOf(value, { messageId: "a" }), { messageId: "b" }), {
      messageId: "c",
    }),
} as const satisfies Record<(typeof WRAPPINGS)[number], (value: unknown, cut: number) => unknown>;

/** An official example with a few fields dropped or retyped, in one of the forms it can arrive in. */
const mutatedExample = fc
  .record({
    example: fc.constantFrom(...examples),
    mutations: fc.array(mutation, { maxLength: 4 }),
    wrapping: fc.constantFrom(...WRAPPINGS),
    cut: fc.nat(),
  })
  .map(({ example, mutations, wrapping, cut }): unknown => {
    const value = structuredClone(example) as Record<string, unknown>;
    for (const { operation, at, value: replacement, junk } of mutations) {
      const paths = pathsOf(value);
      const path = paths[at % Math.max(1, paths.length)];
      const parent = path === undefined ? undefined : parentOf(value, path);
      const key = path?.at(-1);
      if (parent === undefined || key === undefined) continue;
      if (operation === "drop" && Array.isArray(parent)) parent.splice(Number(key), 1);
      else if (operation === "drop") delete parent[key];
      else if (operation === "retype") parent[key] = replacement;
      else if (typeof parent[key] === "string") parent[key] = `${String(parent[key]).slice(0, 8)}${junk}`;
    }
    return WRAP[wrapping](value, cut);
  });

/** Random SNS envelopes: every Type, with or without a Message, the Message any text. */
const randomEnvelope = fc.record(
  {
    Type: fc.oneof(
      fc.constantFrom("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"),
      junkString,
    ),
    MessageId: fc.oneof(junkString, fc.integer()),
    Message: fc.oneof(
      junkString,
      fc.json(),
      mutatedExample.map((value) => JSON.stringify(value) ?? ""),
    ),
  },
  { requiredKeys: ["Type"] },
);

/** Diagnostics built from the words the classifier's patterns look for, to provoke backtracking. */
const diagnosticSoup = fc
  .array(
    fc.constantFrom(
      "user",
      "unknown",
      "mailbox",
      "full",
      "not",
      "found",
      "address",
      "rejected",
      "domain",
      "host",
      "550",
      "5.1.1",
      "4.2.2",
      "5.7.1",
      "spam",
      "blocked",
      "out of office",
      " ",
      "  ",
      ";",
      ":",
      "-",
      "a",
      "@",
      "<",
      ">",
    ),
    { maxLength: 400 },
  )
  .map((words) => words.join(" "));

function bounceWith(diagnosticCode: string, status: string | undefined, bounceType: string): unknown {
  return {
    notificationType: "Bounce",
    mail: { messageId: "m", timestamp: "2025-01-01T00:00:00.000Z", destination: ["someone@example.com"] },
    bounce: {
      bounceType,
      bounceSubType: "General",
      bouncedRecipients: [{ emailAddress: "someone@example.com", diagnosticCode, status }],
      feedbackId: "f",
      timestamp: "2025-01-01T00:00:01.000Z",
    },
  };
}

describe("fuzz: parseNotification and verdictsOf", () => {
  it("never throw on arbitrary values and answer with a documented ParseResult", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = timed(() => parseNotification(input));
        expectParseResult(result);
        expectWellFormedVerdicts(result);
      }),
      RUNS,
    );
  });

  it("never throw on arbitrary JSON texts and junk strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.string({ unit: "binary" })),
        (text) => {
          const result = timed(() => parseNotification(text));
          expectParseResult(result);
          expectWellFormedVerdicts(result);
        },
      ),
      RUNS,
    );
  });

  it("never throw on official examples with fields dropped, retyped or junked, in every wrapping", () => {
    fc.assert(
      fc.property(mutatedExample, (input) => {
        const result = timed(() => parseNotification(input));
        expectParseResult(result);
        expectWellFormedVerdicts(result);
      }),
      runs(1_000),
    );
  });

  it("never throw on random SNS envelopes, bare or as an SQS body", () => {
    fc.assert(
      fc.property(randomEnvelope, fc.boolean(), (envelope, inRecord) => {
        const input = inRecord ? { eventSource: "aws:sqs", body: JSON.stringify(envelope) } : envelope;
        const result = timed(() => parseNotification(input));
        expectParseResult(result);
        expectWellFormedVerdicts(result);
      }),
      RUNS,
    );
  });

  it("classify any diagnostic text and status quickly, without throwing", () => {
    fc.assert(
      fc.property(
        fc.oneof(diagnosticSoup, fc.string({ maxLength: 2_000 })),
        fc.option(fc.oneof(fc.constantFrom("5.1.1", "4.2.2", "5.7.1", "5.0.0", "4.4.7"), junkString), {
          nil: undefined,
        }),
        fc.constantFrom("Permanent", "Transient", "Undetermined", "Weird"),
        (diagnostic, status, bounceType) => {
          const result = parseNotification(bounceWith(diagnostic, status, bounceType));
          expect(result.kind).toBe("notification");
          expectWellFormedVerdicts(result);
        },
      ),
      RUNS,
    );
  });

  it("classify hostile diagnostics of up to 256 KB without throwing or hanging", () => {
    // Runs of what makes a backtracking expression rescan: one character or an address, URL, code
    // or phrase fragment repeated, after a random prefix and before a random tail.
    const atom = fc.oneof(
      fc.constantFrom(
        "a",
        "@",
        ".",
        " ",
        "<",
        "-",
        "a@",
        "@a",
        "a.b",
        "5.",
        "5.1.1",
        "550-",
        "http://",
        "www.",
        "user ",
        "account ",
        "mailbox ",
        "recipient address ",
        "relay ",
        "not ",
        "ä",
        "グ",
        "\u0301",
        "\ud83d",
      ),
      fc.string({ minLength: 1, maxLength: 6 }),
    );
    const hostile = fc
      .record({
        prefix: fc.string({ maxLength: 40 }),
        atom,
        length: fc.integer({ min: 1, max: 256 * 1024 }),
        tail: fc.string({ maxLength: 40 }),
      })
      .map(
        ({ prefix, atom: unit, length, tail }) =>
          `${prefix}${unit.repeat(Math.ceil(length / unit.length))}${tail}`,
      );
    fc.assert(
      fc.property(
        hostile,
        fc.constantFrom("Permanent", "Transient", "Undetermined"),
        (diagnostic, bounceType) => {
          const result = parseNotification(bounceWith(diagnostic, undefined, bounceType));
          expect(result.kind).toBe("notification");
          expectWellFormedVerdicts(result);
        },
      ),
      runs(60),
    );
  });

  it("never hand a record the parser rejects to the store", async () => {
    // Prepare
    const applied: string[] = [];
    const classifier = createClassifier({
      store: {
        apply: async (address) => {
          applied.push(address);
          return { kind: "skipped", why: "recording only" };
        },
        settleSes: async () => true,
      },
      logger: silentLogger,
      metrics: createEmfMetrics("BounceGuardFuzz", () => {}),
    });

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedExample, fc.json(), junkString), async (input) => {
        applied.length = 0;
        const body = typeof input === "string" ? input : (JSON.stringify(input) ?? "");
        const record = { messageId: "m-1", receiptHandle: "r-1", body, eventSource: "aws:sqs" } as SQSRecord;
        const outcome = await classifier.processRecord(record);
        if (parseNotification(record).kind === "error") {
          expect(outcome.kind).toBe("failed");
          expect(applied).toEqual([]);
        }
      }),
      RUNS,
    );
  });
});

describe("fuzz: the pre-send check payload", () => {
  const payload = fc.oneof(
    fc.anything(),
    fc.record(
      {
        address: fc.oneof(junkString, anyValue),
        addresses: fc.oneof(fc.array(fc.oneof(junkString, anyValue), { maxLength: 20 }), anyValue),
        checks: fc.oneof(
          fc.array(fc.oneof(fc.constantFrom(...VALIDATION_CHECKS), junkString), { maxLength: 5 }),
          anyValue,
        ),
      },
      { requiredKeys: [] },
    ),
  );

  it("parseCheckRequest never throws and answers only { ok, request } or { ok: false, error: { code, message } }", () => {
    fc.assert(
      fc.property(payload, (input) => {
        const result = parseCheckRequest(input);
        if (result.ok) {
          expect(Object.keys(result).sort()).toEqual(["ok", "request"]);
          expect(result.request.addresses.every((address) => typeof address === "string")).toBe(true);
          expect([...result.request.checks].every((check) => VALIDATION_CHECKS.includes(check))).toBe(true);
        } else {
          expect(Object.keys(result).sort()).toEqual(["error", "ok"]);
          expect(Object.keys(result.error).sort()).toEqual(["code", "message"]);
          expect(CHECK_ERROR_CODES).toContain(result.error.code);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it("validateAddress never throws on junk addresses", () => {
    fc.assert(
      fc.property(fc.oneof(junkString, fc.emailAddress(), fc.string({ maxLength: 300 })), (address) => {
        const validation = timed(() => validateAddress(address, new Set(VALIDATION_CHECKS)));
        expect(validation.invalid === undefined || typeof validation.invalid.message === "string").toBe(true);
      }),
      RUNS,
    );
  });

  it("the whole check answers every payload with results or an error, never an exception", async () => {
    // Prepare
    const check = createPresendCheck({
      store: { getMany: async () => new Map() },
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      resolver: { lookup: async () => ({ kind: "accepts-mail" }) },
    });

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(payload, async (input) => {
        const response = await check(input);
        expect(Object.keys(response)).toHaveLength(1);
        if ("results" in response) {
          expect(response.results.every((answer) => typeof answer.verdict === "string")).toBe(true);
        } else {
          expect(typeof response.error.code).toBe("string");
        }
      }),
      runs(150),
    );
  });
});

describe("fuzz: the command line's input splitter", () => {
  it("splitInput never throws and reports each bad NDJSON line by its number", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.json(), junkString, fc.constant("")).filter((line) => !/[\r\n]/.test(line)),
          { maxLength: 12 },
        ),
        fc.constantFrom("\n", "\r\n"),
        (lines, newline) => {
          const text = lines.join(newline);
          const result = splitInput(text, "input.ndjson");
          expect(Array.isArray(result.items) && Array.isArray(result.problems)).toBe(true);
          let wholeIsJson = true;
          try {
            JSON.parse(text.trim());
          } catch {
            wholeIsJson = false;
          }
          if (!wholeIsJson && text.trim() !== "") {
            const badLines = lines.flatMap((line, index) => {
              if (line.trim() === "") return [];
              try {
                JSON.parse(line);
                return [];
              } catch {
                return [`input.ndjson:${index + 1}`];
              }
            });
            expect(result.problems.map((problem) => problem.origin)).toEqual(badLines);
          }
        },
      ),
      RUNS,
    );
  });

  it("splitInput never throws on arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 500 }), fc.string({ unit: "binary", maxLength: 500 })),
        (text) => {
          const result = splitInput(text, "stdin");
          expect(result.items.length + result.problems.length).toBeGreaterThanOrEqual(0);
        },
      ),
      RUNS,
    );
  });
});
