// Phrases about the delivery itself rather than the address or the sender: greylisting, rates and
// connection limits, sizes, full systems, expiry, network and DNS failures, local delivery
// programs, protocol errors and the receiver's own faults.
import { anyOf } from "./phrase-syntax.ts";

/** Greylisting: the receiver asks every new sender to come back later; nothing is wrong yet. */
export const GREYLISTED = anyOf("grey ?list", "gray ?list");

/**
 * A local delivery program failed (procmail, maildrop, a pipe): its own messages, such as
 * procmail's "No such user" for a missing spool file, describe the program, not the address.
 */
export const DELIVERY_PROGRAM = anyOf(
  "\\bprocmail\\b",
  "\\bmaildrop\\b",
  "pipe to \\|",
  "\\|\\s*(?:/|exec\\b)",
  "command (?:died|failed) with status",
);

/**
 * A DNS lookup failed (timed out, the name server failed or answered garbage): a failure of the
 * lookup, not an answer that the domain does not exist, and not the expiry it may have led to.
 */
export const DNS_FAILURE = anyOf(
  "dns query failed",
  "(?<!reverse )dns (?:lookup|resolution|query|server)(?: \\S+){0,2} (?:failed|failure|timed out|timeout|error)",
  "(?:host ?name|host|mx|name ?server) lookup (?:failure|failed|did not complete|timed out)",
  "malformed or unexpected name server reply",
  "not found, try again",
  "name ?server (?:failure|error|timeout|timed out|did not respond|not responding)",
  "(?:temporary|temporarily) (?:dns|lookup|name ?server|name service) (?:failure|error|problem)",
  "\\bservfail\\b",
);

/** A cap on connections or on how often this IP may connect, whatever the receiver adds about it. */
export const FREQUENCY_LIMITED = anyOf(
  "(?:ip|connection|connect|domain|mail|rcpt|sender) frequency (?:limit|limited|exceeded)",
  "connection rate(?: limit)?",
);

export const TOO_MANY_CONNECTIONS = anyOf(
  "too many (?:\\S+ ){0,2}(?:connections|sessions|connexions)",
  "too many recipients",
  "connection limit",
  "(?:maximum|max\\.?) (?:number of )?(?:concurrent |simultaneous )?connections",
  "trop de connexions",
  "demasiadas conexiones",
  "zu viele verbindungen",
);

export const SENDING_TOO_FAST = anyOf(
  "rate[- ]limit",
  "(?:sending|send|message|messaging|delivery|receiving) rate",
  "at a rate",
  "too many (?:messages|e-?mails|mails)(?! (?:in|on) (?:the |this |your )?(?:mailbox|inbox|account|folder))",
  "throttl",
  "slow down",
  "too (?:quickly|fast)",
  "(?:sending|send) (?:quota|limit)",
  "(?:hourly|daily|per hour|per day)(?: \\S+){0,3} (?:quota|limit)",
  "limits for how many messages",
  "unexpected volume",
);

export const EXCEEDS_ADMINISTRATIVE_LIMIT = anyOf("administrative limit", "per-?mailbox limit");

/** Too big for the system (RFC 3463's X.3.4); under X.2.3 it is the mailbox's own limit (finding.ts). */
export const MESSAGE_TOO_BIG = anyOf(
  "(?:message|mail) length exceeds",
  "(?:message|mail|e-?mail|data|attachments?|file)s? (?:is |was )?too (?:large|big|long)",
  "(?:message|mail|e-?mail|data|attachments?|file)s?(?: \\S+){0,3} (?:is |was )?too (?:large|big)",
  "(?:message|mail|e-?mail) size(?: \\S+){0,4} exceed",
  "exceeds?(?: the)?(?: \\S+){0,3} size limit",
  "(?:message|mail|e-?mail) size limit",
  "size (?:limit )?exceed",
  "maximum (?:allowed |permitted )?(?:message |mail |e-?mail )?size",
  "exceeds (?:the )?(?:max(?:imum)?|fixed|allowed) (?:message |mail )?size",
  "message exceeds (?:the )?(?:maximum|max|fixed)",
  "larger than (?:the )?(?:maximum|max|allowed|permitted)",
  "nachricht (?:ist )?zu gro",
  "message trop (?:gros|volumineux)",
  "taille (?:du message )?(?:maximale|limite|depasse)",
  "mensaje (?:es )?demasiado grande",
  "tamano (?:del mensaje )?(?:excede|supera|maximo)",
);

