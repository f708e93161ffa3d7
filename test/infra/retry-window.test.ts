// The retry window's state machine, its definition, its role and who may start it: three stacks in
// one app (the defaults, the SES deferral mirror, a custom bus and window), one synthesis each.
import { Duration, Lazy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as events from "aws-cdk-lib/aws-events";
import * as logs from "aws-cdk-lib/aws-logs";
import { beforeAll, describe, expect, it } from "vitest";
import { WINDOW_ATTRIBUTES } from "../../functions/core/retry-window.ts";
import { BounceGuard, type BounceGuardProps } from "../../lib/bounce-guard.ts";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { InvalidPropsError } from "../../lib/errors.ts";
import { RETRY_DUE_EVENT, WINDOW_STATES } from "../../lib/retry-window.ts";
import {
  logicalIdOf,
  onlyResource,
  policyStatementsOf,
  roleLogicalIdOf,
  SYNTH_TIMEOUT_MS,
  testApp,
} from "./support.ts";

interface Synthesized {
  readonly stack: Stack;
  readonly guard: BounceGuard;
  readonly template: Template;
}

let defaults: Synthesized;
let mirror: Synthesized;
let custom: Synthesized;
let customBus: events.EventBus;

beforeAll(() => {
  const app = testApp();
  const defaultStack = new BounceGuardStack(app, "RetryWindowDefaults");
  const mirrorStack = new BounceGuardStack(app, "RetryWindowMirror", { sesDeferralMirror: true });
  // A plain stack: the custom bus must exist before the BounceGuard that publishes on it.
  const customStack = new Stack(app, "RetryWindowCustom");
  customBus = new events.EventBus(customStack, "RetryBus");
  const customGuard = new BounceGuard(customStack, "BounceGuard", {
    retryEventBus: customBus,
    retryWindow: Duration.hours(6),
    retryInterval: Duration.hours(1),
    logRetention: logs.RetentionDays.ONE_WEEK,
  });
  defaults = {
    stack: defaultStack,
    guard: defaultStack.bounceGuard,
    template: Template.fromStack(defaultStack),
  };
  mirror = { stack: mirrorStack, guard: mirrorStack.bounceGuard, template: Template.fromStack(mirrorStack) };
  custom = { stack: customStack, guard: customGuard, template: Template.fromStack(customStack) };
}, SYNTH_TIMEOUT_MS);

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = Record<string, unknown>;

interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}
interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: Catcher[];
  Parameters?: Record<string, unknown>;
  [field: string]: unknown;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
  [field: string]: unknown;
}

/** The state machine resource, found through the construct's own ARN token. */
function stateMachineOf({ stack, guard, template }: Synthesized): { logicalId: string; resource: Resource } {
  const found = onlyResource(template, "AWS::StepFunctions::StateMachine");
  expect(found.logicalId).toBe(logicalIdOf(stack, guard.retryWindow.stateMachine.stateMachineArn));
  return { logicalId: found.logicalId, resource: found.resource as unknown as Resource };
}

/** A CloudFormation intrinsic inside the definition, as a `<...>` placeholder. */
function placeholder(part: unknown): string {
  const token = part as { Ref?: string; "Fn::GetAtt"?: [string, string] };
  if (token.Ref !== undefined) return `<${token.Ref}>`;
  if (token["Fn::GetAtt"] !== undefined) return `<${token["Fn::GetAtt"].join(".")}>`;
  throw new Error(`unexpected intrinsic in the definition: ${JSON.stringify(part)}`);
}

/** The raw text of the definition (an Fn::Join), intrinsics replaced with placeholders. */
function definitionTextOf(synthesized: Synthesized): string {
  const definition = stateMachineOf(synthesized).resource.Properties.DefinitionString as {
    "Fn::Join"?: [string, unknown[]];
  };
  const join = definition["Fn::Join"];
  if (join === undefined)
    throw new Error(`DefinitionString is not an Fn::Join: ${JSON.stringify(definition)}`);
  const [separator, parts] = join;
  return parts.map((part) => (typeof part === "string" ? part : placeholder(part))).join(separator);
}

