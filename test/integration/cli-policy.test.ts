// The command line assesses with the policy the store was written with: a deployed stack's (its
// Policy output), the functions' environment variables with --table alone, or the local store's record.
// CloudFormation cannot run here: DescribeStacks is answered from the synthesized template's outputs.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DescribeStacksCommandOutput } from "@aws-sdk/client-cloudformation";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackReader } from "../../cli/aws.ts";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { sqsRecordOf } from "../../cli/local/sqs.ts";
import { LOCK_FILE } from "../../cli/local/store-lock.ts";
import { LOCAL_POLICY_FILE, readLocalPolicy, recordLocalPolicy } from "../../cli/store-policy.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { readEnvironment } from "../../functions/adapters/environment.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { discardMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier } from "../../functions/classifier.ts";
import { DEFAULT_POLICY, type PolicyConfig } from "../../functions/core/policy.ts";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { sesBounce, uniqueAddress } from "../fixtures/scenarios/feedback.ts";
import { SYNTH_TIMEOUT_MS, testApp } from "../infra/support.ts";
import { NOW, ndjson, runCommand } from "./ops-support.ts";

const HOUR_MS = 3_600_000;
const QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:bounce-guard-feedback";

/** Three soft bounces an hour apart, the last an hour before NOW. */
function softBounces(address: string) {
  return [3, 2, 1].map((hoursAgo, index) =>
    sqsRecordOf(
      {
        MessageId: `${address}-${index}`,
        Body: JSON.stringify(
          sesBounce({
            address,
            bounceType: "Transient",
            bounceSubType: "MailboxFull",
            status: "4.2.2",
            diagnosticCode: "smtp; 452 4.2.2 Mailbox full",
            at: new Date(NOW.getTime() - hoursAgo * HOUR_MS).toISOString(),
          }),
        ),
      },
      QUEUE_ARN,
      1,
    ),
  );
}

/** The classifier as deployed with `policy`: its status after the three soft bounces. */
async function classifyThreeSoftBounces(dynamo: LocalDynamoDb, policy: PolicyConfig, address: string) {
  const classifier = createClassifier({
    store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, policy),
    logger: silentLogger,
    metrics: discardMetrics,
    now: () => NOW,
  });
  let status: string | undefined;
  for (const record of softBounces(address)) {
    const outcome = await classifier.processRecord(record);
    if (outcome.kind !== "applied") throw new Error(`record not applied: ${JSON.stringify(outcome)}`);
    const result = outcome.recipients[0]?.result;
    status = result?.kind === "applied" ? result.assessment?.status : result?.kind;
  }
  return status;
}

/** What status, why and check say about one address, and the threshold the report judges the store with. */
async function commandsSay(
  address: string,
  args: readonly string[],
  options: Parameters<typeof runCommand>[1],
) {
  const status = await runCommand(["status", address, "--json", ...args], options);
  const why = await runCommand(["why", address, "--json", ...args], options);
  const check = await runCommand(["check", address, "--json", ...args], options);
  const report = await runCommand(["report", "--json", ...args], options);
  const figures = ndjson(report.stdout)[0] as
    | { policy: { softBounceThreshold: number }; addresses: { suppressed: number } }
    | undefined;
  return {
    status: ndjson(status.stdout)[0]?.status,
    why: ndjson(why.stdout)[0]?.status,
    check: ndjson(check.stdout)[0]?.verdict,
    reportThreshold: figures?.policy.softBounceThreshold,
    reportSuppressed: figures?.addresses.suppressed,
    stderr: [status.stderr, why.stderr, check.stderr, report.stderr],
  };
}

