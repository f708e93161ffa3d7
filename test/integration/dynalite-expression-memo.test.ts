// The memo over dynalite's expression parsers that the chaos replay's emulator process uses: it
// must answer every request exactly as dynalite's own parse does, errors and unused names included.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { runChaos } from "../support/chaos-replay.ts";
import {
  dynaliteParsers,
  type ExpressionMemoStats,
  memoizeDynaliteExpressions,
  memoizeParser,
  newStats,
  type Parser,
  verifyingParser,
} from "../support/dynalite-expression-memo.ts";

const { compare } = createRequire(import.meta.url)("dynalite/db") as { compare: unknown };
const RESERVED = new Set(["NAME", "STATUS", "SIZE"]);

type Values = Record<string, Record<string, unknown>>;

/** A parse context as dynalite's validation builds one for a request. */
function contextOf(names: Record<string, string>, values: Values, isKeyCondition = false) {
  return {
    attrNames: names,
    attrVals: values,
    unusedAttrNames: Object.fromEntries(Object.keys(names).map((name) => [name, true])),
    unusedAttrVals: Object.fromEntries(Object.keys(values).map((name) => [name, true])),
    isReserved: (name: string) => RESERVED.has(name.toUpperCase()),
    compare,
    ...(isKeyCondition ? { isKeyCondition } : {}),
  };
}

/** What a parser answers to a request: its tree or its error, and what it left unused. */
function answer(parser: Parser, expression: string, context: ReturnType<typeof contextOf>) {
  const own = {
    ...context,
    unusedAttrNames: { ...context.unusedAttrNames },
    unusedAttrVals: { ...context.unusedAttrVals },
  };
  let result: unknown;
  try {
    result = { tree: parser.parse(expression, { context: own }) };
  } catch (error) {
    result = { thrown: `${(error as Error).name}: ${(error as Error).message}` };
  }
  return {
    result,
    unusedNames: Object.keys(own.unusedAttrNames).sort(),
    unusedValues: Object.keys(own.unusedAttrVals).sort(),
  };
}

interface Request {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Values;
  readonly isKeyCondition?: boolean;
}

/** Sends the requests in order through a fresh memo and through dynalite; returns the memo's counts. */
function expectSameAsDynalite(
  kind: "update" | "condition",
  requests: readonly Request[],
): ExpressionMemoStats {
  const dynalite = dynaliteParsers()[kind];
  const stats = newStats();
  const memo = memoizeParser(dynalite, stats);
  for (const request of requests) {
    const context = contextOf(request.names, request.values, request.isKeyCondition);
    expect(answer(memo, request.expression, context), request.expression).toEqual(
      answer(dynalite, request.expression, context),
    );
  }
  return stats;
}

const S = (text: string) => ({ S: text });
const N = (value: number) => ({ N: String(value) });
const L = (...items: unknown[]) => ({ L: items });

// The store's own expressions (functions/adapters/dynamodb-store.ts), as sent.
const NOT_SEEN = "attribute_not_exists(#ids) OR NOT contains(#ids, :id) AND NOT contains(#ids, :wholeId)";
const RECORD =
  "SET #hist = list_append(if_not_exists(#hist, :empty), :entry), #ids = list_append(if_not_exists(#ids, :empty), :idList), " +
  "#updated = :now, #ttl = if_not_exists(#retained, :ttl), #wS = if_not_exists(#wS, :wS), #wD = :wD ADD #soft :one";
const RECORD_NAMES = {
  "#hist": "history",
  "#ids": "eventIds",
  "#updated": "updatedAt",
  "#ttl": "expiresAt",
  "#retained": "retained",
  "#wS": "windowStart",
  "#wD": "windowDue",
  "#soft": "softBounces",
};
const recordValues = (event: number, entries: number): Values => ({
  ":entry": L(...Array.from({ length: entries }, (_, index) => S(`entry ${event}.${index}`))),
  ":idList": L(S(`id-${event}`)),
  ":empty": L(),
  ":now": S(`2025-05-0${event}T00:00:00.000Z`),
  ":ttl": N(1_750_000_000 + event),
  ":wS": S(`2025-04-0${event}T00:00:00.000Z`),
  ":wD": S(`2025-04-0${event}T04:00:00.000Z`),
  ":one": N(1),
});

