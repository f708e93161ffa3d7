// The SES account-level suppression-list sync, off (the default) and on, in one app: one synthesis.
import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import {
  logicalIdOf,
  onlyResource,
  policyStatementsOf,
  roleLogicalIdOf,
  SYNTH_TIMEOUT_MS,
  testApp,
} from "./support.ts";

let off: BounceGuardStack;
let on: BounceGuardStack;
let operator: iam.Role;
let offTemplate: Template;
let onTemplate: Template;

beforeAll(() => {
  const app = testApp();
  off = new BounceGuardStack(app, "SyncOff");
  on = new BounceGuardStack(app, "SyncOn", { sesSuppressionListSync: true });
  // An operator's role, to see what grantSuppressionListSync gives it.
  operator = new iam.Role(on, "Operator", { assumedBy: new iam.AccountRootPrincipal() });
  on.bounceGuard.grantSuppressionListSync(operator);
  offTemplate = Template.fromStack(off);
  onTemplate = Template.fromStack(on);
}, SYNTH_TIMEOUT_MS);

type Resource = { Type: string; Properties: Record<string, unknown> };

const functionOf = (stack: BounceGuardStack, template: Template, token: string) => ({
  resource: template.toJSON().Resources[logicalIdOf(stack, token)] as Resource,
});
const functionsOf = (stack: BounceGuardStack, template: Template) => ({
  classifier: functionOf(stack, template, stack.bounceGuard.classifier.functionName),
  presendCheck: functionOf(stack, template, stack.bounceGuard.presendCheck.functionName),
});
const variablesOf = (fn: { resource: Resource }) =>
  (fn.resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

/** Every IAM policy statement of a template that names an SES suppression-list action, with its roles. */
function suppressionListStatements(
  template: Template,
): { roles: unknown; statement: Record<string, unknown> }[] {
  return Object.values(template.findResources("AWS::IAM::Policy")).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((statement) => JSON.stringify(statement.Action).includes("SuppressedDestination"))
      .map((statement) => ({ roles: policy.Properties.Roles, statement })),
  );
}

describe("SES suppression-list sync off (the default)", () => {
  it("sets no SES_SUPPRESSION_SYNC on either function", () => {
    for (const fn of Object.values(functionsOf(off, offTemplate))) {
      expect(variablesOf(fn)).not.toHaveProperty("SES_SUPPRESSION_SYNC");
    }
  });

  it("lets nobody touch the SES suppression list", () => {
    expect(JSON.stringify(offTemplate.toJSON())).not.toContain("SuppressedDestination");
  });

  it("has no sync-failure alarm and draws no sync failures", () => {
    offTemplate.resourcePropertiesCountIs("AWS::CloudWatch::Alarm", { MetricName: "SesSyncFailures" }, 0);
    expect(off.bounceGuard.alarms).toHaveLength(11);
    const body = JSON.stringify(
      onlyResource(offTemplate, "AWS::CloudWatch::Dashboard").resource.Properties.DashboardBody,
    );
    expect(body).not.toContain("SesSyncFailures");
  });
});

describe("SES suppression-list sync on", () => {
  it("sets SES_SUPPRESSION_SYNC to true for both functions", () => {
    for (const fn of Object.values(functionsOf(on, onTemplate))) {
      expect(variablesOf(fn).SES_SUPPRESSION_SYNC).toBe("true");
    }
  });

  it("lets the classifier put, and only put, on the account list of the stack's region", () => {
    const classifierRole = roleLogicalIdOf(functionsOf(on, onTemplate).classifier);

    expect(policyStatementsOf(onTemplate, classifierRole).filter(namesSuppressionList)).toEqual([
      {
        Sid: "PutSuppressionsOnTheSesAccountList",
        Effect: "Allow",
        Action: "ses:PutSuppressedDestination",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": { Ref: "AWS::Region" } } },
      },
    ]);
  });

  it("keeps the classifier's SES statement in a policy of its own, apart from its X-Ray wildcard", () => {
    const classifierRole = roleLogicalIdOf(functionsOf(on, onTemplate).classifier);
    const policies = Object.values(
      onTemplate.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: classifierRole }] } }),
    ).map((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);

    expect(policies).toHaveLength(2);
    expect(policies.filter((statements) => statements.some(namesSuppressionList))).toEqual([
      [expect.objectContaining({ Action: "ses:PutSuppressedDestination" })],
    ]);
  });

  it("gives the pre-send check no SES permission", () => {
    const presendCheckRole = roleLogicalIdOf(functionsOf(on, onTemplate).presendCheck);

    expect(policyStatementsOf(onTemplate, presendCheckRole).filter(namesSuppressionList)).toEqual([]);
  });

  it("grants the suppression list to the classifier and the operator's role only", () => {
    const classifierRole = roleLogicalIdOf(functionsOf(on, onTemplate).classifier);
    const operatorRole = logicalIdOf(on, operator.roleName);

    expect(suppressionListStatements(onTemplate).map(({ roles }) => roles)).toEqual(
      expect.arrayContaining([[{ Ref: classifierRole }], [{ Ref: operatorRole }]]),
    );
    expect(suppressionListStatements(onTemplate)).toHaveLength(2);
  });

  it("alarms on one sync failure in the classifier's namespace, to the alarm topic", () => {
    const alarm = onlyResource(onTemplate, "AWS::CloudWatch::Alarm", {
      Properties: { MetricName: "SesSyncFailures" },
    });

    expect(alarm.resource.Properties).toMatchObject({
      Namespace: "BounceGuard",
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [on.resolve(on.bounceGuard.alarmTopic.topicArn)],
    });
    expect(on.bounceGuard.alarms).toHaveLength(12);
  });

  it("draws sync failures on the dashboard", () => {
    const body = JSON.stringify(
      onlyResource(onTemplate, "AWS::CloudWatch::Dashboard").resource.Properties.DashboardBody,
    );

    expect(body).toContain("SES suppression-list sync failures");
    expect(body).toContain("SesSyncFailures");
  });
});

describe("grantSuppressionListSync", () => {
  it("gives an operator's role put and delete on the account list of the stack's region, nothing else", () => {
    expect(policyStatementsOf(onTemplate, logicalIdOf(on, operator.roleName))).toEqual([
      {
        Effect: "Allow",
        Action: ["ses:DeleteSuppressedDestination", "ses:PutSuppressedDestination"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": { Ref: "AWS::Region" } } },
      },
    ]);
  });
});

function namesSuppressionList(statement: Record<string, unknown>): boolean {
  return JSON.stringify(statement.Action).includes("SuppressedDestination");
}

describe("SES deferral mirror alone", () => {
  it(
    "gets the sync-failure alarm too: its failures are counted in the same metric",
    () => {
      const stack = new BounceGuardStack(testApp(), "MirrorOnly", { sesDeferralMirror: true });
      const template = Template.fromStack(stack);

      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "SesSyncFailures",
        Threshold: 1,
      });
      expect(stack.bounceGuard.alarms).toHaveLength(12);
    },
    SYNTH_TIMEOUT_MS,
  );
});
