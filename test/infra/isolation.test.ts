// Who may feed the pipeline, what survives an outage and a stack deletion, and what is alarmed:
// the holes issue 17 closed, read from one synthesis of the ready stack (and one with the mirror).
import { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuard } from "../../lib/bounce-guard.ts";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { WINDOW_STATES } from "../../lib/retry-window.ts";
import {
  evaluatePolicy,
  type PolicyDecision,
  type PolicyRequest,
  type PolicyStatement,
} from "./policy-evaluation.ts";
import {
  logicalIdOf as logicalIdIn,
  onlyResource,
  policyStatementsOf,
  roleLogicalIdOf,
  SYNTH_TIMEOUT_MS,
  testApp,
} from "./support.ts";

let stack: BounceGuardStack;
let template: Template;
let mirror: BounceGuardStack;
let mirrorTemplate: Template;

beforeAll(() => {
  stack = new BounceGuardStack(testApp(), "Isolation");
  template = Template.fromStack(stack);
  mirror = new BounceGuardStack(testApp(), "IsolationWithMirror", { sesDeferralMirror: true });
  mirrorTemplate = Template.fromStack(mirror);
}, SYNTH_TIMEOUT_MS);

const logicalIdOf = (token: string) => logicalIdIn(stack, token);
type Statement = Record<string, unknown>;
const classifierRole = () =>
  roleLogicalIdOf({
    resource: template.toJSON().Resources[logicalIdOf(stack.bounceGuard.classifier.functionName)],
  });

function queuePolicyStatements(queueArn: string): Statement[] {
  const queueLogicalId = logicalIdOf(queueArn);
  const policy = Object.values(template.findResources("AWS::SQS::QueuePolicy")).find(
    (each) => JSON.stringify(each.Properties.Queues) === JSON.stringify([{ Ref: queueLogicalId }]),
  );
  return (policy?.Properties.PolicyDocument.Statement ?? []) as Statement[];
}

