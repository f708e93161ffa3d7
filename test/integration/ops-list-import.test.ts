import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ListSuppressedDestinationsCommand, SuppressedDestinationSummary } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuppressionListReader } from "../../cli/aws.ts";
import { EXIT } from "../../cli/main.ts";
import { CSV_COLUMNS } from "../../cli/suppression-list.ts";
import { decide } from "../../functions/core/policy.ts";
import type { VerdictClass } from "../../functions/core/types.ts";
import { at, verdictOf } from "../fixtures/scenarios/feedback.ts";
import { NOW, ndjson, type OpsTable, startOpsTable } from "./ops-support.ts";

const HOUR_MS = 3_600_000;

let workDirectory: string;
/** One table with an address in each state; the list and export tests only read it. */
let listed: OpsTable;

const ADDRESSES = {
  hard: "hard@list.example",
  complaint: "complaint@list.example",
  manual: "manual@list.example",
  deferred: "deferred@list.example",
  active: "active@list.example",
} as const;

async function feedback(table: OpsTable, address: string, verdictClass: VerdictClass, timestamp: string) {
  await table.store.apply(address, decide(verdictOf(verdictClass, { address, timestamp })), NOW);
}

beforeAll(async () => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-ops-"));
  listed = await startOpsTable();
  await feedback(listed, ADDRESSES.hard, "hard", at(0));
  await feedback(listed, ADDRESSES.complaint, "complaint", at(3_600));
  await feedback(listed, ADDRESSES.deferred, "soft", new Date(NOW.getTime() - HOUR_MS).toISOString());
  await feedback(listed, ADDRESSES.active, "delivered", at(0));
  const manual = await listed.run([
    "suppress",
    ADDRESSES.manual,
    "--reason",
    "role account",
    "--actor",
    "dana",
  ]);
  expect(manual.code).toBe(EXIT.ok);
});

