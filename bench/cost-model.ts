// The intake cost per million notifications, from measured request counts and public prices.

/** Public on-demand prices, us-east-1, as read on 2026-11-26 (the DynamoDB, SNS and SQS ones are in ../shared/DOMAIN.md). */
export const PRICES_USD = {
  snsPublishPerMillion: 0.5,
  sqsRequestPerMillion: 0.4,
  dynamoDbWriteUnitPerMillion: 0.625,
  dynamoDbReadUnitPerMillion: 0.125,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.000_013_333_4,
  cloudWatchLogsIngestedPerGb: 0.5,
  stepFunctionsStandardTransitionPerThousand: 0.025,
  eventBridgeCustomEventPerMillion: 1.0,
} as const;

export const PRICES_DATE = "2026-11-26";

export interface CostInputs {
  /** SQS records per classifier invocation (the event source mapping's batch size). */
  readonly batchSize: number;
  /** Classifier memory in MB (arm64). */
  readonly memoryMb: number;
  /** Billed duration of one invocation, in ms. */
  readonly durationMsPerBatch: number;
  /** DynamoDB write request units per notification. */
  readonly writeUnitsPerNotification: number;
  /** DynamoDB read request units per notification. */
  readonly readUnitsPerNotification: number;
  /** Bytes the classifier logs per notification (logs and EMF metrics), for the separate logs line. */
  readonly logBytesPerNotification: number;
}

export interface CostBreakdown {
  readonly sns: number;
  readonly sqs: number;
  readonly dynamoDbWrites: number;
  readonly dynamoDbReads: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  /** The sum of the above: what the goal (≤ 1.80, floor ~1.61) is about. */
  readonly total: number;
  /** CloudWatch Logs ingestion of the classifier's log lines: real, but outside the goal's floor. */
  readonly cloudWatchLogs: number;
}

const MILLION = 1_000_000;

function round(value: number, digits = 4): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Per million notifications. SQS: one SendMessage from SNS per notification, plus one
 * ReceiveMessage and one DeleteMessageBatch per batch (empty long-poll receives while idle are a
 * fixed monthly cost, not a per-notification one). SNS to SQS delivery is free; every request is
 * below the 64 KB chunk that SNS and SQS bill by.
 */
export function costPerMillionNotifications(inputs: CostInputs): CostBreakdown {
  const batches = MILLION / inputs.batchSize;
  const sqsRequests = MILLION + 2 * batches;
  const gbSeconds = batches * (inputs.durationMsPerBatch / 1000) * (inputs.memoryMb / 1024);
  const parts = {
    sns: PRICES_USD.snsPublishPerMillion,
    sqs: (sqsRequests / MILLION) * PRICES_USD.sqsRequestPerMillion,
    dynamoDbWrites: inputs.writeUnitsPerNotification * PRICES_USD.dynamoDbWriteUnitPerMillion,
    dynamoDbReads: inputs.readUnitsPerNotification * PRICES_USD.dynamoDbReadUnitPerMillion,
    lambdaRequests: (batches / MILLION) * PRICES_USD.lambdaRequestPerMillion,
    lambdaDuration: gbSeconds * PRICES_USD.lambdaArmGbSecond,
  };
  const total = Object.values(parts).reduce((sum, value) => sum + value, 0);
  const cloudWatchLogs =
    ((inputs.logBytesPerNotification * MILLION) / 1024 ** 3) * PRICES_USD.cloudWatchLogsIngestedPerGb;
  return {
    sns: round(parts.sns),
    sqs: round(parts.sqs),
    dynamoDbWrites: round(parts.dynamoDbWrites),
    dynamoDbReads: round(parts.dynamoDbReads),
    lambdaRequests: round(parts.lambdaRequests),
    lambdaDuration: round(parts.lambdaDuration),
    total: round(total, 3),
    cloudWatchLogs: round(cloudWatchLogs, 3),
  };
}

/** The floor DOMAIN.md names: one SNS publish, SQS at batch size 10, one 1 KB DynamoDB write. */
export const FLOOR_USD = round(
  PRICES_USD.snsPublishPerMillion +
    1.2 * PRICES_USD.sqsRequestPerMillion +
    PRICES_USD.dynamoDbWriteUnitPerMillion,
  3,
);
