// Alarms, the alarm topic and the dashboard of a Bounce Guard pipeline: SES reputation, new dead letters and the age
// of the oldest message in the queue and the DLQ, SNS delivery failures, classifier and pre-send check health, and
// SES suppression-list sync failures when the sync is on.
import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { METRIC_NAMES } from "../functions/core/contract.ts";

export interface BounceGuardMonitoringProps {
  /** The classifier whose errors and duration are watched. */
  readonly classifier: lambda.IFunction;
  /** The pre-send check whose errors and duration are watched. */
  readonly presendCheck: lambda.IFunction;
  /** The dead-letter queue whose depth is watched. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The retry-window state machine: failed or timed-out executions are alarmed. */
  readonly retryWindow: sfn.IStateMachine;
  /** The feedback queue: the age of its oldest message is alarmed (records held back by an outage). */
  readonly queue: sqs.IQueue;
  /** The feedback topic: deliveries SNS could not make to the queue are alarmed. */
  readonly topic: sns.ITopic;
  /** The key the alarm topic is encrypted with; CloudWatch is allowed to use it when it is created in this app. */
  readonly encryptionKey: kms.IKey;
  /** The CloudWatch namespace of the classifier's custom metrics. */
  readonly metricsNamespace: string;
  /**
   * Whether the classifier mirrors suppressions on the SES account-level suppression list: its failures
   * (`SesSyncFailures`) are then alarmed and drawn.
   *
   * @default false
   */
  readonly sesSuppressionListSync?: boolean;
  /**
   * An e-mail address subscribed to the alarm topic. The subscription must be confirmed from the mailbox.
   *
   * @default - no subscription; subscribe to `alarmTopic` yourself
   */
  readonly alarmEmail?: string;
  /**
   * SES account bounce rate (0..1) at or above which the bounce-rate alarm fires.
   *
   * @default 0.02 (SES reviews an account at 0.05)
   */
  readonly bounceRateThreshold?: number;
  /**
   * SES account complaint rate (0..1) at or above which the complaint-rate alarm fires.
   *
   * @default 0.0008 (SES reviews an account at 0.001)
   */
  readonly complaintRateThreshold?: number;
  /**
   * Age of the oldest message on the feedback queue at or above which the queue-age alarm fires. Records
   * normally wait seconds; records held back by an outage wait as long as it lasts.
   *
   * @default Duration.minutes(30)
   */
  readonly queueAgeThreshold?: Duration;
  /**
   * Age of the oldest dead letter at or above which the DLQ-age alarm fires: a message expires 14 days after it
   * was first sent, so this leaves days to fix and redrive it.
   *
   * @default Duration.days(3)
   */
  readonly deadLetterAgeThreshold?: Duration;
  /**
   * p99 duration of the pre-send check at or above which its duration alarm fires: senders wait this long.
   *
   * @default Duration.seconds(3)
   */
  readonly presendCheckDurationThreshold?: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Alarms with an encrypted alarm topic, and one dashboard for the pipeline. */
export class BounceGuardMonitoring extends Construct {
  /** Every alarm publishes here; subscribe on-call endpoints to it. */
  public readonly alarmTopic: sns.ITopic;
  public readonly bounceRateAlarm: cloudwatch.IAlarm;
  public readonly complaintRateAlarm: cloudwatch.IAlarm;
  /** Fires for every new dead letter, however many old ones wait in the DLQ. */
  public readonly deadLetterQueueAlarm: cloudwatch.IAlarm;
  /** Fires while a dead letter has waited longer than `deadLetterAgeThreshold`. */
  public readonly deadLetterQueueAgeAlarm: cloudwatch.IAlarm;
  /** Fires while the feedback queue's oldest message has waited longer than `queueAgeThreshold`. */
  public readonly queueAgeAlarm: cloudwatch.IAlarm;
  /** Fires when SNS could not deliver feedback to the queue. */
  public readonly feedbackDeliveryFailuresAlarm: cloudwatch.IAlarm;
  public readonly classifierErrorsAlarm: cloudwatch.IAlarm;
  public readonly presendCheckErrorsAlarm: cloudwatch.IAlarm;
  public readonly presendCheckDurationAlarm: cloudwatch.IAlarm;
  /** Fires when the pre-send check could not read the table and answered `unavailable` (not a Lambda error). */
  public readonly presendUnavailableAlarm: cloudwatch.IAlarm;
  /** Fires on one failed SES suppression-list put; only when `sesSuppressionListSync` is on. */
  public readonly sesSyncFailuresAlarm?: cloudwatch.IAlarm;
  public readonly retryWindowFailuresAlarm: cloudwatch.IAlarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BounceGuardMonitoringProps) {
    super(scope, id);
    const account = Stack.of(this).account;

    // CloudWatch publishes as its service principal: the topic policy and the key policy must both let it.
    const alarmTopic = new sns.Topic(this, "AlarmTopic", {
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsOfThisAccount",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [alarmTopic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": account } },
      }),
    );
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToUseTheKey",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": account } },
      }),
    );
    if (props.alarmEmail !== undefined) {
      const emailSubscription = alarmTopic.addSubscription(
        new subscriptions.EmailSubscription(props.alarmEmail),
      );
      Validations.of(emailSubscription).acknowledge({
        id: "Serverless-SNSRedrivePolicy",
        reason:
          "an alarm e-mail SNS could not deliver is not worth keeping in a queue: the alarm's state and history stay in CloudWatch and on the dashboard",
      });
    }
    this.alarmTopic = alarmTopic;
    const alarmAction = new actions.SnsAction(alarmTopic);

    const bounceRate = sesReputationMetric("Reputation.BounceRate");
    const complaintRate = sesReputationMetric("Reputation.ComplaintRate");
    const bounceRateThreshold = props.bounceRateThreshold ?? 0.02;
    const complaintRateThreshold = props.complaintRateThreshold ?? 0.0008;
    const presendCheckDurationThreshold = props.presendCheckDurationThreshold ?? Duration.seconds(3);
    const queueAgeThreshold = props.queueAgeThreshold ?? Duration.minutes(30);
    const deadLetterAgeThreshold = props.deadLetterAgeThreshold ?? Duration.days(3);
    // At or above the threshold in one period; no data (nothing happened, nothing published) is fine.
    const reachedOnce = (id: string, alarmDescription: string, metric: cloudwatch.IMetric, threshold = 1) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    // One failed invocation is worth a look: a Lambda error is a thrown error or a timeout, not a rejected record.
    const errorsAlarm = (id: string, fn: lambda.IFunction, alarmDescription: string) =>
      reachedOnce(
        id,
        alarmDescription,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      );

    const alarms = {
      bounceRate: new cloudwatch.Alarm(this, "BounceRateAlarm", {
        alarmDescription: `SES account bounce rate at or above ${bounceRateThreshold} (SES reviews the account at 0.05): stop the campaign that bounces and check the suppression list is applied before sending.`,
        metric: bounceRate,
        threshold: bounceRateThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // SES publishes the rates only while the account sends.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      complaintRate: new cloudwatch.Alarm(this, "ComplaintRateAlarm", {
        alarmDescription: `SES account complaint rate at or above ${complaintRateThreshold} (SES reviews the account at 0.001): check consent and unsubscribe handling of recent sends.`,
        metric: complaintRate,
        threshold: complaintRateThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      // Depth ≥ 1 stays in ALARM while old poison waits and so never fires for a new one: alarm on what arrives.
      // A send counts the classifier's poison and SNS's undeliverable messages; the rise in depth counts what SQS
      // moved there after its receives (SQS does not count those as sends).
      deadLetterQueue: reachedOnce(
        "DeadLetterQueueAlarm",
        "New messages reached the dead-letter queue (poison the classifier refused, records that failed through all their receives, or feedback SNS could not deliver): read the classifier logs and the messages' error attribute, fix, then redrive the DLQ to the feedback queue.",
        new cloudwatch.MathExpression({
          expression: "MAX([FILL(sent, 0), DIFF(FILL(visible, REPEAT))])",
          usingMetrics: {
            sent: props.deadLetterQueue.metricNumberOfMessagesSent({
              period: FIVE_MINUTES,
              statistic: cloudwatch.Stats.SUM,
            }),
            visible: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: FIVE_MINUTES,
              statistic: cloudwatch.Stats.MAXIMUM,
            }),
          },
          label: "new dead letters",
          period: FIVE_MINUTES,
        }),
      ),
      deadLetterQueueAge: reachedOnce(
        "DeadLetterQueueAgeAlarm",
        `A dead letter has waited ${deadLetterAgeThreshold.toHumanString()}: it expires 14 days after it was first sent. Fix what failed it and redrive the DLQ to the feedback queue.`,
        props.deadLetterQueue.metricApproximateAgeOfOldestMessage({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        deadLetterAgeThreshold.toSeconds(),
      ),
      queueAge: reachedOnce(
        "QueueAgeAlarm",
        `Feedback has waited ${queueAgeThreshold.toHumanString()} on the queue: the classifier is holding records back because DynamoDB, Step Functions or SES keeps failing (throttling, an outage, a missing permission). They are retried for at least 12 hours before they could reach the DLQ; read the classifier logs for the error.`,
        props.queue.metricApproximateAgeOfOldestMessage({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        queueAgeThreshold.toSeconds(),
      ),
      feedbackDeliveryFailures: reachedOnce(
        "FeedbackDeliveryFailuresAlarm",
        "SNS could not deliver feedback from the topic to the queue (after its own retries it went to the DLQ, or was lost if that failed too): check the queue's policy and the key's policy for sns.amazonaws.com.",
        props.topic.metricNumberOfNotificationsFailed({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.SUM,
        }),
      ),
      classifierErrors: errorsAlarm(
        "ClassifierErrorsAlarm",
        props.classifier,
        "The classifier failed whole invocations (not single records): check its logs for configuration or permission errors.",
      ),
      presendCheckErrors: errorsAlarm(
        "PresendCheckErrorsAlarm",
        props.presendCheck,
        "The pre-send check failed invocations (a thrown error or a timeout, not a structured error answer): its callers got no verdict. Check its logs for configuration, permission or timeout errors.",
      ),
      presendCheckDuration: new cloudwatch.Alarm(this, "PresendCheckDurationAlarm", {
        alarmDescription: `The pre-send check's p99 duration is at or above ${presendCheckDurationThreshold.toHumanString()} in 2 of 3 five-minute periods: senders wait on it. Check DynamoDB throttling, batches near 1,000 addresses, MX lookups asked for by callers, and cold starts.`,
        metric: props.presendCheck.metricDuration({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.p(99),
        }),
        threshold: presendCheckDurationThreshold.toMilliseconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // A single slow period (a burst of cold starts) is not worth a page.
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      // The check answers callers `unavailable` instead of failing, so its Errors alarm never sees this;
      // it publishes the metric only when a read failed.
      presendUnavailable: reachedOnce(
        "PresendUnavailableAlarm",
        "The pre-send check could not read the suppression table and answered 'unavailable': its callers got no verdict (the function did not fail, so its Errors alarm stays quiet). Check its logs for the DynamoDB error (AccessDenied, KMS, throttling).",
        new cloudwatch.Metric({
          namespace: props.metricsNamespace,
          metricName: METRIC_NAMES.presendUnavailable,
          statistic: cloudwatch.Stats.SUM,
          period: FIVE_MINUTES,
        }),
      ),
    };
    // No label: a labelled metric would render the alarm as a metric-math alarm.
    const sesSyncFailures = new cloudwatch.Metric({
      namespace: props.metricsNamespace,
      metricName: "SesSyncFailures",
      statistic: cloudwatch.Stats.SUM,
      period: FIVE_MINUTES,
    });
    const sesSyncFailuresAlarm =
      props.sesSuppressionListSync === true
        ? reachedOnce(
            "SesSyncFailuresAlarm",
            "The classifier could not put addresses (suppressions, or deferrals with the deferral mirror on) on the SES account-level suppression list: the suppression table is up to date, but SES itself still sends to those addresses. Check the classifier logs for the SES error (AccessDenied, throttling) and fix it: a suppression's put is retried with its record (held back on the queue for up to 12 hours) and by the address's next event; a deferral's put is not retried.",
            sesSyncFailures,
          )
        : undefined;
    const windowFailures = new cloudwatch.MathExpression({
      expression: "FILL(failed, 0) + FILL(timedOut, 0)",
      usingMetrics: {
        failed: props.retryWindow.metricFailed({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        timedOut: props.retryWindow.metricTimedOut({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      },
      label: "failed or timed-out windows",
      period: FIVE_MINUTES,
    });
    const retryWindowFailuresAlarm = reachedOnce(
      "RetryWindowFailuresAlarm",
      "A retry-window execution failed or timed out: that address gets no further RetryDue events in this window (the pre-send check still answers from the stored times). The failure is kept on the address's item (attribute wF) and in the state machine's execution history; fix the cause (permissions, throttling) and the next soft bounce opens a new window.",
      windowFailures,
    );
    const allAlarms = [
      ...Object.values(alarms),
      retryWindowFailuresAlarm,
      ...(sesSyncFailuresAlarm === undefined ? [] : [sesSyncFailuresAlarm]),
    ];
    for (const alarm of allAlarms) alarm.addAlarmAction(alarmAction);
    this.bounceRateAlarm = alarms.bounceRate;
    this.complaintRateAlarm = alarms.complaintRate;
    this.deadLetterQueueAlarm = alarms.deadLetterQueue;
    this.deadLetterQueueAgeAlarm = alarms.deadLetterQueueAge;
    this.queueAgeAlarm = alarms.queueAge;
    this.feedbackDeliveryFailuresAlarm = alarms.feedbackDeliveryFailures;
    this.classifierErrorsAlarm = alarms.classifierErrors;
    this.presendCheckErrorsAlarm = alarms.presendCheckErrors;
    this.presendCheckDurationAlarm = alarms.presendCheckDuration;
    this.presendUnavailableAlarm = alarms.presendUnavailable;
    this.sesSyncFailuresAlarm = sesSyncFailuresAlarm;
    this.retryWindowFailuresAlarm = retryWindowFailuresAlarm;

    const namespace = props.metricsNamespace;
    // SEARCH finds every value of the dimension (every class, every reason) without listing them here.
    const search = (metricName: string, dimension: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${namespace},${dimension}} MetricName="${metricName}"', 'Sum', 300)`,
        label: `\${PROP('Dim.${dimension}')}`,
        period: FIVE_MINUTES,
      });
    const custom = (metricName: string, label: string, dimensionsMap?: Record<string, string>) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        label,
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
        ...(dimensionsMap === undefined ? {} : { dimensionsMap }),
      });

    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "SES bounce rate",
        left: [bounceRate.with({ label: "bounce rate" })],
        leftAnnotations: [
          { value: bounceRateThreshold, label: "alarm" },
          { value: 0.05, label: "SES review" },
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "SES complaint rate",
        left: [complaintRate.with({ label: "complaint rate" })],
        leftAnnotations: [
          { value: complaintRateThreshold, label: "alarm" },
          { value: 0.001, label: "SES review" },
        ],
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: allAlarms, width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Recipients by class",
        left: [search("Recipients", "Class")],
        stacked: true,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Soft bounces and blocks",
        left: [
          custom("Recipients", "soft", { Class: "soft" }),
          custom("Recipients", "block", { Class: "block" }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Suppressions by reason",
        left: [search("Suppressions", "Reason")],
        stacked: true,
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Duplicates skipped and failed records",
        left: [custom("DuplicatesSkipped", "duplicates skipped"), custom("FailedRecords", "failed records")],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: "Queues",
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({
            label: "feedback queue",
            period: FIVE_MINUTES,
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            label: "dead-letter queue",
            period: FIVE_MINUTES,
          }),
        ],
        right: [
          props.queue.metricApproximateAgeOfOldestMessage({
            label: "oldest message age (s)",
            period: FIVE_MINUTES,
          }),
          props.deadLetterQueue.metricApproximateAgeOfOldestMessage({
            label: "oldest dead letter age (s)",
            period: FIVE_MINUTES,
          }),
        ],
        width: 6,
      }),
      ...functionWidgets(props.classifier, "Classifier", 6),
    );
    dashboard.addWidgets(
      ...functionWidgets(props.presendCheck, "Pre-send check", 12, presendCheckDurationThreshold),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Retry windows",
        left: [
          props.retryWindow.metricStarted({ label: "windows opened", period: FIVE_MINUTES }),
          props.retryWindow.metricSucceeded({ label: "windows closed", period: FIVE_MINUTES }),
          windowFailures,
        ],
        leftAnnotations: [{ value: 1, label: "alarm (failed)" }],
        width: 24,
      }),
    );
    if (sesSyncFailuresAlarm !== undefined) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: "SES suppression-list sync failures",
          left: [sesSyncFailures.with({ label: "SES sync failures" })],
          leftAnnotations: [{ value: 1, label: "alarm" }],
          width: 24,
        }),
      );
    }
    this.dashboard = dashboard;
  }
}