/** Every statement of the policies on the feedback topic of `on`. */
function topicPolicyStatements(on: BounceGuardStack, synthesized: Template): PolicyStatement[] {
  const topic = on.resolve(on.bounceGuard.topic.topicArn);
  return Object.values(synthesized.findResources("AWS::SNS::TopicPolicy"))
    .filter((policy) => JSON.stringify(policy.Properties.Topics) === JSON.stringify([topic]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

const secureServiceCall = () => ({ "aws:PrincipalIsAWSService": "true", "aws:SecureTransport": "true" });

/** SES publishing feedback: a service principal's request, its account as aws:SourceAccount. */
function sesPublish(
  options: { readonly sourceAccount?: unknown; readonly withServiceName?: boolean } = {},
): PolicyRequest {
  return {
    action: "sns:Publish",
    principal: { service: "ses.amazonaws.com" },
    context: {
      ...secureServiceCall(),
      "aws:SourceAccount": options.sourceAccount ?? stack.resolve(stack.account),
      ...(options.withServiceName === false ? {} : { "aws:PrincipalServiceName": "ses.amazonaws.com" }),
    },
  };
}

function roleCall(action: string, arn: unknown, secure = true): PolicyRequest {
  return {
    action,
    principal: { arn },
    context: {
      "aws:PrincipalIsAWSService": "false",
      "aws:PrincipalArn": arn,
      "aws:SecureTransport": String(secure),
    },
  };
}

const rolePublish = (secure = true) => roleCall("sns:Publish", "arn:aws:iam::123456789012:role/any", secure);

/** SNS delivering from the feedback topic: sns.amazonaws.com, the topic as aws:SourceArn. */
function snsDelivery(action: string): PolicyRequest {
  return {
    action,
    principal: { service: "sns.amazonaws.com" },
    context: {
      ...secureServiceCall(),
      "aws:PrincipalServiceName": "sns.amazonaws.com",
      "aws:SourceArn": stack.resolve(stack.bounceGuard.topic.topicArn),
      "aws:SourceAccount": stack.resolve(stack.account),
    },
  };
}

const classifierRoleArn = () => ({ "Fn::GetAtt": [classifierRole(), "Arn"] });
const redriveRoleArn = () => stack.resolve(stack.bounceGuard.redriveRole.roleArn);

describe("only SES feeds the pipeline", () => {
  it("denies sns:Publish on the feedback topic to every caller that is not an AWS service", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: logicalIdOf(stack.bounceGuard.topic.topicArn) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: "DenyEveryPublisherButAwsServices",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "sns:Publish",
            Resource: { Ref: logicalIdOf(stack.bounceGuard.topic.topicArn) },
            // Bool, not BoolIfExists: the key is in every signed request.
            Condition: { Bool: { "aws:PrincipalIsAWSService": "false" } },
          },
        ]),
      },
    });
  });

  it.each<[string, PolicyDecision, () => PolicyRequest]>([
    ["SES of this account", "allowed", () => sesPublish()],
    [
      "SES of this account, without aws:PrincipalServiceName",
      "allowed",
      () => sesPublish({ withServiceName: false }),
    ],
    ["SES for another account", "not-allowed", () => sesPublish({ sourceAccount: "111122223333" })],
    [
      "another AWS service of this account",
      "not-allowed",
      () => ({ ...sesPublish(), principal: { service: "events.amazonaws.com" } }),
    ],
    ["a role of this account with sns:Publish in its own policy", "denied", () => rolePublish()],
    ["that role over plain HTTP", "denied", () => rolePublish(false)],
  ])("lets the feedback topic's policy answer a publish by %s: %s", (_who, decision, request) => {
    expect(evaluatePolicy(topicPolicyStatements(stack, template), request())).toBe(decision);
  });

  it(
    "lets SES publish for its identities and its configuration set, and nobody else",
    () => {
      // Prepare: SES wired both ways, so each Allow SES gets is in one policy.
      const wired = new BounceGuardStack(testApp(), "IsolationWired", {
        identities: ["example.com"],
        createConfigurationSet: true,
      });
      const statements = topicPolicyStatements(wired, Template.fromStack(wired));
      const configurationSetArn = statements
        .filter((statement) => statement.Effect === "Allow")
        .flatMap((statement) =>
          Object.entries((statement.Condition as { StringEquals: object }).StringEquals),
        )
        .filter(([key]) => key.toLowerCase() === "aws:sourcearn")
        .map(([, arn]) => arn)
        .find((arn) => JSON.stringify(arn).includes("configuration-set"));
      const identityArn = wired.resolve(
        Stack.of(wired).formatArn({ service: "ses", resource: "identity", resourceName: "example.com" }),
      );
      const ses = (sourceArn: unknown): PolicyRequest => ({
        ...sesPublish({ sourceAccount: wired.resolve(wired.account), withServiceName: false }),
        context: {
          ...sesPublish({ sourceAccount: wired.resolve(wired.account), withServiceName: false }).context,
          "aws:SourceArn": sourceArn,
        },
      });

      // Act and assess
      expect(configurationSetArn).toBeDefined();
      expect(evaluatePolicy(statements, ses(configurationSetArn))).toBe("allowed");
      expect(evaluatePolicy(statements, ses(identityArn))).toBe("allowed");
      expect(
        evaluatePolicy(statements, ses("arn:aws:ses:us-east-1:111122223333:identity/evil.example")),
      ).toBe("not-allowed");
      expect(
        evaluatePolicy(statements, {
          ...rolePublish(),
          principal: { arn: "arn:aws:iam::111122223333:role/any" },
        }),
      ).toBe("denied");
    },
    SYNTH_TIMEOUT_MS,
  );

  it("denies sqs:SendMessage on the queue to all but the topic's deliveries and the redrive role", () => {
    const deny = queuePolicyStatements(stack.bounceGuard.queue.queueArn).find(
      (statement) => statement.Sid === "DenyEverySenderButTheTopicAndTheRedriveRole",
    );

    expect(deny).toEqual({
      Sid: "DenyEverySenderButTheTopicAndTheRedriveRole",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "sqs:SendMessage",
      Resource: stack.resolve(stack.bounceGuard.queue.queueArn),
      Condition: {
        ArnNotEquals: {
          "aws:SourceArn": stack.resolve(stack.bounceGuard.topic.topicArn),
          "aws:PrincipalArn": stack.resolve(stack.bounceGuard.redriveRole.roleArn),
        },
      },
    });
  });

  it("denies sqs:SendMessage on the DLQ to all but the topic's redrive and the classifier's poison", () => {
    const deny = queuePolicyStatements(stack.bounceGuard.deadLetterQueue.queueArn).find(
      (statement) => statement.Effect === "Deny" && statement.Action === "sqs:SendMessage",
    );
    expect(deny?.Condition).toEqual({
      ArnNotEquals: {
        "aws:SourceArn": stack.resolve(stack.bounceGuard.topic.topicArn),
        "aws:PrincipalArn": { "Fn::GetAtt": [classifierRole(), "Arn"] },
      },
    });
  });

  it.each<[string, PolicyDecision, () => PolicyRequest]>([
    ["the topic's delivery (sns.amazonaws.com)", "allowed", () => snsDelivery("sqs:SendMessage")],
    ["the redrive role's send", "not-allowed", () => roleCall("sqs:SendMessage", redriveRoleArn())],
    ["the classifier's send", "denied", () => roleCall("sqs:SendMessage", classifierRoleArn())],
    [
      "another role's send",
      "denied",
      () => roleCall("sqs:SendMessage", "arn:aws:iam::123456789012:role/any"),
    ],
    [
      "SNS delivering for another topic",
      "denied",
      () => {
        const delivery = snsDelivery("sqs:SendMessage");
        return {
          ...delivery,
          context: { ...delivery.context, "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:other" },
        };
      },
    ],
    ["the classifier's receive", "not-allowed", () => roleCall("sqs:ReceiveMessage", classifierRoleArn())],
    ["the classifier's delete", "not-allowed", () => roleCall("sqs:DeleteMessage", classifierRoleArn())],
    [
      "the classifier's visibility change",
      "not-allowed",
      () => roleCall("sqs:ChangeMessageVisibility", classifierRoleArn()),
    ],
  ])("lets the feedback queue's policy answer %s: %s", (_who, decision, request) => {
    // not-allowed: no Deny, so the caller's own role policy decides (the classifier's grants it).
    expect(evaluatePolicy(queuePolicyStatements(stack.bounceGuard.queue.queueArn), request())).toBe(decision);
  });

  it.each<[string, PolicyDecision, () => PolicyRequest]>([
    ["the topic's redrive of what it could not deliver", "allowed", () => snsDelivery("sqs:SendMessage")],
    ["the classifier's poison", "not-allowed", () => roleCall("sqs:SendMessage", classifierRoleArn())],
    ["the redrive role's send", "denied", () => roleCall("sqs:SendMessage", redriveRoleArn())],
    ["the redrive role's delete", "not-allowed", () => roleCall("sqs:DeleteMessage", redriveRoleArn())],
  ])("lets the DLQ's policy answer %s: %s", (_who, decision, request) => {
    expect(evaluatePolicy(queuePolicyStatements(stack.bounceGuard.deadLetterQueue.queueArn), request())).toBe(
      decision,
    );
  });

  it("gives the redrive role the DLQ to read and the queue to send to, and nothing else of the pipeline", () => {
    const statements = policyStatementsOf(template, logicalIdOf(stack.bounceGuard.redriveRole.roleArn));
    const actions = statements.flatMap((statement) => [statement.Action].flat() as string[]).sort();

    expect(actions).toEqual([
      "kms:Decrypt",
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
    expect(Object.keys(template.findOutputs("RedriveRoleArn"))).toEqual(["RedriveRoleArn"]);
  });
});

