// The package as people install it: packed with `npm pack`, installed from the tarball into a fresh
// CDK app in a temporary folder (its dependencies from npm's cache, the registry only for what the
// cache lacks), where the construct synthesizes with default props, the client loads without the CDK
// and the command line runs. The app's aws-cdk-lib, constructs and @types/node are this project's own,
// linked in: they are the app's, not the package's.
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MANIFEST = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const INSTALL_TIMEOUT_MS = 240_000;

const CONSUMER_APP = `import { App, Stack } from "aws-cdk-lib";
import { BounceGuard } from "bounce-guard";

const app = new App({ outdir: "cdk.out" });
const stack = new Stack(app, "Consumer");
const guard: BounceGuard = new BounceGuard(stack, "BounceGuard");
app.synth();
console.log(JSON.stringify({ policy: guard.policy }));
`;

let workDirectory: string;
let app: string;
let synthesized: { policy: { softBounceThreshold: number } };

const npm = (args: readonly string[], cwd: string) =>
  run("npm", [...args], {
    cwd,
    env: { ...process.env, npm_config_loglevel: "error" },
    maxBuffer: 16 * 1024 * 1024,
  });

beforeAll(async () => {
  workDirectory = mkdtempSync(join(tmpdir(), "bounce-guard-package-"));
  // dist/ as the sources are now: `npm ci` built it; an edit since then rebuilds it.
  await run(process.execPath, [join(ROOT, "scripts/build-if-stale.mjs")], { cwd: ROOT });
  const { stdout } = await npm(
    ["pack", "--ignore-scripts", "--json", "--pack-destination", workDirectory],
    ROOT,
  );
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  app = join(workDirectory, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }),
  );
  // The local emulators are optional: the construct and the client work without them.
  await npm(
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--omit=optional",
      join(workDirectory, filename),
    ],
    app,
  );
  for (const linked of ["aws-cdk-lib", "constructs", "@types/node"]) {
    mkdirSync(join(app, "node_modules", linked, ".."), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", linked), join(app, "node_modules", linked), "dir");
  }
  writeFileSync(join(app, "app.ts"), CONSUMER_APP);
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2023",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        rewriteRelativeImportExtensions: true,
        types: ["node"],
      },
      files: ["app.ts"],
    }),
  );
  // The consumer's own TypeScript, checked against the package's declarations, then run as JavaScript.
  await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: app });
  const synth = await run(process.execPath, ["app.js"], { cwd: app });
  synthesized = JSON.parse(synth.stdout.trim().split("\n").at(-1) ?? "{}");
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

describe("the installed package", () => {
  it("installs the command line's runtime packages, and no tsx, aws-cdk-lib, constructs or playwright-core of its own", () => {
    const installed = JSON.parse(
      readFileSync(join(app, "node_modules", "bounce-guard", "package.json"), "utf8"),
    ) as Record<string, Record<string, string> | undefined>;

    expect(installed.dependencies).not.toHaveProperty("tsx");
    expect(installed.dependencies).not.toHaveProperty("aws-cdk-lib");
    // What the command line needs at run time comes with it; the browser driver of its tests does not.
    for (const runtime of ["commander", "picocolors", "string-width"]) {
      expect(installed.dependencies).toHaveProperty(runtime);
      expect(existsSync(join(app, "node_modules", runtime))).toBe(true);
    }
    expect(installed.dependencies).not.toHaveProperty("playwright-core");
    expect(existsSync(join(app, "node_modules", "playwright-core"))).toBe(false);
    expect(installed.peerDependencies).toHaveProperty("aws-cdk-lib");
    expect(installed.peerDependencies).toHaveProperty("constructs");
    expect(existsSync(join(app, "node_modules", "tsx"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "esbuild"))).toBe(false);
  });

  it("synthesizes BounceGuard with default props, deploying the package's prebuilt bundles", () => {
    const read = (file: string) => JSON.parse(readFileSync(join(app, "cdk.out", file), "utf8"));
    const template = read("Consumer.template.json") as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const assets = read("Consumer.assets.json") as { files: Record<string, { source: { path: string } }> };
    const functions = Object.values(template.Resources).filter(
      (resource) =>
        resource.Type === "AWS::Lambda::Function" &&
        String(resource.Properties.Description).startsWith("Bounce Guard"),
    );
    // Each function's code: the asset its S3 key names, staged in cdk.out.
    const filesOf = (fn: { Properties: Record<string, unknown> }) => {
      const key = String((fn.Properties.Code as { S3Key: unknown }).S3Key);
      const source = assets.files[key.replace(/\.zip$/, "")]?.source.path ?? "missing";
      return readdirSync(join(app, "cdk.out", source));
    };

    expect(synthesized.policy.softBounceThreshold).toBe(5);
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Handler: "index.handler", Runtime: "nodejs24.x" });
      expect(filesOf(fn)).toContain("index.mjs");
    }
    // The pre-send check's disposable-domain list travels beside its bundle.
    expect(functions.filter((fn) => filesOf(fn).some((file) => file.endsWith(".list")))).toHaveLength(1);
  });

  it("gives the client and the middleware entry points that do not pull in the CDK", async () => {
    const bundled = await build({
      stdin: {
        contents: 'export * from "bounce-guard/client"; export * from "bounce-guard/middleware";',
        resolveDir: app,
      },
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(bundled.metafile.inputs);
    const client = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const c = await import("bounce-guard/client"); console.log(Object.keys(c).sort().join(","));',
      ],
      { cwd: app },
    );

    expect(inputs.some((path) => path.includes("bounce-guard/dist/functions/client/"))).toBe(true);
    expect(inputs.filter((path) => /node_modules\/(aws-cdk-lib|constructs)\//.test(path))).toEqual([]);
    expect(client.stdout.trim().split(",")).toEqual(
      expect.arrayContaining(["PresendCheckError", "checkRecipients", "presendFilter"]),
    );
  });

  it("runs the compiled command line from its bin", async () => {
    const bin = join(app, "node_modules", ".bin", "bounce-guard");
    const fixture = join(
      app,
      "node_modules",
      "bounce-guard",
      "dist",
      "test",
      "fixtures",
      "ses",
      "01-aws-docs-identity-bounce-with-dsn.json",
    );

    // --version is the entry's own answer; -V goes through the parser; help and the commands are
    // loaded from the compiled modules.
    const version = await run(bin, ["--version"], { cwd: app });
    const parsedVersion = await run(bin, ["-V"], { cwd: app });
    const help = await run(bin, ["help", "check"], { cwd: app });
    const classified = await run(bin, ["classify", fixture], { cwd: app });
    const completion = await run(bin, ["completion", "bash"], { cwd: app });
    // Installed without the optional emulators: the local store says what to install.
    const local = await run(bin, ["status", "jane@example.com"], { cwd: app }).catch(
      (error: { code: number; stderr: string }) => error,
    );

    expect(version.stdout).toBe(`${MANIFEST.version}\n`);
    expect(parsedVersion.stdout).toBe(version.stdout);
    expect(help.stdout).toMatch(/^Usage: bounce-guard check \[options\] \[ADDRESS\.\.\.\]/);
    expect(JSON.parse(classified.stdout)).toMatchObject({ address: "jane@example.com", class: "hard" });
    expect(completion.stdout).toContain("bounce-guard");
    expect(local).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^bounce-guard status: the local mode needs dynalite, an optional dependency of bounce-guard that is not installed \(npm install dynalite\)\n$/,
      ),
    });
  });
});
