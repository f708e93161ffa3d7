// The README's Operations section documents the command line as it is: every command, every flag,
// every environment variable the command line reads, and the report's picture.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../cli/commands.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const OPERATIONS = README.slice(README.indexOf("## Operations"), README.indexOf("## Privacy"));

describe("the README's Operations section", () => {
  it.each(COMMANDS.map((command) => [command.name, Object.keys(command.options)] as const))(
    "documents %s and each of its options",
    (name, options) => {
      expect(OPERATIONS).toContain(`\`${name}`);
      for (const option of options) expect(OPERATIONS).toContain(`--${option}`);
    },
  );

  it.each([
    "BOUNCE_GUARD_STACK",
    "BOUNCE_GUARD_REGION",
    "BOUNCE_GUARD_DATA",
    "BOUNCE_GUARD_CONFIG",
    "BOUNCE_GUARD_LOCK_WAIT_SECONDS",
    "BOUNCE_GUARD_DEBUG",
    "NO_COLOR",
    "--version",
  ])("mentions %s", (name) => {
    expect(OPERATIONS).toContain(name);
  });

  it("shows the report as a picture that is in the repository", () => {
    const [, path] = /!\[[^\]]+\]\(([^)]+\.png)\)/.exec(OPERATIONS) ?? [];

    expect(path).toBeDefined();
    expect(existsSync(new URL(`../../${path}`, import.meta.url))).toBe(true);
  });
});