const definitionOf = (synthesized: Synthesized): Definition =>
  JSON.parse(definitionTextOf(synthesized)) as Definition;

const stateOf = (synthesized: Synthesized, name: string): State => {
  const state = definitionOf(synthesized).States[name];
  if (state === undefined) throw new Error(`no state ${name}`);
  return state;
};

const tasksOf = (synthesized: Synthesized): [string, State][] =>
  Object.entries(definitionOf(synthesized).States).filter(([, state]) => state.Type === "Task");

const INTEGRATION_PREFIX = "arn:<AWS::Partition>:states:::";

/** What a Task state integrates with, e.g. `dynamodb:updateItem`. */
function integrationOf(state: State): string {
  const resource = state.Resource ?? "";
  if (!resource.startsWith(INTEGRATION_PREFIX)) throw new Error(`not a service integration: ${resource}`);
  return resource.slice(INTEGRATION_PREFIX.length);
}

const keyArnOf = ({ stack, guard }: Synthesized) => stack.resolve(guard.encryptionKey.keyArn);
const stateMachineArnOf = ({ stack, guard }: Synthesized) =>
  stack.resolve(guard.retryWindow.stateMachine.stateMachineArn);
const stateMachineRoleOf = (synthesized: Synthesized): string => {
  const { resource } = stateMachineOf(synthesized);
  return (resource.Properties.RoleArn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
};
const stateMachineStatementsOf = (synthesized: Synthesized) =>
  policyStatementsOf(synthesized.template, stateMachineRoleOf(synthesized));

const functionOf = ({ stack, template }: Synthesized, token: string) => ({
  resource: template.toJSON().Resources[logicalIdOf(stack, token)] as Resource,
});
const classifierOf = (synthesized: Synthesized) =>
  functionOf(synthesized, synthesized.guard.classifier.functionName);
const presendCheckOf = (synthesized: Synthesized) =>
  functionOf(synthesized, synthesized.guard.presendCheck.functionName);
const variablesOf = (fn: { resource: Resource }) =>
  (fn.resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

const actionsOf = (statement: Statement): string[] => [statement.Action].flat() as string[];
const resourcesOf = (statement: Statement): unknown[] => [statement.Resource].flat();
const allActionsOf = (statements: Statement[]): string[] =>
  [...new Set(statements.flatMap(actionsOf))].sort();
const naming = (prefix: string) => (statement: Statement) =>
  actionsOf(statement).some((action) => action.startsWith(prefix));

/** An ARN of this stack's partition, region and account, as CloudFormation joins it. */
const arnOf = (service: string, resource: unknown[]) => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      `:${service}:`,
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      ...resource,
    ],
  ],
});
const DEFAULT_BUS_ARN = arnOf("events", [":event-bus/default"]);
const DEFAULT_BUS_NAME_IN_DEFINITION =
  "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/default";

/** The suppression table's ARN, either as its attribute or formatted from its name. */
const tableArnsOf = ({ stack, guard }: Synthesized) => [
  stack.resolve(guard.table.tableArn),
  arnOf("dynamodb", [":table/", stack.resolve(guard.table.tableName)]),
];

/** Vended log delivery and X-Ray: the actions without resource-level permissions. */
const LOG_DELIVERY_AND_XRAY = [
  "logs:CreateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:DescribeLogGroups",
  "logs:DescribeResourcePolicies",
  "logs:GetLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:UpdateLogDelivery",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
];

/** Actions of the statements whose resources include a wildcard. */
const wildcardActionsOf = (statements: Statement[]): string[] =>
  allActionsOf(
    statements.filter((statement) =>
      resourcesOf(statement).some((resource) => typeof resource === "string" && resource.includes("*")),
    ),
  );

