// The pipeline's security and reliability defaults, read from one synthesis of the ready stack.

import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { readPolicy } from "../../functions/adapters/environment.ts";
import { policyOfSettings } from "../../functions/core/policy.ts";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import {
  logGroupOf,
  logicalIdOf as logicalIdIn,
  onlyResource,
  policyStatementsOf as policyStatementsIn,
  roleLogicalIdOf,
  SYNTH_TIMEOUT_MS,
  testApp,
} from "./support.ts";

let stack: BounceGuardStack;
let preSendCheck: iam.Role;
let template: Template;

beforeAll(() => {
  const app = testApp();
  stack = new BounceGuardStack(app, "BounceGuardStack");
  // A consumer's pre-send check, to see what grantCheck gives it.
  preSendCheck = new iam.Role(stack, "PreSendCheck", { assumedBy: new iam.AccountRootPrincipal() });
  stack.bounceGuard.grantCheck(preSendCheck);
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

const logicalIdOf = (token: string) => logicalIdIn(stack, token);
const policyStatementsOf = (roleLogicalId: string) => policyStatementsIn(template, roleLogicalId);
const resourceOf = (token: string) => {
  const logicalId = logicalIdOf(token);
  return { logicalId, resource: template.toJSON().Resources[logicalId] };
};
const keyArn = () => stack.resolve(stack.bounceGuard.encryptionKey.keyArn);
const feedbackTopic = () => resourceOf(stack.bounceGuard.topic.topicArn);
const alarmTopic = () => resourceOf(stack.bounceGuard.alarmTopic.topicArn);
const feedbackQueue = () => resourceOf(stack.bounceGuard.queue.queueArn);
const deadLetterQueue = () => resourceOf(stack.bounceGuard.deadLetterQueue.queueArn);
const classifier = () => resourceOf(stack.bounceGuard.classifier.functionName);
const tableArn = () => stack.resolve(stack.bounceGuard.table.tableArn);

describe("encryption", () => {
  it("creates one customer-managed key with rotation on, kept when the stack is deleted", () => {
    const { resource } = onlyResource(template, "AWS::KMS::Key");

    expect(resource.Properties.EnableKeyRotation).toBe(true);
    expect(resource.DeletionPolicy).toBe("Retain");
  });

  it("lets SES and SNS of this account use the key to encrypt and decrypt", () => {
    template.hasResourceProperties("AWS::KMS::Key", {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: "AllowSesAndSnsOfThisAccountToUseTheKey",
            Effect: "Allow",
            Principal: { Service: ["ses.amazonaws.com", "sns.amazonaws.com"] },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          },
        ]),
      },
    });
  });

  it("encrypts both topics with the customer-managed key", () => {
    const topics = Object.values(template.findResources("AWS::SNS::Topic"));

    expect(topics).toHaveLength(2);
    for (const topic of topics) expect(topic.Properties.KmsMasterKeyId).toEqual(keyArn());
  });

  it("encrypts both queues with the customer-managed key, never the AWS managed aws/sqs key", () => {
    const queues = Object.values(template.findResources("AWS::SQS::Queue"));

    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn());
      expect(JSON.stringify(queue.Properties)).not.toContain("alias/aws/sqs");
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
  });
});

describe("feedback topic policy", () => {
  it("allows only ses.amazonaws.com of this account to publish", () => {
    const { logicalId } = feedbackTopic();
    const policy = onlyResource(template, "AWS::SNS::TopicPolicy", {
      Properties: Match.objectLike({ Topics: [{ Ref: logicalId }] }),
    });
    const allows = (
      policy.resource.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement.filter((statement) => statement.Effect === "Allow");

    expect(allows).toEqual([
      {
        Sid: "AllowSesOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "ses.amazonaws.com" },
        Action: "sns:Publish",
        Resource: { Ref: logicalId },
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
    ]);
  });

  it("denies publishing without TLS", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: feedbackTopic().logicalId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });
});

describe("queues and redrive", () => {
  it("moves a message to the dead-letter queue after 22 receives: the classifier's backoff makes them last at least 12 hours", () => {
    const deadLetter = deadLetterQueue();

    template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [deadLetter.logicalId, "Arn"] },
        maxReceiveCount: 22,
      },
    });
  });

  it("keeps messages in both queues for SQS's longest, 14 days, far beyond the retry budget", () => {
    const queueRetention = feedbackQueue().resource.Properties.MessageRetentionPeriod as number;
    const deadLetterRetention = deadLetterQueue().resource.Properties.MessageRetentionPeriod as number;

    expect([queueRetention, deadLetterRetention]).toEqual([14 * 86_400, 14 * 86_400]);
  });

  it("sets the visibility timeout to at least 6 times the classifier timeout", () => {
    const visibility = feedbackQueue().resource.Properties.VisibilityTimeout as number;
    const timeout = classifier().resource.Properties.Timeout as number;

    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
  });

  it("requires TLS on both queues", () => {
    for (const queue of [feedbackQueue(), deadLetterQueue()]) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: queue.logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });

  it("subscribes the queue to the topic with the SNS envelope kept and its own redrive to the DLQ", () => {
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "sqs",
      TopicArn: { Ref: feedbackTopic().logicalId },
      Endpoint: { "Fn::GetAtt": [feedbackQueue().logicalId, "Arn"] },
      RawMessageDelivery: false,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [deadLetterQueue().logicalId, "Arn"] } },
    });
  });

  it("lets only the feedback topic send to the queue and to the DLQ", () => {
    for (const queue of [feedbackQueue(), deadLetterQueue()]) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: queue.logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Allow",
              Principal: { Service: "sns.amazonaws.com" },
              Action: "sqs:SendMessage",
              Condition: { ArnEquals: { "aws:SourceArn": { Ref: feedbackTopic().logicalId } } },
            }),
          ]),
        },
      });
    }
  });
});

