// The demo (`npm start`): it never deletes what it did not make, its output reads well in 100
// columns, the dead letters it leaves can be seen and redriven locally, and the report of its store
// draws in a real headless browser (Debian's Chromium through playwright-core; skipped with a
// message where no Chromium can be found). One demo run serves them all: it is the slow part.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareScenarioFolder, retryWindowsDirectory } from "../../cli/commands/demo.ts";
import { demoBounce } from "../../cli/demo-scenario.ts";
import { DEMO_WINDOW_POLICY } from "../../cli/demo-windows.ts";
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
import { LOCAL_POLICY_FILE, readLocalPolicy, recordLocalPolicy } from "../../cli/store-policy.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";
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

/** The flags the headless browser runs with: no sandbox (root in CI), nothing fetched in the background. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface ChartInPage {
  readonly role: string | null;
  readonly title: string;
  readonly description: string;
  readonly width: number;
  readonly height: number;
  readonly marks: number;
}

/** Each chart as the browser laid it out: its role, the texts it is labelled by, its size and marks. */
const CHARTS_IN_PAGE = `[...document.querySelectorAll("svg.chart")].map((svg) => {
  const box = svg.getBoundingClientRect();
  const labelled = (svg.getAttribute("aria-labelledby") ?? "").split(" ")
    .map((id) => document.getElementById(id)?.textContent ?? "");
  return { role: svg.getAttribute("role"), title: labelled[0] ?? "", description: labelled[1] ?? "",
    width: box.width, height: box.height, marks: svg.querySelectorAll("rect").length };
})`;

function findChromium(): string | undefined {
  const named = process.env.BOUNCE_GUARD_CHROMIUM;
  const candidates = [
    ...(named !== undefined && named !== "" ? [named] : []),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome-stable",
  ];
  return candidates.find((path) => existsSync(path));
}

const executablePath = findChromium();
if (executablePath === undefined) {
  console.warn(
    "report-browser.test.ts skipped: no Chromium found (apt-get install -y chromium, or set BOUNCE_GUARD_CHROMIUM)",
  );
}

// First among this file's tests, while the store holds what the demo wrote and nothing else.
describe.skipIf(executablePath === undefined)("the report after the demo, in a headless browser", () => {
  let reportFile: string;
  let context: BrowserContext;

  beforeAll(async () => {
    const report = await runCommand(["report", "--data", store, "--out", join(workDirectory, "report")], {
      now: new Date(),
    });
    expect(report.code).toBe(EXIT.ok);
    // The scenario's addresses; the retry windows' three are in a store of their own.
    expect(report.stdout).toBe(`wrote ${join(workDirectory, "report", "index.html")} (12 addresses)\n`);
    reportFile = join(workDirectory, "report", "index.html");
    context = await chromium.launchPersistentContext(join(workDirectory, "profile"), {
      executablePath: executablePath as string,
      headless: true,
      args: FLAGS,
      viewport: { width: 1100, height: 900 },
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
  });

  it("writes index.html after the demo", () => {
    expect(existsSync(reportFile)).toBe(true);
  });

  it.each(["light", "dark"] as const)(
    "draws every chart in the %s scheme without console errors or network requests",
    async (scheme) => {
      // Prepare
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("request", (request) => {
        if (!request.url().startsWith("file://")) requests.push(request.url());
      });
      await page.emulateMedia({ colorScheme: scheme });

      // Act
      await page.goto(`file://${reportFile}`, { waitUntil: "load" });
      // Run in the page (a string, as this project type-checks without the DOM's types).
      const charts = (await page.evaluate(CHARTS_IN_PAGE)) as ChartInPage[];
      const background = (await page.evaluate("getComputedStyle(document.body).backgroundColor")) as string;
      await page.close();

      // Assess
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(charts.length).toBeGreaterThanOrEqual(5);
      for (const chart of charts) {
        expect(chart.role).toBe("img");
        expect(chart.title.length).toBeGreaterThan(5);
        expect(chart.description.length).toBeGreaterThan(20);
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.height).toBeGreaterThan(20);
        expect(chart.marks).toBeGreaterThan(0);
      }
      expect(background).toBe(scheme === "light" ? "rgb(255, 255, 255)" : "rgb(13, 17, 23)");
    },
    60_000,
  );
});

describe("the demo's output", () => {
  it("marks both its stores as its own, each with the policy it was written with", async () => {
    const windows = retryWindowsDirectory(store);

    // A command that only reads, as the operator runs after the demo.
    const why = await runCommand(["why", "full@retry.example", "--data", windows, "--json"]);

    expect(folderContents(store)).toEqual({ kind: "demo" });
    expect(folderContents(windows)).toEqual({ kind: "demo" });
    expect(readLocalPolicy(store)).toEqual(DEFAULT_POLICY);
    expect(readLocalPolicy(windows)).toEqual(DEMO_WINDOW_POLICY);
    expect(ndjson(why.stdout)[0]).toMatchObject({
      status: "suppressed",
      suppression: { by: "soft-threshold" },
    });
  });

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
  it("leaves a retry-window folder holding anything else untouched, and the scenario's store too", async () => {
    // Prepare: a store the demo may reset, beside a folder of notes where its windows would go.
    const data = join(workDirectory, "beside-notes");
    mkdirSync(data);
    markDemoStore(data, NOW);
    const notes = retryWindowsDirectory(data);
    mkdirSync(notes);
    writeFileSync(join(notes, "notes.txt"), "my notes");

    // Act
    const result = await runCommand(["demo", "--data", data]);

    // Assess
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toBe(
      `bounce-guard demo: ${notes} holds files that are not a Bounce Guard store (notes.txt); the demo leaves them alone: give --data a new or empty folder\n`,
    );
    expect(readFileSync(join(notes, "notes.txt"), "utf8")).toBe("my notes");
    expect(folderContents(data)).toEqual({ kind: "demo" });
  });

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

  it("empties the store for the demo when the operator says yes", async () => {
    // Prepare: the operator's store (see above); an Io whose person at the terminal says yes.
    expect(folderContents(store)).toEqual({ kind: "store" });
    const io = {
      stdout: () => {},
      stderr: () => {},
      readStdin: async () => "",
      now: () => NOW,
      confirm: async () => true,
    };

    // Act
    await prepareScenarioFolder(store, io);

    // Assess: the store's files are gone, so the demo starts from an empty store.
    expect(folderContents(store)).toEqual({ kind: "empty" });
  });
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
    // The policy record is a store's own file, the demo's and the operator's alike.
    recordLocalPolicy(folder, DEFAULT_POLICY);
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
    recordLocalPolicy(folder, DEFAULT_POLICY);
    writeFileSync(join(folder, "keep.txt"), "x");

    emptyStoreFolder(folder);

    expect(existsSync(join(folder, "CURRENT"))).toBe(false);
    expect(existsSync(join(folder, "MANIFEST-000002"))).toBe(false);
    expect(existsSync(join(folder, LOCAL_POLICY_FILE))).toBe(false);
    expect(readFileSync(join(folder, "keep.txt"), "utf8")).toBe("x");
  });
});
