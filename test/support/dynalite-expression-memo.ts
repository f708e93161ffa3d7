// A memo over dynalite's expression parsers, for the chaos replay's emulator process. dynalite
// parses every UpdateExpression and ConditionExpression afresh with a backtracking parser: one
// `attribute_not_exists(#ids)` costs about 90 µs, and the store's two expressions together take
// about a third of the emulator's CPU in a replay. Requests of one shape (the same expression,
// names and value types) parse to the same tree with different values in it, so a tree is parsed
// once per shape and, for each later request, copied with that request's values put in.
//
// Exactness, not speed, decides what is memoized:
// - the parse of a shape's first request is done as dynalite does it, and the memo is kept only if
//   the template, filled with that request's values, equals that parse (else the shape is never
//   memoized);
// - expressions whose checks look at a value's content rather than its type (BETWEEN compares its
//   bounds, attribute_type reads its type name) are always parsed afresh, and so is anything that
//   fails to parse: errors come from dynalite itself;
// - a request marks the same names and values used as the parse would (dynalite refuses unused ones).
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";

type AttributeValue = Record<string, unknown>;

/** What dynalite's validation passes its parsers (validations/index.js). */
interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, AttributeValue>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
  [other: string]: unknown;
}

export interface Parser {
  parse(input: string, options: { context: ParseContext }): unknown;
}

interface Template {
  readonly tree: unknown;
  /** Each stand-in value in the tree and the value name it stands for. */
  readonly standIns: ReadonlyMap<object, string>;
  /** The names and values the expression uses. */
  readonly namesUsed: readonly string[];
  readonly valuesUsed: readonly string[];
}

export interface ExpressionMemoStats {
  /** Parses answered from a template. */
  hits: number;
  /** Parses done by dynalite: first requests of a shape, refused shapes and errors. */
  parses: number;
  /** Shapes whose template did not reproduce dynalite's parse and so are never memoized. */
  refusedShapes: number;
  /** In "verify" mode: parses where the memo gave dynalite's answer, and where it did not. */
  verified: number;
  differences: number;
}

/** dynalite's own order for telling an attribute value's type (getImmediateType). */
const VALUE_TYPES = ["S", "N", "B", "NULL", "BOOL", "SS", "NS", "BS", "L", "M"] as const;

/** Shapes kept at most; past it, new shapes are parsed each time (the store sends a few dozen). */
const MAX_SHAPES = 10_000;

/** Checks that read a value's content, not only its type: never memoized. */
const CONTENT_CHECKS = /between|attribute_type/i;

function typeOf(value: AttributeValue | undefined): string {
  if (value === undefined || value === null || typeof value !== "object") return "?";
  for (const type of VALUE_TYPES) if (value[type] != null) return type;
  return "?";
}

/**
 * The shape of a request: everything the parse depends on except the values' content. JSON keeps
 * the parts apart whatever characters a name's path holds.
 */
function shapeOf(expression: string, context: ParseContext): string {
  const types = Object.entries(context.attrVals ?? {}).map(([name, value]) => [name, typeOf(value)]);
  return JSON.stringify([
    expression,
    context.isKeyCondition === true,
    Object.entries(context.attrNames ?? {}),
    types,
  ]);
}

/** A copy of a parse tree with each stand-in replaced by the value it stands for. */
function fill(
  tree: unknown,
  standIns: ReadonlyMap<object, string>,
  values: Record<string, AttributeValue>,
): unknown {
  const copies = new Map<object, unknown>();
  const copy = (node: unknown): unknown => {
    if (node === null || typeof node !== "object") return node;
    const name = standIns.get(node);
    if (name !== undefined) return values[name];
    const done = copies.get(node);
    if (done !== undefined) return done;
    if (Array.isArray(node)) {
      const array: unknown[] = [];
      copies.set(node, array);
      for (const item of node) array.push(copy(item));
      return array;
    }
    const prototype = Object.getPrototypeOf(node);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError("a parse tree node that is not a plain object");
    }
    const object: Record<string, unknown> = Object.create(prototype);
    copies.set(node, object);
    for (const [key, value] of Object.entries(node)) object[key] = copy(value);
    return object;
  };
  return copy(tree);
}

