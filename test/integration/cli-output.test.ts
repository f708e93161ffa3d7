// What the commands print for people: the same address rule everywhere, tables that stay aligned
// across scan pages, progress that never runs into the rows, colour only where wanted, and stored
// text shown with its control characters escaped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../cli/main.ts";
import { printable, printableJson } from "../../cli/printable.ts";
import { decide } from "../../functions/core/policy.ts";
import { verdictOf } from "../fixtures/scenarios/feedback.ts";
import { NOW, ndjson, type OpsTable, startOpsTable } from "./ops-support.ts";

let workDirectory: string;
let table: OpsTable;

beforeAll(async () => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-output-"));
  table = await startOpsTable();
});

afterAll(async () => {
  await table.close();
  rmSync(workDirectory, { recursive: true, force: true });
});

const CLEAR_LINE = "\r\u001b[2K";

/**
 * What a terminal shows when stdout and stderr are the same screen: "\r\u001b[2K" clears the line,
 * "\n" ends it. Returns the lines that stay on the screen.
 */
function screenOf(writes: readonly string[]): string[] {
  const lines: string[] = [];
  let current = "";
  for (const write of writes) {
    for (const piece of write.split(new RegExp(`(${CLEAR_LINE.replace("[", "\\[")}|\n)`))) {
      if (piece === CLEAR_LINE) current = "";
      else if (piece === "\n") {
        lines.push(current);
        current = "";
      } else current += piece;
    }
  }
  return current === "" ? lines : [...lines, current];
}

describe("the same address rule in every command", () => {
  it.each([
    ["a@b", "domain not fully qualified"],
    ["a..b@example.com", 'unexpected "." at position 3'],
  ])("suppress refuses %s as check does, and writes nothing", async (address, detail) => {
    const suppressed = await table.run(["suppress", address, "--reason", "test"]);
    const checked = await table.run(["check", address, "--json"]);
    const listed = await table.run(["list", "--status", "all", "--json"]);

    expect(suppressed.code).toBe(EXIT.badInput);
    expect(suppressed.stderr).toBe(`"${address}" is not an e-mail address: ${detail}\n`);
    expect(ndjson(checked.stdout)[0]).toMatchObject({ verdict: "invalid", reason: "syntax" });
    expect(ndjson(listed.stdout).map((row) => row.address)).not.toContain(address);
  });

  it("unsuppress calls bad@@x invalid with exit 1, not not-found", async () => {
    const result = await table.run(["unsuppress", "bad@@x", "--reason", "test"]);

    expect(result.code).toBe(EXIT.badInput);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe('"bad@@x" is not an e-mail address: unexpected "@" at position 5\n');
  });
});