describe("the retry-window state machine", () => {
  it("is a Standard state machine with an explicit name", () => {
    const { Properties } = stateMachineOf(defaults).resource;

    expect(Properties.StateMachineType).toBe("STANDARD");
    expect(Properties.StateMachineName).toEqual(expect.any(String));
    expect(Properties.StateMachineName).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it("gets a different name in each stack, so two deployments in one account do not clash", () => {
    const names = [defaults, mirror, custom].map(
      (synthesized) => stateMachineOf(synthesized).resource.Properties.StateMachineName,
    );

    expect(new Set(names).size).toBe(3);
  });

  it("logs every transition, without execution data, to its own log group with a retention", () => {
    const { Properties } = stateMachineOf(defaults).resource;
    const logGroupArn = defaults.stack.resolve(defaults.guard.retryWindow.logGroup.logGroupArn);

    expect(Properties.LoggingConfiguration).toEqual({
      Level: "ALL",
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: logGroupArn } }],
    });
    const logGroupId = (logGroupArn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const logGroup = defaults.template.toJSON().Resources[logGroupId] as Resource;
    expect(logGroup.Type).toBe("AWS::Logs::LogGroup");
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  it("keeps its logs as long as the logRetention prop says", () => {
    const logGroupArn = custom.stack.resolve(custom.guard.retryWindow.logGroup.logGroupArn) as {
      "Fn::GetAtt": [string, string];
    };
    const logGroup = custom.template.toJSON().Resources[logGroupArn["Fn::GetAtt"][0]] as Resource;

    expect(logGroup.Properties.RetentionInDays).toBe(7);
  });

  it("traces with X-Ray", () => {
    expect(stateMachineOf(defaults).resource.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it("encrypts its executions with the BounceGuard's customer-managed key", () => {
    expect(stateMachineOf(defaults).resource.Properties.EncryptionConfiguration).toEqual({
      Type: "CUSTOMER_MANAGED_KMS_KEY",
      KmsKeyId: keyArnOf(defaults),
      KmsDataKeyReusePeriodSeconds: 300,
    });
  });

  it("times an execution out after its window, a last due time and poll, and a day of slack", () => {
    // 48 h window, 4 h 15 min poll: the default.
    expect(definitionOf(defaults).TimeoutSeconds).toBe(172_800 + 2 * 15_300 + 86_400);
    // 6 h window, 1 h 15 min poll.
    expect(definitionOf(custom).TimeoutSeconds).toBe(21_600 + 2 * 4_500 + 86_400);
  });

  it("outlives every window the classifier opens", () => {
    for (const synthesized of [defaults, mirror, custom]) {
      const variables = variablesOf(classifierOf(synthesized));
      const longestHealthyRun =
        Number(variables.RETRY_WINDOW_SECONDS) + 2 * Number(variables.RETRY_POLL_SECONDS);

      expect(definitionOf(synthesized).TimeoutSeconds).toBeGreaterThan(longestHealthyRun);
    }
  });
});

describe("the definition", () => {
  it("is an Fn::Join that parses as JSON once its intrinsics are replaced", () => {
    const definition = definitionOf(defaults);

    expect(definition.StartAt).toBe(WINDOW_STATES.waitUntilDue);
    expect(definitionTextOf(defaults)).toContain("<AWS::Partition>");
  });

  it("has exactly the named states, the SES steps only with the mirror", () => {
    const { forgetOnSes, forgetAfterFailure, ...withoutMirror } = WINDOW_STATES;

    expect(Object.keys(definitionOf(defaults).States).sort()).toEqual(Object.values(withoutMirror).sort());
    expect(Object.keys(definitionOf(mirror).States).sort()).toEqual(Object.values(WINDOW_STATES).sort());
    expect([forgetOnSes, forgetAfterFailure]).toEqual(["ForgetDeferralOnSes", "ForgetDeferralAfterFailure"]);
  });

  it("uses JSONPath only: no JSONata, no variables", () => {
    for (const synthesized of [defaults, mirror, custom]) {
      const text = definitionTextOf(synthesized);
      const definition = definitionOf(synthesized);

      expect(text).not.toContain("JSONata");
      expect(text).not.toContain("{%");
      expect(text).not.toContain('"Assign"');
      expect(text).not.toContain('"QueryLanguage"');
      expect(definition.QueryLanguage).toBeUndefined();
      for (const state of Object.values(definition.States)) {
        expect(state.QueryLanguage).toBeUndefined();
        expect(state.Assign).toBeUndefined();
        expect(state.Arguments).toBeUndefined();
        expect(state.Output).toBeUndefined();
      }
    }
  });

  it("invokes no Lambda function", () => {
    for (const synthesized of [defaults, mirror, custom]) {
      const text = definitionTextOf(synthesized);

      expect(text).not.toContain(":lambda:");
      expect(text).not.toContain("lambda:invoke");
      for (const [, state] of tasksOf(synthesized)) expect(state.Resource).not.toMatch(/lambda/i);
    }
  });

  it("integrates with DynamoDB UpdateItem and EventBridge PutEvents only, by default", () => {
    const integrations = new Set(tasksOf(defaults).map(([, state]) => integrationOf(state)));

    expect([...integrations].sort()).toEqual(["dynamodb:updateItem", "events:putEvents"]);
    expect(
      Object.fromEntries(tasksOf(defaults).map(([name, state]) => [name, integrationOf(state)])),
    ).toEqual({
      [WINDOW_STATES.release]: "dynamodb:updateItem",
      [WINDOW_STATES.inspect]: "dynamodb:updateItem",
      [WINDOW_STATES.close]: "dynamodb:updateItem",
      [WINDOW_STATES.recordFailure]: "dynamodb:updateItem",
      [WINDOW_STATES.publish]: "events:putEvents",
    });
  });

  it("adds the SES DeleteSuppressedDestination SDK integration with the mirror, and nothing else", () => {
    const integrations = new Set(tasksOf(mirror).map(([, state]) => integrationOf(state)));

    expect([...integrations].sort()).toEqual([
      "aws-sdk:sesv2:deleteSuppressedDestination",
      "dynamodb:updateItem",
      "events:putEvents",
    ]);
    expect(integrationOf(stateOf(mirror, WINDOW_STATES.forgetOnSes))).toBe(
      "aws-sdk:sesv2:deleteSuppressedDestination",
    );
    expect(stateOf(mirror, WINDOW_STATES.forgetOnSes).Parameters).toEqual({ "EmailAddress.$": "$.address" });
  });

  it("releases before SES forgets the deferral, and publishes after", () => {
    expect(stateOf(defaults, WINDOW_STATES.release).Next).toBe(WINDOW_STATES.publish);
    expect(stateOf(mirror, WINDOW_STATES.release).Next).toBe(WINDOW_STATES.forgetOnSes);
    expect(stateOf(mirror, WINDOW_STATES.forgetOnSes).Next).toBe(WINDOW_STATES.publish);
    // An address SES no longer lists is what the step wants: go on and publish.
    expect(stateOf(mirror, WINDOW_STATES.forgetOnSes).Catch?.[0]).toEqual({
      ErrorEquals: ["SesV2.NotFoundException"],
      ResultPath: null,
      Next: WINDOW_STATES.publish,
    });
  });

  it("gives every Task state a Retry and a Catch that ends with States.ALL", () => {
    for (const synthesized of [defaults, mirror]) {
      for (const [name, state] of tasksOf(synthesized)) {
        expect(state.Retry, name).toEqual([expect.objectContaining({ ErrorEquals: expect.any(Array) })]);
        expect(state.Retry?.[0]?.ErrorEquals.length, name).toBeGreaterThan(0);
        const catchers = state.Catch ?? [];
        expect(catchers.length, name).toBeGreaterThan(0);
        // States.ALL must be the last catcher, and alone in it.
        expect(catchers.at(-1)?.ErrorEquals, name).toEqual(["States.ALL"]);
        for (const catcher of catchers.slice(0, -1)) {
          expect(catcher.ErrorEquals, name).not.toContain("States.ALL");
        }
      }
    }
  });

  it("retries transient errors only: never a condition failure, never States.ALL", () => {
    for (const synthesized of [defaults, mirror]) {
      for (const [name, state] of tasksOf(synthesized)) {
        for (const retrier of state.Retry ?? []) {
          expect(retrier.ErrorEquals, name).not.toContain("States.ALL");
          expect(retrier.ErrorEquals, name).not.toContain("DynamoDB.ConditionalCheckFailedException");
          expect(retrier.ErrorEquals, name).not.toContain("SesV2.NotFoundException");
          expect(retrier.MaxAttempts, name).toBe(6);
        }
      }
    }
  });

  it("sends every unexpected error to RecordFailure with the error in $.failure", () => {
    const others = tasksOf(mirror).filter(
      ([name]) => name !== WINDOW_STATES.recordFailure && name !== WINDOW_STATES.forgetAfterFailure,
    );

    expect(others.length).toBe(5);
    for (const [name, state] of others) {
      expect(state.Catch?.at(-1), name).toEqual({
        ErrorEquals: ["States.ALL"],
        ResultPath: "$.failure",
        Next: WINDOW_STATES.recordFailure,
      });
    }
  });

  it("lets RecordFailure catch States.ALL into Failed, never back into itself", () => {
    const recordFailure = stateOf(defaults, WINDOW_STATES.recordFailure);

    expect(recordFailure.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: null, Next: WINDOW_STATES.failed },
    ]);
    expect(recordFailure.Next).toBe(WINDOW_STATES.failed);
    expect(stateOf(defaults, WINDOW_STATES.failed)).toMatchObject({
      Type: "Fail",
      Error: "RetryWindowFailed",
    });
  });

  it("routes condition failures: Release and CloseWindow to Inspect, Inspect to WindowClosed", () => {
    const conditionFailed = (state: State) =>
      state.Catch?.find((catcher) =>
        catcher.ErrorEquals.includes("DynamoDB.ConditionalCheckFailedException"),
      );

    expect(conditionFailed(stateOf(defaults, WINDOW_STATES.release))?.Next).toBe(WINDOW_STATES.inspect);
    expect(conditionFailed(stateOf(defaults, WINDOW_STATES.close))?.Next).toBe(WINDOW_STATES.inspect);
    expect(conditionFailed(stateOf(defaults, WINDOW_STATES.inspect))?.Next).toBe(WINDOW_STATES.closed);
    expect(stateOf(defaults, WINDOW_STATES.closed).Type).toBe("Succeed");
    expect(conditionFailed(stateOf(defaults, WINDOW_STATES.publish))).toBeUndefined();
  });

  it("conditions Release, Inspect, CloseWindow and RecordFailure on the window start", () => {
    for (const name of [
      WINDOW_STATES.release,
      WINDOW_STATES.inspect,
      WINDOW_STATES.close,
      WINDOW_STATES.recordFailure,
    ]) {
      const parameters = stateOf(defaults, name).Parameters as Record<string, Record<string, unknown>>;

      expect(parameters.ConditionExpression, name).toMatch(/^#wS = :start\b/);
      expect(parameters.ExpressionAttributeNames?.["#wS"], name).toBe(WINDOW_ATTRIBUTES.start);
      expect(parameters.ExpressionAttributeValues?.[":start"], name).toEqual({ "S.$": "$.windowStart" });
      expect(parameters.Key, name).toEqual({ pk: { "S.$": "$.key" } });
      expect(parameters.TableName, name).toBe(
        `<${logicalIdOf(defaults.stack, defaults.guard.table.tableName)}>`,
      );
    }
  });

  it("releases only a due time that has passed and was not released yet", () => {
    const parameters = stateOf(defaults, WINDOW_STATES.release).Parameters as Record<string, unknown>;

    expect(parameters).toMatchObject({
      ConditionExpression: "#wS = :start AND #wD <= :now AND #wR < #wD",
      UpdateExpression: "SET #wR = #wD",
      ExpressionAttributeNames: { "#wS": "wS", "#wD": "wD", "#wR": "wR" },
      ExpressionAttributeValues: {
        ":start": { "S.$": "$.windowStart" },
        ":now": { "S.$": "$$.State.EnteredTime" },
      },
      ReturnValues: "ALL_NEW",
    });
  });

  it("closes a window only at its end, once every due time was released", () => {
    const parameters = stateOf(defaults, WINDOW_STATES.close).Parameters as Record<string, unknown>;

    expect(parameters).toMatchObject({
      ConditionExpression: "#wS = :start AND #wE <= :now AND #wR >= #wD",
      UpdateExpression: "REMOVE #wS, #wE, #wD, #wR, #wN, #wF, #wP",
    });
  });

  it("publishes RetryDue on the account's default bus by default", () => {
    const publish = stateOf(defaults, WINDOW_STATES.publish);

    expect(publish.Parameters).toEqual({
      Entries: [
        {
          Source: RETRY_DUE_EVENT.source,
          DetailType: RETRY_DUE_EVENT.detailType,
          EventBusName: DEFAULT_BUS_NAME_IN_DEFINITION,
          Detail: {
            "address.$": "$.address",
            "windowStart.$": "$.windowStart",
            "windowEnd.$": "$.windowEnd",
            "retryDueAt.$": "$.released.dueAt",
            "lastReason.$": "$.released.reason",
          },
        },
      ],
    });
  });
});

describe("the state machine's role", () => {
  it("has one policy and no managed or inline policies of its own", () => {
    const role = defaults.template.toJSON().Resources[stateMachineRoleOf(defaults)] as Resource;
    const policies = Object.values(
      defaults.template.findResources("AWS::IAM::Policy", {
        Properties: { Roles: [{ Ref: stateMachineRoleOf(defaults) }] },
      }),
    );

    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        { Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "states.amazonaws.com" } },
      ],
    });
    expect(policies).toHaveLength(1);
  });

  it("may do exactly what the definition needs and nothing more", () => {
    expect(allActionsOf(stateMachineStatementsOf(defaults))).toEqual(
      [
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        ...LOG_DELIVERY_AND_XRAY,
      ].sort(),
    );
  });

  it("may only update items of the suppression table: no get, put, delete or scan, no index", () => {
    const dynamodb = stateMachineStatementsOf(defaults).filter(naming("dynamodb:"));

    expect(dynamodb).toHaveLength(1);
    expect(dynamodb[0]).toEqual({
      Effect: "Allow",
      Action: "dynamodb:UpdateItem",
      Resource: expect.anything(),
    });
    expect(tableArnsOf(defaults)).toContainEqual(dynamodb[0]?.Resource);
  });

  it("may put events on the default event bus only", () => {
    expect(stateMachineStatementsOf(defaults).filter(naming("events:"))).toEqual([
      { Effect: "Allow", Action: "events:PutEvents", Resource: DEFAULT_BUS_ARN },
    ]);
  });

  it("uses the stack's key only, each time under an encryption-context condition", () => {
    const kms = stateMachineStatementsOf(defaults).filter(naming("kms:"));

    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) {
      expect(statement.Resource).toEqual(keyArnOf(defaults));
      const equals = (statement.Condition as { StringEquals?: Record<string, unknown> } | undefined)
        ?.StringEquals;
      expect(Object.keys(equals ?? {})).toEqual([expect.stringMatching(/^kms:EncryptionContext:/)]);
    }
  });

  it("decrypts executions of this state machine only, named in the key's encryption context", () => {
    const name = stateMachineOf(defaults).resource.Properties.StateMachineName as string;
    const states = stateMachineStatementsOf(defaults).filter((statement) =>
      JSON.stringify(statement.Condition ?? {}).includes("aws:states:stateMachineArn"),
    );

    expect(states).toEqual([
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: keyArnOf(defaults),
        Condition: {
          StringEquals: {
            "kms:EncryptionContext:aws:states:stateMachineArn": arnOf("states", [`:stateMachine:${name}`]),
          },
        },
      },
    ]);
  });

  it("has wildcard resources for vended log delivery and X-Ray only", () => {
    expect(wildcardActionsOf(stateMachineStatementsOf(defaults))).toEqual(LOG_DELIVERY_AND_XRAY);
  });

  it("has no Step Functions permission", () => {
    for (const synthesized of [defaults, mirror, custom]) {
      expect(stateMachineStatementsOf(synthesized).filter(naming("states:"))).toEqual([]);
    }
  });

  it("with the mirror, adds ses:DeleteSuppressedDestination and nothing else", () => {
    const added = allActionsOf(stateMachineStatementsOf(mirror)).filter(
      (action) => !allActionsOf(stateMachineStatementsOf(defaults)).includes(action),
    );
    const removed = allActionsOf(stateMachineStatementsOf(defaults)).filter(
      (action) => !allActionsOf(stateMachineStatementsOf(mirror)).includes(action),
    );

    expect(added).toEqual(["ses:DeleteSuppressedDestination"]);
    expect(removed).toEqual([]);
    expect(wildcardActionsOf(stateMachineStatementsOf(mirror))).toEqual(
      [...LOG_DELIVERY_AND_XRAY, "ses:DeleteSuppressedDestination"].sort(),
    );
    expect(stateMachineStatementsOf(mirror).filter(naming("ses:PutSuppressedDestination"))).toEqual([]);
  });
});