/**
 * A stand-in of the same type whose content no request has: were any of a value's content copied
 * into the tree (rather than the value itself), the filled template would keep the stand-in's and
 * fail the check against dynalite's parse, and the shape would not be memoized.
 */
function standInFor(type: string, name: string): AttributeValue {
  switch (type) {
    case "S":
      return { S: `\u0000stand-in for ${name}` };
    case "N":
      return { N: "-0.000000000000000000000000000000000001" };
    case "B":
      return { B: `stand-in for ${name}` };
    case "NULL":
      return { NULL: true };
    case "BOOL":
      return { BOOL: name.length % 2 === 0 };
    case "M":
      return { M: {} };
    default:
      return { [type]: [] };
  }
}

/** Parse with every value replaced by a stand-in of the same type, and record what it used. */
function templateOf(parse: Parser["parse"], expression: string, context: ParseContext): Template | undefined {
  const names = Object.keys(context.attrNames ?? {});
  const values = context.attrVals ?? {};
  const standIns = new Map<object, string>();
  const standInValues: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const type = typeOf(value);
    if (type === "?") return undefined;
    const standIn = standInFor(type, name);
    standIns.set(standIn, name);
    standInValues[name] = standIn;
  }
  const unusedNames: Record<string, boolean> = Object.fromEntries(names.map((name) => [name, true]));
  const unusedValues: Record<string, boolean> = Object.fromEntries(
    Object.keys(values).map((name) => [name, true]),
  );
  const tree = parse(expression, {
    context: {
      ...context,
      attrVals: standInValues,
      unusedAttrNames: unusedNames,
      unusedAttrVals: unusedValues,
    },
  });
  if (tree === null || typeof tree !== "object") return undefined;
  return {
    tree,
    standIns,
    namesUsed: names.filter((name) => !(name in unusedNames)),
    valuesUsed: Object.keys(values).filter((name) => !(name in unusedValues)),
  };
}

/**
 * A parser that answers from templates where it can and asks `parser` otherwise. `stats` counts
 * what it did. Exported for the tests, which compare it with the parser it wraps.
 */
export function memoizeParser(parser: Parser, stats: ExpressionMemoStats = newStats()): Parser {
  const parse = parser.parse.bind(parser);
  /** undefined: not seen; null: refused. */
  const templates = new Map<string, Template | null>();
  return {
    parse(expression, options) {
      const context = options.context;
      if (CONTENT_CHECKS.test(expression)) {
        stats.parses += 1;
        return parse(expression, options);
      }
      const shape = shapeOf(expression, context);
      const template = templates.get(shape);
      if (template === undefined || template === null) {
        stats.parses += 1;
        const tree = parse(expression, options);
        const room = templates.size < MAX_SHAPES;
        if (template === undefined && room && tree !== null && typeof tree === "object") {
          const made = templateOf(parse, expression, context);
          const exact = made !== undefined && reproduces(made, context, tree);
          templates.set(shape, exact ? made : null);
          if (!exact) stats.refusedShapes += 1;
        }
        return tree;
      }
      stats.hits += 1;
      for (const name of template.namesUsed) delete context.unusedAttrNames?.[name];
      for (const name of template.valuesUsed) delete context.unusedAttrVals?.[name];
      return fill(template.tree, template.standIns, context.attrVals ?? {});
    },
  };
}

/** Whether the template, filled with this request's values, is the tree dynalite parsed from it. */
function reproduces(template: Template, context: ParseContext, tree: unknown): boolean {
  try {
    return isDeepStrictEqual(fill(template.tree, template.standIns, context.attrVals ?? {}), tree);
  } catch {
    return false;
  }
}

export function newStats(): ExpressionMemoStats {
  return { hits: 0, parses: 0, refusedShapes: 0, verified: 0, differences: 0 };
}

