import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Message, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import {
  drainQueue,
  type LocalQueues,
  queueDepth,
  sqsRecordOf,
  startLocalQueues,
} from "../../cli/local/sqs.ts";
import { EXIT } from "../../cli/main.ts";
import { sesBounce, sesDelivery, uniqueAddress } from "../fixtures/scenarios/feedback.ts";
import { ndjson, type OpsTable, runCommand, startOpsTable } from "./ops-support.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ses");
const fixtureFiles = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .map((name) => join(FIXTURES, name));

let workDirectory: string;

beforeAll(() => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-ops-pipeline-"));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(workDirectory, name);
  writeFileSync(path, text);
  return path;
}

describe("bounce-guard replay", () => {
  let table: OpsTable;

  beforeAll(async () => {
    table = await startOpsTable();
  });

  afterAll(async () => {
    await table.close();
  });

  it("feeds the SES fixtures through the classifier and names the two fragments that fail", async () => {
    // Act
    const result = await table.run(["replay", ...fixtureFiles, "--json"]);
    const jane = await table.run(["why", "jane@example.com", "--json"]);

    // Assess
    expect(result.code).toBe(EXIT.badInput);
    expect(JSON.parse(result.stdout)).toEqual({
      records: 17,
      applied: 10,
      duplicates: 0,
      ignored: 6,
      failed: [
        expect.objectContaining({
          origin: expect.stringContaining("16-aws-docs-fragment-bounce-object.json"),
        }),
        expect.objectContaining({
          origin: expect.stringContaining("42-aws-docs-fragment-bounced-recipient.json"),
        }),
      ],
    });
    expect(result.stderr).toMatch(/42-aws-docs-fragment-bounced-recipient\.json: not an SES notification/);
    expect(ndjson(jane.stdout)[0]).toMatchObject({ status: "suppressed", suppression: { by: "hard" } });
  });

  it("recognises every event of a second replay as a duplicate", async () => {
    // Prepare
    const complete = fixtureFiles.filter((path) => !path.includes("fragment"));
    await table.run(["replay", ...complete]);

    // Act
    const again = await table.run(["replay", ...complete]);

    // Assess
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).toMatch(/recipient events applied\s+0/);
    expect(again.stdout).toMatch(/duplicates \(already applied\)\s+10/);
  });

  it("replays notifications pasted without their mail object and knows their copies", async () => {
    // Prepare
    const address = uniqueAddress("replayed-no-mail");
    const { mail: _mail, ...bounce } = sesBounce({ address });
    const saved = file(
      "no-mail.ndjson",
      `${JSON.stringify(bounce)}\n${JSON.stringify(snsEnvelopeOf(bounce))}\n`,
    );

    // Act
    const result = await table.run(["replay", saved, "--json"]);
    const state = await table.store.get(address);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 2, applied: 1, duplicates: 1, failed: [] });
    expect(state?.counts.hard).toBe(1);
  });

  it("reads saved SQS events and NDJSON of SNS envelopes, naming a bad line by its number", async () => {
    // Prepare
    const bounced = uniqueAddress("replayed-sqs");
    const delivered = uniqueAddress("replayed-ndjson");
    const sqsEvent = {
      Records: [
        sqsRecordOf(
          { MessageId: "saved-1", Body: JSON.stringify(snsEnvelopeOf(sesBounce({ address: bounced }))) },
          "arn:aws:sqs:us-east-1:000000000000:bounce-guard-feedback",
          1,
        ),
      ],
    };
    const lines = [JSON.stringify(snsEnvelopeOf(sesDelivery({ address: delivered }))), "{oops"];
    const saved = file("event.json", JSON.stringify(sqsEvent));
    const stream = file("envelopes.ndjson", `${lines.join("\n")}\n`);

    // Act
    const result = await table.run(["replay", saved, stream, "--json"]);
    const states = await Promise.all([table.store.get(bounced), table.store.get(delivered)]);

    // Assess
    expect(result.code).toBe(EXIT.badInput);
    expect(JSON.parse(result.stdout)).toMatchObject({
      records: 2,
      applied: 2,
      failed: [{ origin: `${stream}:2`, message: expect.stringContaining("not valid JSON") }],
    });
    expect(states.map((state) => state?.counts)).toEqual([
      expect.objectContaining({ hard: 1 }),
      expect.objectContaining({ delivery: 1 }),
    ]);
  });
});

describe("bounce-guard redrive", () => {
  let queues: LocalQueues;

  beforeAll(async () => {
    queues = await startLocalQueues({ maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
  });

  afterAll(async () => {
    await queues.close();
  });

  const redrive = (extra: readonly string[] = []) =>
    runCommand(
      ["redrive", "--queue-url", queues.queueUrl, "--dlq-url", queues.deadLetterQueueUrl, ...extra],
      {
        aws: { sqs: () => queues.client },
      },
    );

  /** Poison straight into the DLQ, as SQS puts a message there after its last failed receive. */
  async function poisonDeadLetterQueue(bodies: readonly string[]): Promise<void> {
    await queues.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        Entries: bodies.map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: { label: { DataType: "String", StringValue: `poison ${index}` } },
        })),
      }),
    );
  }

  const drain = (queueUrl: string): Promise<Message[]> => drainQueue(queues, queueUrl);

  it("moves every DLQ message back to the queue with its body and attributes", async () => {
    // Prepare
    const bodies = Array.from({ length: 12 }, (_, index) => `{"poison": ${index}}`);
    await poisonDeadLetterQueue(bodies.slice(0, 10));
    await poisonDeadLetterQueue(bodies.slice(10));

    // Act
    const result = await redrive(["--json"]);
    const moved = await drain(queues.queueUrl);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout)).toEqual({ received: 12, moved: 12, notDeleted: 0, failed: [] });
    expect(await queueDepth(queues, queues.deadLetterQueueUrl)).toBe(0);
    expect(moved.map((message) => message.Body).sort()).toEqual([...bodies].sort());
    expect(
      moved.every((message) => message.MessageAttributes?.label?.StringValue?.startsWith("poison")),
    ).toBe(true);
  });

  it("stops after --max messages and leaves the rest in the DLQ", async () => {
    // Prepare
    await poisonDeadLetterQueue(["a", "b", "c"]);

    // Act
    const result = await redrive(["--max", "2"]);
    const moved = await drain(queues.queueUrl);
    const left = await drain(queues.deadLetterQueueUrl);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/moved to the queue\s+2/);
    expect(moved).toHaveLength(2);
    expect(left).toHaveLength(1);
  });

  it("needs --stack or both queue URLs", async () => {
    // Act
    const result = await runCommand(["redrive", "--queue-url", queues.queueUrl]);

    // Assess
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("redrive needs --stack NAME, or both --queue-url URL and --dlq-url URL");
  });
});
