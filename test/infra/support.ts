// Builds apps for the infrastructure tests the way bin/app.ts does: cdk.json's feature flags, bundling skipped.
import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";

const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
  context: Record<string, unknown>;
};

/** An app with the project's feature flags; `aws:cdk:bundling-stacks: []` skips esbuild in unit tests. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJson.context, "aws:cdk:bundling-stacks": [], ...context } });
}

/** The one resource of `type` in the template, with its logical ID; fails when there is not exactly one. */
export function onlyResource(
  template: Template,
  type: string,
  props: Record<string, unknown> = {},
): { logicalId: string; resource: { Properties: Record<string, unknown>; [key: string]: unknown } } {
  const found = Object.entries(template.findResources(type, props));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [logicalId, resource] = found[0] as [string, { Properties: Record<string, unknown> }];
  return { logicalId, resource };
}

/** A synthesis takes seconds alone and longer beside the rest of the suite: more than the default hook timeout. */
export const SYNTH_TIMEOUT_MS = 120_000;
