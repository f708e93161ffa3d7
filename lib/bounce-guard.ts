// The reusable Bounce Guard construct: SES feedback → SNS → SQS → classifier Lambda → DynamoDB suppression table,
// and the pre-send check Lambda that senders invoke to read that table before mailing.
import { Annotations, Duration, RemovalPolicy, Stack, Token, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { TABLE_SCHEMA } from "../functions/adapters/table-schema.ts";
import { DEFAULT_POLICY, type PolicyConfig, policyConfig } from "../functions/core/policy.ts";
import { DEFAULT_RECORD_RETRY } from "../functions/core/record-retry.ts";
import { type RetryWindowConfig, retryWindowConfig } from "../functions/core/retry-window.ts";
import type { Reason, VerdictClass } from "../functions/core/types.ts";
import { BounceGuardMonitoring } from "./bounce-guard-monitoring.ts";
import { InvalidPropsError } from "./errors.ts";
import { type FunctionCode, functionCode, nodejsBundlingOf } from "./function-bundling.ts";
import { IdentityNotifications, type IdentityNotificationType } from "./identity-notifications.ts";
import { RetryWindowStateMachine } from "./retry-window.ts";

export interface BounceGuardProps {
  /**
   * Consecutive soft bounces after which an address is suppressed; an integer between 1 and 25.
   *
   * @default 5
   */
  readonly softBounceThreshold?: number;
  /**
   * How long each soft bounce or block defers sending to the address (a whole number of seconds,
   * 1 minute to 30 days).
   *
   * @default Duration.hours(4)
   */
  readonly retryInterval?: Duration;
  /**
   * A soft-bounce streak with no soft bounce for this long starts over (1 hour to 365 days).
   *
   * @default Duration.days(30)
   */
  readonly softBounceMemory?: Duration;
  /**
   * How long the history of an address that is not suppressed is kept after its last event (1 to 3650 days).
   * Suppressed addresses are kept until an operator reactivates them.
   *
   * @default Duration.days(90)
   */
  readonly historyTtl?: Duration;
  /**
   * Block handling: whether a block of the sender (blocklist, IP or domain reputation, policy)
   * defers the address like a soft bounce, so the pre-send check answers `defer` until the retry
   * interval has passed. Turn it off when you send blocked traffic through another IP pool at once.
   * Blocks never suppress an address either way, and are always counted for the reputation alarms.
   *
   * @default true
   */
  readonly deferBlocks?: boolean;
  /**
   * How long a retry window stays open after the soft bounce (or block) that opened it. While it
   * is open a Step Functions execution releases each deferral at its due time and publishes a
   * `RetryDue` event (1 hour to 30 days, whole seconds).
   *
   * @default Duration.hours(48)
   */
  readonly retryWindow?: Duration;
  /**
   * The event bus RetryDue events are published on.
   *
   * @default the account's default event bus
   */
  readonly retryEventBus?: events.IEventBus;
  /**
   * Mirror each deferral on the SES account-level suppression list (as BOUNCE) until its release,
   * for senders who do not call the pre-send check. Off by default: SES then drops mail to the
   * address for the whole deferral, including mail you meant to send anyway.
   *
   * @default false
   */
  readonly sesDeferralMirror?: boolean;
  /**
   * Whether the classifier writes recipient addresses to its logs. Off, logs carry a redacted form only.
   *
   * @default false
   */
  readonly logAddresses?: boolean;
  /**
   * CloudWatch namespace of the classifier's custom metrics.
   *
   * @default "BounceGuard"
   */
  readonly metricsNamespace?: string;
  /**
   * An existing SES configuration set to add the feedback event destination to.
   * Mutually exclusive with `createConfigurationSet`.
   *
   * @default - no existing configuration set is attached
   */
  readonly configurationSet?: ses.IConfigurationSet;
  /**
   * Create a configuration set (generated name, reputation metrics on) whose events feed the pipeline.
   * Mutually exclusive with `configurationSet`.
   *
   * @default false
   */
  readonly createConfigurationSet?: boolean;
  /**
   * Also publish Delivery events (configuration set) and Delivery notifications (identities). Off by default:
   * every delivered message becomes an event, multiplying volume and cost.
   *
   * @default false
   */
  readonly publishDeliveryEvents?: boolean;
  /**
   * Verified SES identities (domains or e-mail addresses) whose bounce and complaint notifications are
   * pointed at the feedback topic, and cleared again when the stack is deleted.
   *
   * @default - no identity notifications are set
   */
  readonly identities?: string[];
  /**
   * E-mail address subscribed to the alarm topic.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Customer-managed key that encrypts the topics and queues. A key created outside this construct must
   * already allow ses.amazonaws.com, sns.amazonaws.com and cloudwatch.amazonaws.com kms:GenerateDataKey* and
   * kms:Decrypt: the construct cannot edit the policy of an imported key.
   *
   * @default - a new customer-managed key with rotation on, retained when the stack is deleted
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Timeout of the classifier function; the queue's visibility timeout is derived from it.
   *
   * @default Duration.seconds(30)
   */
  readonly classifierTimeout?: Duration;
  /**
   * Memory of the classifier function, in MiB.
   *
   * @default 256
   */
  readonly classifierMemorySize?: number;
  /**
   * Concurrency reserved for the classifier, and the most its event source mapping runs at once:
   * whatever else runs in the account (a pre-send check invoked by another account, say) cannot
   * take the classifier's capacity and throttle feedback into retries. An integer from 2 to 1000.
   *
   * @default 10
   */
  readonly classifierConcurrency?: number;
  /**
   * Concurrency reserved for the pre-send check, which is also its ceiling: callers (other accounts
   * included) cannot drain the account's concurrency through it. An integer from 1 to 1000.
   *
   * @default 50
   */
  readonly presendCheckConcurrency?: number;
  /**
   * Retention of the log groups of the construct's functions.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Other AWS accounts (12-digit ids) that may invoke the pre-send check: each gets a statement in the
   * function's resource policy. The account still decides which of its own principals may call it, by granting
   * them `lambda:InvokeFunction` on the function ARN. Principals of this stack's account (or of another stack)
   * use `grantInvokePresendCheck` instead.
   *
   * @default - no other account may invoke the pre-send check
   */
  readonly presendCheckAccounts?: readonly string[];
  /**
   * Also put the classifier's new hard-bounce and complaint suppressions, and permanent failures a second one
   * confirmed (as BOUNCE), on the SES account-level suppression list of the stack's region
   * (PutSuppressedDestination, reason BOUNCE or COMPLAINT), so SES itself stops sending to those addresses.
   * Eventually consistent: each put is marked on the item in the event's own write (a confirmation's in the
   * follow-up write that retains the item) and the mark is cleared once SES has it; a failed call is counted as `SesSyncFailures` (alarmed) and fails the
   * record, whose retry (or the address's next event) puts it again. Only the classifier may put; operators'
   * roles, whose reactivations remove the address there too, get `grantSuppressionListSync`.
   *
   * @default false
   */
  readonly sesSuppressionListSync?: boolean;
  /**
   * Secret whose string value (at least 32 bytes) keys the suppression table by HMAC-SHA256 of the address, so
   * the table holds no plaintext address. Both functions read it at cold start, and `grantCheck` and
   * `grantRecord` let their grantee read it too. Never rotate it or change its value: every stored key derives
   * from it, so the suppressed addresses would no longer be found. Turning keyed addresses on or off for a table
   * that already holds items orphans them the same way.
   *
   * @default - a generated secret when `keyedAddresses` is true; otherwise none: the table is keyed by the address
   */
  readonly addressKeySecret?: secretsmanager.ISecret;
  /**
   * Key the suppression table by HMAC of the address (see `addressKeySecret`). Without `addressKeySecret`, a
   * secret of 64 random letters and digits is generated, encrypted with `encryptionKey`, retained when the stack
   * is deleted, and its resource policy denies deleting, rotating or replacing its value. False together with
   * `addressKeySecret` is rejected.
   *
   * @default - true when `addressKeySecret` is given, false otherwise
   */
  readonly keyedAddresses?: boolean;
}

/** Records per classifier invocation: small enough that a timed-out batch retries little work. */
const BATCH_SIZE = 10;
/** Lets a burst of feedback fill a batch instead of invoking per message. */
const MAX_BATCHING_WINDOW = Duration.seconds(5);
/**
 * Receives before SQS moves a message to the dead-letter queue: the classifier's retry schedule holds
 * a transiently failed record back longer after each (30 s doubling to an hour), so its 22 receives
 * last at least 12 hours; poison does not wait for them, the classifier sends it to the DLQ at once.
 */
export const MAX_RECEIVE_COUNT = DEFAULT_RECORD_RETRY.maxReceiveCount;
/**
 * SQS's longest. A message's age counts from when it was first sent, also in the DLQ, so a message
 * lives at most 14 days in the queue and the DLQ together: the classifier's duplicate horizon (15
 * days) covers it. Well beyond the retry budget: an outage never expires a message.
 */
const QUEUE_RETENTION = Duration.days(14);
const DEAD_LETTER_RETENTION = Duration.days(14);
const DEFAULT_CLASSIFIER_CONCURRENCY = 10;
const DEFAULT_PRESEND_CHECK_CONCURRENCY = 50;

/** Senders wait for the pre-send check: a DynamoDB read per 100 addresses and, when asked for, MX lookups. */
const PRESEND_CHECK_TIMEOUT = Duration.seconds(10);
/** The validation packages (disposable-domain and provider lists) are loaded at cold start; memory also buys CPU. */
const PRESEND_CHECK_MEMORY_SIZE = 512;
const ACCOUNT_ID = /^\d{12}$/;
/** 64 letters and digits: about 381 random bits, above the 256 an HMAC-SHA256 key needs (and 64 bytes long). */
const ADDRESS_KEY_LENGTH = 64;
const PUT_SUPPRESSED_DESTINATION = "ses:PutSuppressedDestination";
const DELETE_SUPPRESSED_DESTINATION = "ses:DeleteSuppressedDestination";

/** What differs between the construct's functions; everything else they share (see `newFunction`). */
interface FunctionSettings {
  /** The handler's code: bundled from the sources, or the compiled package's bundle. */
  readonly code: FunctionCode;
  readonly description: string;
  /** Says what the function's own role may do. */
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Reserved for the function, and its ceiling. */
  readonly reservedConcurrentExecutions: number;
}

/** Settings both functions get alike: the configuration they read at cold start, and their log retention. */
interface SharedFunctionSettings {
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
}

/**
 * Bounce Guard: receives SES bounce, complaint and delivery feedback through an encrypted SNS topic and SQS
 * queue, classifies each recipient with a Lambda function and keeps a DynamoDB suppression table.
 *
 * The construct wires and secures; the classification and suppression rules live in the function code.
 */
export class BounceGuard extends Construct {
  /** The suppression table: one item per address, partition key `pk`. */
  public readonly table: dynamodb.ITableV2;
  /** The topic SES publishes feedback to. */
  public readonly topic: sns.ITopic;
  /** The queue the classifier consumes. */
  public readonly queue: sqs.IQueue;
  /** Where messages go after 5 failed receives, and where SNS puts what it cannot deliver to the queue. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The classifier function. */
  public readonly classifier: lambda.IFunction;
  /**
   * The pre-send check function, invoked directly with `{ "addresses": [...] }`; answers a verdict per address.
   * Let callers invoke it with `grantInvokePresendCheck`, or other accounts with the `presendCheckAccounts` prop.
   */
  public readonly presendCheck: lambda.IFunction;
  /** The key encrypting the topics and queues. */
  public readonly encryptionKey: kms.IKey;
  /** The configuration set feeding the topic, when one is attached or created. */
  public readonly configurationSet?: ses.IConfigurationSet;
  /** Every alarm of the pipeline publishes to this topic. */
  public readonly alarmTopic: sns.ITopic;
  /**
   * The alarms: SES bounce and complaint rates, DLQ depth, classifier errors, pre-send check errors and p99
   * duration, and SES suppression-list sync failures when the sync is on.
   */
  public readonly alarms: readonly cloudwatch.IAlarm[];
  /** The pipeline's CloudWatch dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** In keyed mode, the secret whose value keys the table by HMAC of the address; undefined otherwise. */
  public readonly addressKeySecret?: secretsmanager.ISecret;
  /** The state machine that runs the retry windows. */
  public readonly retryWindow: RetryWindowStateMachine;
  /** The suppression policy both functions run with: the props' settings over the defaults. */
  public readonly policy: PolicyConfig;
  /**
   * The role an operator assumes to redrive the DLQ to the feedback queue (`bounce-guard redrive`):
   * the queue's policy denies every other sender but the feedback topic.
   */
  public readonly redriveRole: iam.IRole;

  private readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: BounceGuardProps = {}) {
    super(scope, id);
    const policy = validatedPolicy(props);
    this.policy = policy;
    const identities = validatedIdentities(props.identities ?? []);
    const metricsNamespace = validatedNamespace(props.metricsNamespace ?? "BounceGuard");
    const classifierTimeout = validatedTimeout(props.classifierTimeout ?? Duration.seconds(30));
    const classifierMemorySize = validatedMemorySize(props.classifierMemorySize ?? 256);
    const classifierConcurrency = validatedConcurrency(
      "classifierConcurrency",
      props.classifierConcurrency ?? DEFAULT_CLASSIFIER_CONCURRENCY,
      2,
    );
    const presendCheckConcurrency = validatedConcurrency(
      "presendCheckConcurrency",
      props.presendCheckConcurrency ?? DEFAULT_PRESEND_CHECK_CONCURRENCY,
      1,
    );
    const alarmEmail = props.alarmEmail === undefined ? undefined : validatedEmail(props.alarmEmail);
    const presendCheckAccounts = validatedList(
      "presendCheckAccounts",
      props.presendCheckAccounts ?? [],
      "12-digit AWS account ids",
      (account) => ACCOUNT_ID.test(account),
    );
    if (props.configurationSet !== undefined && props.createConfigurationSet === true) {
      throw new InvalidPropsError(
        `configurationSet and createConfigurationSet are mutually exclusive, got configurationSet "${props.configurationSet.configurationSetName}" and createConfigurationSet true`,
      );
    }
    if (props.addressKeySecret !== undefined && props.keyedAddresses === false) {
      throw new InvalidPropsError(
        `addressKeySecret keys the table by HMAC while keyedAddresses false asks for plain addresses, got addressKeySecret "${props.addressKeySecret.node.path}" and keyedAddresses false`,
      );
    }
    const sesSuppressionListSync = props.sesSuppressionListSync ?? false;
    const sesDeferralMirror = props.sesDeferralMirror ?? false;
    const windowConfig = validatedRetryWindow(props, policy);
    const publishDeliveryEvents = props.publishDeliveryEvents ?? false;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const account = Stack.of(this).account;
    this.metricsNamespace = metricsNamespace;

    const encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, "EncryptionKey", {
        description: "Bounce Guard: encrypts the SES feedback topic, queues and alarm topic",
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    // SES publishes to the encrypted topic and SNS delivers to the encrypted queues as service principals:
    // both need the key. (A no-op for an imported key, whose policy this construct cannot edit.)
    encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowSesAndSnsOfThisAccountToUseTheKey",
        principals: [
          new iam.ServicePrincipal("ses.amazonaws.com"),
          new iam.ServicePrincipal("sns.amazonaws.com"),
        ],
        actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": account } },
      }),
    );
    this.encryptionKey = encryptionKey;

    const topic = new sns.Topic(this, "FeedbackTopic", { masterKey: encryptionKey, enforceSSL: true });
    this.topic = topic;
    // Only SES may publish: an Allow for SES alone would still let any principal of the account with
    // sns:Publish in its own policy forge complaints, and mass-suppress addresses (even on SES's list).
    // So every caller that is not an AWS service is denied. aws:PrincipalIsAWSService is in every
    // signed request (true only for service principals), so SES can never be denied for a key its
    // request lacks, as a Deny on aws:PrincipalServiceName could; other services are kept out by
    // having no Allow: the topic's only one is for ses.amazonaws.com of this account (sesPublishStatement).
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "DenyEveryPublisherButAwsServices",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ["sns:Publish"],
        resources: [topic.topicArn],
        conditions: { Bool: { "aws:PrincipalIsAWSService": "false" } },
      }),
    );

    const deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: encryptionKey,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      // Dead letters are feedback not applied yet: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const queue = new sqs.Queue(this, "FeedbackQueue", {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: encryptionKey,
      enforceSSL: true,
      retentionPeriod: QUEUE_RETENTION,
      // AWS: at least 6 × the function timeout (+ the batching window), so a message is not received again
      // while a throttled or retried invocation still holds it.
      visibilityTimeout: Duration.seconds(
        6 * classifierTimeout.toSeconds() + MAX_BATCHING_WINDOW.toSeconds(),
      ),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    const redriveRole = this.newRedriveRole(queue, deadLetterQueue, encryptionKey);
    this.redriveRole = redriveRole;

    // Raw message delivery stays OFF on purpose: the SNS envelope carries the SNS MessageId, Timestamp and
    // TopicArn the classifier logs for tracing. The parser accepts the envelope and raw SES JSON alike.
    // The subscription is built from sns.Subscription rather than SqsSubscription: the latter adds a key-policy
    // statement naming the topic ARN, and as the topic is encrypted with the same key that is a dependency cycle.
    // The key policy above (sns.amazonaws.com, this account) and the queue policy below (this topic) cover it.
    const queuePolicy = queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowTheFeedbackTopicToSend",
        principals: [new iam.ServicePrincipal("sns.amazonaws.com")],
        actions: ["sqs:SendMessage"],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { "aws:SourceArn": topic.topicArn } },
      }),
    );
    const subscription = new sns.Subscription(this, "FeedbackQueueSubscription", {
      topic,
      protocol: sns.SubscriptionProtocol.SQS,
      endpoint: queue.queueArn,
      rawMessageDelivery: false,
      // What SNS cannot deliver to the queue (after its own retries) lands in the same DLQ as failed records:
      // one place to alarm on and redrive from.
      deadLetterQueue,
    });
    if (queuePolicy.policyDependable !== undefined)
      subscription.node.addDependency(queuePolicy.policyDependable);
    // Only the topic sends to the queue, and the redrive role moves dead letters back: any other
    // principal with sqs:SendMessage could forge feedback past the topic's policy.
    queue.addToResourcePolicy(
      denyOtherSenders("DenyEverySenderButTheTopicAndTheRedriveRole", queue, {
        "aws:SourceArn": topic.topicArn,
        "aws:PrincipalArn": redriveRole.roleArn,
      }),
    );

    // Encryption: the AWS-owned key, chosen on purpose. The table holds addresses and bounce diagnostics and is
    // encrypted at rest either way; it is RETAINED when the stack is deleted, and with the AWS-owned key it stays
    // readable whatever happens to this stack's KMS key. Readers such as a pre-send check, possibly in another
    // stack, need DynamoDB permissions only, and reads cost no KMS requests. What a customer-managed key would add
    // is key-level CloudTrail audit and revocation by disabling the key.
    const table = new dynamodb.TableV2(this, "SuppressionTable", {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryptionV2.dynamoOwnedKey(),
    });
    this.table = table;

    const addressKeySecret =
      props.addressKeySecret ??
      (props.keyedAddresses === true ? this.newAddressKeySecret(encryptionKey) : undefined);
    this.addressKeySecret = addressKeySecret;
    // Each function's bundle holds only the optional adapters this configuration uses.
    const bundleFeatures = {
      keyedAddresses: addressKeySecret !== undefined,
      sesSuppressionList: sesSuppressionListSync || sesDeferralMirror,
    };

    const retryWindow = new RetryWindowStateMachine(this, "RetryWindow", {
      table,
      encryptionKey,
      logRetention,
      sesDeferralMirror,
      window: windowConfig,
      ...(props.retryEventBus !== undefined ? { eventBus: props.retryEventBus } : {}),
    });
    this.retryWindow = retryWindow;

    const shared: SharedFunctionSettings = {
      // Both functions read the same configuration (functions/adapters/environment.ts), so they agree on the policy.
      environment: {
        TABLE_NAME: table.tableName,
        SOFT_BOUNCE_THRESHOLD: String(policy.softBounceThreshold),
        SOFT_BOUNCE_MEMORY_SECONDS: String(policy.softBounceMemorySeconds),
        RETRY_INTERVAL_SECONDS: String(policy.retryIntervalSeconds),
        HISTORY_TTL_SECONDS: String(policy.historyTtlSeconds),
        DEFER_BLOCKS: String(policy.deferBlocks),
        LOG_ADDRESSES: String(props.logAddresses ?? false),
        METRICS_NAMESPACE: metricsNamespace,
        NODE_OPTIONS: "--enable-source-maps",
        // Set only when on: with the options off, the functions' configuration stays as it was before they existed.
        ...(sesSuppressionListSync ? { SES_SUPPRESSION_SYNC: "true" } : {}),
        ...(addressKeySecret === undefined
          ? {}
          : { ADDRESS_KEY_SECRET_ARN: addressKeySecret.secretFullArn ?? addressKeySecret.secretArn }),
      },
      logRetention,
    };
    const { fn: classifier, role: classifierRole } = this.newFunction(
      "Classifier",
      {
        code: functionCode("classifier", bundleFeatures),
        description: "Bounce Guard: classifies SES feedback per recipient and updates the suppression table",
        roleDescription:
          "Bounce Guard classifier: its log group, the feedback queue, the suppression table, starting retry windows",
        memorySize: classifierMemorySize,
        timeout: classifierTimeout,
        reservedConcurrentExecutions: classifierConcurrency,
      },
      {
        ...shared,
        // Only the classifier opens windows; the pre-send check reads the stored times.
        environment: {
          ...shared.environment,
          // Failed records are held back on the queue with growing delays; poison goes to the DLQ.
          FEEDBACK_QUEUE_URL: queue.queueUrl,
          DEAD_LETTER_QUEUE_URL: deadLetterQueue.queueUrl,
          RETRY_WINDOW_STATE_MACHINE_ARN: retryWindow.stateMachine.stateMachineArn,
          RETRY_WINDOW_SECONDS: String(windowConfig.retryWindowSeconds),
          RETRY_POLL_SECONDS: String(windowConfig.pollSeconds),
          ...(sesDeferralMirror ? { SES_DEFERRAL_MIRROR: "true" } : {}),
        },
      },
    );
    this.classifier = classifier;
    this.grantRecord(classifier);
    retryWindow.grantStart(classifier);
    retryWindow.acknowledgeStopGrant(classifierRole);
    if (sesSuppressionListSync || sesDeferralMirror)
      this.allowClassifierToSuppress(classifier, classifierRole);

    const { fn: presendCheck } = this.newFunction(
      "PresendCheck",
      {
        // The disposable-domain list as a sorted data file: a third of the cold start of mailchecker's Set.
        code: functionCode("presend-check", bundleFeatures),
        description: "Bounce Guard: answers send, defer, suppress or invalid per address before mail is sent",
        roleDescription:
          "Bounce Guard pre-send check: its log group, read-only access to the suppression table",
        memorySize: PRESEND_CHECK_MEMORY_SIZE,
        timeout: PRESEND_CHECK_TIMEOUT,
        reservedConcurrentExecutions: presendCheckConcurrency,
      },
      shared,
    );
    this.presendCheck = presendCheck;
    this.grantCheck(presendCheck);
    for (const account of presendCheckAccounts) {
      // The account as principal: the other account's administrators decide which of their roles may call.
      presendCheck.addPermission(`InvokeFromAccount${account}`, {
        principal: new iam.AccountPrincipal(account),
        action: "lambda:InvokeFunction",
      });
    }

    // Consuming includes ChangeMessageVisibility, which holds failed records back.
    queue.grantConsumeMessages(classifier);
    grantSendTo(deadLetterQueue, encryptionKey, classifier);
    // The DLQ takes what SNS could not deliver and the classifier's poison; SQS's own redrive of a
    // message past its receives is not a send. Nobody else may put a message there to be redriven.
    deadLetterQueue.addToResourcePolicy(
      denyOtherSenders("DenyEverySenderButTheTopicAndTheClassifier", deadLetterQueue, {
        "aws:SourceArn": topic.topicArn,
        "aws:PrincipalArn": classifierRole.roleArn,
      }),
    );
    const queueMapping = new lambda.EventSourceMapping(this, "FeedbackQueueMapping", {
      target: classifier,
      eventSourceArn: queue.queueArn,
      batchSize: BATCH_SIZE,
      maxBatchingWindow: MAX_BATCHING_WINDOW,
      // Without it one bad record fails (and retries) the whole batch.
      reportBatchItemFailures: true,
      // Never more pollers than the reserved concurrency: beyond it invocations would be throttled.
      maxConcurrency: classifierConcurrency,
    });

    this.configurationSet = this.wireConfigurationSet(props, topic, publishDeliveryEvents);
    this.wireIdentities(identities, topic, publishDeliveryEvents, logRetention);
    if (identities.length > 0 && this.configurationSet !== undefined) {
      Annotations.of(this).addWarningV2(
        "bounce-guard:duplicate-feedback",
        `identity notifications (${identities.join(", ")}) and configuration set event publishing are both enabled: mail sent from these identities with the configuration set produces every bounce and complaint twice. The classifier skips the duplicate, but SNS, SQS, Lambda and DynamoDB costs double. Prefer one of the two.`,
      );
    }

    const monitoring = new BounceGuardMonitoring(this, "Monitoring", {
      classifier,
      presendCheck,
      queue,
      deadLetterQueue,
      topic,
      retryWindow: retryWindow.stateMachine,
      encryptionKey,
      metricsNamespace,
      // The deferral mirror's failures are counted in the same metric, so it gets the alarm too.
      sesSuppressionListSync: sesSuppressionListSync || sesDeferralMirror,
      ...(alarmEmail === undefined ? {} : { alarmEmail }),
    });
    this.alarmTopic = monitoring.alarmTopic;
    this.alarms = [
      monitoring.bounceRateAlarm,
      monitoring.complaintRateAlarm,
      monitoring.deadLetterQueueAlarm,
      monitoring.deadLetterQueueAgeAlarm,
      monitoring.queueAgeAlarm,
      monitoring.feedbackDeliveryFailuresAlarm,
      monitoring.classifierErrorsAlarm,
      monitoring.presendCheckErrorsAlarm,
      monitoring.presendCheckDurationAlarm,
      monitoring.presendUnavailableAlarm,
      monitoring.retryWindowFailuresAlarm,
      ...(monitoring.sesSyncFailuresAlarm === undefined ? [] : [monitoring.sesSyncFailuresAlarm]),
    ];
    this.dashboard = monitoring.dashboard;

    acknowledge(classifier, [
      [
        "Serverless-LambdaDLQ",
        `the classifier is invoked synchronously by the SQS event source mapping: failed records return to the queue and move to its dead-letter queue after ${MAX_RECEIVE_COUNT} receives (poison at once); a function DLQ only applies to asynchronous invocations`,
      ],
    ]);
    acknowledge(presendCheck, [
      [
        "Serverless-LambdaDLQ",
        "the pre-send check is invoked synchronously by senders waiting for its answer; a function DLQ only applies to asynchronous invocations, whose answer nobody would read",
      ],
    ]);
    acknowledge(queueMapping, [
      [
        "Serverless-LambdaEventSourceMappingDestination",
        `SQS event source mappings do not support on-failure destinations; failed records go to the queue's redrive dead-letter queue (maxReceiveCount ${MAX_RECEIVE_COUNT}), poison at once`,
      ],
    ]);
    acknowledge(deadLetterQueue, [
      [
        "Serverless-SQSRedrivePolicy",
        "this is the dead-letter queue: a redrive policy on it would only move failed messages one hop further; its depth is alarmed instead",
      ],
    ]);
  }

  /**
   * Lets the grantee record feedback in the suppression table (what the classifier does), and in keyed mode read
   * the address key secret it needs to find an address's item.
   */
  public grantRecord(grantee: iam.IGrantable): iam.Grant {
    return this.withAddressKey(grantee, this.table.grant(grantee, "dynamodb:UpdateItem", "dynamodb:GetItem"));
  }

  /**
   * Lets the grantee check addresses against the suppression table before sending (read only), and in keyed mode
   * read the address key secret it needs to find an address's item.
   */
  public grantCheck(grantee: iam.IGrantable): iam.Grant {
    return this.withAddressKey(
      grantee,
      this.table.grant(grantee, "dynamodb:BatchGetItem", "dynamodb:GetItem"),
    );
  }

  /**
   * Lets the grantee put addresses on and delete them from the SES account-level suppression list of this stack's
   * region, as the CLI's reactivation does when the sync is on. The list has no ARN of its own (the Service
   * Authorization Reference gives these actions only an optional tenant resource), so the grant is on `*`,
   * limited to the region: acknowledge cdk-nag's AwsSolutions-IAM5 on the grantee's policy.
   */
  public grantSuppressionListSync(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [PUT_SUPPRESSED_DESTINATION, DELETE_SUPPRESSED_DESTINATION],
      resourceArns: ["*"],
      conditions: this.thisRegionOnly(),
    });
  }

  /**
   * Lets the grantee invoke the pre-send check: `lambda:InvokeFunction` on the function (unqualified and
   * `$LATEST`; no versions or aliases are published). A grantee of another account gets a resource-policy
   * statement as well.
   */
  public grantInvokePresendCheck(grantee: iam.IGrantable): iam.Grant {
    return this.presendCheck.grantInvokeLatestVersion(grantee);
  }

  /** Recipients classified as one class. The classifier publishes per class only, so a class is required. */
  public metricRecipients(verdictClass: VerdictClass, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric("Recipients", { Class: verdictClass }, props);
  }

  /** Addresses suppressed for one reason. The classifier publishes per reason only, so a reason is required. */
  public metricSuppressions(reason: Reason, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric("Suppressions", { Reason: reason }, props);
  }

  /** Recipient events skipped because the same event was already recorded (SNS/SQS redelivery, both feeds on). */
  public metricDuplicatesSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric("DuplicatesSkipped", {}, props);
  }

  /** Suppressions the classifier could not put on the SES account-level suppression list (sync on only). */
  public metricSesSyncFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric("SesSyncFailures", {}, props);
  }

  private withAddressKey(grantee: iam.IGrantable, grant: iam.Grant): iam.Grant {
    return this.addressKeySecret === undefined
      ? grant
      : grant.combine(this.addressKeySecret.grantRead(grantee));
  }

  /** The SES account-level suppression list is per region: this stack's region is the one its feedback comes from. */
  private thisRegionOnly(): Record<string, Record<string, unknown>> {
    return { StringEquals: { "aws:RequestedRegion": Stack.of(this).region } };
  }

  /**
   * The classifier's put, in a policy of its own so that its wildcard resource is acknowledged for its own
   * reason, apart from the X-Ray one of the function's default policy. It may not delete: only a reactivation
   * removes an address, and that is an operator's act.
   */
  private allowClassifierToSuppress(classifier: lambda.IFunction, role: iam.IRole): void {
    const policy = new iam.Policy(this, "ClassifierSuppressionListSyncPolicy", {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: "PutSuppressionsOnTheSesAccountList",
          actions: [PUT_SUPPRESSED_DESTINATION],
          resources: ["*"],
          conditions: this.thisRegionOnly(),
        }),
      ],
    });
    classifier.node.addDependency(policy);
    acknowledge(policy, [
      [
        "AwsSolutions-IAM5[Resource::*]",
        "ses:PutSuppressedDestination on the account-level suppression list has no resource ARN: the Service Authorization Reference gives it only an optional tenant resource type, which an account-level call does not name, so SES authorizes it against *; the statement is limited to this one action and to the stack's region by aws:RequestedRegion",
      ],
    ]);
  }

  /**
   * The redrive path: a role of this account's operators that may read and delete dead letters and
   * send them back to the feedback queue, the one sender besides the topic the queue allows.
   */
  private newRedriveRole(queue: sqs.IQueue, deadLetterQueue: sqs.IQueue, key: kms.IKey): iam.IRole {
    const role = new iam.Role(this, "RedriveRole", {
      assumedBy: new iam.AccountRootPrincipal(),
      description:
        "Bounce Guard redrive: move dead letters back to the feedback queue (bounce-guard redrive), the only sender besides the feedback topic the queue allows",
    });
    deadLetterQueue.grantConsumeMessages(role);
    grantSendTo(queue, key, role);
    return role;
  }

  /**
   * The generated HMAC key of keyed mode. Retained, and guarded by its resource policy, because losing or changing
   * it orphans every item of the table; deleting it on purpose means removing that policy first.
   */
  private newAddressKeySecret(encryptionKey: kms.IKey): secretsmanager.ISecret {
    const secret = new secretsmanager.Secret(this, "AddressKeySecret", {
      description:
        "Bounce Guard: HMAC key of the suppression table's address keys. Never rotate it or change its value: the table is keyed by it",
      generateSecretString: {
        passwordLength: ADDRESS_KEY_LENGTH,
        excludePunctuation: true,
        includeSpace: false,
      },
      encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "DenyLosingTheAddressKey",
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [
          "secretsmanager:DeleteSecret",
          "secretsmanager:RotateSecret",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ],
        resources: ["*"],
      }),
    );
    acknowledge(secret, [
      [
        "AwsSolutions-SMG4",
        "the secret is the HMAC key the suppression table is keyed by: rotating it would orphan every stored key, so suppressed addresses would no longer be found and would be mailed again; it is generated once, retained, and its resource policy denies rotation",
      ],
    ]);
    return secret;
  }

  private metric(
    metricName: string,
    dimensionsMap: Record<string, string>,
    props: cloudwatch.MetricOptions = {},
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap,
    });
  }

  /**
   * A traced arm64 Node.js function bundled from `settings.entry`, with its own log group and its own role that
   * may write to that log group only; callers grant the rest.
   */
  private newFunction(
    id: string,
    settings: FunctionSettings,
    shared: SharedFunctionSettings,
  ): { fn: lambda.Function; role: iam.IRole } {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: shared.logRetention });
    // An own role instead of the default one with the AWS managed AWSLambdaBasicExecutionRole policy, which
    // may write to any log group: this one writes to its own log group only.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: settings.roleDescription,
    });
    logGroup.grantWrite(role);
    acknowledge(role, [
      [
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; every other statement of the function's policy names its log group, the table, or the queue, key and secret it uses",
      ],
    ]);
    const common = {
      description: settings.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      reservedConcurrentExecutions: settings.reservedConcurrentExecutions,
      logGroup,
      role,
      tracing: lambda.Tracing.ACTIVE,
      environment: shared.environment,
    };
    const { code } = settings;
    const fn =
      code.kind === "prebuilt"
        ? new lambda.Function(this, id, {
            ...common,
            handler: "index.handler",
            code: lambda.Code.fromAsset(code.directory),
          })
        : new nodejs.NodejsFunction(this, id, {
            ...common,
            entry: code.entry,
            handler: "handler",
            projectRoot: code.projectRoot,
            depsLockFilePath: code.lockFile,
            bundling: nodejsBundlingOf(code.bundling),
          });
    return { fn, role };
  }

  private wireConfigurationSet(
    props: BounceGuardProps,
    topic: sns.ITopic,
    publishDeliveryEvents: boolean,
  ): ses.IConfigurationSet | undefined {
    const configurationSet =
      props.configurationSet ??
      (props.createConfigurationSet === true
        ? new ses.ConfigurationSet(this, "ConfigurationSet", { reputationMetrics: true })
        : undefined);
    if (configurationSet === undefined) return undefined;
    // The L2 also adds the topic-policy statement: ses.amazonaws.com, aws:SourceAccount and the set's aws:SourceArn.
    new ses.ConfigurationSetEventDestination(this, "FeedbackEventDestination", {
      configurationSet,
      destination: ses.EventDestination.snsTopic(topic),
      events: [
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY_DELAY,
        ...(publishDeliveryEvents ? [ses.EmailSendingEvent.DELIVERY] : []),
      ],
    });
    return configurationSet;
  }

  private wireIdentities(
    identities: readonly string[],
    topic: sns.ITopic,
    publishDeliveryEvents: boolean,
    logRetention: logs.RetentionDays,
  ): void {
    const account = Stack.of(this).account;
    if (identities.length === 0) {
      if (this.configurationSet === undefined) {
        // No SES wiring here: the operator points SES at the topic by hand, so no source ARN is known yet.
        topic.addToResourcePolicy(sesPublishStatement(topic, { "aws:SourceAccount": account }));
      }
      return;
    }
    const notificationTypes: IdentityNotificationType[] = [
      "Bounce",
      "Complaint",
      ...(publishDeliveryEvents ? (["Delivery"] as const) : []),
    ];
    const notifications = new IdentityNotifications(this, "IdentityNotifications", {
      topic,
      identities,
      notificationTypes,
      logRetention,
    });
    const { policyDependable } = topic.addToResourcePolicy(
      sesPublishStatement(topic, {
        "aws:SourceAccount": account,
        "aws:SourceArn": [...notifications.identityArns],
      }),
    );
    // Point SES at the topic only once SES may publish to it.
    if (policyDependable !== undefined) notifications.node.addDependency(policyDependable);
  }
}

