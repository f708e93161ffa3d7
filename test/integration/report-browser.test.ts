// `bounce-guard report` after the demo, opened in a real headless browser (Debian's Chromium,
// driven by playwright-core): the page draws its charts in light and dark schemes, logs no error
// and asks for nothing over the network. Skipped, with a message, where no Chromium can be found.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../cli/main.ts";
import { runCommand } from "./ops-support.ts";

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

describe.skipIf(executablePath === undefined)("the HTML report in a headless browser", () => {
  let workDirectory: string;
  let reportFile: string;
  let context: BrowserContext;

  beforeAll(async () => {
    workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-report-"));
    const store = join(workDirectory, "store");
    const demo = await runCommand(["demo", "--data", store], { now: new Date() });
    expect(demo.code).toBe(EXIT.ok);
    const report = await runCommand(["report", "--data", store, "--out", join(workDirectory, "report")], {
      now: new Date(),
    });
    expect(report.code).toBe(EXIT.ok);
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
    rmSync(workDirectory, { recursive: true, force: true });
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