describe("starting windows", () => {
  it("lets the classifier start executions of this state machine, and stop only its executions", () => {
    const statements = policyStatementsOf(defaults.template, roleLogicalIdOf(classifierOf(defaults)));
    const [start, stop, ...others] = statements.filter(naming("states:"));

    expect(others).toEqual([]);
    expect(start).toEqual({
      Effect: "Allow",
      Action: "states:StartExecution",
      Resource: stateMachineArnOf(defaults),
    });
    expect(stop?.Action).toBe("states:StopExecution");
    // arn:…:execution:<this state machine's name>:* — its executions, no other state machine's.
    const name = stateMachineOf(defaults).resource.Properties.StateMachineName as string;
    const resource = JSON.stringify(stop?.Resource);
    expect(resource).toContain(`:execution:${name}:*`);
    expect(resource.endsWith(`:execution:${name}:*"]]}`)).toBe(true);
  });

  it("lets the classifier use the key for this state machine's executions only", () => {
    const statements = policyStatementsOf(defaults.template, roleLogicalIdOf(classifierOf(defaults)));
    // The other statement naming the key is the DLQ's, for poison: only through SQS.
    const dataKey = statements.filter(
      (statement) =>
        actionsOf(statement).includes("kms:GenerateDataKey") &&
        !JSON.stringify(statement).includes("kms:ViaService"),
    );

    expect(dataKey).toEqual([
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: keyArnOf(defaults),
        Condition: {
          StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": stateMachineArnOf(defaults) },
        },
      },
    ]);
  });

  it("lets no other role start, stop or inspect executions", () => {
    const classifierRole = roleLogicalIdOf(classifierOf(defaults));
    const grants = Object.values(defaults.template.findResources("AWS::IAM::Policy")).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[])
        .filter(naming("states:"))
        .map((statement) => ({ roles: policy.Properties.Roles, actions: actionsOf(statement) })),
    );

    expect(grants).toEqual([
      { roles: [{ Ref: classifierRole }], actions: ["states:StartExecution"] },
      { roles: [{ Ref: classifierRole }], actions: ["states:StopExecution"] },
    ]);
  });

  it("gives the pre-send check no Step Functions permission and no key for executions", () => {
    const statements = policyStatementsOf(defaults.template, roleLogicalIdOf(presendCheckOf(defaults)));

    expect(statements.filter(naming("states:"))).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain("aws:states:stateMachineArn");
    expect(variablesOf(presendCheckOf(defaults))).not.toHaveProperty("RETRY_WINDOW_STATE_MACHINE_ARN");
  });

  it("tells the classifier the state machine, the two-day window and the poll interval", () => {
    const variables = variablesOf(classifierOf(defaults));

    expect(variables.RETRY_WINDOW_STATE_MACHINE_ARN).toEqual(stateMachineArnOf(defaults));
    expect(variables.RETRY_WINDOW_STATE_MACHINE_ARN).toEqual({ Ref: stateMachineOf(defaults).logicalId });
    expect(variables.RETRY_WINDOW_SECONDS).toBe("172800");
    // The retry interval (4 hours) plus 15 minutes for the re-sent message's bounce to be reported.
    expect(variables.RETRY_INTERVAL_SECONDS).toBe("14400");
    expect(variables.RETRY_POLL_SECONDS).toBe(String(14_400 + 900));
    expect(variables).not.toHaveProperty("SES_DEFERRAL_MIRROR");
  });
});

