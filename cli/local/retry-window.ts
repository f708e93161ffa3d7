// The retry window's state machine as the stack deploys it: synthesized from lib/ (bundling
// skipped, the definition does not depend on it) and resolved to the local table's name.
import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import type { BounceGuardStackProps } from "../../lib/bounce-guard-stack.ts";
import { definitionFromTemplate } from "./step-functions.ts";

const CDK_JSON = new URL("../../cdk.json", import.meta.url);

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** Synthesizes the stack with the project's feature flags and returns its template. */
export async function synthesizeStack(props: BounceGuardStackProps = {}): Promise<Template> {
  const { BounceGuardStack } = await import("../../lib/bounce-guard-stack.ts");
  const context = (JSON.parse(readFileSync(CDK_JSON, "utf8")) as { context: Record<string, unknown> })
    .context;
  const app = new App({ context: { ...context, "aws:cdk:bundling-stacks": [] } });
  new BounceGuardStack(app, "BounceGuardLocal", props);
  return app.synth().getStackByName("BounceGuardLocal").template as Template;
}

/** The logical ID of the suppression table in a synthesized template. */
export function tableLogicalId(template: Template): string {
  const ids = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === "AWS::DynamoDB::GlobalTable")
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one suppression table in the template, found ${ids.length}`);
  return ids[0] as string;
}

/** The synthesized retry-window definition, its table reference resolved to `tableName`. */
export function retryWindowDefinition(template: Template, tableName: string) {
  return definitionFromTemplate(template, { refs: { [tableLogicalId(template)]: tableName } });
}

/** Task retry waits shortened for local runs: the definition's own are seconds long. */
export const SHORT_TASK_RETRIES_MS = {
  Release: 10,
  Inspect: 10,
  PublishRetryDue: 10,
  CloseWindow: 10,
} as const;
