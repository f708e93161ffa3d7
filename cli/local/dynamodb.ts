// An embedded DynamoDB (dynalite) with the suppression table, for the local run and the tests.
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { TABLE_SCHEMA } from "../../functions/adapters/table-schema.ts";
import { localClientConfig, quietSdkWarnings } from "./aws-clients.ts";
import { loadOptional } from "./optional-dependency.ts";

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  /** Directory for the LevelDB files; in memory when absent. */
  readonly path?: string;
  readonly tableName?: string;
  /** Extra SDK client settings, e.g. middleware that counts or fails requests. */
  readonly configureClient?: (client: DynamoDBClient) => void;
}

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  quietSdkWarnings();
  const { default: dynalite } = await loadOptional("dynalite", () => import("dynalite"));
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  options.configureClient?.(client);
  const tableName = options.tableName ?? "bounce-guard-local";
  await ensureTable(client, tableName);
  return {
    client,
    tableName,
    endpoint,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same key schema as the deployed table; TTL is not emulated, which readers never rely on. */
async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (
      !(error instanceof ResourceNotFoundException || (error as Error).name === "ResourceNotFoundException")
    )
      throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: "S" }],
      KeySchema: [{ AttributeName: TABLE_SCHEMA.partitionKey, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  // dynalite answers CreateTable with CREATING and refuses item requests until a timer marks the table
  // ACTIVE: on a busy machine the first request can come first.
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
