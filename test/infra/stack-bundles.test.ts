// The functions' bundles as `cdk synth` builds them, for the default configuration and for one with
// every optional adapter on: the stack passes each function its configuration's bundling.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { SYNTH_TIMEOUT_MS, testApp } from "./support.ts";

/** Per function (by the start of its logical ID), the files of its synthesized asset. */
type Assets = Record<"Classifier" | "PresendCheck", { directory: string; code: string }>;

let plain: Assets;
let everything: Assets;

function assetsOf(outdir: string, template: { Resources: Record<string, Resource> }): Assets {
  const found: Partial<Assets> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const name = (["Classifier", "PresendCheck"] as const).find((prefix) =>
      logicalId.startsWith(`BounceGuard${prefix}`),
    );
    // The asset's key is its hash, which names its directory in the cloud assembly.
    const hash = resource.Properties?.Code?.S3Key?.replace(/\.zip$/, "");
    if (name === undefined || hash === undefined) continue;
    const directory = join(outdir, `asset.${hash}`);
    found[name] = { directory, code: readFileSync(join(directory, "index.mjs"), "utf8") };
  }
  if (found.Classifier === undefined || found.PresendCheck === undefined) {
    throw new Error(`no bundled assets found for both functions: ${Object.keys(found).join(", ")}`);
  }
  return found as Assets;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: { readonly Code?: { readonly S3Key?: string } };
}

beforeAll(() => {
  // Bundling on, unlike the other infrastructure tests.
  const app = testApp({ "aws:cdk:bundling-stacks": ["**"] });
  new BounceGuardStack(app, "Plain");
  new BounceGuardStack(app, "Everything", {
    keyedAddresses: true,
    sesSuppressionListSync: true,
    sesDeferralMirror: true,
  });
  const assembly = app.synth();
  plain = assetsOf(assembly.directory, assembly.getStackByName("Plain").template);
  everything = assetsOf(assembly.directory, assembly.getStackByName("Everything").template);
}, SYNTH_TIMEOUT_MS);

describe("the synthesized bundles", () => {
  it("leave the SES v2 and Secrets Manager commands out by default", () => {
    for (const asset of [plain.Classifier, plain.PresendCheck]) {
      expect(asset.code).not.toContain("PutSuppressedDestination");
      expect(asset.code).not.toContain("GetSecretValue");
      expect(asset.code).toContain("BatchGetItem");
    }
  });

  it("put them in the classifier when its configuration uses them, and keyed mode in the pre-send check", () => {
    expect(everything.Classifier.code).toContain("PutSuppressedDestination");
    expect(everything.Classifier.code).toContain("GetSecretValue");
    expect(everything.PresendCheck.code).toContain("GetSecretValue");
    expect(everything.PresendCheck.code).not.toContain("PutSuppressedDestination");
  });

  it("give the pre-send check its disposable-domain list as a data file beside the code", () => {
    const lists = readdirSync(plain.PresendCheck.directory).filter((file) => file.endsWith(".list"));
    expect(lists).toHaveLength(1);
    const list = readFileSync(join(plain.PresendCheck.directory, lists[0] ?? ""), "utf8");
    expect(list.split("\n").length).toBeGreaterThan(10_000);
    expect(list).toContain("\nmailinator.com\n");
    expect(plain.PresendCheck.code).not.toContain("mailinator.com");
    expect(plain.PresendCheck.code).toContain(lists[0]);
    expect(existsSync(join(plain.Classifier.directory, lists[0] ?? ""))).toBe(false);
  });
});
