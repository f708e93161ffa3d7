// Optional mirror of our hard-bounce and complaint suppressions on the SES account-level list.
import {
  DeleteSuppressedDestinationCommand,
  NotFoundException,
  PutSuppressedDestinationCommand,
  SESv2Client,
} from "@aws-sdk/client-sesv2";

export type SesSuppressionReason = "BOUNCE" | "COMPLAINT";

/** The port: the classifier and the CLI only need these two calls. */
export interface SuppressionListSync {
  put(address: string, reason: SesSuppressionReason): Promise<void>;
  remove(address: string): Promise<void>;
}

/**
 * SES v2 PutSuppressedDestination / DeleteSuppressedDestination. Both are idempotent on SES's
 * side (put overwrites, delete of a missing entry is NotFound, treated as done); throttling is
 * retried by the SDK's standard retry strategy.
 */
export function createSesSuppressionSync(client: Pick<SESv2Client, "send">): SuppressionListSync {
  return {
    async put(address, reason) {
      await client.send(new PutSuppressedDestinationCommand({ EmailAddress: address, Reason: reason }));
    },
    async remove(address) {
      try {
        await client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: address }));
      } catch (error) {
        if (error instanceof NotFoundException || (error as Error).name === "NotFoundException") return;
        throw error;
      }
    },
  };
}

/** The port over a client of the function's own region and credentials, as the Lambda functions use it. */
export function createSesV2SuppressionSync(): SuppressionListSync {
  return createSesSuppressionSync(new SESv2Client({}));
}
