// The command line as people run it, a whole process of the package's bin (the compiled CLI in
// dist/): how long `bounce-guard --version` takes next to `node -e 0`, and how fast `bounce-guard
// classify` reads 52,800 notifications in one process, start-up and output included, next to
// Sisimai (Debian's libsisimai-perl) reading the same notifications when it is installed.
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, pairedRatio, round } from "./statistics.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "cli", "bounce-guard.js");
const CASES = join(ROOT, "test", "fixtures", "bounces", "cases.json");

/** The size the issue measured Sisimai's rate on. */
export const CLASSIFY_NOTIFICATIONS = 52_800;

/**
 * How SES labels each diagnostic: the three labellings the classification corpus is scored in (the
 * evidence, not SES's label, must decide).
 */
const LABELLINGS = [
  ["Undetermined", "Undetermined"],
  ["Permanent", "General"],
  ["Transient", "General"],
] as const;

interface BounceCase {
  readonly id: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
}

export interface CliProcessFigures {
  /** Per round, `bounce-guard --version` over `node -e 0`; the median of the rounds. */
  readonly versionRatio: number;
  readonly versionMs: number;
  readonly nodeMs: number;
  readonly versionRuns: number;
  readonly notifications: number;
  /** Verdicts `classify` printed: one per recipient, every notification has one. */
  readonly recipients: number;
  readonly classifyRuns: number;
  /** Median wall time of the whole `classify` process. */
  readonly classifyMs: number;
  /** Median CPU time (user and system) the `classify` process reported for itself. */
  readonly classifyCpuMs: number;
  readonly recipientsPerSecond: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** Sisimai on the same notifications (one run), or why it was not measured. */
  readonly sisimai:
    | {
        readonly measured: true;
        readonly version: string;
        readonly ms: number;
        readonly cpuMs: number;
        readonly records: number;
        /** Sisimai's wall time over ours: the ratio of the rates. */
        readonly ratio: number;
        /** The same with each process's own CPU time, which a busy machine disturbs less. */
        readonly cpuRatio: number;
      }
    | { readonly measured: false; readonly why: string };
}

/**
 * The notifications: each of our bounce cases with a diagnostic, in each of the three labellings,
 * as SNS envelopes (what the queue delivers and what SES mails to an e-mail subscription), repeated
 * with a fresh recipient and ids until there are `count`.
 */
export function benchNotifications(count: number): string[] {
  const { bounces } = JSON.parse(readFileSync(CASES, "utf8")) as { bounces: BounceCase[] };
  const cases = bounces.filter((bounce) => bounce.diagnosticCode !== undefined);
  const envelopes: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const bounce = cases[Math.floor(index / LABELLINGS.length) % cases.length] as BounceCase;
    const [bounceType, bounceSubType] = LABELLINGS[index % LABELLINGS.length] as readonly [string, string];
    const address = `case-${bounce.id}-${index}@example.org`;
    const at = new Date(Date.UTC(2025, 0, 1) + index * 1000).toISOString();
    const notification = {
      notificationType: "Bounce",
      bounce: {
        bounceType,
        bounceSubType,
        bouncedRecipients: [
          {
            emailAddress: address,
            action: "failed",
            ...(bounce.status !== undefined ? { status: bounce.status } : {}),
            diagnosticCode: bounce.diagnosticCode,
          },
        ],
        timestamp: at,
        feedbackId: `bench-feedback-${index}`,
        reportingMTA: "dsn; a1-2.smtp-out.us-east-1.amazonses.com",
      },
      mail: {
        timestamp: at,
        messageId: `bench-message-${index}`,
        source: "sender@example.jp",
        destination: [address],
      },
    };
    envelopes.push(
      JSON.stringify({
        Type: "Notification",
        MessageId: `bench-sns-${index}`,
        TopicArn: "arn:aws:sns:us-east-1:000000000000:bounce-guard-feedback",
        Message: JSON.stringify(notification),
        Timestamp: at,
      }),
    );
  }
  return envelopes;
}

/** The same envelopes as an SNS e-mail subscription delivers them: an mbox Sisimai reads. */
function asMbox(envelopes: readonly string[]): string {
  return envelopes
    .map(
      (body, index) => `From no-reply@sns.amazonaws.com Wed Jan  1 00:00:00 2025
From: AWS Notifications <no-reply@sns.amazonaws.com>
To: bounces@example.jp
Subject: AWS Notification Message
Date: Wed, 1 Jan 2025 00:00:00 +0000
Message-ID: <bench-sns-${index}@email.amazonses.com>
x-amz-sns-message-type: Notification
x-amz-sns-message-id: bench-sns-${index}
x-amz-sns-topic-arn: arn:aws:sns:us-east-1:000000000000:bounce-guard-feedback
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

${body}
--
If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe.

`,
    )
    .join("");
}

/**
 * Printed by the measured process itself when it ends: its own CPU time (user and system), which a
 * busy machine changes less than the wall time. Node and Perl each report theirs.
 */
const CPU_MARK = "BENCH_CPU_MS ";
const NODE_CPU_REPORT = `data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\n${CPU_MARK}"+(u.user+u.system)/1000+"\\n")})`;
const PERL_CPU_REPORT = `END { my @t = times; print STDERR "\\n${CPU_MARK}", ($t[0] + $t[1]) * 1000, "\\n" }`;