/** Duration percentiles, and invocations with errors and throttles, of one function: two widgets. */
function functionWidgets(
  fn: lambda.IFunction,
  name: string,
  width: number,
  durationAlarmThreshold?: Duration,
): cloudwatch.GraphWidget[] {
  const metricOptions = { period: FIVE_MINUTES };
  return [
    new cloudwatch.GraphWidget({
      title: `${name} duration (ms)`,
      left: [
        fn.metricDuration({ ...metricOptions, statistic: cloudwatch.Stats.p(50), label: "p50" }),
        fn.metricDuration({ ...metricOptions, statistic: cloudwatch.Stats.p(99), label: "p99" }),
      ],
      ...(durationAlarmThreshold === undefined
        ? {}
        : { leftAnnotations: [{ value: durationAlarmThreshold.toMilliseconds(), label: "p99 alarm" }] }),
      width,
    }),
    new cloudwatch.GraphWidget({
      title: `${name} invocations, errors and throttles`,
      left: [fn.metricInvocations({ ...metricOptions, label: "invocations" })],
      right: [
        fn.metricErrors({ ...metricOptions, label: "errors" }),
        fn.metricThrottles({ ...metricOptions, label: "throttles" }),
      ],
      width,
    }),
  ];
}

/** An account-level SES reputation rate (0..1); SES publishes it without dimensions. */
function sesReputationMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: "AWS/SES",
    metricName,
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.minutes(15),
  });
}