describe("retry-window props", () => {
  it("passes a six-hour retryWindow to the classifier as 21600 seconds", () => {
    expect(variablesOf(classifierOf(custom)).RETRY_WINDOW_SECONDS).toBe("21600");
  });

  it("polls one retryInterval plus 15 minutes after each release", () => {
    const variables = variablesOf(classifierOf(custom));

    expect(variables.RETRY_INTERVAL_SECONDS).toBe("3600");
    expect(variables.RETRY_POLL_SECONDS).toBe("4500");
  });

  it("moves the PutEvents permission to a custom retryEventBus", () => {
    const statements = stateMachineStatementsOf(custom);

    expect(custom.guard.retryWindow.eventBus).toBe(customBus);
    expect(statements.filter(naming("events:"))).toEqual([
      { Effect: "Allow", Action: "events:PutEvents", Resource: custom.stack.resolve(customBus.eventBusArn) },
    ]);
    expect(JSON.stringify(statements)).not.toContain("event-bus/default");
  });

  it("publishes RetryDue on the custom retryEventBus", () => {
    const busId = logicalIdOf(custom.stack, customBus.eventBusArn);
    const entries = (
      stateOf(custom, WINDOW_STATES.publish).Parameters as { Entries: Record<string, unknown>[] }
    ).Entries;

    expect(entries).toHaveLength(1);
    expect(entries[0]?.EventBusName).toBe(`<${busId}.Arn>`);
    expect(definitionTextOf(custom)).not.toContain("event-bus/default");
  });

  it("with sesDeferralMirror, tells the classifier and lets it put addresses on the SES list", () => {
    const classifierRole = roleLogicalIdOf(classifierOf(mirror));
    const ses = policyStatementsOf(mirror.template, classifierRole).filter(naming("ses:"));

    expect(variablesOf(classifierOf(mirror)).SES_DEFERRAL_MIRROR).toBe("true");
    expect(ses).toEqual([
      expect.objectContaining({ Effect: "Allow", Action: "ses:PutSuppressedDestination", Resource: "*" }),
    ]);
  });

  it("without sesDeferralMirror, gives the classifier no SES permission", () => {
    const classifierRole = roleLogicalIdOf(classifierOf(defaults));

    expect(policyStatementsOf(defaults.template, classifierRole).filter(naming("ses:"))).toEqual([]);
    expect(JSON.stringify(defaults.template.toJSON())).not.toContain("SuppressedDestination");
  });
});