describe("a deployed stack's policy", () => {
  let dynamo: LocalDynamoDb;
  let deployed: { classifierEnvironment: Record<string, string>; outputs: Record<string, string> };

  beforeAll(async () => {
    const app = testApp();
    const stack = new BounceGuardStack(app, "BounceGuard", { softBounceThreshold: 3 });
    const template = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      Outputs: Record<string, { Value: unknown }>;
    };
    dynamo = await startLocalDynamoDb();
    const classifier = Object.values(template.Resources).find(
      (resource) =>
        resource.Type === "AWS::Lambda::Function" &&
        String(resource.Properties.Description).includes("classifies SES feedback"),
    );
    const environment = classifier?.Properties.Environment as
      | { Variables: Record<string, unknown> }
      | undefined;
    const variables = environment?.Variables ?? {};
    // What the deployed function reads; references to other resources are left out, the table is the local one.
    const classifierEnvironment = Object.fromEntries(
      Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
    const outputs = Object.fromEntries(
      Object.entries(template.Outputs).map(([key, output]) => [
        key,
        typeof output.Value === "string" ? output.Value : `unresolved-${key}`,
      ]),
    );
    deployed = {
      classifierEnvironment: { ...classifierEnvironment, TABLE_NAME: dynamo.tableName },
      outputs: { ...outputs, TableName: dynamo.tableName },
    };
  }, SYNTH_TIMEOUT_MS);

  afterAll(async () => {
    await dynamo.close();
  });

  const stackReader = (outputs: Record<string, string>): StackReader => ({
    send: async () =>
      ({
        Stacks: [
          {
            StackName: "BounceGuard",
            CreationTime: NOW,
            StackStatus: "CREATE_COMPLETE",
            Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
        $metadata: {},
      }) satisfies DescribeStacksCommandOutput,
  });

  it("with softBounceThreshold 3, three soft bounces read as suppressed by the classifier and by status, why and check --stack", async () => {
    // Prepare
    const address = uniqueAddress("three-soft");
    const classifierSays = await classifyThreeSoftBounces(
      dynamo,
      readEnvironment(deployed.classifierEnvironment).policy,
      address,
    );

    // Act
    const said = await commandsSay(address, ["--stack", "BounceGuard"], {
      aws: { dynamodb: () => dynamo.client, cloudFormation: () => stackReader(deployed.outputs) },
    });

    // Assess
    expect(classifierSays).toBe("suppressed");
    expect(said).toMatchObject({
      status: "suppressed",
      why: "suppressed",
      check: "suppress",
      reportThreshold: 3,
    });
    expect(said.stderr).toEqual(["", "", "", ""]);
  });

  it("refuses a Policy output it cannot read, naming the bad value", async () => {
    // Prepare
    const outputs = {
      ...deployed.outputs,
      Policy: JSON.stringify({ ...DEFAULT_POLICY, softBounceThreshold: 0 }),
    };

    // Act
    const result = await runCommand(["status", "someone@example.com", "--stack", "BounceGuard"], {
      aws: { dynamodb: () => dynamo.client, cloudFormation: () => stackReader(outputs) },
    });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Policy output.*softBounceThreshold must be an integer between 1 and 25, got 0/,
    );
  });

  it("with --table alone, assesses with the functions' environment variables, or says it uses the defaults", async () => {
    // Prepare
    const address = uniqueAddress("three-soft-table");
    await classifyThreeSoftBounces(dynamo, readEnvironment(deployed.classifierEnvironment).policy, address);
    const options = { aws: { dynamodb: () => dynamo.client } };

    // Act
    const withDefaults = await commandsSay(address, ["--table", dynamo.tableName], options);
    const withEnvironment = await commandsSay(address, ["--table", dynamo.tableName], {
      ...options,
      env: { SOFT_BOUNCE_THRESHOLD: "3" },
    });

    // Assess
    expect(withDefaults).toMatchObject({
      status: "deferred",
      why: "deferred",
      check: "defer",
      reportThreshold: 5,
    });
    for (const stderr of withDefaults.stderr) {
      expect(stderr).toMatch(/--table without --stack: the default policy \(soft-bounce threshold 5/);
    }
    expect(withEnvironment).toMatchObject({
      status: "suppressed",
      why: "suppressed",
      check: "suppress",
      reportThreshold: 3,
    });
    expect(withEnvironment.stderr).toEqual(["", "", "", ""]);
  });
});

describe("the local store's policy", () => {
  let workDirectory: string;

  beforeAll(() => {
    workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-cli-policy-"));
  });

  afterAll(() => {
    rmSync(workDirectory, { recursive: true, force: true });
  });

  it("replay writes with the policy recorded in the local store, and status, why and check read with it", async () => {
    // Prepare
    const data = join(workDirectory, "threshold-3");
    recordLocalPolicy(data, { ...DEFAULT_POLICY, softBounceThreshold: 3 });
    const address = uniqueAddress("local-three-soft");
    const notifications = softBounces(address).map((record) => record.body);
    const file = join(workDirectory, "three-soft.ndjson");
    writeFileSync(file, `${notifications.join("\n")}\n`);

    // Act
    const replay = await runCommand(["replay", file, "--data", data]);
    const said = await commandsSay(address, ["--data", data], {});

    // Assess
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    expect(said).toMatchObject({
      status: "suppressed",
      why: "suppressed",
      check: "suppress",
      reportThreshold: 3,
      reportSuppressed: 1,
    });
  });

  it("a local store without a record gets the default policy recorded on first use", async () => {
    // Prepare
    const data = join(workDirectory, "fresh");
    const address = uniqueAddress("local-fresh");

    // Act
    const said = await commandsSay(address, ["--data", data], {});

    // Assess
    expect(said).toMatchObject({ status: "active", why: "active", check: "send", reportThreshold: 5 });
    expect(readLocalPolicy(data)).toEqual(DEFAULT_POLICY);
  });

  it("a record it cannot read stops the command in one line naming the file, and frees the store", async () => {
    // Prepare
    const data = join(workDirectory, "bad-record");
    mkdirSync(data);
    writeFileSync(join(data, LOCAL_POLICY_FILE), '{ "policy": { "softBounceThreshold": 0 } }\n');

    // Act
    const result = await runCommand(["status", "someone@example.com", "--data", data]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^bounce-guard status: .*policy\.json: not a policy record \(.*softBounceThreshold.*\); correct it, or delete it to use the default policy\n$/,
    );
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);
  });
});
