// How a history entry is written in a suppression item and read back, in every form it was stored in.
import type { HistoryEntry } from "../core/policy.ts";
import type { FeedbackEvent, Reason, TimestampNote, VerdictClass } from "../core/types.ts";

/**
 * How a history entry is stored. Every event rewrites the whole item and DynamoDB charges a write
 * unit per started KB of it, so an entry is one string rather than a map (a map pays a name and a
 * type per field): `time|event|class|reason|status|messageId|diagnostic`.
 * - time: epoch milliseconds in base 36 (8 characters instead of 24); a time that is not a
 *   canonical ISO instant is kept as written, after `=`. A time that stands in for SES's (see
 *   functions/core/event-time.ts) is followed by `~` and a letter naming why (NOTE_CODES).
 * - event and class: one letter each; reason: two (REASON_CODES), none when it is the event's
 *   only reason (delivered, feedback).
 * - diagnostic: last and verbatim, so it may hold `|`; the fields before it escape `%` and `|`.
 * - What an entry holds at all is the policy's choice (historyEntryOf): no feedbackId, and no
 *   message id or SMTP response on deliveries. With that, most addresses' items stay within the
 *   first KB. A legacy entry's feedbackId ("f") is still read.
 * An entry's id is not stored in it: the ids list, kept aligned with the history (appended and
 * trimmed together), holds it at the same index. Items written as maps with one-letter keys (with
 * or without the id, "i") are still read.
 */
const EVENT_CODES = {
  bounce: "b",
  complaint: "c",
  delivery: "d",
  delay: "y",
  other: "o",
} as const satisfies Record<FeedbackEvent, string>;

const CLASS_CODES = {
  hard: "h",
  unconfirmed: "u",
  soft: "s",
  block: "b",
  complaint: "c",
  delivered: "d",
  autoreply: "a",
  ignore: "i",
} as const satisfies Record<VerdictClass, string>;

/** Two letters per reason; fixed here, never derived from the order of REASONS, so stored items stay readable. */
const REASON_CODES = {
  userunknown: "uu",
  hostunknown: "hu",
  hasmoved: "hm",
  notaccept: "na",
  mailboxfull: "mf",
  exceedlimit: "el",
  mesgtoobig: "mb",
  systemfull: "sf",
  toomanyconn: "tc",
  speeding: "sp",
  systemerror: "se",
  networkerror: "ne",
  expired: "ex",
  mailererror: "me",
  suspend: "su",
  syntaxerror: "sx",
  blocked: "bl",
  spamdetected: "sd",
  policyviolation: "pv",
  securityerror: "sc",
  virusdetected: "vd",
  contenterror: "ce",
  norelaying: "nr",
  rejected: "rj",
  filtered: "fi",
  authfailure: "af",
  requireptr: "rp",
  badreputation: "br",
  notcompliantrfc: "nc",
  failedstarttls: "ft",
  onhold: "oh",
  undefined: "un",
  feedback: "fb",
  vacation: "va",
  delivered: "dl",
  suppressed: "ss",
} as const satisfies Record<Reason, string>;

/** Why an entry's time is its receive time; after `~` in the time field. */
const NOTE_CODES = {
  "timestamp-unreadable": "u",
  "timestamp-in-future": "f",
} as const satisfies Record<TimestampNote, string>;
const NOTE_MARK = "~";

/** The reason an event always has, left out of the stored entry. */
const IMPLIED_REASON: Partial<Record<FeedbackEvent, Reason>> = {
  delivery: "delivered",
  complaint: "feedback",
};

const EVENT_OF_CODE = invert(EVENT_CODES);
const CLASS_OF_CODE = invert(CLASS_CODES);
const REASON_OF_CODE = invert(REASON_CODES);
const NOTE_OF_CODE = invert(NOTE_CODES);
const FIELD_SEPARATOR = "|";
/** time, event, class, reason, status, messageId: then the diagnostic. */
const FIELDS_BEFORE_DIAGNOSTIC = 6;

function invert<K extends string, V extends string>(table: Record<K, V>): ReadonlyMap<string, K> {
  return new Map(Object.entries(table).map(([key, value]) => [value as string, key as K]));
}