interface ProcessTime {
  readonly wallMs: number;
  /** The process's own CPU time, when it reported it. */
  readonly cpuMs: number | undefined;
}

/** Wall time of a process, its stdout written to `stdout` (a file), failing when it fails. */
function timeProcess(command: string, args: readonly string[], stdout: string): Promise<ProcessTime> {
  const out = openSync(stdout, "w");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", out, "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const wallMs = performance.now() - started;
      closeSync(out);
      const cpu = stderr.split("\n").find((line) => line.startsWith(CPU_MARK));
      if (code === 0)
        resolve({ wallMs, cpuMs: cpu === undefined ? undefined : Number(cpu.slice(CPU_MARK.length)) });
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

/** The Sisimai Debian installs, or undefined when it is not there. */
function sisimaiVersion(): string | undefined {
  try {
    return execFileSync("perl", ["-MSisimai", "-e", "print Sisimai->version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return undefined;
  }
}

export async function measureCliProcess(
  options: { versionRuns?: number; classifyRuns?: number; notifications?: number; sisimai?: boolean } = {},
): Promise<CliProcessFigures> {
  const versionRuns = options.versionRuns ?? 21;
  const classifyRuns = options.classifyRuns ?? 5;
  const count = options.notifications ?? CLASSIFY_NOTIFICATIONS;
  if (!existsSync(join(ROOT, "dist", "cli", "entry.js"))) {
    throw new Error("the compiled command line is missing: run npm run build (npm ci runs it)");
  }
  const directory = mkdtempSync(join(tmpdir(), "bounce-guard-cli-bench-"));
  try {
    const sink = join(directory, "out");
    // Interleaved rounds: a busy moment of the machine slows both sides of a round's ratio.
    const node: number[] = [];
    const version: number[] = [];
    for (let round = 0; round < versionRuns; round += 1) {
      node.push((await timeProcess(process.execPath, ["-e", "0"], sink)).wallMs);
      version.push((await timeProcess(process.execPath, [BIN, "--version"], sink)).wallMs);
    }

    const envelopes = benchNotifications(count);
    const input = join(directory, "notifications.ndjson");
    writeFileSync(input, `${envelopes.join("\n")}\n`);
    const output = join(directory, "verdicts.ndjson");
    const classify = () =>
      timeProcess(process.execPath, ["--import", NODE_CPU_REPORT, BIN, "classify", input], output);
    const classifyTimes: ProcessTime[] = [];
    // Half the runs before Sisimai's and half after, so a slow stretch during its minute is not ours alone.
    for (let run = 0; run < Math.ceil(classifyRuns / 2); run += 1) classifyTimes.push(await classify());
    const outputText = readFileSync(output, "utf8");
    const recipients = outputText.split("\n").filter((line) => line !== "").length;

    let sisimai: CliProcessFigures["sisimai"];
    const installed = options.sisimai === false ? undefined : sisimaiVersion();
    if (options.sisimai === false) {
      sisimai = { measured: false, why: "left out with --no-sisimai" };
    } else if (installed === undefined) {
      sisimai = {
        measured: false,
        why: "Sisimai is not installed (apt-get install -y libsisimai-perl); the ratio needs it",
      };
    } else {
      const mbox = join(directory, "notifications.mbox");
      writeFileSync(mbox, asMbox(envelopes));
      const sisimaiOutput = join(directory, "sisimai.json");
      const time = await timeProcess(
        "perl",
        ["-MSisimai", "-e", `print Sisimai->dump($ARGV[0]); ${PERL_CPU_REPORT}`, mbox],
        sisimaiOutput,
      );
      const records = (JSON.parse(readFileSync(sisimaiOutput, "utf8")) as unknown[]).length;
      sisimai = {
        measured: true,
        version: installed,
        ms: round(time.wallMs, 0),
        cpuMs: round(time.cpuMs ?? Number.NaN, 0),
        records,
        ratio: 0,
        cpuRatio: 0,
      };
    }
    for (let run = classifyTimes.length; run < classifyRuns; run += 1) classifyTimes.push(await classify());

    const ms = median(classifyTimes.map((time) => time.wallMs));
    const cpuMs = median(classifyTimes.map((time) => time.cpuMs ?? Number.NaN));
    if (sisimai.measured) {
      sisimai = { ...sisimai, ratio: round(sisimai.ms / ms, 1), cpuRatio: round(sisimai.cpuMs / cpuMs, 1) };
    }
    return {
      versionRatio: round(pairedRatio(version, node), 2),
      versionMs: round(median(version), 1),
      nodeMs: round(median(node), 1),
      versionRuns,
      notifications: count,
      recipients,
      classifyRuns,
      classifyMs: round(ms, 0),
      classifyCpuMs: round(cpuMs, 0),
      recipientsPerSecond: Math.round(recipients / (ms / 1000)),
      inputBytes: Buffer.byteLength(envelopes.join("\n")) + 1,
      outputBytes: Buffer.byteLength(outputText),
      sisimai,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
