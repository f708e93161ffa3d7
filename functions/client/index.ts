// The package's client API for sending services.
export { type CheckRecipientsOptions, checkRecipients, PresendCheckError } from "./check-recipients.ts";
export {
  filterSendEmailInput,
  type PresendFilterOptions,
  presendFilter,
  type RemovedRecipient,
  type SendEmailShape,
} from "./presend-middleware.ts";
