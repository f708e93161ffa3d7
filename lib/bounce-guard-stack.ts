// The ready-to-deploy stack: one BounceGuard and the outputs an operator needs to point SES and tools at it.
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as ses from "aws-cdk-lib/aws-ses";
import type { Construct } from "constructs";
import { BounceGuard, type BounceGuardProps } from "./bounce-guard.ts";
import { STACK_OUTPUTS } from "./stack-outputs.ts";

export interface BounceGuardStackProps
  extends StackProps,
    Omit<BounceGuardProps, "configurationSet" | "encryptionKey"> {
  /**
   * Name of an existing SES configuration set to attach the feedback event destination to.
   *
   * @default - no existing configuration set is attached
   */
  readonly configurationSetName?: string;
}

export class BounceGuardStack extends Stack {
  public readonly bounceGuard: BounceGuard;

  constructor(scope: Construct, id: string, props: BounceGuardStackProps = {}) {
    super(scope, id, props);
    const { configurationSetName, ...bounceGuardProps } = props;
    const configurationSet =
      configurationSetName === undefined
        ? undefined
        : ses.ConfigurationSet.fromConfigurationSetName(
            this,
            "ExistingConfigurationSet",
            configurationSetName,
          );
    const bounceGuard = new BounceGuard(this, "BounceGuard", {
      ...bounceGuardProps,
      ...(configurationSet === undefined ? {} : { configurationSet }),
    });
    this.bounceGuard = bounceGuard;

    const outputs: Record<string, [string, string]> = {
      [STACK_OUTPUTS.tableName]: [bounceGuard.table.tableName, "DynamoDB suppression table"],
      [STACK_OUTPUTS.topicArn]: [bounceGuard.topic.topicArn, "SNS topic SES publishes feedback to"],
      [STACK_OUTPUTS.queueUrl]: [bounceGuard.queue.queueUrl, "SQS feedback queue the classifier consumes"],
      [STACK_OUTPUTS.deadLetterQueueUrl]: [
        bounceGuard.deadLetterQueue.queueUrl,
        "SQS dead-letter queue (redrive target)",
      ],
      [STACK_OUTPUTS.redriveRoleArn]: [
        bounceGuard.redriveRole.roleArn,
        "IAM role to assume for bounce-guard redrive: the only sender besides the topic the queue allows",
      ],
      [STACK_OUTPUTS.classifierFunctionName]: [
        bounceGuard.classifier.functionName,
        "classifier Lambda function name",
      ],
      [STACK_OUTPUTS.classifierFunctionArn]: [
        bounceGuard.classifier.functionArn,
        "classifier Lambda function ARN",
      ],
      [STACK_OUTPUTS.presendCheckFunctionName]: [
        bounceGuard.presendCheck.functionName,
        "pre-send check Lambda function name (invoke with { addresses: [...] })",
      ],
      [STACK_OUTPUTS.presendCheckFunctionArn]: [
        bounceGuard.presendCheck.functionArn,
        "pre-send check Lambda function ARN, for callers in other accounts",
      ],
      [STACK_OUTPUTS.alarmTopicArn]: [bounceGuard.alarmTopic.topicArn, "SNS topic the alarms publish to"],
      [STACK_OUTPUTS.dashboardName]: [bounceGuard.dashboard.dashboardName, "CloudWatch dashboard"],
      [STACK_OUTPUTS.policy]: [
        JSON.stringify(bounceGuard.policy),
        "the suppression policy both functions run with (JSON): the CLI assesses with it under --stack",
      ],
    };
    if (bounceGuard.addressKeySecret !== undefined) {
      outputs[STACK_OUTPUTS.addressKeySecretArn] = [
        bounceGuard.addressKeySecret.secretFullArn ?? bounceGuard.addressKeySecret.secretArn,
        "Secrets Manager secret keying the table by HMAC of the address: the CLI reads it; never rotate or delete it",
      ];
    }
    if (bounceGuard.configurationSet !== undefined) {
      outputs[STACK_OUTPUTS.configurationSetName] = [
        bounceGuard.configurationSet.configurationSetName,
        "SES configuration set whose events feed Bounce Guard: send with it",
      ];
    }
    for (const [outputId, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, outputId, { value, description });
    }
  }
}
