// Every failure a command meets is one line naming what to do, with exit code 1 and no stack trace:
// files and folders, AWS settings, and a local store another command holds.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandFailure } from "../../cli/command.ts";
import { demoBounce } from "../../cli/demo-scenario.ts";
import { describeFailure } from "../../cli/failures.ts";
import { snsEnvelopeOf } from "../../cli/local/sns.ts";
import { LOCK_FILE } from "../../cli/local/store-lock.ts";
import { EXIT } from "../../cli/main.ts";
import { runCommand } from "./ops-support.ts";

const CLI = new URL("../../cli/bounce-guard.js", import.meta.url).pathname;
const STACK_LINE = /\n\s+at /;

let workDirectory: string;

beforeAll(() => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-failures-"));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

/** A real `bounce-guard` process with a clean AWS environment (no Region, no profile). */
function bounceGuard(args: readonly string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("AWS_") && !name.startsWith("BOUNCE_GUARD_"),
    ),
  );
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    cwd: workDirectory,
    env: {
      ...clean,
      AWS_CONFIG_FILE: join(workDirectory, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(workDirectory, "no-aws-credentials"),
      ...env,
    },
  });
}

describe("failures from the operating system", () => {
  it("answers `import /` with one line and exit 1", () => {
    const result = bounceGuard(["import", "/", "--data", join(workDirectory, "store-import")]);

    expect(result.status).toBe(EXIT.badInput);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("bounce-guard import: / is a folder; give a CSV or NDJSON file\n");
  });

  it("answers --data naming a file with one line and exit 1", () => {
    const file = join(workDirectory, "a-file");
    writeFileSync(file, "not a folder");

    const result = bounceGuard(["list", "--data", file]);

    expect(result.status).toBe(EXIT.badInput);
    expect(result.stderr).toBe(`bounce-guard list: ${file} is a file, not a folder; give --data a folder\n`);
    expect(readFileSync(file, "utf8")).toBe("not a folder");
  });

  it("answers a missing import file with one line and exit 1", () => {
    const result = bounceGuard(["import", "nope.csv", "--data", join(workDirectory, "store-missing")]);

    expect(result.status).toBe(EXIT.badInput);
    expect(result.stderr).toBe("bounce-guard import: nope.csv: no such file or folder\n");
  });
});

describe("failures from AWS settings", () => {
  it("answers import --from-ses without a Region with one line naming what to set", () => {
    const result = bounceGuard(["import", "--from-ses", "--data", join(workDirectory, "store-ses")]);

    expect(result.status).toBe(EXIT.badInput);
    expect(result.stderr).toBe(
      "bounce-guard import: no AWS Region: give --region, set BOUNCE_GUARD_REGION or AWS_REGION, or put region in .bounce-guard/config.json\n",
    );
  });

  it.each(["unsuppress", "erase"])(
    "refuses %s --ses-sync on the local store as a usage error, touching no store",
    async (command) => {
      const data = join(workDirectory, `store-sync-${command}`);

      const result = await runCommand([
        command,
        "someone@example.com",
        "--reason",
        "test",
        "--ses-sync",
        "--data",
        data,
      ]);

      expect(result.code).toBe(EXIT.usage);
      expect(result.stderr).toBe(
        `bounce-guard ${command}: --ses-sync needs a deployed stack (--stack or --table): the local store has no SES list (see 'bounce-guard help ${command}')\n`,
      );
      expect(existsSync(data)).toBe(false);
    },
  );

  it.each([
    [
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      /^no AWS credentials found: configure a profile/,
    ],
    [
      Object.assign(new Error("The security token included in the request is expired"), {
        name: "ExpiredTokenException",
      }),
      /^the AWS credentials have expired: renew them/,
    ],
    [
      Object.assign(new Error("User: x is not authorized to perform: dynamodb:Scan"), {
        name: "AccessDeniedException",
      }),
      /^AWS denied the request: User: x is not authorized to perform: dynamodb:Scan; grant/,
    ],
    [
      Object.assign(new Error("Requested resource not found"), { name: "ResourceNotFoundException" }),
      /^Requested resource not found: check the name \(--table or --stack\) and the Region/,
    ],
    [
      Object.assign(new Error("getaddrinfo ENOTFOUND dynamodb.xx-1.amazonaws.com"), { code: "ENOTFOUND" }),
      /^cannot reach the service \(ENOTFOUND\)/,
    ],
    [
      Object.assign(new Error("EACCES: permission denied"), { code: "EACCES", path: "/root/x" }),
      /^\/root\/x: permission denied; check its owner and mode$/,
    ],
    [
      Object.assign(new Error("Database is closed"), { code: "LEVEL_DATABASE_NOT_OPEN" }),
      /^the local store is in use by another process/,
    ],
    [new CommandFailure("said already"), /^said already$/],
    [
      new TypeError("x is not a function"),
      /^unexpected TypeError: x is not a function \(BOUNCE_GUARD_DEBUG=1 shows the details\)$/,
    ],
  ])("puts %s in one line", (error, expected) => {
    const line = describeFailure(error, {});

    expect(line).toMatch(expected);
    expect(line).not.toContain("\n");
  });

  it("adds the stack trace only with BOUNCE_GUARD_DEBUG", () => {
    const error = new TypeError("x is not a function");

    expect(describeFailure(error, { BOUNCE_GUARD_DEBUG: "1" })).toMatch(STACK_LINE);
    expect(describeFailure(error, {})).not.toMatch(STACK_LINE);
  });
});