function sesPublishStatement(
  topic: sns.ITopic,
  equals: Record<string, string | string[]>,
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: "aws:SourceArn" in equals ? "AllowSesIdentityNotifications" : "AllowSesOfThisAccount",
    principals: [new iam.ServicePrincipal("ses.amazonaws.com")],
    actions: ["sns:Publish"],
    resources: [topic.topicArn],
    conditions: { StringEquals: equals },
  });
}

/**
 * Lets the grantee send to an encrypted queue: SendMessage on it, and the two key actions SQS needs
 * for a sender (Grant's own grantSendMessages asks for kms:GenerateDataKey* and kms:ReEncrypt*).
 */
function grantSendTo(queue: sqs.IQueue, key: kms.IKey, grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
    resourceArns: [queue.queueArn],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ["kms:GenerateDataKey", "kms:Decrypt"],
    resourceArns: [key.keyArn],
    // Only through SQS: the key serves the state machine's executions and the topics too.
    conditions: { StringEquals: { "kms:ViaService": `sqs.${Stack.of(queue).region}.amazonaws.com` } },
  });
}

/**
 * Denies sqs:SendMessage on a queue to everyone but the given source ARN (a topic, for its SNS
 * deliveries) and principal ARN (a role): within one condition operator every key must match for
 * the Deny to apply, so matching either one is enough to be let through.
 */
