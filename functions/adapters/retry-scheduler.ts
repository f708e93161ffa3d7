// Starts the Step Functions execution that runs an address's retry window.
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { WindowStart } from "../core/retry-window.ts";

/** The port: the classifier only starts windows; the state machine does the rest. */
export interface RetryScheduler {
  /** Start the window's execution; resolves when it runs (now or from an earlier attempt). */
  start(window: WindowStart): Promise<"started" | "already-started">;
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
  };
}
