// SES's own labels (bounce types and subtypes, delay types): the last resort, except for the
// subtypes that say SES did not send at all.
import type { Reason } from "../types.ts";
import type { BounceClass } from "./evidence.ts";

/** What an SES subtype says about the recipient; decisive ones outrank every other evidence. */
export type LabelMeaning = { readonly reason: Reason; readonly decisive: boolean };

/** The SES bounce labels that say more than Permanent or Transient. */
type SesTellingLabel =
  | "Permanent/Suppressed"
  | "Permanent/OnAccountSuppressionList"
  | "Permanent/UnsubscribedRecipient"
  | "Permanent/NoEmail"
  | "Transient/MailboxFull"
  | "Transient/MessageTooLarge"
  | "Transient/ContentRejected"
  | "Transient/AttachmentRejected";

const SES_LABEL_REASON = {
  "Permanent/Suppressed": { reason: "suppressed", decisive: true },
  "Permanent/OnAccountSuppressionList": { reason: "suppressed", decisive: true },
  // SES's subscription management: it did not send to an address that unsubscribed.
  "Permanent/UnsubscribedRecipient": { reason: "suppressed", decisive: true },
  "Permanent/NoEmail": { reason: "userunknown", decisive: false },
  "Transient/MailboxFull": { reason: "mailboxfull", decisive: false },
  "Transient/MessageTooLarge": { reason: "mesgtoobig", decisive: false },
  "Transient/ContentRejected": { reason: "contenterror", decisive: false },
  "Transient/AttachmentRejected": { reason: "contenterror", decisive: false },
} as const satisfies Record<SesTellingLabel, LabelMeaning>;

/** SES DeliveryDelay delayType values (SES v2 API reference). */
type SesDelayType =
  | "InternalFailure"
  | "General"
  | "MailboxFull"
  | "SpamDetected"
  | "RecipientServerError"
  | "IPFailure"
  | "TransientCommunicationFailure"
  | "BYOIPHostNameLookupUnavailable"
  | "Undetermined"
  | "SendingDeferral";

/** What each delay type says about the recipient. */
const DELAY_TYPE_REASON = {
  InternalFailure: "systemerror",
  General: "undefined",
  MailboxFull: "mailboxfull",
  SpamDetected: "spamdetected",
  RecipientServerError: "systemerror",
  IPFailure: "blocked",
  TransientCommunicationFailure: "networkerror",
  // SES could not look up the hostname (PTR) of the customer's own IP addresses.
  BYOIPHostNameLookupUnavailable: "requireptr",
  Undetermined: "undefined",
  SendingDeferral: "onhold",
} as const satisfies Record<SesDelayType, Reason>;

/** Case-insensitive lookup: SES spells its values one way, but hand-made events may not. */
function lookupIgnoringCase<V>(table: Readonly<Record<string, V>>): (key: string) => V | undefined {
  const byLowerCase = new Map(Object.entries(table).map(([key, value]) => [key.toLowerCase(), value]));
  return (key) => byLowerCase.get(key.toLowerCase());
}

export const labelMeaningOf = lookupIgnoringCase<LabelMeaning>(SES_LABEL_REASON);
export const delayTypeReasonOf = lookupIgnoringCase<Reason>(DELAY_TYPE_REASON);

export const sesLabel = (type: string | undefined, subType: string | undefined): string =>
  `${type ?? "no type"}/${subType ?? "no subtype"}`;

/** The class SES's bounce type stands for, when it is one of the two that say anything. */
export function labelClass(type: string | undefined): BounceClass | undefined {
  const lowered = type?.toLowerCase();
  if (lowered === "permanent") return "hard";
  if (lowered === "transient") return "soft";
  return undefined;
}