describe("check", () => {
  it("says a file without addresses holds none, instead of asking for arguments", async () => {
    const empty = join(workDirectory, "empty.txt");
    writeFileSync(empty, "\n# only a comment\n\n");

    const result = await table.run(["check", "--file", empty]);

    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toBe(
      `${empty}: no addresses in it (one per line; blank lines and # comments are skipped)\n`,
    );
  });

  it("ends with a summary line and draws progress over 5,000 addresses", async () => {
    // Prepare
    const addresses = Array.from({ length: 5_000 }, (_, index) => `reader-${index}@example.com`);
    addresses[17] = "not-an-address";
    const file = join(workDirectory, "five-thousand.txt");
    writeFileSync(file, `${addresses.join("\n")}\n`);
    await table.store.apply(
      "reader-3@example.com",
      decide(verdictOf("hard", { address: "reader-3@example.com" })),
      NOW,
    );

    // Act
    const result = await table.run(["check", "--file", file], { isTTY: { stdout: false, stderr: true } });

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe(
      "5000 addresses: 4998 send, 0 defer, 1 suppress, 1 invalid",
    );
    expect(result.stderr).toMatch(/checking \[#+-*\] \d+% \d+\/5000/);
    expect(result.stderr).toContain("checking [########################] 100% 5000/5000");
  }, 60_000);
});

describe("list on a terminal", () => {
  let many: OpsTable;

  beforeAll(async () => {
    // More than two scan pages of 500, with addresses of very different lengths on each.
    many = await startOpsTable();
    for (let index = 0; index < 1_100; index += 1) {
      const address = `${"x".repeat(index % 40)}reader-${index}@${index % 3 === 0 ? "a-long-receiving-domain.example" : "b.example"}`;
      await many.store.apply(address, decide(verdictOf(index % 7 === 0 ? "soft" : "hard", { address })), NOW);
    }
  }, 120_000);

  afterAll(async () => {
    await many.close();
  });

  it("keeps every row of every scan page aligned with the header", async () => {
    const result = await many.run(["list", "--status", "all"]);

    const lines = result.stdout.trimEnd().split("\n");
    const header = lines[0] ?? "";
    const rows = lines.slice(2, -1);
    expect(rows).toHaveLength(1_100);
    // Every column starts after a space in every row; the ones never empty start with their value.
    for (const column of [
      "reason",
      "by",
      "since",
      "retry at",
      "hard",
      "soft",
      "block",
      "complaint",
      "address",
    ]) {
      const start = header.indexOf(column);
      for (const row of rows) expect(row.charAt(start - 1)).toBe(" ");
      if (["hard", "soft", "block", "complaint", "address"].includes(column)) {
        for (const row of rows) expect(row.charAt(start)).not.toBe(" ");
      }
    }
  });

  it("never leaves progress text glued to a row when stdout and stderr share the screen", async () => {
    // Prepare: every write, both streams, in order, as one terminal shows them.
    const writes: string[] = [];
    const result = await many.run(["list", "--status", "all"], {
      isTTY: { stdout: true, stderr: true },
      env: { NO_COLOR: "1" },
      onWrite: (text) => writes.push(text),
    });

    // Act
    const screen = screenOf(writes);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toMatch(/scanning \d+/);
    expect(screen.filter((line) => line.includes("scanning"))).toEqual([]);
    expect(screen.filter((line) => line.includes("@"))).toHaveLength(1_100);
  });

  it("colours only a terminal, and not when NO_COLOR is set or TERM is dumb", async () => {
    const coloured = await many.run(["list"], { isTTY: { stdout: true, stderr: false } });
    const noColour = await many.run(["list"], {
      isTTY: { stdout: true, stderr: false },
      env: { NO_COLOR: "1" },
    });
    // The deployed functions' policy variable set, as an operator of a bare --table does: no note on stderr.
    const dumb = await many.run(["list"], {
      isTTY: { stdout: true, stderr: true },
      env: { TERM: "dumb", SOFT_BOUNCE_THRESHOLD: "5" },
    });

    expect(coloured.stdout).toContain("\u001b[31msuppressed");
    expect(noColour.stdout).not.toContain("\u001b[");
    expect(dumb.stdout).not.toContain("\u001b[");
    expect(dumb.stderr).toBe("");
  });
});

describe("stored text shown escaped", () => {
  it("escapes control characters and bidirectional overrides", () => {
    expect(printable("a\u001b[2Jb\r\n\u0007\u202etxt.exe")).toBe("a\\x1b[2Jb\\r\\n\\x07\\u202etxt.exe");
    expect(printable("plain text, ünïcödé")).toBe("plain text, ünïcödé");
  });

  it("writes --json lines a terminal cannot act on, with the same values", () => {
    const value = { address: "a\u009b31mb@example.com", note: "\u202etxt.exe\u001b" };

    const line = printableJson(value);

    expect(line).toBe('{"address":"a\\u009b31mb@example.com","note":"\\u202etxt.exe\\u001b"}');
    expect(JSON.parse(line)).toEqual(value);
  });

  it("why, status and list print a hostile diagnostic and operator note escaped", async () => {
    // Prepare
    const address = "escaped@example.com";
    const hostile = "550 5.1.1 \u001b[2J\u001b]0;owned\u0007 gone\r\nfake line";
    await table.store.apply(address, decide(verdictOf("hard", { address, diagnostic: hostile })), NOW);
    await table.run([
      "suppress",
      "noted@example.com",
      "--reason",
      "line one\u001b[31m red",
      "--actor",
      "ops\u0007",
    ]);

    // Act
    const why = await table.run(["why", address]);
    const status = await table.run(["status", address]);
    const whyNote = await table.run(["why", "noted@example.com"]);
    const listed = await table.run(["list", "--status", "all"]);

    // Assess
    for (const output of [why.stdout, status.stdout, whyNote.stdout, listed.stdout]) {
      for (const raw of ["\u0007", "\u001b", "\r"]) expect(output).not.toContain(raw);
    }
    expect(why.stdout).toContain("\\x1b[2J\\x1b]0;owned\\x07 gone\\r\\nfake line");
    expect(whyNote.stdout).toContain("line one\\x1b[31m red");
  });
});