describe("nothing lost", () => {
  it("retains the dead-letter queue when the stack is deleted", () => {
    const dlq = template.toJSON().Resources[logicalIdOf(stack.bounceGuard.deadLetterQueue.queueArn)];

    expect(dlq.DeletionPolicy).toBe("Retain");
    expect(dlq.UpdateReplacePolicy).toBe("Retain");
  });

  it("lets the classifier hold failed records back on the queue and send poison to the DLQ, through SQS only", () => {
    const statements = policyStatementsOf(template, classifierRole());
    const text = JSON.stringify(statements);

    expect(text).toContain("sqs:ChangeMessageVisibility");
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
      Resource: stack.resolve(stack.bounceGuard.deadLetterQueue.queueArn),
    });
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Condition: {
          StringEquals: {
            "kms:ViaService": { "Fn::Join": ["", ["sqs.", { Ref: "AWS::Region" }, ".amazonaws.com"]] },
          },
        },
      }),
    );
  });
});

describe("alarms", () => {
  const alarmOn = (metricName: string) =>
    Object.values(template.findResources("AWS::CloudWatch::Alarm")).filter(
      (alarm) => alarm.Properties.MetricName === metricName,
    );

  it("alarms on the age of the oldest message in the queue (30 minutes) and in the DLQ (3 days)", () => {
    const ages = alarmOn("ApproximateAgeOfOldestMessage").map((alarm) => [
      alarm.Properties.Dimensions[0].Value["Fn::GetAtt"][0],
      alarm.Properties.Threshold,
    ]);

    expect(ages.sort()).toEqual(
      [
        [logicalIdOf(stack.bounceGuard.queue.queueArn), 30 * 60],
        [logicalIdOf(stack.bounceGuard.deadLetterQueue.queueArn), 3 * 86_400],
      ].sort(),
    );
  });

  it("alarms on one PresendUnavailable in the function's namespace and on one SNS delivery failure", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "BounceGuard",
      MetricName: "PresendUnavailable",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SNS",
      MetricName: "NumberOfNotificationsFailed",
      Dimensions: [
        {
          Name: "TopicName",
          Value: { "Fn::GetAtt": [logicalIdOf(stack.bounceGuard.topic.topicArn), "TopicName"] },
        },
      ],
      Threshold: 1,
    });
  });
});

