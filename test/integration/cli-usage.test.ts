// The command line as a new user meets it: --version, per-command help, one-line usage errors,
// the documented exit codes, shell completion and the defaults from the environment or a file.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completionScript } from "../../cli/commands/completion.ts";
import { COMMANDS } from "../../cli/commands.ts";
import { resolveSettings } from "../../cli/config.ts";
import { EXIT } from "../../cli/main.ts";
import { runCommand } from "./ops-support.ts";

const PACKAGE = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

let workDirectory: string;

function hasShell(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

beforeAll(() => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-usage-"));
});

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("--version and help", () => {
  it("prints the package's version and nothing else", async () => {
    const result = await runCommand(["--version"]);

    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(`${PACKAGE.version}\n`);
    expect(result.stderr).toBe("");
  });

  it("prints the same short help for `help check` and `check --help`", async () => {
    const helpCommand = await runCommand(["help", "check"]);
    const helpOption = await runCommand(["check", "--help"]);

    expect(helpCommand.code).toBe(EXIT.ok);
    expect(helpOption.code).toBe(EXIT.ok);
    expect(helpOption.stdout).toBe(helpCommand.stdout);
    expect(helpOption.stdout.trimEnd().split("\n").length).toBeLessThanOrEqual(40);
    expect(helpOption.stdout).toMatch(/^Usage: bounce-guard check \[options\] \[ADDRESS\.\.\.\]/);
    expect(helpOption.stdout).toContain("--file <FILE>");
    expect(helpOption.stdout).toContain("Exit codes: 0 ok, 1 a finding or a failure");
    expect(helpOption.stdout).not.toContain("unsuppress");
  });

  it.each(COMMANDS.map((command) => command.name))(
    "keeps the help of %s within 40 lines of 100 columns",
    async (name) => {
      const result = await runCommand([name, "--help"]);

      const lines = result.stdout.trimEnd().split("\n");
      expect(result.code).toBe(EXIT.ok);
      expect(lines.length).toBeLessThanOrEqual(40);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    },
  );

  it("lists every command in the overall help, with the exit codes and where to read more", async () => {
    const result = await runCommand(["--help"]);

    expect(result.code).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`\\n  ${command.name}\\b`));
    expect(result.stdout).toContain(
      "Exit codes: 0 ok, 1 a finding or a failure (said on stderr), 2 a usage error.",
    );
    expect(result.stdout).toContain("bounce-guard help COMMAND");
  });

  it("prints the help on stderr with exit code 2 when no command is given", async () => {
    const result = await runCommand([]);

    expect(result.code).toBe(EXIT.usage);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Usage: bounce-guard [options] [command]");
  });
});

describe("usage errors", () => {
  it.each([
    [["list", "--frob"], "bounce-guard list: unknown option '--frob' (see 'bounce-guard help list')"],
    [
      ["unsuppress", "a@example.com", "--forse", "--reason", "x"],
      "bounce-guard unsuppress: unknown option '--forse' (did you mean --force?) (see 'bounce-guard help unsuppress')",
    ],
    [["chek"], "bounce-guard: unknown command 'chek' (did you mean check?) (see 'bounce-guard --help')"],
    [["help", "frob"], "bounce-guard: unknown command 'frob' (see 'bounce-guard --help')"],
    [
      ["--data", "somewhere", "list"],
      "bounce-guard: unknown option '--data'; options go after the command: bounce-guard list --data somewhere (see 'bounce-guard --help')",
    ],
    [
      ["suppress"],
      "bounce-guard suppress: missing required argument 'ADDRESS' (see 'bounce-guard help suppress')",
    ],
    [
      ["suppress", "a@example.com"],
      "bounce-guard suppress: suppress needs --reason TEXT (kept in the audit on each address) (see 'bounce-guard help suppress')",
    ],
    [
      ["check"],
      "bounce-guard check: check needs at least one ADDRESS or --file FILE (see 'bounce-guard help check')",
    ],
    [
      ["export", "--format", "xml"],
      "bounce-guard export: option '--format <FORMAT>' argument 'xml' is invalid. Allowed choices are csv, ndjson (see 'bounce-guard help export')",
    ],
    [
      ["completion", "tcsh"],
      "bounce-guard completion: completion needs one of bash, zsh, fish, got \"tcsh\" (see 'bounce-guard help completion')",
    ],
  ])("answers %j with one line naming the mistake and where to read more, exit 2", async (args, line) => {
    const result = await runCommand(args);

    expect(result.code).toBe(EXIT.usage);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`${line}\n`);
  });
});

