// Block handling as a construct setting, passed to both functions: one synthesis per setting.
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import { logicalIdOf, SYNTH_TIMEOUT_MS, testApp } from "./support.ts";

function variablesOf(
  stack: BounceGuardStack,
  template: Template,
  functionName: string,
): Record<string, unknown> {
  const resource = template.toJSON().Resources[logicalIdOf(stack, functionName)];
  return resource.Properties.Environment.Variables;
}

let byDefault: { stack: BounceGuardStack; template: Template };
let noDeferral: { stack: BounceGuardStack; template: Template };

beforeAll(() => {
  const first = new BounceGuardStack(testApp(), "Default");
  const second = new BounceGuardStack(testApp(), "NoBlockDeferral", { deferBlocks: false });
  byDefault = { stack: first, template: Template.fromStack(first) };
  noDeferral = { stack: second, template: Template.fromStack(second) };
}, SYNTH_TIMEOUT_MS);

describe("block handling", () => {
  it("defers blocked addresses by default in both functions", () => {
    const { stack, template } = byDefault;

    expect(variablesOf(stack, template, stack.bounceGuard.classifier.functionName).DEFER_BLOCKS).toBe("true");
    expect(variablesOf(stack, template, stack.bounceGuard.presendCheck.functionName).DEFER_BLOCKS).toBe(
      "true",
    );
  });

  it("passes deferBlocks: false to both functions", () => {
    const { stack, template } = noDeferral;

    expect(variablesOf(stack, template, stack.bounceGuard.classifier.functionName).DEFER_BLOCKS).toBe(
      "false",
    );
    expect(variablesOf(stack, template, stack.bounceGuard.presendCheck.functionName).DEFER_BLOCKS).toBe(
      "false",
    );
  });
});
