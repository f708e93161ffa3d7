// The demo (`npm start`): it never deletes what it did not make, its output reads well in 100
// columns, and the dead letters it leaves can be seen and redriven locally.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoBounce } from "../../cli/demo-scenario.ts";
import { DEAD_LETTERS_FILE, readDeadLetters, writeDeadLetters } from "../../cli/local/dead-letters.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import {
  claimStore,
  DEMO_MARKER,
  emptyStoreFolder,
  folderContents,
  markDemoStore,
} from "../../cli/local/store-folder.ts";
import { EXIT } from "../../cli/main.ts";
import { type Captured, ndjson, runCommand } from "./ops-support.ts";

const NOW = new Date();
let workDirectory: string;
let store: string;
let demo: Captured;

beforeAll(async () => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-demo-"));
  store = join(workDirectory, "store");
  demo = await runCommand(["demo", "--data", store], { now: NOW });
}, 180_000);

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("the demo's output", () => {
  it("succeeds and keeps every line within 100 columns", () => {
    expect(demo.code).toBe(EXIT.ok);
    // Measured with the default store's path, as `npm start` shows it; a longer --data is the caller's.
    const lines = demo.stdout.replaceAll(store, ".bounce-guard/data").split("\n");
    const wide = lines.filter((line) => [...line].length > 100);
    expect(wide).toEqual([]);
  });

  it("never shows a reason of `undefined`", () => {
    expect(demo.stdout).not.toContain("undefined");
    expect(demo.stdout).toMatch(/recipient@example\.com\s+ignore\s+ignored: Send is SES accepting/);
  });

  it("says a delivery to a suppressed address leaves it suppressed instead of `reset streak`", () => {
    expect(demo.stdout).toMatch(
      /jane@example\.com\s+delivered\s+delivery recorded; stays suppressed \(hard\)/,
    );
    expect(demo.stdout).toMatch(/busy\.server@example\.net\s+delivered\s+delivery, streak reset: active/);
    expect(demo.stdout).not.toContain("reset streak");
  });

  it("cuts the poison messages' errors at a word, marked with an ellipsis", () => {
    const failures = demo.stdout.split("\n").filter((line) => line.includes("then the DLQ:"));

    expect(failures).toHaveLength(2);
    for (const line of failures) expect(line).toMatch(/then the DLQ: .*[\w')]…$/);
    expect(failures[0]).toContain("failed 5x, then the DLQ: not an SES notification: no notificationType…");
  });

  it("says where the dead letters are kept", () => {
    expect(demo.stdout).toContain(`dead letters kept      ${store}/${DEAD_LETTERS_FILE}\n`);
    expect(demo.stdout).toContain(`npx bounce-guard dlq --data ${store}\n`);
  });
});

describe("the local dead-letter queue", () => {
  it("shows the demo's two dead letters with why they failed", async () => {
    const shown = await runCommand(["dlq", "--data", store]);
    const json = await runCommand(["dlq", "--data", store, "--json"]);

    expect(shown.code).toBe(EXIT.ok);
    expect(shown.stdout).toMatch(/^receives\s+last failed\s+error\s+message\n/);
    expect(shown.stdout).toMatch(/5\s+\S+ \S+\s+SQS body is not valid JSON.*poison: a body that is not JSON/);
    expect(shown.stdout).toContain(`2 dead letters in ${store}/${DEAD_LETTERS_FILE}`);
    expect(ndjson(json.stdout).map((letter) => letter.body)).toContain("this is not a notification");
  });

  it("redrives them locally: both still fail, stay with one more receive, and the exit code says so", async () => {
    const result = await runCommand(["redrive", "--data", store]);

    expect(result.code).toBe(EXIT.badInput);
    expect(result.stdout).toMatch(/still failing \(stay in the DLQ\)\s+2/);
    expect(result.stderr).toMatch(
      /poison: a body that is not JSON \(goes to the DLQ\): still fails: SQS body is not valid JSON/,
    );
    expect(readDeadLetters(store).letters.map((letter) => letter.receives)).toEqual([6, 6]);
    // Nothing applied, so the store is still only the demo's.
    expect(folderContents(store)).toEqual({ kind: "demo" });
  });

  it("applies a dead letter that reads well now and takes it off the file", async () => {
    // Prepare: a good notification among the dead letters, as after a fix of the classifier.
    const { letters } = readDeadLetters(store);
    const fixed = JSON.stringify(
      snsEnvelopeOf(
        demoBounce({
          address: "redriven@example.com",
          bounceType: "Permanent",
          bounceSubType: "General",
          status: "5.1.1",
          diagnosticCode: "smtp; 550 5.1.1 user unknown",
          at: new Date(NOW.getTime() - 60_000),
          id: "redriven",
        }),
      ),
    );
    const at = NOW.toISOString();
    writeDeadLetters(store, [
      ...letters,
      {
        messageId: "fixed-1",
        body: fixed,
        receives: 5,
        firstFailedAt: at,
        lastFailedAt: at,
        error: "old bug",
      },
    ]);

    // Act
    const result = await runCommand(["redrive", "--data", store, "--json"]);
    const status = await runCommand(["status", "redriven@example.com", "--data", store, "--json"]);

    // Assess
    expect(JSON.parse(result.stdout)).toMatchObject({ tried: 3, processed: 1, left: 2 });
    expect(ndjson(status.stdout)[0]).toMatchObject({ status: "suppressed", reason: "userunknown" });
    expect(readDeadLetters(store).letters.map((letter) => letter.messageId)).not.toContain("fixed-1");
    // What applied is the operator's data: the demo will not reset the store without asking.
    expect(folderContents(store)).toEqual({ kind: "store" });
  });
});

describe("the demo's store and your data (issue 17)", () => {
  it("leaves a folder holding anything else untouched, and says so in one line", async () => {
    const folder = join(workDirectory, "notes");
    mkdirSync(folder);
    writeFileSync(join(folder, "notes.txt"), "my notes");

    const result = await runCommand(["demo", "--data", folder]);

    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toBe(
      `bounce-guard demo: ${folder} holds files that are not a Bounce Guard store (notes.txt); the demo leaves them alone: give --data a new or empty folder\n`,
    );
    expect(readFileSync(join(folder, "notes.txt"), "utf8")).toBe("my notes");
    expect(existsSync(join(folder, "bounce-guard.lock"))).toBe(false);
  });

  it("does not reset a store that other commands wrote to, unless the operator says yes", async () => {
    // Prepare: the store was the demo's; a manual suppression makes it the operator's.
    const suppressed = await runCommand([
      "suppress",
      "keep.me@example.com",
      "--reason",
      "mine",
      "--data",
      store,
    ]);
    expect(suppressed.code).toBe(EXIT.ok);
    const questions: string[] = [];

    // Act
    const unattended = await runCommand(["demo", "--data", store]);
    const declined = await runCommand(["demo", "--data", store], {
      confirm: async (question) => {
        questions.push(question);
        return false;
      },
    });
    const kept = await runCommand(["status", "keep.me@example.com", "--data", store, "--json"]);

    // Assess
    expect(unattended.code).toBe(EXIT.badInput);
    expect(unattended.stderr).toBe(
      `bounce-guard demo: ${store} holds data the demo did not write (suppressions, imports…), left as it is; run the demo elsewhere: npm start -- --data .bounce-guard/demo\n`,
    );
    expect(declined.code).toBe(EXIT.badInput);
    expect(questions).toEqual([
      `${store} holds a store with data the demo did not write (suppressions, imports…). Delete it and run the demo there?`,
    ]);
    expect(ndjson(kept.stdout)[0]).toMatchObject({ status: "suppressed", suppression: { by: "manual" } });
  });

  it("resets the store when the operator says yes, and marks it as the demo's again", async () => {
    const accepted = await runCommand(["demo", "--data", store], { confirm: async () => true, now: NOW });
    const gone = await runCommand(["status", "keep.me@example.com", "--data", store, "--json"]);

    expect(accepted.code).toBe(EXIT.ok);
    expect(ndjson(gone.stdout)[0]).toMatchObject({ status: "active" });
    expect(folderContents(store)).toEqual({ kind: "demo" });
  }, 120_000);
});

describe("what a store's folder holds", () => {
  it("tells an empty folder, the demo's store, an operator's store and other files apart", () => {
    const folder = join(workDirectory, "kinds");
    expect(folderContents(folder)).toEqual({ kind: "empty" });
    mkdirSync(folder);
    writeFileSync(join(folder, "CURRENT"), "MANIFEST-000002\n");
    writeFileSync(join(folder, "000003.log"), "");
    expect(folderContents(folder)).toEqual({ kind: "store" });
    markDemoStore(folder, NOW);
    expect(folderContents(folder)).toEqual({ kind: "demo" });
    claimStore(folder);
    expect(existsSync(join(folder, DEMO_MARKER))).toBe(false);
    expect(folderContents(folder)).toEqual({ kind: "store" });
    writeFileSync(join(folder, "export.csv"), "address\n");
    expect(folderContents(folder)).toEqual({ kind: "foreign", examples: ["export.csv"] });
  });

  it("empties only the store's own files", () => {
    const folder = join(workDirectory, "mixed");
    mkdirSync(folder);
    writeFileSync(join(folder, "CURRENT"), "x");
    writeFileSync(join(folder, "MANIFEST-000002"), "x");
    writeFileSync(join(folder, "keep.txt"), "x");

    emptyStoreFolder(folder);

    expect(existsSync(join(folder, "CURRENT"))).toBe(false);
    expect(existsSync(join(folder, "MANIFEST-000002"))).toBe(false);
    expect(readFileSync(join(folder, "keep.txt"), "utf8")).toBe("x");
  });
});