describe("the bounce-guard executable", () => {
  const cli = new URL("../../cli/bounce-guard.js", import.meta.url).pathname;

  it("prints the version as a real process, the same from the entry's fast answer and from the parser", () => {
    const fast = execFileSync(process.execPath, [cli, "--version"], { encoding: "utf8" });
    const parsed = execFileSync(process.execPath, [cli, "-V"], { encoding: "utf8" });

    expect(fast).toBe(`${PACKAGE.version}\n`);
    expect(parsed).toBe(fast);
  });

  it("exits with 2 on a usage error, without a stack trace", () => {
    const result = spawnSync(process.execPath, [cli, "list", "--bogus"], { encoding: "utf8" });

    expect(result.status).toBe(EXIT.usage);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("shell completion", () => {
  it("writes a bash script that bash accepts and that offers every command and each one's flags", () => {
    const script = completionScript("bash");
    const path = join(workDirectory, "completion.bash");
    writeFileSync(path, script);

    execFileSync("bash", ["-n", path]);
    const offered = execFileSync(
      "bash",
      [
        "-c",
        `source ${path}; COMP_WORDS=(bounce-guard unsuppress --f); COMP_CWORD=2; _bounce_guard; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    );
    const commands = execFileSync(
      "bash",
      [
        "-c",
        `source ${path}; COMP_WORDS=(bounce-guard re); COMP_CWORD=1; _bounce_guard; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    );
    const statuses = execFileSync(
      "bash",
      [
        "-c",
        `source ${path}; COMP_WORDS=(bounce-guard list --status d); COMP_CWORD=3; _bounce_guard; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    );

    expect(offered.trim()).toBe("--force");
    expect(commands.trim().split(" ").sort()).toEqual(["redrive", "replay", "report"]);
    expect(statuses.trim()).toBe("deferred");
  });

  it.each(["zsh", "fish"] as const)("writes a %s script naming every command and option", (shell) => {
    const script = completionScript(shell);

    for (const command of COMMANDS) {
      expect(script).toContain(command.name);
      for (const option of Object.keys(command.options)) expect(script).toContain(`${option}`);
    }
    expect(script).toContain(shell === "zsh" ? "#compdef bounce-guard" : "complete -c bounce-guard");
  });

  it.skipIf(!hasShell("zsh"))("writes a zsh script zsh accepts (where zsh is installed)", () => {
    const path = join(workDirectory, "_bounce-guard.zsh");
    writeFileSync(path, completionScript("zsh"));

    expect(() => execFileSync("zsh", ["-n", path])).not.toThrow();
  });

  it.skipIf(!hasShell("fish"))(
    "writes a fish script that completes commands and choices (where fish is installed)",
    () => {
      const path = join(workDirectory, "bounce-guard.fish");
      writeFileSync(path, completionScript("fish"));

      const offered = execFileSync(
        "fish",
        ["-c", `source ${path}; complete -C "bounce-guard list --status d"`],
        {
          encoding: "utf8",
        },
      );

      expect(offered.split("\n")[0]).toMatch(/^deferred\t/);
    },
  );

  it("prints the script through the command", async () => {
    const result = await runCommand(["completion", "fish"]);

    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(completionScript("fish"));
  });
});

describe("defaults from the environment and a config file", () => {
  const list = COMMANDS.find((command) => command.name === "list");
  if (list === undefined) throw new Error("no list command");

  function configFile(settings: Record<string, unknown>): string {
    const path = join(workDirectory, `config-${Object.keys(settings).join("-")}.json`);
    writeFileSync(path, JSON.stringify(settings));
    return path;
  }

  it("takes the stack and Region from the config file when no flag names them", () => {
    const config = configFile({ stack: "BounceGuard", region: "eu-west-1" });

    const settings = resolveSettings(list, {}, { BOUNCE_GUARD_CONFIG: config });

    expect(settings.values).toMatchObject({ stack: "BounceGuard", region: "eu-west-1" });
  });

  it("prefers the environment to the file and a flag to both", () => {
    const config = configFile({ stack: "FromFile", data: "from-file" });

    const fromEnvironment = resolveSettings(
      list,
      {},
      { BOUNCE_GUARD_CONFIG: config, BOUNCE_GUARD_STACK: "FromEnv" },
    );
    const fromFlag = resolveSettings(
      list,
      { stack: "FromFlag" },
      { BOUNCE_GUARD_CONFIG: config, BOUNCE_GUARD_STACK: "FromEnv" },
    );

    expect(fromEnvironment.values.stack).toBe("FromEnv");
    expect(fromFlag.values.stack).toBe("FromFlag");
  });

  it("keeps a command on the local store when --data is given, whatever stack is configured", () => {
    const settings = resolveSettings(list, { data: "here" }, { BOUNCE_GUARD_STACK: "Configured" });

    expect(settings.data).toBe("here");
    expect(settings.values.stack).toBeUndefined();
  });

  it("reads the local store's folder from BOUNCE_GUARD_DATA", async () => {
    const data = join(workDirectory, "from-environment");
    await runCommand(["suppress", "env@example.com", "--reason", "test"], {
      env: { BOUNCE_GUARD_DATA: data },
    });

    const listed = await runCommand(["list", "--json"], { env: { BOUNCE_GUARD_DATA: data } });

    expect(listed.code).toBe(EXIT.ok);
    expect(JSON.parse(listed.stdout)).toMatchObject({ address: "env@example.com", status: "suppressed" });
  });

  it("refuses --data together with --stack as a usage error", () => {
    expect(() => resolveSettings(list, { data: "here", stack: "There" }, {})).toThrow(
      "give --data (the local store) or --stack/--table (a deployed one), not both",
    );
  });

  it("names an unknown key of the config file", async () => {
    const config = configFile({ stak: "typo" });

    const result = await runCommand(["list"], { env: { BOUNCE_GUARD_CONFIG: config } });

    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(
      `the config file ${config} has an unknown key "stak" (known: stack, region, data)`,
    );
  });
});