const escapeField = (value: string): string =>
  value.includes("%") || value.includes(FIELD_SEPARATOR)
    ? value.replaceAll("%", "%25").replaceAll(FIELD_SEPARATOR, "%7C")
    : value;
const unescapeField = (value: string): string =>
  value.includes("%") ? value.replaceAll("%7C", FIELD_SEPARATOR).replaceAll("%25", "%") : value;

function encodeTime(at: string): string {
  const millis = Date.parse(at);
  return !Number.isNaN(millis) && millis >= 0 && new Date(millis).toISOString() === at
    ? millis.toString(36)
    : `=${at}`;
}

function decodeTime(stored: string): string {
  return stored.startsWith("=") ? stored.slice(1) : new Date(Number.parseInt(stored, 36)).toISOString();
}

export function encodeEntry(entry: HistoryEntry): string {
  const reason = IMPLIED_REASON[entry.event] === entry.reason ? "" : REASON_CODES[entry.reason];
  return [
    entry.note !== undefined
      ? `${encodeTime(entry.at)}${NOTE_MARK}${NOTE_CODES[entry.note]}`
      : encodeTime(entry.at),
    EVENT_CODES[entry.event],
    CLASS_CODES[entry.class],
    reason,
    entry.status ?? "",
    entry.messageId ?? "",
  ]
    .map(escapeField)
    .concat(entry.diagnostic ?? "")
    .join(FIELD_SEPARATOR);
}

function decodeStringEntry(stored: string, id: string): HistoryEntry {
  const fields: string[] = [];
  let from = 0;
  for (let field = 0; field < FIELDS_BEFORE_DIAGNOSTIC; field += 1) {
    const to = stored.indexOf(FIELD_SEPARATOR, from);
    if (to === -1) throw new Error(`a stored history entry has too few fields: "${stored.slice(0, 80)}"`);
    fields.push(unescapeField(stored.slice(from, to)));
    from = to + 1;
  }
  const [timeField = "", eventCode = "", classCode = "", reasonCode = "", status, messageId] = fields;
  // A "~" is never part of a base-36 time; a time kept as written (after "=") is left whole.
  const mark = timeField.startsWith("=") ? -1 : timeField.indexOf(NOTE_MARK);
  const time = mark === -1 ? timeField : timeField.slice(0, mark);
  const note = mark === -1 ? undefined : NOTE_OF_CODE.get(timeField.slice(mark + 1));
  const diagnostic = stored.slice(from);
  const event = EVENT_OF_CODE.get(eventCode);
  const verdictClass = CLASS_OF_CODE.get(classCode);
  const reason =
    event === undefined
      ? undefined
      : reasonCode === ""
        ? IMPLIED_REASON[event]
        : REASON_OF_CODE.get(reasonCode);
  if (event === undefined || verdictClass === undefined || reason === undefined) {
    throw new Error(`a stored history entry has an unknown event, class or reason: "${stored.slice(0, 80)}"`);
  }
  return {
    id,
    at: decodeTime(time),
    event,
    class: verdictClass,
    reason,
    ...(messageId ? { messageId } : {}),
    ...(status ? { status } : {}),
    ...(diagnostic !== "" ? { diagnostic } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/** The keys of the map form entries were stored in before. */
const LEGACY_ENTRY_KEYS = {
  at: "t",
  event: "e",
  class: "c",
  reason: "r",
  status: "s",
  diagnostic: "d",
  feedbackId: "f",
  messageId: "m",
} as const satisfies Record<Exclude<keyof HistoryEntry, "id" | "note">, string>;

const LEGACY_ID_KEY = "i";

export function decodeEntry(stored: string | Record<string, string>, id: string | undefined): HistoryEntry {
  if (typeof stored === "string") return decodeStringEntry(stored, id ?? "");
  const entry: Record<string, string> = { id: id ?? stored[LEGACY_ID_KEY] ?? "" };
  for (const [name, key] of Object.entries(LEGACY_ENTRY_KEYS)) {
    const value = stored[key];
    if (value !== undefined) entry[name] = value;
  }
  return entry as unknown as HistoryEntry;
}
