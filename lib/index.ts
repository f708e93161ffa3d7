// The package's construct entry point (`import { BounceGuard } from "bounce-guard"`): re-exports only.
export { BounceGuard, type BounceGuardProps, MAX_RECEIVE_COUNT } from "./bounce-guard.ts";
export { BounceGuardMonitoring, type BounceGuardMonitoringProps } from "./bounce-guard-monitoring.ts";
export { BounceGuardStack, type BounceGuardStackProps } from "./bounce-guard-stack.ts";
export { InvalidPropsError } from "./errors.ts";
export { RETRY_DUE_EVENT } from "./retry-window.ts";
export { STACK_OUTPUTS, type StackOutputName } from "./stack-outputs.ts";