describe("event source mapping", () => {
  it("reports batch item failures, reads batches of 10 and waits a few seconds to fill them", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [feedbackQueue().logicalId, "Arn"] },
      FunctionName: { Ref: classifier().logicalId },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
    });
  });
});

describe("suppression table", () => {
  it("keeps its logical ID, so an update never replaces the table", () => {
    expect(onlyResource(template, "AWS::DynamoDB::GlobalTable").logicalId).toBe(
      "BounceGuardSuppressionTable7F06D562",
    );
  });

  it("is retained on stack deletion and on replacement", () => {
    const { resource } = onlyResource(template, "AWS::DynamoDB::GlobalTable");

    expect(resource.DeletionPolicy).toBe("Retain");
    expect(resource.UpdateReplacePolicy).toBe("Retain");
  });

  it("has point-in-time recovery and deletion protection on, a string key pk and TTL on expiresAt", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      BillingMode: "PAY_PER_REQUEST",
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it("is encrypted with the AWS-owned key, chosen on purpose (SSEEnabled false selects it; DynamoDB always encrypts)", () => {
    const { resource } = onlyResource(template, "AWS::DynamoDB::GlobalTable");

    expect(resource.Properties.SSESpecification).toEqual({ SSEEnabled: false });
  });
});

describe("classifier", () => {
  it("runs on nodejs24.x and arm64 with explicit memory, timeout and active tracing", () => {
    template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      MemorySize: 256,
      Timeout: 30,
      TracingConfig: { Mode: "Active" },
    });
  });

  it("gets the table name, the default policy and the retry window as environment", () => {
    const variables = (classifier().resource.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;

    expect(variables).toEqual({
      TABLE_NAME: stack.resolve(stack.bounceGuard.table.tableName),
      SOFT_BOUNCE_THRESHOLD: "5",
      SOFT_BOUNCE_MEMORY_SECONDS: "2592000",
      RETRY_INTERVAL_SECONDS: "14400",
      HISTORY_TTL_SECONDS: "7776000",
      DEFER_BLOCKS: "true",
      LOG_ADDRESSES: "false",
      METRICS_NAMESPACE: "BounceGuard",
      NODE_OPTIONS: "--enable-source-maps",
      RETRY_WINDOW_STATE_MACHINE_ARN: stack.resolve(
        stack.bounceGuard.retryWindow.stateMachine.stateMachineArn,
      ),
      RETRY_WINDOW_SECONDS: "172800",
      // One retry interval plus 15 minutes for the re-sent message's bounce to be reported.
      RETRY_POLL_SECONDS: "15300",
      FEEDBACK_QUEUE_URL: stack.resolve(stack.bounceGuard.queue.queueUrl),
      DEAD_LETTER_QUEUE_URL: stack.resolve(stack.bounceGuard.deadLetterQueue.queueUrl),
    });
  });

  it("logs to its own log group with a retention period", () => {
    const logGroup = logGroupOf(template, classifier()).resource;

    expect(logGroup.Type).toBe("AWS::Logs::LogGroup");
    expect(logGroup.Properties.RetentionInDays).toBe(30);
  });

  it("has no AWS managed policy attached to its role", () => {
    const roleResource = template.toJSON().Resources[roleLogicalIdOf(classifier())];

    expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("may only update and get items of the table (grantRecord)", () => {
    const statements = policyStatementsOf(roleLogicalIdOf(classifier()));
    const dynamodb = statements.filter((statement) => JSON.stringify(statement.Action).includes("dynamodb:"));

    expect(dynamodb).toEqual([
      { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: tableArn() },
    ]);
  });
});

describe("grantCheck", () => {
  it("gives a pre-send check BatchGetItem and GetItem on the table, nothing else", () => {
    expect(policyStatementsOf(logicalIdOf(preSendCheck.roleName))).toEqual([
      { Effect: "Allow", Action: ["dynamodb:BatchGetItem", "dynamodb:GetItem"], Resource: tableArn() },
    ]);
  });
});

describe("observability", () => {
  it("alarms at a 2 % bounce rate and a 0.08 % complaint rate", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SES",
      MetricName: "Reputation.BounceRate",
      Threshold: 0.02,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SES",
      MetricName: "Reputation.ComplaintRate",
      Threshold: 0.0008,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("alarms on every new dead letter, sent or moved there, however many old ones wait", () => {
    const alarm = Object.values(template.findResources("AWS::CloudWatch::Alarm")).find((each) =>
      JSON.stringify(each.Properties.Metrics ?? []).includes("NumberOfMessagesSent"),
    );
    const metrics = alarm?.Properties.Metrics as {
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } };
    }[];
    const queueName = {
      Name: "QueueName",
      Value: { "Fn::GetAtt": [deadLetterQueue().logicalId, "QueueName"] },
    };

    expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe(
      "MAX([FILL(sent, 0), DIFF(FILL(visible, REPEAT))])",
    );
    expect(metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : []))).toEqual([
      { MetricName: "NumberOfMessagesSent", Namespace: "AWS/SQS", Dimensions: [queueName] },
      { MetricName: "ApproximateNumberOfMessagesVisible", Namespace: "AWS/SQS", Dimensions: [queueName] },
    ]);
    expect(alarm?.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("alarms on one classifier error", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: classifier().logicalId } }],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("sends every alarm to the encrypted alarm topic", () => {
    const topic = alarmTopic();
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm"));

    expect(alarms).toHaveLength(11);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic.logicalId }]);
    expect(topic.resource.Properties.KmsMasterKeyId).toEqual(keyArn());
  });

  it("lets CloudWatch of this account publish to the alarm topic and use its key", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: alarmTopic().logicalId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::KMS::Key", {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ]),
      },
    });
  });

  it("has no e-mail subscription when no alarm e-mail is given", () => {
    template.resourcePropertiesCountIs("AWS::SNS::Subscription", { Protocol: "email" }, 0);
  });

  it("draws the SES rates, the classifier's custom metrics, DLQ depth, duration and errors on a dashboard", () => {
    const body = JSON.stringify(
      onlyResource(template, "AWS::CloudWatch::Dashboard").resource.Properties.DashboardBody,
    );

    for (const expected of [
      "Reputation.BounceRate",
      "Reputation.ComplaintRate",
      String.raw`SEARCH('{BounceGuard,Class} MetricName=\\\"Recipients\\\"', 'Sum', 300)`,
      String.raw`SEARCH('{BounceGuard,Reason} MetricName=\\\"Suppressions\\\"', 'Sum', 300)`,
      "DuplicatesSkipped",
      "ApproximateNumberOfMessagesVisible",
      "Duration",
      "Errors",
    ]) {
      expect(body).toContain(expected);
    }
  });
});

