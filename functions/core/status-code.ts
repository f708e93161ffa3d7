// RFC 3463 enhanced status codes and RFC 5321 reply codes: validation and extraction from SMTP text.

/** RFC 3463 class digit: 2 success, 4 persistent transient failure, 5 permanent failure. */
export type StatusClass = 2 | 4 | 5;

/** An enhanced status code split into its three parts, e.g. 5.1.1 → class 5, subject 1, detail 1. */
export interface EnhancedStatus {
  readonly code: string;
  readonly statusClass: StatusClass;
  /** 0 other, 1 addressing, 2 mailbox, 3 mail system, 4 network/routing, 5 protocol, 6 content, 7 policy. */
  readonly subject: number;
  readonly detail: number;
}

const SUBJECT_MAX = 7;
const DETAIL_MAX = 999;

const STATUS_SHAPE = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Parses an enhanced status code such as `5.1.1` or `4.7.650`.
 * Returns undefined for anything else (wrong class, subject above 7, detail above 999, extra parts).
 */
export function parseStatus(code: string | undefined): EnhancedStatus | undefined {
  if (code === undefined) return undefined;
  const match = STATUS_SHAPE.exec(code.trim());
  if (match === null) return undefined;
  const [, classDigit = "", subjectDigits = "", detailDigits = ""] = match;
  const subject = Number(subjectDigits);
  const detail = Number(detailDigits);
  if (subject > SUBJECT_MAX || detail > DETAIL_MAX) return undefined;
  // Leading zeros ("5.01.1") are not how any MTA writes a code; treat them as noise.
  if (subjectDigits.length > 1 || (detailDigits.length > 1 && detailDigits.startsWith("0"))) return undefined;
  return {
    code: `${classDigit}.${subject}.${detail}`,
    statusClass: Number(classDigit) as StatusClass,
    subject,
    detail,
  };
}

/** True when the text is exactly a valid enhanced status code. */
export function isValidStatus(code: string | undefined): boolean {
  return parseStatus(code) !== undefined;
}

/**
 * A candidate code: not glued to a word, a digit or a dot on the left (so no IP address, version
 * number or host name such as mta5.1.1), and not followed by another digit or `.digit` (so
 * 192.168.5.1 and 5.1.2024 are skipped). `#` (qmail's "(#5.1.1)") and `-` (Gmail's "550-5.1.1") may
 * precede it.
 */
