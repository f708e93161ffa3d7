// The construct as another app would use it, with every SES wiring and policy prop set: one synthesis.
import { Duration, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuard } from "../../lib/bounce-guard.ts";
import { SYNTH_TIMEOUT_MS, testApp } from "./support.ts";

let stack: Stack;
let bounceGuard: BounceGuard;
let template: Template;

beforeAll(() => {
  const app = testApp();
  stack = new Stack(app, "ConsumerStack");
  bounceGuard = new BounceGuard(stack, "Guard", {
    identities: ["example.com", "ops@example.org"],
    createConfigurationSet: true,
    publishDeliveryEvents: true,
    alarmEmail: "oncall@example.com",
    softBounceThreshold: 3,
    retryInterval: Duration.hours(2),
    softBounceMemory: Duration.days(10),
    historyTtl: Duration.days(60),
    logAddresses: true,
    metricsNamespace: "Mail/Feedback",
  });
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

type FnJoin = { "Fn::Join": [string, (string | Record<string, unknown>)[]] };

/** An AwsCustomResource call as the provider receives it, tokens shown as <LogicalId>. */
function sdkCall(value: string | FnJoin): Record<string, unknown> {
  const text =
    typeof value === "string"
      ? value
      : value["Fn::Join"][1]
          .map((part) => (typeof part === "string" ? part : `<${String(part.Ref ?? JSON.stringify(part))}>`))
          .join("");
  return JSON.parse(text) as Record<string, unknown>;
}

const topicRef = () => `<${(stack.resolve(bounceGuard.topic.topicArn) as { Ref: string }).Ref}>`;
const identityArn = (identity: string) => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      ":ses:",
      { Ref: "AWS::Region" },
      ":",
      { Ref: "AWS::AccountId" },
      `:identity/${identity}`,
    ],
  ],
});

function notificationResources(): Record<
  string,
  { Properties: Record<string, string | FnJoin>; DependsOn?: string[] }
> {
  return template.findResources("Custom::SesIdentityNotificationTopic") as ReturnType<
    typeof notificationResources
  >;
}

describe("configuration set event publishing", () => {
  it("creates a configuration set with reputation metrics", () => {
    template.hasResourceProperties("AWS::SES::ConfigurationSet", {
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
  });

  it("publishes bounce, complaint, delivery-delay and (when asked) delivery events to the topic", () => {
    template.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ["bounce", "complaint", "deliveryDelay", "delivery"],
        SnsDestination: { TopicARN: stack.resolve(bounceGuard.topic.topicArn) },
      },
    });
  });

  it("lets SES publish for the configuration set only, conditioned on account and source ARN", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "ses.amazonaws.com" },
            Action: "sns:Publish",
            Condition: {
              StringEquals: {
                "AWS:SourceAccount": { Ref: "AWS::AccountId" },
                "AWS:SourceArn": Match.objectLike({
                  "Fn::Join": ["", Match.arrayWith([":configuration-set/"])],
                }),
              },
            },
          }),
        ]),
      },
    });
  });
});