describe("a local store one command holds", () => {
  it("makes a second command wait, then say in one line which command holds the store", async () => {
    // Prepare: a lock held by a live process (this one), as a command running elsewhere would hold it.
    const data = join(workDirectory, "store-held");
    mkdirSync(data, { recursive: true });
    writeFileSync(
      join(data, LOCK_FILE),
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        command: "replay",
        since: "2026-11-26T12:00:00.000Z",
      }),
    );

    // Act
    const result = await runCommand(["list", "--data", data], {
      env: { BOUNCE_GUARD_LOCK_WAIT_SECONDS: "0.3" },
    });

    // Assess
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr.trim().split("\n")).toEqual([
      `waiting for bounce-guard replay (pid ${process.pid}, since 12:00:00 UTC) to finish with ${data}…`,
      `bounce-guard list: the local store ${data} is in use by bounce-guard replay (pid ${process.pid}, since 12:00:00 UTC); wait for it to finish, or use another --data folder`,
    ]);
  });

  it("takes over a lock left by a process that is gone", async () => {
    const data = join(workDirectory, "store-stale");
    mkdirSync(data, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
    writeFileSync(
      join(data, LOCK_FILE),
      JSON.stringify({ pid: gone, host: hostname(), command: "replay", since: "2026-11-26T12:00:00.000Z" }),
    );

    const result = await runCommand(["list", "--data", data], {
      env: { BOUNCE_GUARD_LOCK_WAIT_SECONDS: "0" },
    });

    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe("");
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);
  });

  it("prints no stack trace when list runs while replay runs, and list waits its turn", async () => {
    // Prepare: enough notifications to keep a replay busy for a few seconds.
    const data = join(workDirectory, "store-busy");
    const notifications = join(workDirectory, "many.ndjson");
    const lines = Array.from({ length: 3_000 }, (_, index) =>
      JSON.stringify(
        snsEnvelopeOf(
          demoBounce({
            address: `busy-${index}@example.com`,
            bounceType: "Permanent",
            bounceSubType: "General",
            status: "5.1.1",
            diagnosticCode: "smtp; 550 5.1.1 user unknown",
            at: new Date("2026-11-26T10:00:00.000Z"),
            id: `busy-${index}`,
          }),
        ),
      ),
    );
    writeFileSync(notifications, `${lines.join("\n")}\n`);
    const replay: ChildProcess = spawn(process.execPath, [CLI, "replay", notifications, "--data", data], {
      stdio: "ignore",
    });
    const replayed = new Promise<number | null>((resolve) => replay.on("exit", resolve));
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(data, LOCK_FILE)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Act: one list that gives up at once, one that waits for the replay to finish.
    const impatient = bounceGuard(["list", "--data", data], { BOUNCE_GUARD_LOCK_WAIT_SECONDS: "0" });
    const patient = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(process.execPath, [CLI, "list", "--data", data], {
          env: { ...process.env, BOUNCE_GUARD_LOCK_WAIT_SECONDS: "120" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on("exit", (status) => resolve({ status, stdout, stderr }));
      },
    );

    // Assess
    expect(await replayed).toBe(0);
    expect(impatient.status).toBe(EXIT.badInput);
    expect(impatient.stderr).toMatch(
      /^bounce-guard list: the local store .* is in use by bounce-guard replay \(pid \d+, since \d\d:\d\d:\d\d UTC\); wait for it to finish, or use another --data folder\n$/,
    );
    expect(patient.status).toBe(EXIT.ok);
    expect(patient.stderr).toMatch(/^waiting for bounce-guard replay \(pid \d+/);
    expect(patient.stderr).not.toMatch(STACK_LINE);
    expect(patient.stdout).toContain("3000 suppressed addresses");
  }, 120_000);
});