describe("the memo over dynalite's expression parsers", () => {
  it("answers the store's requests as dynalite does, parsing each shape once", () => {
    const condition = expectSameAsDynalite(
      "condition",
      [1, 2, 3].map((event) => ({
        expression: NOT_SEEN,
        names: { "#ids": "eventIds" },
        values: { ":id": S(`id-${event}`), ":wholeId": S(`id-${event}-whole`) },
      })),
    );
    expect(condition).toMatchObject({ parses: 1, hits: 2, refusedShapes: 0 });

    const update = expectSameAsDynalite(
      "update",
      [1, 2, 3].map((event) => ({
        expression: RECORD,
        names: RECORD_NAMES,
        values: recordValues(event, event),
      })),
    );
    expect(update).toMatchObject({ parses: 1, hits: 2, refusedShapes: 0 });
  });

  it("parses afresh when a value's type changes, and gives dynalite's error for the wrong one", () => {
    const names = { "#hist": "history" };
    const stats = expectSameAsDynalite("update", [
      { expression: "SET #hist = list_append(#hist, :entry)", names, values: { ":entry": L(S("a")) } },
      { expression: "SET #hist = list_append(#hist, :entry)", names, values: { ":entry": S("not a list") } },
      { expression: "SET #hist = list_append(#hist, :entry)", names, values: { ":entry": L(S("b")) } },
    ]);
    expect(stats).toMatchObject({ parses: 2, hits: 1 });
    const error = answer(
      dynaliteParsers().update,
      "SET #hist = list_append(#hist, :entry)",
      contextOf(names, { ":entry": S("x") }),
    );
    expect(JSON.stringify(error.result)).toContain("Incorrect operand type");
  });

  it("always parses the checks that read a value's content: BETWEEN's bounds and attribute_type's name", () => {
    const names = { "#n": "count", "#t": "kind" };
    const between = expectSameAsDynalite(
      "condition",
      [
        [1, 5],
        [5, 1],
        [2, 3],
      ].map(([low, high]) => ({
        expression: "#n BETWEEN :low AND :high",
        names: { "#n": "count" },
        values: { ":low": N(low ?? 0), ":high": N(high ?? 0) },
      })),
    );
    expect(between).toMatchObject({ parses: 3, hits: 0 });
    const typed = expectSameAsDynalite(
      "condition",
      ["S", "XX", "N"].map((type) => ({
        expression: "attribute_type(#t, :type)",
        names: { "#t": names["#t"] },
        values: { ":type": S(type) },
      })),
    );
    expect(typed).toMatchObject({ parses: 3, hits: 0 });
  });

  it("leaves unused names and values unused, as dynalite does, on a memoized answer too", () => {
    const stats = expectSameAsDynalite(
      "condition",
      [1, 2].map((event) => ({
        expression: "#a = :a",
        names: { "#a": "a", "#spare": "b" },
        values: { ":a": N(event), ":spare": S("never used") },
      })),
    );
    expect(stats).toMatchObject({ parses: 1, hits: 1 });
  });

  it("gives dynalite's errors every time, without memoizing them: undefined names, reserved words, syntax", () => {
    const requests: Request[] = [
      { expression: "#missing = :a", names: { "#a": "a" }, values: { ":a": N(1) } },
      { expression: "#missing = :a", names: { "#a": "a" }, values: { ":a": N(2) } },
      { expression: "name = :a", names: {}, values: { ":a": N(1) } },
      { expression: "name = :a", names: {}, values: { ":a": N(1) } },
      { expression: "#a = = :a", names: { "#a": "a" }, values: { ":a": N(1) } },
      { expression: "#a = = :a", names: { "#a": "a" }, values: { ":a": N(1) } },
    ];
    const stats = expectSameAsDynalite("condition", requests);
    expect(stats).toMatchObject({ parses: 6, hits: 0 });
  });

  it("keeps shapes apart that differ only in names, in the key-condition flag, or in the set of values", () => {
    const requests: Request[] = [
      { expression: "#a = :v", names: { "#a": "a" }, values: { ":v": S("x") } },
      { expression: "#a = :v", names: { "#a": "b" }, values: { ":v": S("x") } },
      { expression: "#a = :v", names: { "#a": "a" }, values: { ":v": S("x") }, isKeyCondition: true },
      { expression: "#a = :v", names: { "#a": "a" }, values: { ":v": S("x"), ":w": S("y") } },
      { expression: "#a = :v", names: { "#a": "b" }, values: { ":v": S("z") } },
      // Names whose paths would run together if the shape were a plain concatenation.
      { expression: "#a = :v", names: { "#a": "x\u0000#b=y" }, values: { ":v": S("x") } },
      { expression: "#a = :v", names: { "#a": "x", "#b": "y" }, values: { ":v": S("x") } },
    ];
    const stats = expectSameAsDynalite("condition", requests);
    expect(stats).toMatchObject({ parses: 6, hits: 1 });
  });

  it("puts a value used twice in both places, and hands out trees that share nothing with each other", () => {
    const dynalite = dynaliteParsers().update;
    const memo = memoizeParser(dynalite);
    const names = { "#a": "a", "#b": "b" };
    const parse = (value: string) =>
      memo.parse("SET #a = :v, #b = :v", { context: contextOf(names, { ":v": S(value) }) });
    parse("first");
    const second = parse("second") as { sections: unknown };
    // dynalite may change the tree it applies; a later answer must not see it.
    JSON.stringify(second, (_key, node) => {
      if (node !== null && typeof node === "object" && "S" in node) node.S = "changed";
      return node;
    });
    expect(parse("third")).toEqual(
      dynalite.parse("SET #a = :v, #b = :v", { context: contextOf(names, { ":v": S("third") }) }),
    );
    expect(JSON.stringify(parse("fourth")).match(/fourth/g)).toHaveLength(2);
  });

  it("never memoizes a shape whose parse copies a value's content rather than the value", () => {
    // A parser that puts the text of :v into its tree, which dynalite's do not: a template would
    // answer the second request with the first one's text.
    const copying: Parser = {
      parse: (_expression, options) => ({ text: options.context.attrVals?.[":v"]?.S }),
    };
    const stats = newStats();
    const memo = memoizeParser(copying, stats);
    for (const text of ["first", "second"]) {
      const context = contextOf({}, { ":v": S(text) });
      expect(memo.parse("#a = :v", { context })).toEqual({ text });
    }
    expect(stats).toMatchObject({ refusedShapes: 1, parses: 2, hits: 0 });
  });

  it("refuses to answer from a memo that differs from dynalite, naming the expression", () => {
    const dynalite = dynaliteParsers().condition;
    const stats = newStats();
    const context = () => contextOf({ "#a": "a" }, { ":a": N(1), ":b": N(2) });
    const wrongTree: Parser = { parse: () => ({ expression: { type: "wrong" } }) };
    expect(() =>
      verifyingParser(dynalite.parse, wrongTree, stats).parse("#a = :a", { context: context() }),
    ).toThrow(`the expression memo differs from dynalite's parse of "#a = :a"`);
    // The same tree, but it marks a value used that the expression does not use.
    const wrongUse: Parser = {
      parse: (expression, options) => {
        const tree = dynalite.parse(expression, options);
        delete options.context.unusedAttrVals?.[":b"];
        return tree;
      },
    };
    expect(() =>
      verifyingParser(dynalite.parse, wrongUse, stats).parse("#a = :a", { context: context() }),
    ).toThrow("differs");
    expect(stats.differences).toBe(2);
    const right = verifyingParser(dynalite.parse, memoizeParser(dynalite), stats);
    expect(right.parse("#a = :a", { context: context() })).toEqual(
      dynalite.parse("#a = :a", { context: context() }),
    );
    expect(stats).toMatchObject({ differences: 2, verified: 1 });
  });

  it("checks every parse of a chaos replay in this process against dynalite's, with none differing", async () => {
    // The tests' setup installed the memo in "verify" mode; installing again returns its counts.
    const stats = memoizeDynaliteExpressions("verify");
    expect(() => memoizeDynaliteExpressions("memo")).toThrow(/already memoized in "verify" mode/);
    const before = { ...stats };
    const report = await runChaos({
      stream: { seed: 11, notifications: 300, addresses: 60, end: new Date("2025-06-01T00:00:00.000Z") },
      faults: { seed: 3, rate: 0.08 },
      separateEmulatorProcess: false,
      concurrency: 4,
      visibilityTimeoutSeconds: 1,
    });
    expect(report.mismatchedAddresses).toBe(0);
    expect(report.deadLetters.poisonOnly).toBe(true);
    expect(stats.differences).toBe(before.differences);
    expect(stats.verified - before.verified).toBeGreaterThan(2 * 300);
    expect(stats.hits - before.hits).toBeGreaterThan(2 * 300);
    expect(stats.refusedShapes).toBe(before.refusedShapes);
  });
});
