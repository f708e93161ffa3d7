// The parser's fast path against zod: same verdict on every input, same object on every valid one.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { fastSesNotification, parseNotification, zodSesNotification } from "../../functions/core/parse.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ses");
const examples = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(FIXTURES, name), "utf8") }))
  .filter(({ text }) => /"(?:notificationType|eventType)"/.test(text));

const RUNS = { numRuns: 400, seed: 20261126 } as const;

/**
 * The value as JSON with its keys in their order and undefined spelled out: toStrictEqual ignores
 * key order, and the fast path promises the order zod builds too.
 */
function layout(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => (field === undefined ? "<undefined>" : field));
}

/**
 * Fails unless `actual` and `expected` are the same value: same prototypes, same own keys in the same
 * order, undefined and null told apart. (Not toStrictEqual: it compares `constructor` properties,
 * and a tags record may hold a key named "constructor".)
 */
function expectIdentical(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
  expect(isDeepStrictEqual(actual, expected)).toBe(true);
  expect(layout(actual)).toBe(layout(expected));
}

/** Fails unless the fast path and zod agree on `value` (a JSON value, as the parser gives it). */
function expectSameReading(value: Record<string, unknown>): "valid" | "invalid" {
  const fast = fastSesNotification(value);
  const zod = zodSesNotification(value);
  // The fast path vouches for exactly what zod accepts: never more (that would be a wrong
  // success), and on JSON not less either (every valid notification stays on the fast path).
  expect(typeof fast === "symbol").toBe(typeof zod === "symbol");
  if (typeof fast === "symbol" || typeof zod === "symbol") return "invalid";
  expectIdentical(fast, zod);
  return "valid";
}

type Path = readonly (string | number)[];

const DROP = Symbol("drop");

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return [
    prefix,
    ...Object.keys(value).flatMap((key) =>
      pathsOf((value as Record<string, unknown>)[key], [...prefix, key]),
    ),
  ];
}

function at(root: unknown, path: Path): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Keys zod and a hand-written check could disagree on: prototype names, numeric keys, empty. */
const trickyKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "0",
  "1",
  "",
  "x",
);
const anyJson = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(
    "",
    " ",
    "Bounce",
    "Complaint",
    "Delivery",
    "DeliveryDelay",
    "Open",
    "toString",
    "__proto__",
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(trickyKey, fc.oneof(fc.string({ maxLength: 4 }), fc.array(fc.string({ maxLength: 4 }))), {
    maxKeys: 3,
  }),
  fc.constant({}),
  fc.constant([]),
);

const mutation = fc.record({
  operation: fc.constantFrom("drop", "replace", "null", "empty", "add-key", "move-type"),
  at: fc.nat(),
  key: trickyKey,
  value: anyJson,
});

/**
 * An official example with up to five edits (a field dropped, replaced by any JSON, nulled, emptied,
 * a tricky key added, the discriminator moved), then through JSON as the parser receives it.
 */
const mutatedExample = fc
  .record({
    example: fc.constantFrom(...examples),
    mutations: fc.array(mutation, { maxLength: 5 }),
  })
  .map(({ example, mutations }) => {
    const value = JSON.parse(example.text) as Record<string, unknown>;
    for (const edit of mutations) {
      const paths = pathsOf(value).filter((path) => path.length > 0);
      const path = paths[edit.at % Math.max(1, paths.length)];
      if (path === undefined) continue;
      const parent = at(value, path.slice(0, -1)) as Record<string | number, unknown>;
      const key = path[path.length - 1] as string | number;
      if (edit.operation === "drop") {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      } else if (edit.operation === "replace") parent[key] = edit.value;
      else if (edit.operation === "null") parent[key] = null;
      else if (edit.operation === "empty") parent[key] = typeof parent[key] === "string" ? "" : [];
      else if (edit.operation === "add-key") {
        const target = typeof parent[key] === "object" && parent[key] !== null ? parent[key] : parent;
        (target as Record<string, unknown>)[edit.key] = edit.value;
      } else if (edit.operation === "move-type") {
        const type = value.notificationType ?? value.eventType;
        delete value.notificationType;
        delete value.eventType;
        value[edit.at % 2 === 0 ? "notificationType" : "eventType"] = type;
      }
    }
    // JSON.stringify writes an own "__proto__" key that JSON.parse turns back into an own key.
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  });