function denyOtherSenders(
  sid: string,
  queue: sqs.IQueue,
  allowed: { readonly "aws:SourceArn": string; readonly "aws:PrincipalArn": string },
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ["sqs:SendMessage"],
    resources: [queue.queueArn],
    conditions: { ArnNotEquals: { ...allowed } },
  });
}

function acknowledge(scope: Construct, acknowledgements: ReadonlyArray<readonly [string, string]>): void {
  for (const [id, reason] of acknowledgements) Validations.of(scope).acknowledge({ id, reason });
}

/** A duration prop as whole seconds, failing fast with the prop named. */
function wholeSeconds(name: string, duration: Duration | undefined): number | undefined {
  if (duration === undefined) return undefined;
  if (Token.isUnresolved(duration.toSeconds({ integral: false }))) {
    throw new InvalidPropsError(`${name} must be a literal duration, got an unresolved token`);
  }
  const value = duration.toSeconds({ integral: false });
  if (!Number.isInteger(value)) {
    throw new InvalidPropsError(`${name} must be a whole number of seconds, got ${duration.toHumanString()}`);
  }
  return value;
}

/** The window settings, checked by the function code's own rules; polling waits one retry interval plus 15 minutes. */
function validatedRetryWindow(props: BounceGuardProps, policy: PolicyConfig): RetryWindowConfig {
  const windowSeconds = wholeSeconds("retryWindow", props.retryWindow);
  try {
    return retryWindowConfig({
      ...(windowSeconds !== undefined ? { retryWindowSeconds: windowSeconds } : {}),
      pollSeconds: policy.retryIntervalSeconds + BOUNCE_REPORT_ALLOWANCE_SECONDS,
    });
  } catch (error) {
    throw new InvalidPropsError(`invalid retry window: ${(error as Error).message}`, { cause: error });
  }
}