describe("outputs", () => {
  it("names the table, topic, queues and classifier for operators", () => {
    const outputs = Object.keys(template.findOutputs("*"));

    expect(outputs).toEqual(
      expect.arrayContaining([
        "TableName",
        "TopicArn",
        "QueueUrl",
        "DeadLetterQueueUrl",
        "ClassifierFunctionName",
        "ClassifierFunctionArn",
      ]),
    );
  });

  it("gives the policy the functions run with as JSON, so the command line assesses with it", () => {
    const stack = new BounceGuardStack(testApp(), "PolicyOutput", { softBounceThreshold: 3 });
    const policyTemplate = Template.fromStack(stack);
    const classifier = Object.values(policyTemplate.findResources("AWS::Lambda::Function")).find((fn) =>
      String(fn.Properties.Description).includes("classifies"),
    );

    const output = policyTemplate.findOutputs("Policy").Policy?.Value as string;

    expect(policyOfSettings(JSON.parse(output))).toEqual(stack.bounceGuard.policy);
    expect(readPolicy(classifier?.Properties.Environment.Variables)).toEqual(stack.bounceGuard.policy);
    expect(stack.bounceGuard.policy.softBounceThreshold).toBe(3);
  });
});

describe("retry window monitoring", () => {
  let template: Template;
  let stack: BounceGuardStack;

  beforeAll(() => {
    stack = new BounceGuardStack(testApp(), "Monitored", { alarmEmail: "oncall@example.com" });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT_MS);

  it("alarms on one failed or timed-out window execution of its own state machine, to the alarm topic", () => {
    const [alarm] = Object.values(
      template.findResources("AWS::CloudWatch::Alarm", {
        Properties: { AlarmDescription: Match.stringLikeRegexp("retry-window execution failed") },
      }),
    );
    const metrics = alarm?.Properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } };
    }[];
    const stateMachine = stack.resolve(stack.bounceGuard.retryWindow.stateMachine.stateMachineArn);

    expect(alarm?.Properties.Threshold).toBe(1);
    expect(alarm?.Properties.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
    expect(alarm?.Properties.TreatMissingData).toBe("notBreaching");
    expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe(
      "FILL(failed, 0) + FILL(timedOut, 0)",
    );
    const watched = metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : []));
    expect(watched.map((metric) => metric.MetricName).sort()).toEqual([
      "ExecutionsFailed",
      "ExecutionsTimedOut",
    ]);
    for (const metric of watched) {
      expect(metric.Dimensions).toEqual([{ Name: "StateMachineArn", Value: stateMachine }]);
    }
    expect(
      stack.bounceGuard.alarms.map((each) => stack.resolve((each as { alarmArn: string }).alarmArn)),
    ).toHaveLength(11);
  });
});
