// --ses-sync of unsuppress and erase: the SES account-level list of a deployed stack, kept in step.
import { createSesSuppressionSync } from "../functions/adapters/ses-suppression-sync.ts";
import { borrowClient } from "./aws.ts";
import { booleanOption, type CommandOptions, type Io, stringOption, UsageError } from "./context.ts";

export interface SesListSync {
  remove(address: string): Promise<void>;
  release(): void;
}

/**
 * The SES list to remove addresses from, or undefined without --ses-sync. Checked before the store
 * opens: the local store has no SES list, so the option needs --stack or --table.
 */
export function sesListSyncOf(options: CommandOptions, io: Io): SesListSync | undefined {
  if (!booleanOption(options, "ses-sync")) return undefined;
  if (stringOption(options, "stack") === undefined && stringOption(options, "table") === undefined) {
    throw new UsageError(
      "--ses-sync needs a deployed stack (--stack or --table): the local store has no SES list",
    );
  }
  const writer = borrowClient(io.aws, "sesv2Writer", stringOption(options, "region"));
  const sync = createSesSuppressionSync(writer.client);
  return { remove: (address) => sync.remove(address), release: () => writer.release() };
}
