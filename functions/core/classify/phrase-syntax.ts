// The building blocks the phrase tables are written with. Every alternative starts with a literal
// or bounds its repetition, so a failed attempt looks only a few words ahead (normalise.ts).

/** One expression matching any of the alternatives. */
export const anyOf = (...alternatives: readonly string[]): RegExp => new RegExp(alternatives.join("|"));

/** Up to n words between two parts of a phrase. */
export const gap = (n: number): string => `(?: \\S+){0,${n}}?`;

/** Like gap, but within one clause: no word of the gap ends a clause (":", ";", ",", "." and the like). */
export const clauseGap = (n: number): string => `(?: \\S*[^\\s:;,.!?]){0,${n}}?`;

/** Like gap, but the words may not name a host or domain (so "address rejected: domain not found" is no user). */
export const personGap = (n: number): string => `(?: (?!domain|host|sender)\\S+){0,${n}}?`;

/** Words naming the recipient's mailbox. */
export const PERSON =
  "(?:user|recipient|addressee|mailbox|account|address|local[- ]?part|e-?mail|username|user name|userid|user id)";

/** Words saying something does not exist. */
export const MISSING =
  "(?:unknown|not found|not known|does not exist|doesn'?t exist|(?:is )?not exist|no longer exists?|non-?existent|not valid|invalid|not listed|not recogni[sz]ed)";

/** Words naming the recipient's domain or its mail exchanger. */
export const DOMAIN = "(?:host|domain|hostname|host name|domain name|mx|mail exchanger)";

/** A host name as receivers write it (after normalisation): labels joined by dots. */
export const HOST_NAME = "[a-z0-9][a-z0-9-]{0,62}(?:\\.[a-z0-9-]{1,63}){1,8}\\.?";
