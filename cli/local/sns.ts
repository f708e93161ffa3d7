// SNS envelopes as SNS delivers them to SQS without raw message delivery (there is no local SNS).
import { randomUUID } from "node:crypto";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-clients.ts";

export const LOCAL_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:bounce-guard-feedback`;

export interface SnsEnvelope {
  readonly Type: "Notification";
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: "1";
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly UnsubscribeURL: string;
}

export function snsEnvelopeOf(
  sesNotification: unknown,
  options: { messageId?: string; timestamp?: string } = {},
): SnsEnvelope {
  const messageId = options.messageId ?? randomUUID();
  return {
    Type: "Notification",
    MessageId: messageId,
    TopicArn: LOCAL_TOPIC_ARN,
    Message: JSON.stringify(sesNotification),
    Timestamp: options.timestamp ?? new Date().toISOString(),
    SignatureVersion: "1",
    Signature: "EXAMPLE-local-run-unsigned",
    SigningCertURL: `https://sns.${LOCAL_REGION}.amazonaws.com/SimpleNotificationService-local.pem`,
    UnsubscribeURL: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${LOCAL_TOPIC_ARN}:${messageId}`,
  };
}