/** How the parsers answer once installed. */
export type MemoMode =
  /** From the memo (the chaos replay's emulator process). */
  | "memo"
  /**
   * As dynalite parses, after checking that the memo gives the same answer and marks the same
   * names and values used; a difference fails the request with an error naming the expression
   * (the tests' processes, so that every request of the suite checks the memo).
   */
  | "verify";

type Outcome = { readonly tree: unknown } | { readonly error: string };

function outcomeOf(parse: () => unknown): Outcome {
  try {
    return { tree: parse() };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

const usedKeys = (unused: Record<string, boolean> | undefined) => Object.keys(unused ?? {}).sort();

/** A parser that asks dynalite and the memo, and fails when their answers differ. Exported for the tests. */
export function verifyingParser(parse: Parser["parse"], memo: Parser, stats: ExpressionMemoStats): Parser {
  return {
    parse(expression, options) {
      const context = options.context;
      const copy: ParseContext = {
        ...context,
        unusedAttrNames: { ...context.unusedAttrNames },
        unusedAttrVals: { ...context.unusedAttrVals },
      };
      const memoized = outcomeOf(() => memo.parse(expression, { context: copy }));
      let thrown: { error: unknown } | undefined;
      const parsed = outcomeOf(() => {
        try {
          return parse(expression, options);
        } catch (error) {
          thrown = { error };
          throw error;
        }
      });
      if (
        !isDeepStrictEqual(memoized, parsed) ||
        !isDeepStrictEqual(usedKeys(copy.unusedAttrNames), usedKeys(context.unusedAttrNames)) ||
        !isDeepStrictEqual(usedKeys(copy.unusedAttrVals), usedKeys(context.unusedAttrVals))
      ) {
        stats.differences += 1;
        throw new Error(`the expression memo differs from dynalite's parse of "${expression}"`);
      }
      stats.verified += 1;
      if (thrown !== undefined) throw thrown.error;
      return "tree" in parsed ? parsed.tree : undefined;
    },
  };
}

/** Set to "verify" by the tests' setup; child processes that memoize read it. */
export const MEMO_MODE_VARIABLE = "BOUNCE_GUARD_DYNALITE_MEMO";

/** Marks a dynalite parser module as memoized, with its stats and mode (modules outlive test files). */
const INSTALLED = Symbol.for("bounce-guard.dynalite-expression-memo");

type ParserModule = Parser & {
  [INSTALLED]?: { mode: MemoMode; stats: ExpressionMemoStats; parse: Parser["parse"] };
};

function dynaliteParserModules(): { update: ParserModule; condition: ParserModule } {
  const require = createRequire(import.meta.url);
  return {
    update: require("dynalite/db/updateParser") as ParserModule,
    condition: require("dynalite/db/conditionParser") as ParserModule,
  };
}

/** dynalite's own update and condition parsers, whether or not the memo is installed. */
export function dynaliteParsers(): { update: Parser; condition: Parser } {
  const { update, condition } = dynaliteParserModules();
  const own = (parser: ParserModule): Parser => ({
    parse: parser[INSTALLED]?.parse ?? parser.parse.bind(parser),
  });
  return { update: own(update), condition: own(condition) };
}

/**
 * Memoize dynalite's update and condition parsers for every dynalite in this process: they are
 * module objects dynalite shares, whose `parse` its validation calls at each request. Returns live
 * counts; installing again returns the same, and installing in another mode is refused.
 */
export function memoizeDynaliteExpressions(mode: MemoMode = "memo"): ExpressionMemoStats {
  const parsers = Object.values(dynaliteParserModules());
  const earlier = parsers[0]?.[INSTALLED];
  if (earlier !== undefined) {
    if (earlier.mode !== mode) {
      throw new Error(`dynalite's parsers are already memoized in "${earlier.mode}" mode, not "${mode}"`);
    }
    return earlier.stats;
  }
  const stats = newStats();
  for (const parser of parsers) {
    const parse = parser.parse.bind(parser);
    const memo = memoizeParser({ parse }, stats);
    parser.parse = mode === "memo" ? memo.parse : verifyingParser(parse, memo, stats).parse;
    parser[INSTALLED] = { mode, stats, parse };
  }
  return stats;
}
