// The AWS clients behind --table, --stack, redrive and import --from-ses: made on demand with the
// standard credential chain, or supplied by the caller (tests point them at local stand-ins).
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type ListSuppressedDestinationsCommand,
  type ListSuppressedDestinationsCommandOutput,
  SESv2Client,
} from "@aws-sdk/client-sesv2";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STACK_OUTPUTS } from "../lib/stack-outputs.ts";

/** The one SES v2 call the import makes. */
export interface SuppressionListReader {
  send(command: ListSuppressedDestinationsCommand): Promise<ListSuppressedDestinationsCommandOutput>;
}

/** The one CloudFormation call --stack makes. */
export interface StackReader {
  send(command: DescribeStacksCommand): Promise<DescribeStacksCommandOutput>;
}

/** The SES v2 calls that keep the account-level list in step (unsuppress --ses-sync). */
export type SuppressionListWriter = Pick<SESv2Client, "send">;

/** Makers of the clients, by region (undefined: the region of the standard configuration chain). */
export interface AwsClients {
  readonly sesv2Writer: (region: string | undefined) => SuppressionListWriter;
  readonly dynamodb: (region: string | undefined) => DynamoDBClient;
  readonly sqs: (region: string | undefined) => SQSClient;
  readonly sesv2: (region: string | undefined) => SuppressionListReader;
  readonly cloudFormation: (region: string | undefined) => StackReader;
}

const regionConfig = (region: string | undefined) => (region !== undefined ? { region } : {});

const DEFAULT_CLIENTS = {
  dynamodb: (region) => new DynamoDBClient(regionConfig(region)),
  sqs: (region) => new SQSClient(regionConfig(region)),
  sesv2: (region) => new SESv2Client(regionConfig(region)),
  sesv2Writer: (region) => new SESv2Client(regionConfig(region)),
  cloudFormation: (region) => new CloudFormationClient(regionConfig(region)),
} as const satisfies AwsClients;

export interface BorrowedClient<Client> {
  readonly client: Client;
  /** Destroys a client made here; a supplied client belongs to its supplier and is left alone. */
  release(): void;
}

export function borrowClient<Kind extends keyof AwsClients>(
  supplied: Partial<AwsClients> | undefined,
  kind: Kind,
  region: string | undefined,
): BorrowedClient<ReturnType<AwsClients[Kind]>> {
  const maker = supplied?.[kind];
  if (maker !== undefined) {
    return { client: maker(region) as ReturnType<AwsClients[Kind]>, release: () => {} };
  }
  const client = DEFAULT_CLIENTS[kind](region) as ReturnType<AwsClients[Kind]>;
  return {
    client,
    release: () => {
      const made = client as { destroy?: () => void };
      made.destroy?.();
    },
  };
}

/** The outputs the command line reads, named as the stack (lib/bounce-guard-stack.ts) names them. */
export const STACK_OUTPUT_KEYS = {
  tableName: STACK_OUTPUTS.tableName,
  queueUrl: STACK_OUTPUTS.queueUrl,
  deadLetterQueueUrl: STACK_OUTPUTS.deadLetterQueueUrl,
  addressKeySecretArn: STACK_OUTPUTS.addressKeySecretArn,
  policy: STACK_OUTPUTS.policy,
} as const;

export type StackOutputs = Partial<Record<keyof typeof STACK_OUTPUT_KEYS, string>>;

export type StackLookup =
  | { readonly ok: true; readonly outputs: StackOutputs }
  | { readonly ok: false; readonly message: string };

/** Read a deployed Bounce Guard stack's outputs with DescribeStacks. */
export async function readStackOutputs(client: StackReader, stackName: string): Promise<StackLookup> {
  let result: DescribeStacksCommandOutput;
  try {
    result = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    // CloudFormation answers an unknown stack with a ValidationError; anything else is not ours to read.
    if ((error as Error).name !== "ValidationError") throw error;
    return { ok: false, message: `stack "${stackName}" not found: ${(error as Error).message}` };
  }
  const stack = result.Stacks?.[0];
  if (stack === undefined) return { ok: false, message: `stack "${stackName}" not found` };
  const byKey = new Map((stack.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const outputs: Record<string, string> = {};
  for (const [name, key] of Object.entries(STACK_OUTPUT_KEYS)) {
    const value = byKey.get(key);
    if (value !== undefined) outputs[name] = value;
  }
  return { ok: true, outputs };
}