/** How long after a re-send the state machine expects its bounce to have been reported. */
const BOUNCE_REPORT_ALLOWANCE_SECONDS = 15 * 60;

/** The policy settings checked by the function code's own rules, so both sides agree on what is valid. */
function validatedPolicy(props: BounceGuardProps): PolicyConfig {
  const seconds = wholeSeconds;
  const settings = {
    softBounceThreshold: props.softBounceThreshold,
    softBounceMemorySeconds: seconds("softBounceMemory", props.softBounceMemory),
    retryIntervalSeconds: seconds("retryInterval", props.retryInterval),
    historyTtlSeconds: seconds("historyTtl", props.historyTtl),
    deferBlocks: props.deferBlocks,
  };
  const overrides = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as Partial<PolicyConfig>;
  try {
    return policyConfig({ ...DEFAULT_POLICY, ...overrides });
  } catch (error) {
    throw new InvalidPropsError(`invalid bounce guard policy: ${(error as Error).message}`, { cause: error });
  }
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const EMAIL = /^[^\s@]{1,64}@(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

function validatedIdentities(identities: readonly string[]): string[] {
  return validatedList(
    "identities",
    identities,
    "domains or e-mail addresses",
    (identity) => DOMAIN.test(identity) || EMAIL.test(identity),
    (identity) => identity.toLowerCase(),
  );
}

/** A list prop whose every item must pass `isValid` and appear once (compared by `keyOf`). */
function validatedList(
  prop: string,
  values: readonly string[],
  expected: string,
  isValid: (value: string) => boolean,
  keyOf: (value: string) => string = (value) => value,
): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    if (!isValid(value)) throw new InvalidPropsError(`${prop} must be ${expected}, got "${value}"`);
    const key = keyOf(value);
    if (seen.has(key)) throw new InvalidPropsError(`${prop} must not repeat, got "${value}" twice`);
    seen.add(key);
  }
  return [...values];
}