describe("retryWindow validation", () => {
  const build = (props: BounceGuardProps) => () =>
    new BounceGuard(new Stack(testApp(), "Stack"), "Guard", props);

  it.each([
    ["59 minutes", Duration.minutes(59), "got 3540"],
    ["one second under an hour", Duration.seconds(3_599), "got 3599"],
    ["31 days", Duration.days(31), "got 2678400"],
    ["one second over 30 days", Duration.seconds(30 * 86_400 + 1), "got 2592001"],
  ])("rejects a retryWindow of %s", (_label, retryWindow, got) => {
    expect(build({ retryWindow })).toThrow(InvalidPropsError);
    expect(build({ retryWindow })).toThrow(/retryWindow/);
    expect(build({ retryWindow })).toThrow(`between 3600 and 2592000, ${got}`);
  });

  it("rejects a retryWindow that is not a whole number of seconds, naming the prop", () => {
    const retryWindow = Duration.millis(3_600_500);

    expect(build({ retryWindow })).toThrow(InvalidPropsError);
    expect(build({ retryWindow })).toThrow(
      "retryWindow must be a whole number of seconds, got 1 hour 500 millis",
    );
  });

  it("rejects a retryWindow that is an unresolved token", () => {
    const retryWindow = Duration.seconds(Lazy.number({ produce: () => 7_200 }));

    expect(build({ retryWindow })).toThrow(InvalidPropsError);
    expect(build({ retryWindow })).toThrow("retryWindow must be a literal duration, got an unresolved token");
  });

  it.each([
    ["one hour", Duration.hours(1)],
    ["30 days", Duration.days(30)],
  ])("accepts a retryWindow of %s", (_label, retryWindow) => {
    expect(build({ retryWindow })).not.toThrow();
  });
});
