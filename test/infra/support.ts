// Builds apps for the infrastructure tests the way bin/app.ts does: cdk.json's feature flags, bundling skipped.
import { readFileSync } from "node:fs";
import { App, type Stack } from "aws-cdk-lib";
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

/** The logical ID behind a token of a construct's public property (a `Ref` or a `Fn::GetAtt`). */
export function logicalIdOf(stack: Stack, token: string): string {
  const value = stack.resolve(token) as { Ref?: string; "Fn::GetAtt"?: [string, string] };
  const logicalId = value.Ref ?? value["Fn::GetAtt"]?.[0];
  if (logicalId === undefined) throw new Error(`not a resource reference: ${JSON.stringify(value)}`);
  return logicalId;
}

/** The statements of the IAM policies attached to one role. */
export function policyStatementsOf(template: Template, roleLogicalId: string): Record<string, unknown>[] {
  return Object.values(template.findResources("AWS::IAM::Policy"))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

type FunctionResource = { resource: { Properties: Record<string, unknown> } };

/** The logical ID of the execution role of a Lambda function resource. */
export function roleLogicalIdOf(fn: FunctionResource): string {
  return (fn.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
}

/** The log group a Lambda function resource logs to (its LoggingConfig). */
export function logGroupOf(
  template: Template,
  fn: FunctionResource,
): { logicalId: string; resource: { Type: string; Properties: Record<string, unknown> } } {
  const { LogGroup } = fn.resource.Properties.LoggingConfig as { LogGroup: { Ref: string } };
  return { logicalId: LogGroup.Ref, resource: template.toJSON().Resources[LogGroup.Ref] };
}