export const SYSTEM_FULL = anyOf(
  "(?:mail )?system (?:is )?full",
  "insufficient system (?:storage|resources)",
  "(?:insufficient|not enough) (?:disk|storage) space",
  "(?:disk|filesystem|file system|partition|spool|queue) (?:is )?full",
  "no space left on device",
  "(?:server|system) (?:is )?(?:out of|low on) (?:disk|storage|space)",
);

/** The sending side gave up: retries ran out, the message was too long in the queue, timeouts. */
export const EXPIRED = anyOf(
  "retry (?:timeout|time|period) (?:exceeded|expired)",
  "(?:delivery|message|queue) (?:time|period|lifetime) (?:has )?(?:expired|exceeded)",
  "(?:message|delivery|envelope) (?:has )?expired",
  "(?:could not|couldn'?t|was not|has not been|cannot|wasn'?t|not) (?:be )?delivered (?:for|within|after|in) (?:the (?:last|past) )?\\d+",
  "(?:too long|too old) (?:in|for) (?:the )?queue",
  "(?:been|was) (?:in|on) (?:the )?queue (?:too long|for)",
  "giving up|gave up",
  "maximum (?:delivery|retry|queue) time",
  "will be (?:deleted from (?:the )?queue|retried for)",
  "(?:have|has) been failing for a long time",
  "retry time not reached",
  "ttl expired",
  "connection (?:timed out|timeout)",
  "did not accept our requests? to connect",
);

export const NETWORK_ERROR = anyOf(
  "connection (?:refused|reset|lost|closed|dropped|failed|broken|died)",
  "(?:timed out|timeout) (?:while|during|after|waiting|on|reading|connecting)",
  "no route to host",
  "(?:network|host) (?:is )?unreachable",
  "(?:host|server|destination) (?:is )?not reachable",
  "(?:could not|couldn'?t|unable to|(?:was not|wasn'?t) able to|cannot|can'?t|failed to) (?:connect|establish (?:a |an )?(?:smtp |tcp )?connection|open (?:a )?connection)",
  "lost connection",
  "network error",
  "(?:read|write) error",
  "broken pipe",
  "no answer from",
  "(?:could not|couldn'?t|unable to|cannot|can'?t) find (?:a |any )?(?:gateway|route|path) (?:for|to)",
  "routing loop",
  "(?:mail|forwarding|delivery) loop",
  "too many hops",
  "hop count exceeded",
  "\\blooping\\b",
);

export const MAILER_ERROR = anyOf(
  "mailer error",
  "command (?:died|failed|output)",
  "exit (?:status|code)",
  "returned (?:a )?non-?zero",
  "child process",
  "program (?:failed|error|terminated)",
  "^x-unix;",
);

export const SYNTAX_ERROR = anyOf(
  "syntax error",
  "command (?:not recognized|unrecognized|not implemented|not understood)",
  "(?:unrecognized|unknown|invalid) command",
  "bad sequence of commands",
  "(?:parameters?|arguments?) (?:not recognized|invalid|syntax)",
  "malformed address",
  "may not follow",
);

export const SYSTEM_ERROR = anyOf(
  "system error",
  "internal (?:server )?error",
  "server error",
  "local error",
  "temporary (?:local |system )?(?:problem|failure|error)",
  "configuration error",
  "misconfigur",
  "resources? (?:temporarily )?unavailable",
  "i/o error",
  "database (?:error|failure)",
  "mail transport unavailable",
  "loops back to myself",
  "best-preference mx",
  "transaction failed",
);

/** The receiver or the mailbox is busy for now (weak). */
export const SERVER_BUSY = anyOf(
  "(?:system|server|mailbox) (?:is )?(?:too |currently )?(?:busy|overloaded)",
  "mailbox (?:is )?temporarily (?:unavailable|not available|locked)",
);
