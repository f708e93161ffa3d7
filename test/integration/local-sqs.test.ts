import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import {
  drainQueue,
  type LocalQueues,
  LocalSqsWire,
  pumpQueue,
  queueCounts,
  queueDepth,
  sendMessages,
  startLocalQueues,
} from "../../cli/local/sqs.ts";

const bodies = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => ({ body: `${prefix}-${String(index).padStart(3, "0")}` }));

describe("the local SQS helpers the demo, the tests and the chaos replay send and count with", () => {
  let queues: LocalQueues | undefined;
  afterEach(async () => {
    await queues?.close();
    queues = undefined;
  });

  it("sends one batch at a time by default, so the queue holds the messages in the order given", async () => {
    // Arrange
    queues = await startLocalQueues({ visibilityTimeoutSeconds: 30 });
    const messages = bodies(35, "ordered");

    // Act
    await sendMessages(queues, messages);
    const received = await drainQueue(queues, queues.queueUrl);

    // Assess
    expect(received.map((message) => message.Body)).toEqual(messages.map(({ body }) => body));
  });

  it("with several batches in flight, puts every message on the queue exactly once", async () => {
    // Arrange: 203 messages, so the last batch is short and eight senders share 21 batches.
    queues = await startLocalQueues({ visibilityTimeoutSeconds: 30 });
    const messages = bodies(203, "parallel");

    // Act
    await sendMessages(queues, messages, 8);
    const received = await drainQueue(queues, queues.queueUrl);

    // Assess
    expect(received.map((message) => message.Body).sort()).toEqual(messages.map(({ body }) => body).sort());
  });

  it("counts visible and hidden messages apart: a received message is hidden until its timeout", async () => {
    // Arrange
    queues = await startLocalQueues({ visibilityTimeoutSeconds: 30 });
    await sendMessages(queues, bodies(12, "counted"));

    // Act
    const before = await queueCounts(queues);
    await queues.client.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MaxNumberOfMessages: 5, WaitTimeSeconds: 0 }),
    );
    const after = await queueCounts(queues);

    // Assess: a message sent a moment ago may still be held back (see the next test).
    expect(before.hidden).toBe(0);
    expect(before.visible + before.delayed).toBe(12);
    expect(after.hidden).toBe(5);
    expect(after.visible + after.delayed).toBe(7);
    expect(await queueDepth(queues)).toBe(12);
  });

  it("counts a message held back by a delay as on the queue, and pumping and draining wait for it", async () => {
    // Arrange: local-aws-sqs holds every new message until a timer of its delay fires; at the
    // default delay of 0 that is a moment, which a count or a receive right after a send can hit.
    queues = await startLocalQueues({ visibilityTimeoutSeconds: 30 });
    const sendDelayed = (body: string) =>
      queues?.wire.call("SendMessage", { QueueUrl: queues.queueUrl, MessageBody: body, DelaySeconds: 1 });
    await sendDelayed("pumped");

    // Act
    const counts = await queueCounts(queues);
    const depth = await queueDepth(queues);
    const pumped: string[] = [];
    await pumpQueue(
      queues,
      async (event) => {
        pumped.push(...event.Records.map((record) => record.body));
        return { batchItemFailures: [] };
      },
      { deadlineMs: 10_000 },
    );
    await sendDelayed("drained");
    const drained = await drainQueue(queues, queues.queueUrl);

    // Assess
    expect(counts).toEqual({ visible: 0, hidden: 0, delayed: 1 });
    expect(depth).toBe(1);
    expect(pumped).toEqual(["pumped"]);
    expect(drained.map((message) => message.Body)).toEqual(["drained"]);
  });

  it("speaks the SQS JSON protocol on the wire: what it sends, the SDK receives intact, checksums and attributes included", async () => {
    // Arrange
    queues = await startLocalQueues({ visibilityTimeoutSeconds: 30 });

    // Act: sent by the wire; received by the SDK, which checks each body against its MD5.
    await sendMessages(queues, [{ body: '{"ünïcode":"✓"}', label: "first" }, { body: "plain" }]);
    const received = await queues.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ["All"],
      }),
    );

    // Assess
    expect(received.Messages?.map((message) => message.Body)).toEqual(['{"ünïcode":"✓"}', "plain"]);
    expect(received.Messages?.[0]?.MessageAttributes?.label?.StringValue).toBe("first");
  });

  it("rejects a call the server refuses with its error type and the operation's name", async () => {
    // Arrange
    queues = await startLocalQueues();

    // Act
    const call = queues.wire.call("ReceiveMessage", { QueueUrl: `${queues.queueUrl}-missing` });

    // Assess
    await expect(call).rejects.toThrow(
      /^local SQS ReceiveMessage: HTTP 400 QueueDoesNotExist: The specified queue does not exist/,
    );
  });
});

describe("LocalSqsWire on a connection the server drops", () => {
  /** A server that drops the connection under the first `drops` requests, then answers. */
  async function flakyServer(
    drops: number,
  ): Promise<{ server: Server; endpoint: string; requests: () => number }> {
    let requests = 0;
    const server = createServer((request, response) => {
      requests += 1;
      if (requests <= drops) {
        request.socket.destroy();
        return;
      }
      response.setHeader("content-type", "application/x-amz-json-1.0");
      response.end(JSON.stringify({ Attributes: { ApproximateNumberOfMessages: "3" } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { server, endpoint: `http://127.0.0.1:${port}`, requests: () => requests };
  }

  it("tries again on a fresh connection when the server drops one under a request", async () => {
    // Arrange
    const { server, endpoint, requests } = await flakyServer(2);
    const wire = new LocalSqsWire(endpoint);

    // Act
    const result = await wire.call("GetQueueAttributes", { QueueUrl: "q" });
    wire.close();
    server.close();

    // Assess
    expect(result).toEqual({ Attributes: { ApproximateNumberOfMessages: "3" } });
    expect(requests()).toBe(3);
  });

  it("gives up after three attempts with the connection's error", async () => {
    // Arrange
    const { server, endpoint, requests } = await flakyServer(10);
    const wire = new LocalSqsWire(endpoint);

    // Act
    const call = wire.call("GetQueueAttributes", { QueueUrl: "q" });

    // Assess
    await expect(call).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(requests()).toBe(3);
    wire.close();
    server.close();
  });
});