describe("identity notifications", () => {
  it("sets Bounce, Complaint and Delivery topics for each identity on create and update", () => {
    const calls = Object.values(notificationResources()).map((resource) => ({
      create: sdkCall(resource.Properties.Create as FnJoin),
      update: sdkCall(resource.Properties.Update as FnJoin),
    }));

    const expected = ["example.com", "ops@example.org"].flatMap((identity) =>
      ["Bounce", "Complaint", "Delivery"].map((notificationType) => ({
        service: "SES",
        action: "SetIdentityNotificationTopic",
        parameters: { Identity: identity, NotificationType: notificationType, SnsTopic: topicRef() },
        physicalResourceId: { id: `${identity}/${notificationType}` },
      })),
    );
    expect(calls.map((call) => call.create)).toEqual(expected);
    expect(calls.map((call) => call.update)).toEqual(expected);
  });

  it("clears the topic (no SnsTopic) on delete, tolerating an identity already removed from SES", () => {
    for (const resource of Object.values(notificationResources())) {
      const call = sdkCall(resource.Properties.Delete as string);

      expect(call.action).toBe("SetIdentityNotificationTopic");
      expect(call.parameters).not.toHaveProperty("SnsTopic");
      expect(call.ignoreErrorCodesMatching).toBe("InvalidParameterValue");
    }
  });

  it("uses the SES client of the Lambda runtime instead of downloading the latest SDK", () => {
    for (const resource of Object.values(notificationResources())) {
      expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
    }
  });

  it("creates the custom resources one after the other (SES allows one call per second)", () => {
    const ids = Object.keys(notificationResources());
    for (const [index, id] of ids.entries()) {
      if (index === 0) continue;
      expect(notificationResources()[id]?.DependsOn).toContain(ids[index - 1]);
    }
  });

  it("grants SetIdentityNotificationTopic on each identity's ARN only", () => {
    const statements = Object.values(template.findResources("AWS::IAM::Policy"))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((statement) => JSON.stringify(statement.Action).includes("ses:"));

    expect(statements).toHaveLength(6);
    for (const statement of statements) {
      expect(statement.Action).toBe("ses:SetIdentityNotificationTopic");
      expect([identityArn("example.com"), identityArn("ops@example.org")]).toContainEqual(statement.Resource);
    }
  });

  it("lets SES publish for the listed identities only, and sets them up after that permission exists", () => {
    const topicPolicies = template.findResources("AWS::SNS::TopicPolicy", {
      Properties: Match.objectLike({
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: "AllowSesIdentityNotifications",
              Principal: { Service: "ses.amazonaws.com" },
              Action: "sns:Publish",
              Condition: {
                StringEquals: {
                  "aws:SourceAccount": { Ref: "AWS::AccountId" },
                  "aws:SourceArn": [identityArn("example.com"), identityArn("ops@example.org")],
                },
              },
            }),
          ]),
        },
      }),
    });
    const [policyId] = Object.keys(topicPolicies);

    expect(policyId).toBeDefined();
    for (const resource of Object.values(notificationResources()))
      expect(resource.DependsOn).toContain(policyId);
  });

  it("warns that identities and a configuration set together deliver every event twice", () => {
    // Read from the construct's metadata: Annotations.fromStack would synthesize a second time.
    const warnings = bounceGuard.node.metadata
      .filter((entry) => entry.type === "aws:cdk:warning")
      .map((entry) => String(entry.data));

    expect(warnings).toEqual([
      expect.stringMatching(
        /identity notifications .* and configuration set event publishing are both enabled/,
      ),
    ]);
  });
});

describe("policy props", () => {
  it("pass to the classifier as environment, durations in seconds", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          SOFT_BOUNCE_THRESHOLD: "3",
          RETRY_INTERVAL_SECONDS: "7200",
          SOFT_BOUNCE_MEMORY_SECONDS: "864000",
          HISTORY_TTL_SECONDS: "5184000",
          LOG_ADDRESSES: "true",
          METRICS_NAMESPACE: "Mail/Feedback",
        }),
      },
    });
  });

  it("subscribe the alarm e-mail to the alarm topic", () => {
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
      TopicArn: stack.resolve(bounceGuard.alarmTopic.topicArn),
    });
  });

  it("name the custom metrics' namespace in the dashboard", () => {
    const body = JSON.stringify(Object.values(template.findResources("AWS::CloudWatch::Dashboard"))[0]);

    expect(body).toContain("{Mail/Feedback,Class}");
    expect(body).toContain("{Mail/Feedback,Reason}");
  });

  it("give metric helpers in the same namespace", () => {
    const metric = bounceGuard.metricSuppressions("userunknown");

    expect(metric.namespace).toBe("Mail/Feedback");
    expect(metric.metricName).toBe("Suppressions");
    expect(metric.dimensions).toEqual({ Reason: "userunknown" });
    expect(bounceGuard.metricRecipients("soft").dimensions).toEqual({ Class: "soft" });
    expect(bounceGuard.metricDuplicatesSkipped().metricName).toBe("DuplicatesSkipped");
  });
});
