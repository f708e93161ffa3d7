// The retry window's state machine: waits for each due time, releases the deferral, publishes
// RetryDue, and closes the window, with direct DynamoDB and EventBridge integrations (no Lambda).
import { ArnFormat, Duration, Names, Stack, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { TABLE_SCHEMA } from "../functions/adapters/table-schema.ts";
import {
  namesUsedIn,
  type RetryWindowConfig,
  WINDOW_ATTRIBUTES,
  WINDOW_NAMES,
} from "../functions/core/retry-window.ts";

/** The RetryDue event: subscribe with a rule on `source` and `detail-type`. */
export const RETRY_DUE_EVENT = { source: "bounce-guard", detailType: "RetryDue" } as const;

/** State names: tests, the local runner and the transition counts refer to them. */
export const WINDOW_STATES = {
  waitUntilDue: "WaitUntilDue",
  release: "Release",
  forgetOnSes: "ForgetDeferralOnSes",
  publish: "PublishRetryDue",
  waitForNextBounce: "WaitForNextBounce",
  inspect: "Inspect",
  decide: "Decide",
  waitUntilNewDue: "WaitUntilNewDue",
  waitUntilWindowEnd: "WaitUntilWindowEnd",
  close: "CloseWindow",
  forgetAfterFailure: "ForgetDeferralAfterFailure",
  closed: "WindowClosed",
  recordFailure: "RecordFailure",
  failed: "Failed",
} as const;

export interface RetryWindowStateMachineProps {
  readonly table: dynamodb.ITableV2;
  readonly encryptionKey: kms.IKey;
  /** Where RetryDue is published; the account's default bus when absent. */
  readonly eventBus?: events.IEventBus;
  readonly logRetention: logs.RetentionDays;
  /** Remove the SES account-level suppression entry that mirrored the deferral, at each release. */
  readonly sesDeferralMirror: boolean;
  /** The window settings: the execution timeout leaves room for the longest window. */
  readonly window: RetryWindowConfig;
}

const CONDITION_FAILED = ["DynamoDB.ConditionalCheckFailedException"];
/** Transient DynamoDB errors as the optimized integration names them. */
const DYNAMODB_TRANSIENT = [
  "DynamoDB.ProvisionedThroughputExceededException",
  "DynamoDB.ThrottlingException",
  "DynamoDB.RequestLimitExceeded",
  "DynamoDB.InternalServerErrorException",
  "DynamoDB.AmazonDynamoDBException",
];
/**
 * The optimized PutEvents integration fails the task with EventBridge.FailedEntry when an entry
 * failed (EventBridge answers 200 with a failed entry when it throttles one event).
 */
const EVENTBRIDGE_TRANSIENT = [
  "EventBridge.FailedEntry",
  "EventBridge.EventBridgeException",
  "EventBridge.InternalException",
];
const SES_TRANSIENT = ["SesV2.TooManyRequestsException", "SesV2.SesV2Exception"];
const SES_NOT_FOUND = ["SesV2.NotFoundException"];

const W = WINDOW_ATTRIBUTES;

/**
 * An SDK integration whose one IAM statement carries conditions. CallAwsService grants its action
 * without any; the SES suppression-list actions have no resource ARN to narrow, so the statement is
 * narrowed to the stack's region instead.
 */
class ConditionedCallAwsService extends tasks.CallAwsService {
  constructor(
    scope: Construct,
    id: string,
    props: tasks.CallAwsServiceProps & {
      readonly iamAction: string;
      readonly conditions: Record<string, Record<string, unknown>>;
    },
  ) {
    const { conditions, ...callProps } = props;
    super(scope, id, callProps);
    Object.assign(this, {
      taskPolicies: [
        new iam.PolicyStatement({
          actions: [props.iamAction],
          resources: props.iamResources,
          conditions,
        }),
      ],
    });
  }
}

/**
 * After this many looks at a window with nothing new since its last bounce (about three polls, 13 h
 * at the defaults), the execution sleeps until the window's end instead of polling on: a sender
 * that stopped retrying costs one Wait instead of four transitions every poll. A bounce that lands
 * meanwhile is released at the window's end (the pre-send check answers from its time anyway).
 */
export const IDLE_INSPECTIONS_BEFORE_SLEEP = 3;

/**
 * One Standard execution per window. The happy path of a retry is Wait → Release → Publish
 * (three transitions): Release is a conditional write that both checks the stored due
 * time has passed and marks it released, so a scheduler running late, early or twice changes
 * nothing the pre-send check answers (it reads the stored event times). Anything Release cannot
 * settle goes to Inspect, which ends the execution when the window is gone (a delivery, a
 * suppression, a newer window), waits for a newer due time, or closes the window at its end once
 * every due time was released.
 */
export class RetryWindowStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly eventBus: events.IEventBus;
  public readonly logGroup: logs.ILogGroup;
  private readonly encryptionKey: kms.IKey;
  /** The ARN pattern of this state machine's executions, built from its literal name. */
  private readonly executionsArn: string;

  constructor(scope: Construct, id: string, props: RetryWindowStateMachineProps) {
    super(scope, id);
    const { table } = props;
    this.encryptionKey = props.encryptionKey;
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, "DefaultBus", "default");
    const key = {
      [TABLE_SCHEMA.partitionKey]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt("$.key")),
    };
    const start = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt("$.windowStart"));
    const now = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt("$$.State.EnteredTime"));
    const retryTransient = <T extends sfn.TaskStateBase>(task: T, errors: string[]): T => {
      task.addRetry({
        errors,
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.minutes(1),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };
    /** A conditional write to the window's item, retried on transient errors, naming what its expressions use. */
    const windowUpdate = (
      id: string,
      props: Omit<tasks.DynamoUpdateItemProps, "table" | "key" | "expressionAttributeNames">,
    ) =>
      retryTransient(
        new tasks.DynamoUpdateItem(this, id, {
          table,
          key,
          expressionAttributeNames: namesUsedIn(
            `${props.updateExpression ?? ""} ${props.conditionExpression ?? ""}`,
            WINDOW_NAMES,
          ),
          ...props,
        }),
        DYNAMODB_TRANSIENT,
      );

    const failed = new sfn.Fail(this, WINDOW_STATES.failed, {
      error: "RetryWindowFailed",
      causePath: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt("$.failure")),
    });
    // Keeps what went wrong on the item (for `bounce-guard why` and operators) and closes the
    // window, so the next soft bounce opens a new one; then fails the execution, which the
    // RetryWindowFailuresAlarm reports.
    const recordFailure = windowUpdate(WINDOW_STATES.recordFailure, {
      updateExpression: "SET #wF = :failure REMOVE #wS, #wE, #wD, #wR, #wN, #wP",
      conditionExpression: "#wS = :start",
      expressionAttributeValues: {
        ":start": start,
        ":failure": tasks.DynamoAttributeValue.fromString(
          sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt("$.failure")),
        ),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    recordFailure.addCatch(failed, { errors: ["States.ALL"], resultPath: sfn.JsonPath.DISCARD });
    const onFailure = { errors: ["States.ALL"], resultPath: "$.failure" };

    const windowClosed = new sfn.Succeed(this, WINDOW_STATES.closed, {
      comment: "The window is gone: a delivery, a suppression or a newer window closed it",
    });

    // Reads the window with a write that only counts the look: a condition failure means the
    // window is gone, which ends the execution without a Choice (one transition fewer than GetItem
    // then Choice). Each deferring event resets the count.
    const inspect = windowUpdate(WINDOW_STATES.inspect, {
      updateExpression: "ADD #wP :one",
      conditionExpression: "#wS = :start",
      expressionAttributeValues: { ":start": start, ":one": tasks.DynamoAttributeValue.fromNumber(1) },
      returnValues: tasks.DynamoReturnValues.ALL_NEW,
      resultSelector: {
        "dueAt.$": `$.Attributes.${W.due}.S`,
        "releasedAt.$": `$.Attributes.${W.released}.S`,
        "windowEnd.$": `$.Attributes.${W.end}.S`,
        "inspections.$": `States.StringToJson($.Attributes.${W.inspections}.N)`,
      },
      resultPath: "$.current",
    });
    inspect.addCatch(windowClosed, { errors: CONDITION_FAILED, resultPath: sfn.JsonPath.DISCARD });
    inspect.addCatch(recordFailure, onFailure);

    const release = windowUpdate(WINDOW_STATES.release, {
      updateExpression: "SET #wR = #wD",
      conditionExpression: "#wS = :start AND #wD <= :now AND #wR < #wD",
      expressionAttributeValues: { ":start": start, ":now": now },
      returnValues: tasks.DynamoReturnValues.ALL_NEW,
      resultSelector: {
        "dueAt.$": `$.Attributes.${W.due}.S`,
        "reason.$": `$.Attributes.${W.reason}.S`,
      },
      resultPath: "$.released",
    });
    release.addCatch(inspect, { errors: CONDITION_FAILED, resultPath: sfn.JsonPath.DISCARD });
    release.addCatch(recordFailure, onFailure);

    const publish = retryTransient(
      new tasks.EventBridgePutEvents(this, WINDOW_STATES.publish, {
        entries: [
          {
            eventBus: this.eventBus,
            source: RETRY_DUE_EVENT.source,
            detailType: RETRY_DUE_EVENT.detailType,
            detail: sfn.TaskInput.fromObject({
              address: sfn.JsonPath.stringAt("$.address"),
              windowStart: sfn.JsonPath.stringAt("$.windowStart"),
              windowEnd: sfn.JsonPath.stringAt("$.windowEnd"),
              retryDueAt: sfn.JsonPath.stringAt("$.released.dueAt"),
              lastReason: sfn.JsonPath.stringAt("$.released.reason"),
            }),
          },
        ],
        resultPath: sfn.JsonPath.DISCARD,
      }),
      EVENTBRIDGE_TRANSIENT,
    );
    publish.addCatch(recordFailure, onFailure);

    const waitForNextBounce = new sfn.Wait(this, WINDOW_STATES.waitForNextBounce, {
      comment: "The retry interval plus an allowance for the re-sent message to bounce",
      time: sfn.WaitTime.secondsPath("$.pollSeconds"),
    });
    waitForNextBounce.next(release);
    publish.next(waitForNextBounce);

    if (props.sesDeferralMirror) {
      // SES's account-level list is per region: only this stack's region may be changed.
      const forgetOnSes = (id: string) =>
        retryTransient(
          new ConditionedCallAwsService(this, id, {
            service: "sesv2",
            action: "deleteSuppressedDestination",
            parameters: { EmailAddress: sfn.JsonPath.stringAt("$.address") },
            // SES suppression-list actions support no resource-level permissions.
            iamResources: ["*"],
            iamAction: "ses:DeleteSuppressedDestination",
            conditions: { StringEquals: { "aws:RequestedRegion": Stack.of(this).region } },
            resultPath: sfn.JsonPath.DISCARD,
          }),
          SES_TRANSIENT,
        );
      const forget = forgetOnSes(WINDOW_STATES.forgetOnSes);
      forget.addCatch(publish, { errors: SES_NOT_FOUND, resultPath: sfn.JsonPath.DISCARD });
      forget.addCatch(recordFailure, onFailure);
      release.next(forget);
      forget.next(publish);
      // A failed window closes without a release: its mirrored deferral must not stay on SES's list.
      const forgetAfterFailure = forgetOnSes(WINDOW_STATES.forgetAfterFailure);
      forgetAfterFailure.addCatch(failed, { errors: ["States.ALL"], resultPath: sfn.JsonPath.DISCARD });
      forgetAfterFailure.next(failed);
      recordFailure.next(forgetAfterFailure);
    } else {
      release.next(publish);
      recordFailure.next(failed);
    }

    const close = windowUpdate(WINDOW_STATES.close, {
      updateExpression: "REMOVE #wS, #wE, #wD, #wR, #wN, #wF, #wP",
      conditionExpression: "#wS = :start AND #wE <= :now AND #wR >= #wD",
      expressionAttributeValues: { ":start": start, ":now": now },
      resultPath: sfn.JsonPath.DISCARD,
    });
    close.addCatch(inspect, { errors: CONDITION_FAILED, resultPath: sfn.JsonPath.DISCARD });
    close.addCatch(recordFailure, onFailure);

    const waitUntilNewDue = new sfn.Wait(this, WINDOW_STATES.waitUntilNewDue, {
      time: sfn.WaitTime.timestampPath("$.current.dueAt"),
    });
    waitUntilNewDue.next(release);
    const waitUntilWindowEnd = new sfn.Wait(this, WINDOW_STATES.waitUntilWindowEnd, {
      comment: "Nothing new for several polls: sleep until the window's end",
      time: sfn.WaitTime.timestampPath("$.current.windowEnd"),
    });
    waitUntilWindowEnd.next(release);
    const pending = sfn.Condition.stringLessThanJsonPath("$.current.releasedAt", "$.current.dueAt");
    inspect.next(
      new sfn.Choice(this, WINDOW_STATES.decide)
        .when(
          sfn.Condition.and(
            pending,
            sfn.Condition.timestampGreaterThanJsonPath("$.current.dueAt", "$$.State.EnteredTime"),
          ),
          waitUntilNewDue,
        )
        .when(pending, release)
        .when(
          sfn.Condition.timestampLessThanEqualsJsonPath("$.current.windowEnd", "$$.State.EnteredTime"),
          close,
        )
        .when(
          sfn.Condition.numberGreaterThanEquals("$.current.inspections", IDLE_INSPECTIONS_BEFORE_SLEEP),
          waitUntilWindowEnd,
        )
        .otherwise(waitForNextBounce),
    );

    const waitUntilDue = new sfn.Wait(this, WINDOW_STATES.waitUntilDue, {
      time: sfn.WaitTime.timestampPath("$.dueAt"),
    });
    waitUntilDue.next(release);

    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention });
    // A name known before deployment: the key's encryption context names the state machine's ARN,
    // and without an explicit name the role's KMS condition would not match it.
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: "-" });
    this.executionsArn = Stack.of(this).formatArn({
      service: "states",
      resource: "execution",
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.stateMachine = new sfn.StateMachine(this, "Resource", {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: "Bounce Guard retry window: one execution per soft-bounce window",
      definitionBody: sfn.DefinitionBody.fromChainable(waitUntilDue),
      // The longest a healthy execution can run: its window, the last due time after it, a last
      // poll, and a day of retries and slack; a stuck one ends there (and the failure alarm fires).
      timeout: Duration.seconds(props.window.retryWindowSeconds + 2 * props.window.pollSeconds + 86_400),
      tracingEnabled: true,
      // ALL for every transition, without execution data: inputs carry the address.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      // The key by reference: with logging on, the StateMachine construct adds a statement letting
      // delivery.logs.amazonaws.com decrypt with the key, for any account's sources; on a reference it
      // cannot, and the statement below, limited to this account's log deliveries, takes its place.
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(
        kms.Key.fromKeyArn(this, "ExecutionsKey", props.encryptionKey.keyArn),
        Duration.minutes(5),
      ),
    });
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowLogDeliveryOfThisAccountToDecrypt",
        principals: [new iam.ServicePrincipal("delivery.logs.amazonaws.com")],
        actions: ["kms:Decrypt*"],
        resources: ["*"],
        conditions: {
          StringEquals: { "aws:SourceAccount": Stack.of(this).account },
          ArnLike: {
            "aws:SourceArn": Stack.of(this).formatArn({
              service: "logs",
              resource: "*",
              resourceName: undefined,
            }),
          },
        },
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "CloudWatch Logs vended log delivery (logs:CreateLogDelivery and the rest), X-Ray PutTraceSegments and, with the deferral mirror on, ses:DeleteSuppressedDestination on the account-level suppression list support no resource-level permissions; the table, event bus and key statements name their resources",
    });
  }

  /**
   * Lets the grantee start executions of this state machine, and stop them (a window a delivery
   * or a suppression closed), and nothing else.
   */
  public grantStart(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stateMachine.grantStartExecution(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["states:StopExecution"],
      resourceArns: [this.executionsArn],
    });
    // Inputs are encrypted with the key: starting an execution needs its data key, for this state machine only.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: {
        StringEquals: {
          "kms:EncryptionContext:aws:states:stateMachineArn": this.stateMachine.stateMachineArn,
        },
      },
    });
    return grant;
  }

  /**
   * cdk-nag's finding for the StopExecution grant: execution names are made per window (a hash of
   * the address's key and the window's start), so the grant names this state machine's executions
   * with a wildcard for the execution name. For the grantee's scope to acknowledge.
   */
  public acknowledgeStopGrant(scope: Construct): void {
    const resource = this.executionsArn.replace(
      /\$\{Token\[AWS\.(Partition|Region|AccountId)\.\d+\]\}/g,
      (_match, name: string) => `<AWS::${name}>`,
    );
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        "states:StopExecution on this state machine's executions only: their names are made per retry window (a hash of the address key and the window start), so the execution name is a wildcard; the classifier stops the execution of a window a delivery or a suppression closed",
    });
  }
}