describe("concurrency isolation", () => {
  it("reserves concurrency for the classifier and caps its event source mapping at it", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("classifies SES feedback"),
      ReservedConcurrentExecutions: 10,
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it("caps the pre-send check's concurrency, so its callers cannot drain the account's", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("answers send, defer, suppress or invalid"),
      ReservedConcurrentExecutions: 50,
    });
  });

  it("refuses a concurrency the event source mapping cannot use", () => {
    expect(
      () => new BounceGuard(new BounceGuardStack(testApp(), "Bad"), "Other", { classifierConcurrency: 1 }),
    ).toThrow("classifierConcurrency must be an integer between 2 and 1000, got 1");
  });
});

describe("key and SES statements narrowed to this account and region", () => {
  it("lets log delivery decrypt with the key only for this account's sources", () => {
    const statements = onlyResource(template, "AWS::KMS::Key").resource.Properties.KeyPolicy as {
      Statement: Statement[];
    };
    const delivery = statements.Statement.filter((statement) =>
      JSON.stringify(statement.Principal).includes("delivery.logs.amazonaws.com"),
    );

    expect(delivery).toEqual([
      {
        Sid: "AllowLogDeliveryOfThisAccountToDecrypt",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "kms:Decrypt*",
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          ArnLike: {
            "aws:SourceArn": {
              "Fn::Join": [
                "",
                [
                  "arn:",
                  { Ref: "AWS::Partition" },
                  ":logs:",
                  { Ref: "AWS::Region" },
                  ":",
                  { Ref: "AWS::AccountId" },
                  ":*",
                ],
              ],
            },
          },
        },
      },
    ]);
  });

  it("limits the state machine's ses:DeleteSuppressedDestination to the stack's region", () => {
    const role = onlyResource(mirrorTemplate, "AWS::StepFunctions::StateMachine").resource.Properties
      .RoleArn as {
      "Fn::GetAtt": [string, string];
    };
    const statements = policyStatementsOf(mirrorTemplate, role["Fn::GetAtt"][0]).filter(
      (statement) => statement.Action === "ses:DeleteSuppressedDestination",
    );

    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: "ses:DeleteSuppressedDestination",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": { Ref: "AWS::Region" } } },
      },
    ]);
  });

  it("removes a failed window's mirrored deferral from SES's list before failing the execution", () => {
    const definition = JSON.stringify(
      mirror.resolve(
        onlyResource(mirrorTemplate, "AWS::StepFunctions::StateMachine").resource.Properties.DefinitionString,
      ),
    );

    expect(definition).toContain(
      `\\"${WINDOW_STATES.recordFailure}\\":{\\"Next\\":\\"${WINDOW_STATES.forgetAfterFailure}\\"`,
    );
  });
});
