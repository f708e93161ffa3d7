// What the classifier reads (one recipient's SES evidence) and what it answers.
import type { Reason, VerdictClass } from "../types.ts";

export interface BounceEvidence {
  readonly bounceType?: string;
  readonly bounceSubType?: string;
  readonly action?: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
}

export interface BounceReading {
  readonly class: Extract<VerdictClass, BounceClass | "autoreply">;
  readonly reason: Reason;
  /** The enhanced status code the reading rests on, when one was given or found in the text. */
  readonly status?: string;
  /** One plain sentence saying what decided the verdict. */
  readonly explanation: string;
  readonly suppressedBySes?: boolean;
}

export interface DelayEvidence {
  readonly delayType?: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
}

/** What a delayed recipient's evidence means; SES's suppression never comes with a delay. */
export type DelayReading = Omit<BounceReading, "suppressedBySes">;

/**
 * What a bounce means for the address; `autoreply` is decided outside this table. `unconfirmed`:
 * a permanent failure with no reason given, deferred until a second one confirms it.
 */
export type BounceClass = "hard" | "unconfirmed" | "soft" | "block";