afterAll(async () => {
  await listed.close();
  rmSync(workDirectory, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(workDirectory, name);
  writeFileSync(path, text);
  return path;
}

const addressesOf = (rows: readonly Record<string, unknown>[]) => rows.map((row) => row.address).sort();
/** Rows in the order of their addresses (code-point order, as addressesOf). */
const byAddress = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => (String(a.address) < String(b.address) ? -1 : 1));

describe("bounce-guard list", () => {
  it("shows the suppressed addresses by default, aligned, with a count", async () => {
    // Act
    const result = await listed.run(["list"]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^status\s+reason\s+by\s+since\s+retry at\s+hard\s+soft\s+block\s+complaint\s+address$/,
    );
    expect(
      lines
        .slice(2, -1)
        .map((line) => line.split(/\s+/).at(-1))
        .sort(),
    ).toEqual([ADDRESSES.complaint, ADDRESSES.hard, ADDRESSES.manual].sort());
    expect(lines.at(-1)).toBe("3 suppressed addresses");
    // Aligned: every row's address starts where the header's does.
    const addressColumn = lines[0]?.indexOf("address");
    for (const line of lines.slice(2, -1)) expect(line.indexOf("@") > (addressColumn ?? 0)).toBe(true);
    for (const line of lines.slice(2, -1)) expect(line.charAt((addressColumn ?? 0) - 1)).toBe(" ");
  });

  it("filters by status", async () => {
    // Act
    const deferred = await listed.run(["list", "--status", "deferred", "--json"]);
    const all = await listed.run(["list", "--status", "all", "--json"]);

    // Assess
    expect(addressesOf(ndjson(deferred.stdout))).toEqual([ADDRESSES.deferred]);
    expect(ndjson(deferred.stdout)[0]).toMatchObject({ status: "deferred", reason: "mailboxfull" });
    expect(addressesOf(ndjson(all.stdout))).toEqual(Object.values(ADDRESSES).sort());
  });

  it("colours the status only when stdout is a terminal", async () => {
    // Act
    const plain = await listed.run(["list"]);
    const terminal = await listed.run(["list"], { isTTY: { stdout: true, stderr: false } });

    // Assess
    expect(plain.stdout).not.toContain("\u001b[");
    expect(terminal.stdout).toContain("\u001b[31msuppressed");
  });

  it("refuses an unknown status or date as a usage error", async () => {
    // Act
    const status = await listed.run(["list", "--status", "gone"]);
    const since = await listed.run(["list", "--since", "last tuesday"]);

    // Assess
    expect(status.code).toBe(EXIT.usage);
    expect(status.stderr).toContain(
      "argument 'gone' is invalid. Allowed choices are suppressed, deferred, active, all",
    );
    expect(status.stderr.trim().split("\n")).toHaveLength(1);
    expect(since.code).toBe(EXIT.usage);
    expect(since.stderr).toContain("--since must be a date");
  });
});

describe("bounce-guard export", () => {
  it("writes CSV with the documented columns", async () => {
    // Act
    const result = await listed.run(["export"]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    const [header, ...rows] = result.stdout.trim().split("\n");
    expect(header).toBe(CSV_COLUMNS.join(","));
    expect(header).toBe("address,status,reason,by,since,retry_at,hard,soft,block,complaint,delivery");
    expect(rows).toContain(`${ADDRESSES.hard},suppressed,userunknown,hard,${at(0)},,1,0,0,0,0`);
    expect(rows).toHaveLength(3);
  });

  it("filters by reason or by who suppressed", async () => {
    // Act
    const feedback = await listed.run(["export", "--format", "ndjson", "--reason", "feedback"]);
    const complaint = await listed.run(["export", "--format", "ndjson", "--reason", "complaint"]);
    const manual = await listed.run(["export", "--format", "ndjson", "--reason", "manual"]);

    // Assess
    expect(addressesOf(ndjson(feedback.stdout))).toEqual([ADDRESSES.complaint]);
    expect(addressesOf(ndjson(complaint.stdout))).toEqual([ADDRESSES.complaint]);
    expect(ndjson(manual.stdout)).toEqual([
      {
        address: ADDRESSES.manual,
        status: "suppressed",
        reason: "manual",
        by: "manual",
        since: NOW.toISOString(),
        counts: { hard: 0, soft: 0, block: 0, complaint: 0, delivery: 0 },
      },
    ]);
  });

  it("filters by the date the status began", async () => {
    // Act
    const recent = await listed.run(["export", "--format", "ndjson", "--since", "2026-01-01"]);
    const recentAll = await listed.run([
      "export",
      "--format",
      "ndjson",
      "--since",
      "2026-01-01",
      "--status",
      "all",
    ]);

    // Assess
    expect(addressesOf(ndjson(recent.stdout))).toEqual([ADDRESSES.manual]);
    expect(addressesOf(ndjson(recentAll.stdout))).toEqual([ADDRESSES.deferred, ADDRESSES.manual]);
  });
});

describe("bounce-guard import", () => {
  it("reproduces the suppressed set in a fresh store from an export, and a second run skips everything", async () => {
    // Prepare
    const exported = await listed.run(["export"]);
    const csv = file("round-trip.csv", exported.stdout);
    const fresh = await startOpsTable();
    try {
      // Act
      const first = await fresh.run(["import", csv, "--actor", "erin"]);
      const second = await fresh.run(["import", csv, "--json"]);
      const reexported = await fresh.run(["export", "--format", "ndjson"]);
      const original = await listed.run(["export", "--format", "ndjson"]);
      const complaint = await fresh.run(["unsuppress", ADDRESSES.complaint, "--reason", "try"]);
      const why = await fresh.run(["why", ADDRESSES.hard, "--json"]);

      // Assess
      expect(first.code).toBe(EXIT.ok);
      expect(first.stdout).toContain("3 added, 0 skipped (already suppressed), 0 invalid");
      expect(second.code).toBe(EXIT.ok);
      expect(JSON.parse(second.stdout)).toMatchObject({ added: 0, skipped: 3, invalid: [] });
      // Everything export wrote comes back: who suppressed (by) and the counts too.
      const summary = (rows: Record<string, unknown>[]) =>
        rows.map(({ address, status, reason, by, since, counts }) => ({
          address,
          status,
          reason,
          by,
          since,
          counts,
        }));
      expect(byAddress(summary(ndjson(reexported.stdout)))).toEqual(
        byAddress(summary(ndjson(original.stdout))),
      );
      // The imported complaint keeps its reason, and with it the --force lock.
      expect(complaint.code).toBe(EXIT.badInput);
      expect(ndjson(why.stdout)[0]).toMatchObject({
        suppression: {
          by: "hard",
          reason: "userunknown",
          actor: "erin",
          note: expect.stringContaining("round-trip.csv:"),
        },
        audit: [{ action: "import", actor: "erin" }],
      });
    } finally {
      await fresh.close();
    }
  });

  it("reads NDJSON as export writes it and ignores rows that were not suppressed", async () => {
    // Prepare
    const exported = await listed.run(["export", "--format", "ndjson", "--status", "all"]);
    const path = file("all.ndjson", exported.stdout);
    const fresh = await startOpsTable();
    try {
      // Act
      const result = await fresh.run(["import", path, "--json"]);
      const reexported = await fresh.run(["export", "--format", "ndjson", "--status", "all"]);

      // Assess
      expect(result.code).toBe(EXIT.ok);
      expect(JSON.parse(result.stdout)).toMatchObject({
        added: 3,
        skipped: 0,
        notSuppressed: 2,
        invalid: [],
      });
      expect(addressesOf(ndjson(reexported.stdout))).toEqual(
        [ADDRESSES.complaint, ADDRESSES.hard, ADDRESSES.manual].sort(),
      );
    } finally {
      await fresh.close();
    }
  });

  it("reads quoted CSV fields and a header behind a byte order mark", async () => {
    // Prepare
    const path = file(
      "quoted.csv",
      '\uFEFFreason,Address\n"bounced, twice","""quoted,local""@Quoted.Example"\nuserunknown,plain@quoted.example\n',
    );
    const fresh = await startOpsTable();
    try {
      // Act
      const result = await fresh.run(["import", path, "--json"]);
      const exported = await fresh.run(["export"]);

      // Assess
      expect(JSON.parse(result.stdout)).toMatchObject({ added: 2, invalid: [] });
      expect(exported.stdout).toContain('"""quoted,local""@quoted.example",suppressed,manual,manual,');
      expect(exported.stdout).toContain("plain@quoted.example,suppressed,userunknown,manual,");
    } finally {
      await fresh.close();
    }
  });

  it("stops at a CSV header without an address column and says so", async () => {
    // Prepare
    const path = file("no-address.csv", "email,reason\nsomeone@example.com,x\n");
    const fresh = await startOpsTable();
    try {
      // Act
      const result = await fresh.run(["import", path]);

      // Assess
      expect(result.code).toBe(EXIT.badInput);
      expect(result.stderr).toContain('no-address.csv:1: the CSV header has no "address" column');
      expect(await fresh.store.get("someone@example.com")).toBeUndefined();
    } finally {
      await fresh.close();
    }
  });

  it("draws progress on stderr only when stderr is a terminal", async () => {
    // Prepare
    const path = file("small.csv", "address\none@progress.example\ntwo@progress.example\n");
    const fresh = await startOpsTable();
    try {
      // Act
      const quiet = await fresh.run(["import", path]);
      const terminal = await fresh.run(["import", path], { isTTY: { stdout: false, stderr: true } });

      // Assess
      expect(quiet.stderr).not.toMatch(/importing/);
      expect(terminal.stderr).toMatch(/importing small\.csv \[#+-*\] 100% 3\/3/);
    } finally {
      await fresh.close();
    }
  });

  it("imports 9,999 of 10,000 addresses, names the one bad line, and a second run skips them all", async () => {
    // Prepare
    const lines = ["address,reason"];
    for (let index = 0; index < 10_000; index += 1) {
      lines.push(index === 4_999 ? "not-an-address,userunknown" : `user${index}@bulk.example,userunknown`);
    }
    const path = file("bulk.csv", `${lines.join("\n")}\n`);
    const fresh = await startOpsTable();
    try {
      // Act
      const first = await fresh.run(["import", path]);
      const second = await fresh.run(["import", path]);
      const exported = await fresh.run(["export", "--format", "ndjson"]);

      // Assess
      expect(first.code).toBe(EXIT.badInput);
      expect(first.stdout).toContain("9999 added, 0 skipped (already suppressed), 1 invalid");
      expect(first.stderr).toContain('bulk.csv:5001: "not-an-address" is not an e-mail address');
      expect(first.stderr).toContain("invalid lines: 5001");
      expect(second.code).toBe(EXIT.badInput);
      expect(second.stdout).toContain("0 added, 9999 skipped (already suppressed), 1 invalid");
      expect(ndjson(exported.stdout)).toHaveLength(9_999);
      // Streamed: one write per scan page, never the whole table at once.
      expect(exported.stdoutWrites.length).toBeGreaterThanOrEqual(20);
    } finally {
      await fresh.close();
    }
  }, 300_000);
});

describe("bounce-guard import --from-ses", () => {
  /** SES page `n` as ListSuppressedDestinations returns it. */
  const pages: SuppressedDestinationSummary[][] = [
    [
      {
        EmailAddress: "bounced@ses.example",
        Reason: "BOUNCE",
        LastUpdateTime: new Date("2026-01-01T00:00:00Z"),
      },
      {
        EmailAddress: "complained@ses.example",
        Reason: "COMPLAINT",
        LastUpdateTime: new Date("2026-01-02T00:00:00Z"),
      },
    ],
    [{ EmailAddress: "not an address", Reason: "BOUNCE", LastUpdateTime: new Date("2026-01-03T00:00:00Z") }],
    [
      {
        EmailAddress: "Third.Page@SES.example",
        Reason: "BOUNCE",
        LastUpdateTime: new Date("2026-01-04T00:00:00Z"),
      },
    ],
  ];

  /**
   * A stand-in for the SES v2 client: there is no local SES to run against, so this answers
   * ListSuppressedDestinations from `pages`, following NextToken, and records the tokens it got.
   */
  function sesStandIn() {
    const tokens: (string | undefined)[] = [];
    const client: SuppressionListReader = {
      send: async (command: ListSuppressedDestinationsCommand) => {
        const token = command.input.NextToken;
        tokens.push(token);
        const index = token === undefined ? 0 : Number(token.replace("page-", ""));
        return {
          SuppressedDestinationSummaries: pages[index] ?? [],
          ...(index + 1 < pages.length ? { NextToken: `page-${index + 1}` } : {}),
          $metadata: {},
        };
      },
    };
    return { client, tokens };
  }

  it("imports every page, keeps the complaint lock, names the unreadable entry, and a second run skips all", async () => {
    // Prepare
    const ses = sesStandIn();
    const fresh = await startOpsTable();
    try {
      // Act
      const first = await fresh.run(["import", "--from-ses", "--json"], { aws: { sesv2: () => ses.client } });
      const second = await fresh.run(["import", "--from-ses", "--json"], {
        aws: { sesv2: () => ses.client },
      });
      const exported = await fresh.run(["export", "--format", "ndjson"]);
      const unsuppress = await fresh.run(["unsuppress", "complained@ses.example", "--reason", "try"]);

      // Assess
      expect(ses.tokens).toEqual([undefined, "page-1", "page-2", undefined, "page-1", "page-2"]);
      expect(first.code).toBe(EXIT.badInput);
      expect(JSON.parse(first.stdout)).toMatchObject({
        source: "the SES account suppression list",
        added: 3,
        skipped: 0,
        invalid: [{ origin: "SES page 2 item 1" }],
      });
      expect(first.stderr).toContain('SES page 2 item 1: "not an address" is not an e-mail address');
      expect(JSON.parse(second.stdout)).toMatchObject({ added: 0, skipped: 3 });
      expect(byAddress(ndjson(exported.stdout))).toEqual([
        expect.objectContaining({
          address: "Third.Page@ses.example",
          by: "ses",
          reason: "suppressed",
          since: "2026-01-04T00:00:00.000Z",
        }),
        expect.objectContaining({ address: "bounced@ses.example", by: "ses", reason: "suppressed" }),
        expect.objectContaining({ address: "complained@ses.example", by: "ses", reason: "feedback" }),
      ]);
      expect(unsuppress.code).toBe(EXIT.badInput);
      expect(unsuppress.stdout).toContain("refused");
    } finally {
      await fresh.close();
    }
  });

  it("takes a FILE or --from-ses, not both", async () => {
    // Act
    const result = await listed.run(["import", "x.csv", "--from-ses"]);

    // Assess
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain("import needs exactly one FILE, or --from-ses");
  });
});
