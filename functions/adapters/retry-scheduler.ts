// Starts the Step Functions execution that runs an address's retry window.
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { WindowStart } from "../core/retry-window.ts";

/** The port: the classifier only starts windows; the state machine does the rest. */
export interface RetryScheduler {
  /** Start the window's execution; resolves when it runs (now or from an earlier attempt). */
  start(window: WindowStart): Promise<"started" | "already-started">;
  /**
   * Stop the execution of a window that a delivery or a suppression closed. An optimisation: an
   * execution that is not stopped finds its window gone at its next wake-up and ends there.
   */
  stop(executionName: string, cause: string): Promise<"stopped" | "not-running">;
}

/** The ARN of an execution of a state machine, by name. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}

/**
 * StartExecution with the window's execution name. Step Functions keeps a name for 90 days: the
 * same name and input while running returns the running execution, and any other reuse fails with
 * ExecutionAlreadyExists. Both mean the window is already being run, so duplicates, retried
 * records and concurrent bounces never start two executions for one window.
 */
export function createStepFunctionsScheduler(
  client: Pick<SFNClient, "send">,
  stateMachineArn: string,
): RetryScheduler {
  return {
    async start(window) {
      try {
        await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: window.name,
            input: JSON.stringify(window.input),
          }),
        );
        return "started";
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists || (error as Error).name === "ExecutionAlreadyExists") {
          return "already-started";
        }
        throw error;
      }
    },
    async stop(executionName, cause) {
      try {
        await client.send(
          new StopExecutionCommand({
            executionArn: executionArnOf(stateMachineArn, executionName),
            error: "WindowClosed",
            cause,
          }),
        );
        return "stopped";
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist || (error as Error).name === "ExecutionDoesNotExist") {
          return "not-running";
        }
        throw error;
      }
    },
  };
}
