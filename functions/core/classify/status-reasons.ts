// What status and reply codes say on their own. Specific codes (RFC 3463, RFC 5248/7372/7505 registry entries, and the extended
// details Microsoft and Google use widely) decide before vague phrases; the generic ones (X.Y.0,
// and 5.7.1, which receivers use for every kind of refusal) only after them.
import type { EnhancedStatus } from "../status-code.ts";
import type { Reason } from "../types.ts";

const SPECIFIC_STATUS: Readonly<Record<string, Reason>> = {
  "1.1": "userunknown",
  "1.2": "hostunknown",
  "1.3": "userunknown",
  "1.4": "userunknown",
  "1.6": "hasmoved",
  "1.7": "rejected",
  "1.8": "rejected",
  // RFC 7505 null MX. Exchange Online also uses it for "recipient not found", but then says so.
  "1.10": "notaccept",
  // "Mailbox disabled, not accepting messages": the receiver refuses delivery to this mailbox.
  "2.1": "filtered",
  "2.2": "mailboxfull",
  "2.3": "exceedlimit",
  "2.4": "systemerror",
  "3.1": "systemfull",
  "3.2": "notaccept",
  "3.3": "systemerror",
  "3.4": "mesgtoobig",
  "3.5": "systemerror",
  "4.2": "networkerror",
  "4.3": "systemerror",
  "4.4": "hostunknown",
  "4.5": "toomanyconn",
  "4.6": "networkerror",
  "4.7": "expired",
  "4.310": "hostunknown",
  "5.1": "syntaxerror",
  "5.2": "syntaxerror",
  "5.3": "toomanyconn",
  "5.4": "syntaxerror",
  "5.5": "syntaxerror",
  "6.1": "contenterror",
  "6.2": "contenterror",
  "6.3": "contenterror",
  "6.4": "contenterror",
  "6.5": "contenterror",
  "6.6": "contenterror",
  "7.2": "securityerror",
  "7.3": "securityerror",
  "7.4": "securityerror",
  "7.5": "securityerror",
  "7.6": "securityerror",
  "7.7": "securityerror",
  "7.8": "securityerror",
  "7.9": "securityerror",
  "7.10": "failedstarttls",
  "7.11": "failedstarttls",
  "7.13": "suspend",
  "7.17": "hasmoved",
  "7.18": "hasmoved",
  "7.20": "authfailure",
  "7.21": "authfailure",
  "7.22": "authfailure",
  "7.23": "authfailure",
  "7.24": "authfailure",
  "7.25": "requireptr",
  "7.26": "authfailure",
  "7.27": "rejected",
  "7.29": "authfailure",
  "7.30": "failedstarttls",
  "7.509": "authfailure",
  "7.606": "blocked",
  "7.708": "blocked",
};

/** The fallback reading of each RFC 3463 subject when the detail says nothing more. */
const GENERIC_STATUS = {
  0: "onhold",
  1: "userunknown",
  2: "filtered",
  3: "systemerror",
  4: "networkerror",
  5: "syntaxerror",
  6: "contenterror",
  7: "securityerror",
} as const satisfies Record<number, Reason>;

/** Basic reply codes that mean something on their own (RFC 5321 and RFC 7504). */
export const REPLY_REASON: Readonly<Record<string, Reason>> = {
  "500": "syntaxerror",
  "501": "syntaxerror",
  "502": "syntaxerror",
  "503": "syntaxerror",
  "504": "syntaxerror",
  "521": "notaccept",
  "530": "securityerror",
  "535": "securityerror",
  "551": "hasmoved",
  "556": "notaccept",
};

export function specificReasonOfStatus(status: EnhancedStatus): Reason | undefined {
  return SPECIFIC_STATUS[`${status.subject}.${status.detail}`];
}

export function genericReasonOfStatus(status: EnhancedStatus): Reason {
  return GENERIC_STATUS[status.subject as keyof typeof GENERIC_STATUS] ?? "onhold";
}
