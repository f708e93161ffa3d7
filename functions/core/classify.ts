// The bounce classification rules: what one recipient's SES bounce or delay evidence means.
//
// Evidence is weighed in a fixed order, most specific first: the decisive SES subtypes, specific
// phrases in the diagnostic text, a specific RFC 3463 status code, vaguer phrases, a generic
// status code (X.Y.0 and the catch-all 5.7.1), the basic reply code, and SES's label last.
// Each reason has one predicate (a few regular expressions over the normalised diagnostic), an
// ordered table decides which reason wins when several match, and `classOfReason` turns a reason
// into what the policy does with the address. The parts live in ./classify/, one concern a file:
//
//   evidence.ts        what is read and what is answered (BounceEvidence, BounceReading, …)
//   normalise.ts       the diagnostic as the phrase tables read it
//   phrases.ts         the phrase tables and their order
//   phrase-match.ts    which phrase a text holds, remembered per text
//   status-reasons.ts  what status and reply codes say on their own
//   ses-labels.ts      what SES's bounce subtypes and delay types say
//   finding.ts         the reason the evidence names, and what named it
//   reason-class.ts    what a reason means for the address (hard, soft, block)
//   explanation.ts     the sentence citing the evidence that decided
//   bounce.ts, delay.ts  one bounced or delayed recipient
//   reading-memo.ts    the memo and the memoised classifyBounce and classifyDelay

export { classifyBounceUncached } from "./classify/bounce.ts";
export { classifyDelayUncached } from "./classify/delay.ts";
export type {
  BounceClass,
  BounceEvidence,
  BounceReading,
  DelayEvidence,
  DelayReading,
} from "./classify/evidence.ts";
export { normaliseDiagnostic, READ_LIMIT, readablePart } from "./classify/normalise.ts";
export { reasonOfText } from "./classify/phrase-match.ts";
export {
  CLASSIFY_MEMO_BOUNDS,
  classifyBounce,
  classifyDelay,
  classifyMemoSizes,
  clearClassifyMemo,
} from "./classify/reading-memo.ts";
export { classOfReason } from "./classify/reason-class.ts";
export { extractStatus } from "./status-code.ts";
