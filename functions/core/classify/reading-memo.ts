// The reading memo and the memoised entry points. A reading is a pure function of the evidence's strings, and one container sees the same
// MTA texts over and over (every recipient a provider rejects gets the same sentence), so readings
// are kept, keyed by all the fields the reading looks at. Readings are frozen: every caller gets
// the same object, and none may change it.
import { classifyBounceUncached } from "./bounce.ts";
import { classifyDelayUncached } from "./delay.ts";
import type { BounceEvidence, BounceReading, DelayEvidence, DelayReading } from "./evidence.ts";
import { PHRASE_MEMO_LIMIT, TEXT_MATCHES } from "./phrase-match.ts";

/**
 * Readings are filed under their diagnostic text (the field that varies most), each text holding
 * the combinations of the other fields it came with: a lookup hashes the text once and compares a
 * few short strings, with no key to build. At most 1024 readings in all and 32 per text (the oldest
 * texts go first), and evidence longer than 1000 characters in all is read but not kept, so a
 * container holds at most a few MB however varied its feedback.
 */
const READING_MEMO_LIMIT = 1024;
const READING_MEMO_MAX_TEXT = 1000;
const READINGS_PER_TEXT = 32;

interface Remembered<E, R> {
  readonly evidence: E;
  readonly reading: R;
}

class ReadingMemo<E extends { readonly diagnosticCode?: string }, R> {
  readonly #byText = new Map<string, Remembered<E, R>[]>();
  #readings = 0;

  constructor(
    /** Whether two pieces of evidence agree on every field the reading looks at. */
    private readonly same: (a: E, b: E) => boolean,
    /** Those fields alone, copied: the caller's object may change after the call. */
    private readonly fieldsOf: (evidence: E) => E,
    /** Their total length. */
    private readonly lengthOf: (evidence: E) => number,
  ) {}

  private get(evidence: E): R | undefined {
    const text = evidence.diagnosticCode ?? "";
    // Evidence this long is never kept (see set), so a long text is not even hashed for a lookup.
    if (text.length > READING_MEMO_MAX_TEXT) return undefined;
    const remembered = this.#byText.get(text);
    if (remembered === undefined) return undefined;
    for (const entry of remembered) {
      if (this.same(entry.evidence, evidence)) return entry.reading;
    }
    return undefined;
  }

  /** The remembered reading of `evidence`, or `read(evidence)` frozen and remembered. */
  readingFor(evidence: E, read: (evidence: E) => R): R {
    const known = this.get(evidence);
    if (known !== undefined) return known;
    const reading = Object.freeze(read(evidence));
    this.set(evidence, reading);
    return reading;
  }

  private set(evidence: E, reading: R): void {
    if (this.lengthOf(evidence) > READING_MEMO_MAX_TEXT) return;
    const text = evidence.diagnosticCode ?? "";
    let remembered = this.#byText.get(text);
    if (remembered === undefined) {
      remembered = [];
      this.#byText.set(text, remembered);
    }
    if (remembered.length >= READINGS_PER_TEXT) remembered.shift();
    else this.#readings += 1;
    remembered.push({ evidence: this.fieldsOf(evidence), reading });
    while (this.#readings > READING_MEMO_LIMIT) {
      const oldest = this.#byText.entries().next().value;
      if (oldest === undefined) break;
      this.#byText.delete(oldest[0]);
      this.#readings -= oldest[1].length;
    }
  }

  /** Texts and readings held. */
  size(): { texts: number; readings: number } {
    return { texts: this.#byText.size, readings: this.#readings };
  }

  clear(): void {
    this.#byText.clear();
    this.#readings = 0;
  }
}

const lengthOfField = (field: string | undefined): number => field?.length ?? 0;

const BOUNCE_READINGS = new ReadingMemo<BounceEvidence, BounceReading>(
  (a, b) =>
    a.diagnosticCode === b.diagnosticCode &&
    a.status === b.status &&
    a.bounceSubType === b.bounceSubType &&
    a.bounceType === b.bounceType &&
    a.action === b.action,
  (e) => ({
    bounceType: e.bounceType,
    bounceSubType: e.bounceSubType,
    action: e.action,
    status: e.status,
    diagnosticCode: e.diagnosticCode,
  }),
  (e) =>
    lengthOfField(e.bounceType) +
    lengthOfField(e.bounceSubType) +
    lengthOfField(e.action) +
    lengthOfField(e.status) +
    lengthOfField(e.diagnosticCode),
);

const DELAY_READINGS = new ReadingMemo<DelayEvidence, DelayReading>(
  (a, b) => a.diagnosticCode === b.diagnosticCode && a.status === b.status && a.delayType === b.delayType,
  (e) => ({ delayType: e.delayType, status: e.status, diagnosticCode: e.diagnosticCode }),
  (e) => lengthOfField(e.delayType) + lengthOfField(e.status) + lengthOfField(e.diagnosticCode),
);

/** What each memo holds (tests check the bounds). */
export function classifyMemoSizes(): {
  bounce: { texts: number; readings: number };
  delay: { texts: number; readings: number };
  phraseTexts: number;
} {
  return { bounce: BOUNCE_READINGS.size(), delay: DELAY_READINGS.size(), phraseTexts: TEXT_MATCHES.size };
}

/** The bounds above, for tests. */
export const CLASSIFY_MEMO_BOUNDS = {
  readings: READING_MEMO_LIMIT,
  maxText: READING_MEMO_MAX_TEXT,
  readingsPerText: READINGS_PER_TEXT,
  phraseTexts: PHRASE_MEMO_LIMIT,
} as const;

/** Empties the memos (tests start from a known state). */
export function clearClassifyMemo(): void {
  BOUNCE_READINGS.clear();
  DELAY_READINGS.clear();
  TEXT_MATCHES.clear();
}

/** Reads one bounced recipient of an SES Bounce notification; see the memo above. */
export function classifyBounce(evidence: BounceEvidence): BounceReading {
  return BOUNCE_READINGS.readingFor(evidence, classifyBounceUncached);
}

/**
 * Reads one delayed recipient of an SES DeliveryDelay event. SES is still retrying, so nothing here
 * is final: a reason that would kill the address is read as soft; sender blocks stay blocks.
 * Memoised like classifyBounce.
 */
export function classifyDelay(evidence: DelayEvidence): DelayReading {
  return DELAY_READINGS.readingFor(evidence, classifyDelayUncached);
}
