// SES identity feedback notifications pointed at a topic: CloudFormation has no resource for them, so
// each (identity, notification type) pair is a custom resource calling SES v1 SetIdentityNotificationTopic.
import { ArnFormat, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";

/** The feedback kinds SES can send to a topic per identity. */
export type IdentityNotificationType = "Bounce" | "Complaint" | "Delivery";

export interface IdentityNotificationsProps {
  /** The topic SES publishes the identities' notifications to. */
  readonly topic: sns.ITopic;
  /** Verified SES identities: domains (example.com) or e-mail addresses (ops@example.com). */
  readonly identities: readonly string[];
  /** Which notifications to point at the topic. */
  readonly notificationTypes: readonly IdentityNotificationType[];
  /**
   * Retention of the log group of the custom resource provider function.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Points the bounce/complaint (optionally delivery) notifications of SES identities at a topic on create and
 * update, and clears them (no topic) on delete.
 */
export class IdentityNotifications extends Construct {
  /** The ARNs of the identities whose notifications this construct manages. */
  public readonly identityArns: readonly string[];

  constructor(scope: Construct, id: string, props: IdentityNotificationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, "ProviderLogs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // An own role rather than the default one with the AWS managed AWSLambdaBasicExecutionRole policy (which may
    // write to any log group): this one writes to its log group, plus one SES statement per identity below.
    const role = new iam.Role(this, "ProviderRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "Bounce Guard: sets and clears SES identity notification topics",
    });
    logGroup.grantWrite(role);
    const identityArns: string[] = [];
    let previous: Construct | undefined;
    for (const identity of props.identities) {
      const identityArn = stack.formatArn({
        service: "ses",
        resource: "identity",
        resourceName: identity,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      identityArns.push(identityArn);
      for (const notificationType of props.notificationTypes) {
        const call = (topicArn: string | undefined): cr.AwsSdkCall => ({
          service: "SES",
          action: "SetIdentityNotificationTopic",
          parameters: {
            Identity: identity,
            NotificationType: notificationType,
            ...(topicArn === undefined ? {} : { SnsTopic: topicArn }),
          },
          physicalResourceId: cr.PhysicalResourceId.of(`${identity}/${notificationType}`),
        });
        const resource = new cr.AwsCustomResource(this, `${identity}-${notificationType}`, {
          resourceType: "Custom::SesIdentityNotificationTopic",
          onCreate: call(props.topic.topicArn),
          onUpdate: call(props.topic.topicArn),
          // Without SnsTopic the call clears the setting. An identity already deleted from SES must not
          // block the stack's deletion.
          onDelete: { ...call(undefined), ignoreErrorCodesMatching: "InvalidParameterValue" },
          policy: cr.AwsCustomResourcePolicy.fromStatements([
            new iam.PolicyStatement({
              actions: ["ses:SetIdentityNotificationTopic"],
              resources: [identityArn],
            }),
          ]),
          // The SES client in the Lambda runtime has this call; fetching the latest SDK would need the network.
          installLatestAwsSdk: false,
          memorySize: 256,
          logGroup,
          role,
        });
        // SES allows one SetIdentityNotificationTopic call per second: create the resources one at a time.
        if (previous !== undefined) resource.node.addDependency(previous);
        previous = resource;
      }
    }
    this.identityArns = identityArns;
    this.acknowledgeProviderFindings();
  }

  /** The provider is a stack-wide singleton function the CDK owns; what it does not let us set is acknowledged. */
  private acknowledgeProviderFindings(): void {
    const stack = Stack.of(this);
    const provider = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll("-", "")}`,
    );
    if (provider === undefined) return;
    const acknowledgements: ReadonlyArray<readonly [string, string]> = [
      [
        "Serverless-LambdaDLQ",
        "CloudFormation invokes the provider and waits for its answer on a pre-signed URL: a failed invocation fails the deployment visibly, and an event replayed later from a DLQ could no longer answer the expired request",
      ],
      [
        "Serverless-LambdaTracing",
        "the provider makes one SES call per deployment; tracing it would add nothing CloudFormation events and its log group do not show",
      ],
    ];
    for (const [id, reason] of acknowledgements) Validations.of(provider).acknowledge({ id, reason });
  }
}
