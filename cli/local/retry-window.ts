// The retry window's state machine as the stack deploys it: synthesized from lib/ (bundling
// skipped, the definition does not depend on it) and resolved to the local table's name. The
// compiled command line reads the template its build synthesized instead, so it needs no aws-cdk-lib.
import { existsSync, readFileSync } from "node:fs";
import type { BounceGuardStackProps } from "../../lib/bounce-guard-stack.ts";
import { definitionFromTemplate } from "./step-functions.ts";

const CDK_JSON = new URL("../../cdk.json", import.meta.url);
/** Written by the package's build beside the compiled module (scripts/build.ts). */
export const BUILT_TEMPLATE_FILE = "retry-window-template.json";

export type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};

/** Synthesizes the stack with the project's feature flags and returns its template. */
export async function synthesizeStack(props: BounceGuardStackProps = {}): Promise<Template> {
  const [{ App }, { BounceGuardStack }] = await Promise.all([
    import("aws-cdk-lib"),
    import("../../lib/bounce-guard-stack.ts"),
  ]);
  const context = (JSON.parse(readFileSync(CDK_JSON, "utf8")) as { context: Record<string, unknown> })
    .context;
  const app = new App({ context: { ...context, "aws:cdk:bundling-stacks": [] } });
  new BounceGuardStack(app, "BounceGuardLocal", props);
  return app.synth().getStackByName("BounceGuardLocal").template as Template;
}

/** What the local run needs of a template: the suppression table and the state machine. */
export function retryWindowResources(template: Template): Template {
  return {
    Resources: Object.fromEntries(
      Object.entries(template.Resources).filter(([, resource]) =>
        ["AWS::DynamoDB::GlobalTable", "AWS::StepFunctions::StateMachine"].includes(resource.Type),
      ),
    ),
  };
}

/** The default stack's template for the local run: the one built beside the compiled CLI, or synthesized. */
export async function defaultStackTemplate(): Promise<Template> {
  const built = new URL(`./${BUILT_TEMPLATE_FILE}`, import.meta.url);
  if (existsSync(built)) return JSON.parse(readFileSync(built, "utf8")) as Template;
  return synthesizeStack();
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