describe("fastSesNotification", () => {
  it("finds the fifteen complete official examples", () => {
    expect(examples).toHaveLength(15);
  });

  it.each(examples)("reads $name exactly as zod does, on the fast path", ({ text }) => {
    const value = JSON.parse(text) as Record<string, unknown>;
    expect(expectSameReading(value)).toBe("valid");
  });

  it.each(examples)(
    "reads $name without its mail object exactly as zod does, on the fast path",
    ({ text }) => {
      const { mail: _mail, ...trimmed } = JSON.parse(text) as Record<string, unknown>;
      expect(expectSameReading(trimmed)).toBe("valid");
    },
  );

  it("agrees with zod on every official example with any one field dropped or replaced", () => {
    const replacements: readonly unknown[] = [null, "", "x", 0, true, [], {}, ["x"], { emailAddress: "x" }];
    const seen = { valid: 0, invalid: 0 };
    for (const { text } of examples) {
      const original = JSON.parse(text) as Record<string, unknown>;
      for (const path of pathsOf(original).filter((candidate) => candidate.length > 0)) {
        for (const replacement of [DROP, ...replacements]) {
          const value = JSON.parse(text) as Record<string, unknown>;
          const parent = at(value, path.slice(0, -1)) as Record<string | number, unknown>;
          const key = path[path.length - 1] as string | number;
          if (replacement === DROP) delete parent[key];
          else parent[key] = replacement;
          seen[expectSameReading(JSON.parse(JSON.stringify(value)))] += 1;
        }
      }
    }
    expect(seen.valid).toBeGreaterThan(1000);
    expect(seen.invalid).toBeGreaterThan(1000);
  });

  it("agrees with zod on mutated official examples, valid or not", () => {
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(mutatedExample, (value) => {
        seen[expectSameReading(value)] += 1;
      }),
      RUNS,
    );
    // Both sides of the property were exercised.
    expect(seen.valid).toBeGreaterThan(40);
    expect(seen.invalid).toBeGreaterThan(40);
  });

  it("agrees with zod on tags records with tricky keys", () => {
    const base = JSON.parse(examples.find(({ name }) => name.startsWith("07-"))?.text ?? "{}");
    fc.assert(
      fc.property(fc.dictionary(trickyKey, anyJson, { maxKeys: 4 }), (tags) => {
        const value = JSON.parse(JSON.stringify({ ...base, mail: { ...base.mail, tags } }));
        expectSameReading(value);
      }),
      RUNS,
    );
    // An own "__proto__" key, as JSON.parse makes it, is skipped by both.
    const text = JSON.stringify(base).replace('"tags":{', '"tags":{"__proto__":["x"],');
    expect(text).toContain("__proto__");
    expect(expectSameReading(JSON.parse(text))).toBe("valid");
  });

  it("agrees with zod on random JSON objects", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(trickyKey, fc.constantFrom("notificationType", "eventType", "mail")), anyJson),
        (value) => {
          expectSameReading(JSON.parse(JSON.stringify(value)));
        },
      ),
      RUNS,
    );
  });
});

describe("parseNotification with and without the fast path", () => {
  // A bare object goes to zod; the same object as JSON text takes the fast path, so the two results
  // (including every error message) must not differ.
  it("returns the same result for an object and for its JSON text", () => {
    fc.assert(
      fc.property(mutatedExample, (value) => {
        expectIdentical(parseNotification(JSON.stringify(value)), parseNotification(value));
      }),
      RUNS,
    );
  });

  it("reads SNS envelopes of any shape the same way from an object and from JSON text", () => {
    const envelope = fc.record(
      {
        Type: fc.oneof(fc.constantFrom("Notification", "SubscriptionConfirmation", "Other"), anyJson),
        MessageId: fc.oneof(fc.constantFrom("", "sns-1"), anyJson),
        Message: fc.oneof(
          mutatedExample.map((value) => JSON.stringify(value)),
          anyJson,
        ),
      },
      { requiredKeys: ["Type"] },
    );
    fc.assert(
      fc.property(envelope, (value) => {
        const json = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
        expectIdentical(parseNotification(JSON.stringify(json)), parseNotification(json));
      }),
      RUNS,
    );
  });

  it("keeps the envelope ids of an SQS record around an SNS envelope", () => {
    const value = JSON.parse(examples[0]?.text ?? "{}");
    const body = JSON.stringify(snsEnvelopeOf(value, { messageId: "sns-1" }));
    const result = parseNotification({
      messageId: "m-1",
      receiptHandle: "r-1",
      body,
      eventSource: "aws:sqs",
    });
    expect(result.kind === "notification" && result.envelope).toStrictEqual({
      sqsMessageId: "m-1",
      snsMessageId: "sns-1",
    });
    expect(layout(result.kind === "notification" && result.envelope)).toBe(
      '{"sqsMessageId":"m-1","snsMessageId":"sns-1"}',
    );
  });
});