function validatedEmail(email: string): string {
  if (!EMAIL.test(email)) throw new InvalidPropsError(`alarmEmail must be an e-mail address, got "${email}"`);
  return email;
}

function validatedNamespace(namespace: string): string {
  // Also quoted inside the dashboard's SEARCH expressions, hence no quotes or braces.
  if (!/^[A-Za-z0-9._\-/#:]{1,255}$/.test(namespace) || namespace.startsWith("AWS/")) {
    throw new InvalidPropsError(
      `metricsNamespace must be 1-255 letters, digits or . _ - / # : and not start with "AWS/", got "${namespace}"`,
    );
  }
  return namespace;
}

function validatedTimeout(timeout: Duration): Duration {
  const seconds = timeout.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
    throw new InvalidPropsError(
      `classifierTimeout must be a whole number of seconds between 1 and 900, got ${timeout.toHumanString()}`,
    );
  }
  return timeout;
}

function validatedConcurrency(prop: string, value: number, lowest: number): number {
  if (!Number.isInteger(value) || value < lowest || value > 1_000) {
    throw new InvalidPropsError(`${prop} must be an integer between ${lowest} and 1000, got ${value}`);
  }
  return value;
}

function validatedMemorySize(memorySize: number): number {
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
    throw new InvalidPropsError(
      `classifierMemorySize must be an integer between 128 and 10240, got ${memorySize}`,
    );
  }
  return memorySize;
}
