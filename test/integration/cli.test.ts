import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { EXIT, type Io, main } from "../../cli/main.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/ses");
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>;

function capture(options: { stdin?: string; now?: Date } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    readStdin: async () => options.stdin ?? "",
    now: () => options.now ?? new Date("2026-11-26T12:00:00.000Z"),
  };
  return { io, stdout: () => out.join(""), stderr: () => err.join("") };
}

let workDirectory: string;

beforeAll(() => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-cli-"));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("bounce-guard classify", () => {
  it("prints one JSON verdict per recipient and nothing else on stdout", async () => {
    const { io, stdout, stderr } = capture();
    const file = join(FIXTURES, "02-aws-docs-identity-bounce-no-dsn.json");

    const code = await main(["classify", file], io);

    const lines = stdout().trim().split("\n");
    expect(code).toBe(EXIT.ok);
    expect(stderr()).toBe("");
    expect(lines.map((line) => JSON.parse(line).address)).toEqual([
      "jane@example.com",
      "richard@example.com",
    ]);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      event: "bounce",
      bounceType: "Permanent",
      bounceSubType: "General",
      feedbackId: "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000",
      messageId: "00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000",
      timestamp: "2016-01-27T14:59:38.237Z",
    });
  });

  it("prints the verdicts of a notification pasted without its mail object and exits 0", async () => {
    const { mail: _mail, ...trimmed } = fixture("01-aws-docs-identity-bounce-with-dsn.json");
    const { io, stdout, stderr } = capture({ stdin: JSON.stringify(trimmed) });

    const code = await main(["classify"], io);

    const verdict = JSON.parse(stdout());
    expect(code).toBe(EXIT.ok);
    expect(stderr()).toBe("");
    expect(verdict).toMatchObject({
      address: "jane@example.com",
      event: "bounce",
      class: "hard",
      reason: "userunknown",
    });
    expect(verdict.messageId).toBeUndefined();
    expect(verdict.feedbackId).toEqual(expect.any(String));
  });

  it("reads NDJSON from stdin and names the malformed line after printing the good ones", async () => {
    const good = JSON.stringify(snsEnvelopeOf(fixture("01-aws-docs-identity-bounce-with-dsn.json")));
    const { io, stdout, stderr } = capture({ stdin: `${good}\n{not json\n${good}\n` });

    const code = await main(["classify"], io);

    expect(code).toBe(EXIT.badInput);
    expect(stdout().trim().split("\n")).toHaveLength(2);
    expect(stderr()).toMatch(/^stdin:2: not valid JSON/);
  });

  it("names an input that is JSON but not a notification", async () => {
    const file = join(workDirectory, "mixed.json");
    writeFileSync(file, JSON.stringify([fixture("05-aws-docs-identity-delivery.json"), { hello: "world" }]));
    const { io, stdout, stderr } = capture();

    const code = await main(["classify", file], io);

    expect(code).toBe(EXIT.badInput);
    expect(JSON.parse(stdout()).class).toBe("delivered");
    expect(stderr()).toContain("mixed.json[1]: not an SES notification");
  });

  it("reports a missing file and the usage error of an unknown command", async () => {
    const missing = capture();
    const unknown = capture();

    const missingCode = await main(["classify", join(workDirectory, "nope.json")], missing.io);
    const unknownCode = await main(["frobnicate"], unknown.io);

    expect(missingCode).toBe(EXIT.badInput);
    expect(missing.stderr()).toContain("cannot read file: no such file (ENOENT)");
    expect(unknownCode).toBe(EXIT.usage);
    expect(unknown.stderr()).toBe("bounce-guard: unknown command 'frobnicate' (see 'bounce-guard --help')\n");
  });
});

describe("bounce-guard demo and status", () => {
  it("runs the local pipeline, exits 0, and leaves a store that status reads", async () => {
    const data = join(workDirectory, "store");
    const demo = capture();

    const code = await main(["demo", "--data", data], demo.io);

    expect(code).toBe(EXIT.ok);
    const report = demo.stdout();
    expect(report).toMatch(/jane@example\.com\s+hard\/userunknown\s+suppressed \(hard\)/);
    expect(report).toMatch(/full\.mailbox@example\.net\s+soft\/mailboxfull\s+5 soft in a row: suppressed/);
    expect(report).toMatch(/valued\.customer@example\.com\s+block\/blocked\s+block 1: deferred until/);
    expect(report).toMatch(/on\.holiday@example\.com\s+autoreply\/vacation\s+recorded, never counts: active/);
    expect(report).toMatch(/duplicate: no change/);
    expect(report).toMatch(/now in the DLQ: 2/);
    // The retry windows, on the synthesized state machine.
    expect(report).toMatch(/busy@retry\.example\s+RetryDue .*the sender delivers on retry/);
    expect(report).toMatch(
      /busy@retry\.example\s+the sender delivers on retry: active\n\s+execution stopped \(window closed by a delivery\)/,
    );
    expect(report).toMatch(
      /full@retry\.example\s+the sender still full on every retry: suppressed \(soft-threshold\)/,
    );
    expect(report).toMatch(
      /quiet@retry\.example\s+the sender never retries: active, streak 1\n\s+execution SUCCEEDED/,
    );
    expect(report).toMatch(/3 windows \(one execution each\), 4 RetryDue events/);

    const status = capture();
    const statusCode = await main(
      ["status", "--data", data, "--json", "jane@example.com", "fresh@example.com"],
      status.io,
    );
    const [jane, fresh] = status
      .stdout()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(statusCode).toBe(EXIT.ok);
    expect(jane).toMatchObject({
      address: "jane@example.com",
      status: "suppressed",
      suppression: { by: "hard" },
    });
    // SES examples 01 and 02 are two different bounces for jane; the redelivered 01 is not counted.
    // 02 is Permanent with no diagnostic: an unconfirmed failure, counted with the soft bounces.
    expect(jane.counts).toMatchObject({ hard: 1, soft: 1 });
    expect(fresh).toMatchObject({ address: "fresh@example.com", status: "active" });

    // The retry windows ran with their own policy (threshold 3, retry interval 1 s) in a store of their
    // own, which the demo names; why and status there agree with what the demo printed.
    const windowStore = /npx bounce-guard why full@retry\.example --data (\S+)/.exec(report)?.[1];
    expect(windowStore).toBeDefined();
    const full = capture({ now: new Date() });
    const quiet = capture({ now: new Date() });
    await main(["why", "full@retry.example", "--json", "--data", windowStore ?? ""], full.io);
    await main(["status", "quiet@retry.example", "--json", "--data", windowStore ?? ""], quiet.io);
    expect(JSON.parse(full.stdout())).toMatchObject({
      status: "suppressed",
      suppression: { by: "soft-threshold" },
    });
    expect(JSON.parse(quiet.stdout())).toMatchObject({ status: "active", streak: { count: 1 } });
    // The scenario's store keeps the default policy: five soft bounces suppressed full.mailbox.
    const scenario = capture({ now: new Date() });
    await main(["why", "full.mailbox@example.net", "--json", "--data", data], scenario.io);
    expect(JSON.parse(scenario.stdout())).toMatchObject({
      status: "suppressed",
      suppression: { by: "soft-threshold", streakReasons: Array(5).fill("mailboxfull") },
    });
  }, 180_000);
});