const STATUS_CANDIDATE = /(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/g;

/**
 * Reads the enhanced status code out of a diagnostic such as
 * `smtp; 550 5.1.1 <jane@example.com>... User unknown` or `Sorry, no mailbox here by that name. (#5.1.1)`.
 * A failure code (4.x.x or 5.x.x) is preferred over a 2.x.x one, which in bounce text is more often
 * a quoted earlier reply than the verdict.
 */
export function extractStatus(text: string | undefined): string | undefined {
  if (text === undefined || text === "") return undefined;
  let success: string | undefined;
  // exec over the shared global regex, not matchAll: matchAll clones the regex on every call.
  STATUS_CANDIDATE.lastIndex = 0;
  for (let match = STATUS_CANDIDATE.exec(text); match !== null; match = STATUS_CANDIDATE.exec(text)) {
    const parsed = parseStatus(match[1]);
    if (parsed === undefined) continue;
    if (parsed.statusClass !== 2) return parsed.code;
    success ??= parsed.code;
  }
  return success;
}

/**
 * A basic reply code (RFC 5321: first digit 2-5, second 0-5): at the start of the text or after a
 * separator, and followed by a space, a hyphen (multi-line reply), a dot-less end, or a status code.
 * The left guard keeps IP octets, port numbers ("…:25") and sizes ("12550 bytes") out.
 */
const REPLY_CANDIDATE = /(?:^|[\s;:#([<"'])([2-5][0-5]\d)(?=[\s-]|$)(?![\s-]*bytes)/g;

/**
 * Reads the basic SMTP reply code (e.g. 550, 421) out of a diagnostic. Prefers a failure code
 * (4xx/5xx) over a 2xx one, for the same reason as {@link extractStatus}.
 */
export function extractReplyCode(text: string | undefined): string | undefined {
  if (text === undefined || text === "") return undefined;
  let success: string | undefined;
  // exec over the shared global regex, not matchAll: matchAll clones the regex on every call.
  REPLY_CANDIDATE.lastIndex = 0;
  for (let match = REPLY_CANDIDATE.exec(text); match !== null; match = REPLY_CANDIDATE.exec(text)) {
    const code = match[1];
    if (code === undefined) continue;
    if (!code.startsWith("2")) return code;
    success ??= code;
  }
  return success;
}

/**
 * The class digit (2, 4 or 5) of an enhanced status code or a basic reply code, or undefined when
 * the value is neither.
 */
export function classDigitOf(code: string | undefined): StatusClass | undefined {
  if (code === undefined) return undefined;
  const status = parseStatus(code);
  if (status !== undefined) return status.statusClass;
  if (/^[245][0-5]\d$/.test(code.trim())) return Number(code.trim()[0]) as StatusClass;
  return undefined;
}

/** RFC 3463 subject names, for explanations. */
const SUBJECT_NAMES = [
  "other or undefined status",
  "addressing status",
  "mailbox status",
  "mail system status",
  "network and routing status",
  "mail delivery protocol status",
  "message content or media status",
  "security or policy status",
] as const;

/**
 * Short names of the RFC 3463 (and later IANA registry) codes that the classifier leans on, keyed by
 * `subject.detail`; used to make explanations readable.
 */
const DETAIL_NAMES: Readonly<Record<string, string>> = {
  "1.1": "bad destination mailbox address",
  "1.2": "bad destination system address",
  "1.3": "bad destination mailbox address syntax",
  "1.4": "destination mailbox address ambiguous",
  "1.6": "destination mailbox has moved",
  "1.7": "bad sender's mailbox address syntax",
  "1.8": "bad sender's system address",
  "1.10": "recipient address has null MX",
  "2.1": "mailbox disabled",
  "2.2": "mailbox full",
  "2.3": "message length exceeds administrative limit",
  "2.4": "mailing list expansion problem",
  "3.0": "other mail system status",
  "3.1": "mail system full",
  "3.2": "system not accepting network messages",
  "3.3": "system not capable of selected features",
  "3.4": "message too big for system",
  "3.5": "system incorrectly configured",
  "4.1": "no answer from host",
  "4.2": "bad connection",
  "4.3": "directory server failure",
  "4.4": "unable to route",
  "4.5": "mail system congestion",
  "4.6": "routing loop detected",
  "4.7": "delivery time expired",
  "5.1": "invalid command",
  "5.2": "syntax error",
  "5.3": "too many recipients",
  "5.4": "invalid command arguments",
  "5.5": "wrong protocol version",
  "6.0": "other or undefined media error",
  "6.1": "media not supported",
  "7.0": "other or undefined security status",
  "7.1": "delivery not authorized, message refused",
  "7.2": "mailing list expansion prohibited",
  "7.7": "message integrity failure",
  "7.8": "authentication credentials invalid",
  "7.13": "user account disabled",
  "7.17": "mailbox owner has changed",
  "7.18": "domain owner has changed",
  "7.20": "no passing DKIM signature found",
  "7.21": "no acceptable DKIM signature found",
  "7.22": "no valid author-matched DKIM signature found",
  "7.23": "SPF validation failed",
  "7.24": "SPF validation error",
  "7.25": "reverse DNS validation failed",
  "7.26": "multiple authentication checks failed",
  "7.27": "sender address has null MX",
  "7.29": "ARC validation failure",
  "7.30": "REQUIRETLS support required",
};

/** A human-readable name for a status code, e.g. "bad destination mailbox address" for 5.1.1. */
export function describeStatus(status: EnhancedStatus): string {
  return DETAIL_NAMES[`${status.subject}.${status.detail}`] ?? SUBJECT_NAMES[status.subject] ?? "status";
}
