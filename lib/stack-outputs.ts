// The names of the stack's outputs: shared by the stack and the command line's --stack, no CDK here.

export const STACK_OUTPUTS = {
  tableName: "TableName",
  topicArn: "TopicArn",
  queueUrl: "QueueUrl",
  deadLetterQueueUrl: "DeadLetterQueueUrl",
  redriveRoleArn: "RedriveRoleArn",
  classifierFunctionName: "ClassifierFunctionName",
  classifierFunctionArn: "ClassifierFunctionArn",
  presendCheckFunctionName: "PresendCheckFunctionName",
  presendCheckFunctionArn: "PresendCheckFunctionArn",
  alarmTopicArn: "AlarmTopicArn",
  dashboardName: "DashboardName",
  addressKeySecretArn: "AddressKeySecretArn",
  configurationSetName: "ConfigurationSetName",
  policy: "Policy",
} as const;

export type StackOutputName = keyof typeof STACK_OUTPUTS;
