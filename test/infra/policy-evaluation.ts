// A resource policy of a synthesized template evaluated for one request, as IAM's documented logic
// does it for the operators the stack uses: an explicit Deny wins, then an Allow. Values are compared
// as the template holds them (tokens such as { Ref: "AWS::AccountId" } included), so a test states a
// request in the template's own terms. Only what the stack's policies need; anything else throws.

export type PolicyStatement = Record<string, unknown>;

/** One request: who calls, what, and the request context's keys (an absent key is left out). */
export interface PolicyRequest {
  readonly action: string;
  /** A service principal (`ses.amazonaws.com`) or an IAM principal's ARN. */
  readonly principal: { readonly service: string } | { readonly arn: unknown };
  readonly context: Readonly<Record<string, unknown>>;
}

/**
 * `denied`: an explicit Deny matches. `allowed`: an Allow of the resource policy matches.
 * `not-allowed`: neither; a service principal is then refused, an IAM principal of the account
 * may still be let in by its own identity policy.
 */
export type PolicyDecision = "denied" | "allowed" | "not-allowed";

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function actionMatches(pattern: unknown, action: string): boolean {
  return [pattern].flat().some((each) => {
    if (typeof each !== "string") throw new Error(`unexpected Action ${JSON.stringify(each)}`);
    return each === action || (each.endsWith("*") && action.startsWith(each.slice(0, -1)));
  });
}

function principalMatches(principal: unknown, request: PolicyRequest): boolean {
  if (principal === "*") return true;
  const { AWS: aws, Service: service, ...rest } = principal as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new Error(`unexpected Principal ${JSON.stringify(principal)}`);
  const caller = request.principal;
  if ("service" in caller) return aws === "*" || [service].flat().some((each) => each === caller.service);
  return aws === "*" || [aws].flat().some((each) => same(each, caller.arn));
}

/** Operators by their documented meaning for a present key; `negated` ones hold when the key is absent. */
const OPERATORS: Readonly<
  Record<
    string,
    { readonly negated: boolean; readonly test: (actual: unknown, expected: unknown) => boolean }
  >
> = {
  StringEquals: { negated: false, test: same },
  ArnEquals: { negated: false, test: same },
  Bool: { negated: false, test: (actual, expected) => String(actual) === String(expected) },
  StringNotEquals: { negated: true, test: (actual, expected) => !same(actual, expected) },
  ArnNotEquals: { negated: true, test: (actual, expected) => !same(actual, expected) },
};

/** Every key of every operator must hold; a key holds for any one of its values (none, for a negated operator). */
function conditionHolds(condition: unknown, context: PolicyRequest["context"]): boolean {
  if (condition === undefined) return true;
  // Condition key names are case-insensitive (CDK's SES destination writes "AWS:SourceArn").
  const byKey = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
  return Object.entries(condition as Record<string, Record<string, unknown>>).every(([name, keys]) => {
    const ifExists = name.endsWith("IfExists");
    const operator = OPERATORS[ifExists ? name.slice(0, -"IfExists".length) : name];
    if (operator === undefined) throw new Error(`unexpected condition operator ${name}`);
    return Object.entries(keys).every(([key, expected]) => {
      if (!byKey.has(key.toLowerCase())) return ifExists || operator.negated;
      const values = [expected].flat();
      const actual = byKey.get(key.toLowerCase());
      return operator.negated
        ? values.every((value) => operator.test(actual, value))
        : values.some((value) => operator.test(actual, value));
    });
  });
}

function statementMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
  return (
    actionMatches(statement.Action, request.action) &&
    principalMatches(statement.Principal, request) &&
    conditionHolds(statement.Condition, request.context)
  );
}

export function evaluatePolicy(
  statements: readonly PolicyStatement[],
  request: PolicyRequest,
): PolicyDecision {
  const matching = statements.filter((statement) => statementMatches(statement, request));
  if (matching.some((statement) => statement.Effect === "Deny")) return "denied";
  return matching.some((statement) => statement.Effect === "Allow") ? "allowed" : "not-allowed";
}
