// cdk-nag's AwsSolutions and Serverless packs over the ready stack, bare and fully wired (every SES feed, the SES
// suppression-list sync, keyed addresses): one synthesis.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { SYNTH_TIMEOUT_MS, testApp } from "./support.ts";

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

let app: ReturnType<typeof testApp>;
let assembly: CloudAssembly;
let report: ValidationReport;

beforeAll(() => {
  app = testApp();
  new BounceGuardStack(app, "Bare");
  new BounceGuardStack(app, "Wired", {
    identities: ["example.com", "ops@example.org"],
    createConfigurationSet: true,
    publishDeliveryEvents: true,
    alarmEmail: "oncall@example.com",
    presendCheckAccounts: ["111122223333"],
    sesSuppressionListSync: true,
    keyedAddresses: true,
  });
  new BounceGuardStack(app, "Attached", { configurationSetName: "marketing" });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  // In an in-memory app an unacknowledged finding makes synth throw with the report as its message.
  assembly = app.synth();
  report = JSON.parse(
    readFileSync(join(assembly.directory, "validation-report.json"), "utf8"),
  ) as ValidationReport;
}, SYNTH_TIMEOUT_MS);

function acknowledgementsUnder(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe("cdk-nag", () => {
  it("finds nothing unacknowledged in either pack", () => {
    // synth passed (it throws otherwise); the packs' own walk lists any finding by name for a readable diff.
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const result = pack.validateScope(app);

      expect(result.violations.map((violation) => violation.ruleName)).toEqual([]);
    }
  });

  it("would catch a finding: an unencrypted queue without a DLQ is reported (control)", () => {
    const control = new Stack(new App(), "Control");
    new sqs.Queue(control, "Plain", { encryption: sqs.QueueEncryption.UNENCRYPTED });

    const result = new AwsSolutionsChecks().validateScope(control);

    expect(result.violations.map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(["AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"]),
    );
  });

  it("reports only the duplicate-feedback warning of the wired stack besides", () => {
    const others = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map((violation) => violation.ruleName),
    );

    expect(others).toEqual(["Annotation::bounce-guard:duplicate-feedback"]);
  });

  it("acknowledges every finding with a specific reason", () => {
    const acknowledgements = acknowledgementsUnder(app);

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgements) {
      expect(reason.length, id).toBeGreaterThan(60);
    }
  });

  it("acknowledges only the findings it expects, each on the resource concerned", () => {
    const acknowledged = acknowledgementsUnder(app.node.findChild("Wired"))
      .map(({ path, id }) => `${path.replace(/^Wired\//, "")} ${id.replace(/^[A-Za-z]+::/, "")}`)
      .sort();

    expect(acknowledged).toEqual([
      "AWS679f53fac002430cb0da5b7982bd2287 Serverless-LambdaDLQ",
      "AWS679f53fac002430cb0da5b7982bd2287 Serverless-LambdaTracing",
      "BounceGuard/AddressKeySecret AwsSolutions-SMG4",
      "BounceGuard/Classifier Serverless-LambdaDLQ",
      "BounceGuard/ClassifierRole AwsSolutions-IAM5[Resource::*]",
      "BounceGuard/ClassifierRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:Wired-BounceGuard-RetryWindow-E1772B4E:*]",
      "BounceGuard/ClassifierSuppressionListSyncPolicy AwsSolutions-IAM5[Resource::*]",
      "BounceGuard/DeadLetterQueue Serverless-SQSRedrivePolicy",
      "BounceGuard/FeedbackQueueMapping Serverless-LambdaEventSourceMappingDestination",
      "BounceGuard/Monitoring/AlarmTopic/oncall@example.com Serverless-SNSRedrivePolicy",
      "BounceGuard/PresendCheck Serverless-LambdaDLQ",
      "BounceGuard/PresendCheckRole AwsSolutions-IAM5[Resource::*]",
      "BounceGuard/RetryWindow/Resource/Role AwsSolutions-IAM5[Resource::*]",
    ]);
  });

  it("acknowledges the SES wildcard and the unrotated address key each for its own reason", () => {
    const reasonOf = (path: string, id: string) =>
      acknowledgementsUnder(app.node.findChild("Wired")).find(
        (acknowledgement) =>
          acknowledgement.path === `Wired/BounceGuard/${path}` && acknowledgement.id.endsWith(id),
      )?.reason;

    expect(reasonOf("ClassifierSuppressionListSyncPolicy", "AwsSolutions-IAM5[Resource::*]")).toMatch(
      /PutSuppressedDestination.*Service Authorization Reference.*tenant.*\*/,
    );
    expect(reasonOf("AddressKeySecret", "AwsSolutions-SMG4")).toMatch(
      /rotating it would orphan every stored key/,
    );
  });
});
