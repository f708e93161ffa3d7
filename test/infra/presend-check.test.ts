// The pre-send check function as the ready stack deploys it, opened to one other account: one synthesis.
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { lambdaContext } from "../support/lambda-context.ts";
import {
  logGroupOf,
  logicalIdOf,
  policyStatementsOf,
  roleLogicalIdOf as roleOf,
  SYNTH_TIMEOUT_MS,
  testApp,
} from "./support.ts";

const OTHER_ACCOUNT = "111122223333";

let stack: BounceGuardStack;
let sender: iam.Role;
let template: Template;

beforeAll(() => {
  const app = testApp();
  stack = new BounceGuardStack(app, "BounceGuardStack", { presendCheckAccounts: [OTHER_ACCOUNT] });
  // A sending service of this account, to see what grantInvokePresendCheck gives it.
  sender = new iam.Role(stack, "Sender", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  stack.bounceGuard.grantInvokePresendCheck(sender);
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

const resourceNamed = (token: string) => {
  const logicalId = logicalIdOf(stack, token);
  return { logicalId, resource: template.toJSON().Resources[logicalId] };
};
const presendCheck = () => resourceNamed(stack.bounceGuard.presendCheck.functionName);
const classifier = () => resourceNamed(stack.bounceGuard.classifier.functionName);
const presendCheckArn = () => stack.resolve(stack.bounceGuard.presendCheck.functionArn);

describe("pre-send check function", () => {
  it("runs on nodejs24.x and arm64 with 512 MiB, a 10 s timeout and active tracing", () => {
    expect(presendCheck().resource.Properties).toMatchObject({
      Handler: "index.handler",
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      MemorySize: 512,
      Timeout: 10,
      TracingConfig: { Mode: "Active" },
    });
  });

  it("gets the same environment as the classifier (the table name and the policy) but not the retry window nor the queues", () => {
    const environment = presendCheck().resource.Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    const {
      RETRY_WINDOW_STATE_MACHINE_ARN,
      RETRY_WINDOW_SECONDS,
      RETRY_POLL_SECONDS,
      FEEDBACK_QUEUE_URL,
      DEAD_LETTER_QUEUE_URL,
      ...classifierShared
    } = (classifier().resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(RETRY_WINDOW_STATE_MACHINE_ARN).toBeDefined();
    expect([FEEDBACK_QUEUE_URL, DEAD_LETTER_QUEUE_URL]).not.toContain(undefined);
    expect(environment.Variables).toEqual(classifierShared);
    expect(environment.Variables.TABLE_NAME).toEqual(stack.resolve(stack.bounceGuard.table.tableName));
  });

  it("logs to a log group of its own with a retention period", () => {
    const logGroup = logGroupOf(template, presendCheck());

    expect(logGroup.logicalId).not.toBe(logGroupOf(template, classifier()).logicalId);
    expect(logGroup.resource.Type).toBe("AWS::Logs::LogGroup");
    expect(logGroup.resource.Properties.RetentionInDays).toBe(30);
  });

  it("has a role of its own without AWS managed policies", () => {
    const role = template.toJSON().Resources[roleOf(presendCheck())];

    expect(roleOf(presendCheck())).not.toBe(roleOf(classifier()));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("may only BatchGetItem and GetItem on the table (grantCheck)", () => {
    const statements = policyStatementsOf(template, roleOf(presendCheck()));
    const dynamodb = statements.filter((statement) => JSON.stringify(statement.Action).includes("dynamodb:"));

    expect(dynamodb).toEqual([
      {
        Effect: "Allow",
        Action: ["dynamodb:BatchGetItem", "dynamodb:GetItem"],
        Resource: stack.resolve(stack.bounceGuard.table.tableArn),
      },
    ]);
  });

  it("has nothing else in its policy but writing its own logs and traces: no table, queue or key writes", () => {
    const actions = policyStatementsOf(template, roleOf(presendCheck()))
      .flatMap((statement) => [statement.Action].flat() as string[])
      .sort();

    expect(actions).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]);
  });
});

describe("invocation", () => {
  it("grantInvokePresendCheck gives exactly lambda:InvokeFunction on the function, no wildcard", () => {
    expect(policyStatementsOf(template, logicalIdOf(stack, sender.roleName))).toEqual([
      {
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        // The unqualified function and its $LATEST version: the same code, no version or alias is published.
        Resource: [presendCheckArn(), { "Fn::Join": ["", [presendCheckArn(), ":$LATEST"]] }],
      },
    ]);
  });

  it("lets each account of presendCheckAccounts invoke it through the function's resource policy, and no one else", () => {
    const permissions = Object.values(template.findResources("AWS::Lambda::Permission"));

    expect(permissions.map((permission) => permission.Properties)).toEqual([
      { Action: "lambda:InvokeFunction", FunctionName: presendCheckArn(), Principal: OTHER_ACCOUNT },
    ]);
  });
});

describe("monitoring", () => {
  it("alarms on one pre-send check error", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: presendCheck().logicalId } }],
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("alarms when the pre-send check's p99 duration reaches 3 s in 2 of 3 periods", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Duration",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: presendCheck().logicalId } }],
      ExtendedStatistic: "p99",
      Threshold: 3000,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      AlarmActions: [stack.resolve(stack.bounceGuard.alarmTopic.topicArn)],
    });
  });

  it("lists the pre-send check's alarms among the construct's alarms", () => {
    const alarmIds = stack.bounceGuard.alarms.map((alarm) => logicalIdOf(stack, alarm.alarmArn));

    expect(alarmIds).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/PresendCheckErrorsAlarm/),
        expect.stringMatching(/PresendCheckDurationAlarm/),
        expect.stringMatching(/PresendUnavailableAlarm/),
      ]),
    );
  });

  it("alarms on the metric the deployed function emits when it answers unavailable", async () => {
    // Prepare: the function as deployed (its environment from the template), its table unreachable.
    const variables = (
      presendCheck().resource.Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    const deployed = Object.fromEntries(
      Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
    const unreachable = {
      ...deployed,
      TABLE_NAME: "bounce-guard-unreachable",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "example",
      // A port nothing listens on: the read fails at once, without retries.
      AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9",
      AWS_MAX_ATTEMPTS: "1",
    };
    const saved = Object.fromEntries(Object.keys(unreachable).map((name) => [name, process.env[name]]));
    Object.assign(process.env, unreachable);
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    let response: unknown;
    try {
      const { handler } = await import("../../functions/presend-check.ts");
      response = await handler({ addresses: ["someone@example.com"] }, lambdaContext("presend-check"));
    } finally {
      write.mockRestore();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }

    // Assess
    expect(response).toMatchObject({ error: { code: "unavailable" } });
    const metrics = written
      .flatMap((text) => text.split("\n"))
      .filter((line) => line.includes('"CloudWatchMetrics"'))
      .map(
        (line) =>
          JSON.parse(line) as {
            _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
          },
      );
    expect(metrics).toHaveLength(1);
    const [emitted] = metrics[0]?._aws.CloudWatchMetrics ?? [];
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: emitted?.Namespace,
      MetricName: emitted?.Metrics[0]?.Name,
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
      AlarmActions: [stack.resolve(stack.bounceGuard.alarmTopic.topicArn)],
    });
    expect(emitted?.Metrics[0]?.Name).toBe("PresendUnavailable");
  });

  it("draws the pre-send check's duration, invocations and errors on the dashboard", () => {
    const body = JSON.stringify(template.findResources("AWS::CloudWatch::Dashboard"));

    for (const expected of [
      "Pre-send check duration (ms)",
      "Pre-send check invocations, errors and throttles",
    ]) {
      expect(body).toContain(expected);
    }
  });
});

describe("outputs", () => {
  it("gives the pre-send check's function name and ARN", () => {
    template.hasOutput("PresendCheckFunctionName", {
      Value: { Ref: presendCheck().logicalId },
      Description: Match.stringLikeRegexp("pre-send check"),
    });
    template.hasOutput("PresendCheckFunctionArn", { Value: presendCheckArn() });
  });
});
