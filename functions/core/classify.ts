// The bounce classification rules: what one recipient's SES bounce or delay evidence means.
//
// Evidence is weighed in a fixed order, most specific first: the decisive SES subtypes, specific
// phrases in the diagnostic text, a specific RFC 3463 status code, vaguer phrases, a generic
// status code (X.Y.0 and the catch-all 5.7.1), the basic reply code, and SES's label last.
// Each reason has one predicate (a few regular expressions over the lower-cased diagnostic), an
// ordered table decides which reason wins when several match, and `classOfReason` turns a reason
// into what the policy does with the address.

import { BoundedMemo } from "./bounded-memo.ts";
import {
  classDigitOf,
  describeStatus,
  type EnhancedStatus,
  extractReplyCode,
  extractStatus,
  parseStatus,
} from "./status-code.ts";
import type { Reason, VerdictClass } from "./types.ts";

export { extractStatus } from "./status-code.ts";

export interface BounceEvidence {
  readonly bounceType?: string;
  readonly bounceSubType?: string;
  readonly action?: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
}

export interface BounceReading {
  readonly class: Extract<VerdictClass, "hard" | "soft" | "block" | "autoreply">;
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

/** What a bounce reason means for the address; `autoreply` is decided outside this table. */
export type BounceClass = "hard" | "soft" | "block";

/**
 * hard: the address is dead. block: the *sender* was refused (reputation, lists, content, policy,
 * authentication), so the recipient must not be suppressed for it. soft: try again later.
 * Only the reasons that say the address or its domain does not exist are hard, as in Sisimai's
 * reading: a suspended, filtering or misconfigured mailbox may come back, so it is retried and the
 * soft-bounce streak suppresses it if it never does.
 * Mailbox full and message too large stay soft even with a 5.x.x status: the product's users treat
 * them as temporary (seeds 000–002), and a mailbox that empties accepts mail again.
 * feedback, vacation and delivered never come out of a failed delivery; they are soft so that a
 * caller misusing this table never suppresses an address for them.
 */
const CLASS_OF_REASON = {
  userunknown: "hard",
  hostunknown: "hard",
  hasmoved: "hard",
  notaccept: "hard",
  suppressed: "hard",
  blocked: "block",
  spamdetected: "block",
  policyviolation: "block",
  badreputation: "block",
  requireptr: "block",
  authfailure: "block",
  virusdetected: "block",
  contenterror: "block",
  rejected: "block",
  securityerror: "block",
  notcompliantrfc: "block",
  failedstarttls: "block",
  mailboxfull: "soft",
  mailererror: "soft",
  norelaying: "soft",
  filtered: "soft",
  syntaxerror: "soft",
  suspend: "soft",
  exceedlimit: "soft",
  mesgtoobig: "soft",
  systemfull: "soft",
  toomanyconn: "soft",
  speeding: "soft",
  systemerror: "soft",
  networkerror: "soft",
  expired: "soft",
  onhold: "soft",
  undefined: "soft",
  feedback: "soft",
  vacation: "soft",
  delivered: "soft",
} as const satisfies Record<Reason, BounceClass>;

/**
 * The isHardBounce-style decision: the class a reason stands for, given the status code (enhanced,
 * e.g. 4.2.2, or basic, e.g. 450) that came with it. A reason that would kill the address is only a
 * retry when the receiver itself said the failure is temporary (4.x.x or 4xx). Suppression by SES
 * carries no status and is never demoted.
 */
export function classOfReason(reason: Reason, status?: string): BounceClass {
  if (reason === "undefined" || reason === "onhold") {
    // Nothing says what happened: the receiver's code class is the only evidence (5 permanent).
    return classDigitOf(status) === 5 ? "hard" : "soft";
  }
  const base: BounceClass = CLASS_OF_REASON[reason];
  if (base === "hard" && reason !== "suppressed" && classDigitOf(status) === 4) return "soft";
  return base;
}

// ---------------------------------------------------------------------------------------------
// Reason predicates over the normalised diagnostic (lower case, no accents, no addresses, no
// codes). Strong phrases name a reason on their own; weak phrases only when no specific status
// code says otherwise.

/** Reasons that a phrase in the diagnostic can name. */
type TextReason = Exclude<Reason, "feedback" | "delivered" | "suppressed" | "undefined">;

const anyOf = (...alternatives: readonly string[]): RegExp => new RegExp(alternatives.join("|"));

/** Up to n words between two parts of a phrase. */
const gap = (n: number): string => `(?: \\S+){0,${n}}?`;

/** Like gap, but the words may not name a host or domain (so "address rejected: domain not found" is no user). */
const personGap = (n: number): string => `(?: (?!domain|host|sender)\\S+){0,${n}}?`;

const PERSON =
  "(?:user|recipient|addressee|mailbox|account|address|local[- ]?part|e-?mail|username|user name)";
const MISSING =
  "(?:unknown|not found|not known|does not exist|doesn'?t exist|(?:is )?not exist|no longer exists?|non-?existent|not valid|invalid|not listed|not recogni[sz]ed)";
const DOMAIN = "(?:host|domain|hostname|host name|domain name|mx|mail exchanger)";

const STRONG_PHRASES = {
  // Greylisting: the receiver asks every new sender to come back later; nothing is wrong yet.
  onhold: anyOf("grey ?list", "gray ?list"),
  vacation: anyOf(
    "out of (?:the )?office",
    "\\bauto(?:matic)?[- ]?(?:reply|replies|response|responder|answer)",
    "automatische antwort",
    "\\bvacation\\b",
    "\\bon (?:holiday|leave|vacation|annual leave|parental leave|maternity leave|sick leave)\\b",
    "away from (?:the|my) (?:office|desk)",
    "i (?:am|will be) (?:currently )?(?:away|out|travel+ing|on leave)",
    "i'?m (?:currently )?(?:away|out of)",
    "limited access to (?:my )?e-?mail",
    "abwesenheit",
    "(?:bin|ist) (?:derzeit |zurzeit )?(?:nicht im buro|abwesend|im urlaub)",
    "au(?:ss|ß)er haus",
    "reponse automatique",
    "(?:je suis|je serai) (?:actuellement )?absente?",
    "absence du bureau",
    "fuera de (?:la )?oficina",
    "respuesta automatica",
    "estoy de vacaciones",
  ),
  norelaying: anyOf(
    "relay(?:ing)? (?:access )?(?:is )?(?:denied|not (?:permitted|allowed|authori[sz]ed)|prohibited|refused|disallowed|forbidden)",
    "(?:not permitted|not allowed|not authori[sz]ed|unable|cannot|can'?t) to relay",
    "(?:we )?do(?:es)? not relay(?! dynamic)",
    "(?:no|not) relaying",
    "relay not permitted",
    "relaying mail to \\S+ is not allowed",
    "allowed rcpthosts",
    "relay (?:access )?denied",
  ),
  authfailure: anyOf(
    "\\bspf\\b",
    "\\bdkim\\b",
    "\\bdmarc\\b",
    "sender policy framework",
    "domainkeys",
    "authentication (?:checks|information|results)",
    "(?:is |was )?unauthenticated (?:e-?mail|mail|message|sender)",
    "sender is unauthenticated",
    "fails? to pass authentication",
    "\\barc (?:validation|check)",
    "required authentication level",
    "(?:message|mail|sender) (?:is |was )?not authenticated",
  ),
  requireptr: anyOf(
    "reverse (?:dns|lookup|hostname|host name|name|mapping|resolution)",
    "\\bptr\\b",
    "\\brdns\\b",
    "cannot find your (?:reverse )?hostname",
    "(?:no|missing|invalid) (?:reverse|ptr)",
    "ip name lookup failed",
    "(?:hostname|host name|ip address) (?:does not|doesn'?t) (?:match|resolve)",
    "fcrdns|forward[- ]confirmed",
  ),
  filtered: anyOf(
    `(?:recipient|user|addressee|owner)${gap(2)} (?:has )?(?:rejected|refused|blocked|declined|filtered) (?:your|this|the|all)${gap(1)} (?:e-?mail|message|mail|sender)`,
    "(?:filtered|blocked|rejected|refused|declined) by (?:the )?(?:recipient|user|addressee)",
    "recipient'?s? (?:filter|rules?|preferences|settings|block ?list|blocked senders)",
    "(?:not accepting|does not accept|doesn'?t accept) (?:e-?mail|mail|messages) from (?:you|this sender|your address|the sender)",
    "does not (?:wish|want) to receive",
    "(?:user|recipient) (?:refuses|declines) to accept",
    "envelope blocked - user entry",
  ),
  blocked: anyOf(
    "spamhaus",
    "spamcop",
    "\\bsorbs\\b",
    "barracuda ?(?:central|reputation|rbl)",
    "uceprotect",
    "\\bpsbl\\b",
    "dnsbl",
    "\\brbl\\b",
    "cloudmark",
    "invaluement",
    "(?<!may be )(?:black|block|deny|ban)[- ]?list(?:ed|ing|s)?",
    "blocked using",
    "is_blocked",
    "(?<!not )listed (?:at|in|on|by) ",
    "client host(?: \\S+){0,2} (?:rejected|blocked|refused|denied)",
    `(?:your|the|sending|sender'?s?|client|connecting|remote) (?:ip|ip address|ips|server|host|mail server|mta|network)${gap(4)} (?:is |was |has been |are )?(?:temporarily |permanently )?(?:blocked|blacklisted|banned|rejected|refused|denied|not allowed|not authori[sz]ed|not permitted)`,
    "(?:ip|ip address|connection|connections|access) (?:is |was |has been )?(?:temporarily |permanently )?(?:blocked|banned)",
    "banned sending ip",
    "not accepted from (?:this|your) ip",
    "(?:originating|coming|sent) from your (?:ip|spf domain|dkim domain|domain|network)",
    "not authori[sz]ed to send (?:e-?mail |mail )?directly",
    "dynamic(?:ally)?[- ](?:assigned )?ip",
    "dial-?up",
    "residential (?:ip|range|address)",
    "connections? (?:will not be|are not|not) accepted from",
    "service refuse",
    "permanently deferred",
    "helo(?: command)? (?:rejected|refused)",
    "(?:bad|invalid|forged) (?:helo|ehlo)",
  ),
  badreputation: anyOf(
    "(?<!barracuda )reputation",
    "user complaints",
    "(?:high|excessive) (?:spam )?complaint rate",
  ),
  rejected: anyOf(
    `sender(?:'s)?(?: address| domain| e-?mail| mail address| mailbox| account)?${gap(2)} (?:is |was |has been )?(?:rejected|refused|denied|blocked|not allowed|not permitted|not accepted|not authori[sz]ed|banned|invalid|unknown|not found|does not exist|unverifiable|not verified)`,
    "sender verif(?:y|ication) failed",
    "verification failed for",
    "(?:mail from|envelope from|envelope sender|from address|return[- ]path|reverse[- ]path|mail-from)(?: address)?(?: \\S+){0,2} (?:rejected|refused|denied|invalid|not allowed|not accepted|unknown)",
    "domain of sender address",
    "administrative(?:ly)? prohibit",
    "sender domain",
    "(?:for|of|in) (?:the )?sender(?:'s)? (?:e-?mail )?(?:address|domain)",
    "badmailfrom",
    "(?:invalid|unknown|bad|unauthori[sz]ed|forged|unverified) sender",
    "(?:do not|don'?t|does not|will not) accept (?:e-?)?mail from (?:this|your) (?:address|sender|domain)",
    "mail from (?:this|your) (?:domain|address) (?:is )?(?:not accepted|rejected|refused)",
  ),
  virusdetected: anyOf(
    "\\bvirus(?:es)?\\b",
    "malware",
    "infected",
    "trojan",
    "\\bworm\\b",
    "malicious (?:content|attachment|software|code|link|url|file)",
  ),
  spamdetected: anyOf(
    "\\bspam\\b",
    "unsolicited",
    "\\bjunk\\b",
    "bulk (?:mail|e-?mail)",
    "\\buce\\b",
    "spam ?score",
    "spamassassin",
    "(?:message )?content (?:rejected|not accepted|refused)",
    "phishing",
    "suspicious (?:content|message|mail|links?|urls?)",
    "pourriel",
    "indesirable",
    "correo no deseado",
  ),
  speeding: anyOf(
    "rate[- ]limit",
    "(?:sending|send|message|messaging|delivery|receiving|connection) rate",
    "at a rate",
    "too many (?:messages|e-?mails|mails)(?! (?:in|on) (?:the |this |your )?(?:mailbox|inbox|account|folder))",
    "throttl",
    "slow down",
    "too (?:quickly|fast)",
    "(?:sending|send) (?:quota|limit)",
    "(?:hourly|daily|per hour|per day)(?: \\S+){0,3} (?:quota|limit)",
    "limits for how many messages",
    "unexpected volume",
  ),
  mailboxfull: anyOf(
    "(?:mail ?)?box(?:es)? (?:is |was )?(?:currently )?(?:full|overfull|over ?quota)",
    "(?:mailbox|inbox|mail ?box|postbox|maildir|mail ?folder|mail ?drop)(?: \\S+){0,3} (?:is |was |has )?(?:over|exceeded|overflowed|out of (?:storage )?space)",
    "full (?:mail ?box|inbox)",
    "out of storage space",
    "over ?quota",
    "quota (?:exceeded|exceed|full|reached|violation|limit)",
    "exceed(?:s|ed)? (?:the |their |his |her |its )?(?:storage |mailbox |disk |mail )?quota",
    "(?:disk|storage|mailbox|mail|user|account|folder) quota",
    "exceeded storage allocation",
    "(?:insufficient|not enough) (?:storage|space|disk space)(?: \\S+){0,2} (?:in|for|on) (?:the |this )?(?:mailbox|user|account|recipient)",
    "too many (?:messages|e-?mails) (?:in|on) (?:the |this )?(?:mailbox|inbox|account)",
    "(?:boite|bal|boite aux lettres|boite du destinataire|mailbox)(?: \\S+){0,2} (?:est )?pleine",
    "quota (?:depasse|atteint|uberschritten|erreicht|excedido|superado)",
    "(?:postfach|mailbox|speicher)(?: \\S+){0,2} (?:ist )?(?:voll|uberfullt|belegt)",
    "speicherplatz",
    "buzon(?: \\S+){0,3} (?:esta )?(?:lleno|completo)",
    "casella(?: \\S+){0,2} piena",
  ),
  exceedlimit: anyOf("administrative limit", "(?:message|mail) length exceeds", "per-?mailbox limit"),
  mesgtoobig: anyOf(
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
  ),
  hasmoved: anyOf(
    "(?:user|mailbox|account|address|recipient) has moved",
    // RFC 3463 5.1.6's wording, used verbatim by several MTAs
    "(?:recipient |destination )?(?:address(?:es)?|mailbox(?:es)?) (?:have |has )?moved",
    "no forwarding address",
    "has moved (?:to|on)",
    "(?:address|account|mailbox) has (?:been )?changed",
    "changed (?:his|her|their) (?:e-?mail )?address",
    "new (?:e-?mail )?address is",
    "user not local; please try",
    "please (?:use|send to) (?:the|my|his|her|their) new (?:e-?mail )?address",
  ),
  suspend: anyOf(
    `(?:account|mailbox|inbox|address|user)${gap(5)} (?:is |has been |was |has |currently )*(?:temporarily |permanently |currently )?(?:disabled|suspended|deactivated|inactive|locked|frozen|closed|terminated|expired|not active|discontinued|cancell?ed|on hold|blocked for)`,
    "(?:disabled|suspended|inactive|deactivated|closed|locked|expired|frozen) (?:account|mailbox|user|recipient|address)",
    "(?:konto|postfach)(?: \\S+){0,2} (?:ist )?(?:gesperrt|deaktiviert|stillgelegt)",
    "compte(?: \\S+){0,2} (?:est )?(?:desactive|suspendu|bloque|inactif|ferme)",
    "cuenta(?: \\S+){0,2} (?:esta )?(?:desactivada|suspendida|inactiva|bloqueada|cancelada)",
  ),
  notaccept: anyOf(
    "null mx",
    "(?:does not|doesn'?t|will not|won'?t) (?:accept|receive|handle) (?:any )?(?:e-?)?mail",
    "not accept(?:ing|s)? (?:any )?(?:e-?)?mail",
    "no (?:smtp|mail) service",
    "not accepting network messages",
  ),
  userunknown: anyOf(
    `${PERSON}s?${personGap(2)} (?:is |was |has been )?${MISSING}`,
    `(?:unknown|invalid|non-?existent|nonexistent|bad|unrecogni[sz]ed|illegal) (?:user|recipient|addressee|mailbox|account|local[- ]?part|e-?mail address|address|destination (?:address|mailbox)|user ?name|alias)`,
    "no such (?:user|recipient|mailbox|account|address|local user|person|addressee|alias)",
    "no mailbox (?:here )?by that name",
    "(?:account|address|mailbox) (?:that )?you tried to reach (?:does not|doesn'?t) exist",
    "(?:does not|doesn'?t) have (?:a|an) \\S+ account",
    "nosuchuser",
    "recip(?:ient)?notfound",
    "not our customer",
    "recipient address rejected: access denied",
    "no longer accepts? (?:e-?)?mail",
    "not a valid (?:user|recipient|mailbox|address|e-?mail)",
    "mailbox name not allowed",
    `(?:address|recipient|user|mailbox)${gap(4)} (?:could ?n[o']t|cannot|can'?t) be found`,
    "(?:recipient|destination|rcpt)(?: mailbox)?(?: address)? syntax",
    "(?:invalid|bad|illegal) (?:recipient |destination )?address syntax",
    "there is no (?:one|user|such person) (?:at|by|with)",
    "(?:benutzer|empfanger|empfaenger|adresse|postfach|nutzer|konto|mailbox)(?: \\S+){0,2} (?:ist )?(?:unbekannt|existiert nicht|nicht vorhanden|ungultig|ungueltig|nicht gefunden)",
    "unbekannte?r? (?:benutzer|empfanger|empfaenger|adresse|nutzer)",
    "(?:utilisateur|destinataire|adresse|boite aux lettres|compte)s?(?: \\S+){0,2} (?:est )?(?:inconnue?|inexistante?|invalides?|introuvable|n'?existe pas)",
    "(?:usuario|destinatario|direccion|buzon|cuenta)(?: \\S+){0,2} (?:es )?(?:desconocid[oa]|no existe|inexistente|invalid[oa]|no encontrad[oa]|no valid[oa])",
    "no existe (?:el |la |ese |esa )?(?:usuario|cuenta|buzon|direccion|destinatario)",
    "(?:utente|indirizzo|destinatario)(?: \\S+){0,2} (?:sconosciuto|inesistente|non esiste|non valido)",
    "(?:usuario|conta|endereco)(?: \\S+){0,2} (?:desconhecid[oa]|inexistente|nao existe)",
  ),
  hostunknown: anyOf(
    `${DOMAIN}${gap(2)} (?:is )?(?:unknown|not found|does not exist|doesn'?t exist|(?:is )?not exist|could not be resolved|cannot be resolved|unresolvable|not known|invalid)`,
    `(?:unknown|invalid|non-?existent|unresolvable|bad|unrouteable|unroutable) ${DOMAIN}`,
    "no such (?:host|domain)",
    "name service error",
    "nxdomain",
    "(?:could ?n[o']t|cannot|can'?t) find (?:any host|a mail exchanger|an? mx)",
    "unroute?able (?:address|domain|mail domain)",
    "all relevant mx records point to non-?existent hosts",
    "no (?:valid )?(?:mx|mail exchanger|a|dns) (?:or a )?(?:records?|entry|entries) (?:for|found)",
    "dns domain(?: \\S+){0,3} does not exist",
    "domain(?: \\S+){0,2} (?:existiert nicht|nicht gefunden|unbekannt)",
    "domaine(?: \\S+){0,2} (?:inconnu|inexistant|introuvable)",
    "dominio(?: \\S+){0,2} (?:desconocido|inexistente|no existe|no encontrado)",
  ),
  toomanyconn: anyOf(
    "too many (?:\\S+ ){0,2}(?:connections|sessions|connexions)",
    "too many recipients",
    "connection limit",
    "(?:maximum|max\\.?) (?:number of )?(?:concurrent |simultaneous )?connections",
    "trop de connexions",
    "demasiadas conexiones",
    "zu viele verbindungen",
  ),
  policyviolation: anyOf(
    "polic(?:y|ies)",
    "potential security issue",
    "(?:organization|organisation|tenant|company) does not allow",
    "not allowed by (?:the )?(?:organization|organisation|recipient|administrator)",
    "violat(?:es|ion|ed|ing)",
    "compliance",
    "richtlinie",
    "politique",
    "politica",
  ),
  notcompliantrfc: anyOf(
    "\\brfc ?(?:5322|2822|822|5321|2821|1123|5335|6532)",
    "not (?:rfc|standards?)[- ]?compliant",
    "non-?compliant",
    "(?:duplicate|multiple|missing|invalid|malformed|broken|illegal|bad)(?: \\S+){0,1} headers?",
    "header (?:error|syntax)",
    "headers? (?:is |are )?(?:missing|invalid|malformed|too long)",
    "message-?id",
    "bare (?:lf|linefeeds?|cr|newlines?)",
    "lines? too long",
    "does not (?:conform|comply) (?:to|with) (?:rfc|the standard)",
  ),
  contenterror: anyOf(
    "content (?:not allowed|restriction)",
    "(?:attachment|file type|file extension|filename|file name)s?(?: \\S+){0,3} (?:not allowed|not permitted|prohibited|blocked|rejected|forbidden|banned)",
    "(?:prohibited|banned|forbidden|blocked|dangerous|unacceptable|disallowed):? (?:attachment|file|content|extension)",
    "(?:invalid|illegal|bad|malformed|improper|unsupported) (?:mime|content|encoding|character|charset|8-?bit|attachment|media)",
    "8-?bit (?:data|characters|mime)",
    "mime (?:error|part|structure)",
    "executable",
    "media (?:type )?not supported",
  ),
  failedstarttls: anyOf(
    "starttls",
    "requiretls",
    "\\btls\\b(?: \\S+){0,3} (?:required|failed|failure|negotiation|handshake|error|mandatory)",
    "(?:requires?|must use|must issue) (?:a |an )?(?:\\S+ )?(?:tls|encryption|encrypted|secure) (?:connection|channel|command|transport)?",
    "encryption (?:is )?(?:required|needed)",
    "ssl (?:handshake|error)",
    "certificate (?:verification|validation|expired|error|invalid|verify)",
  ),
  securityerror: anyOf(
    "authentication (?:is )?required",
    "authentication (?:failed|failure|unsuccessful|credentials)",
    "not authenticated",
    "must (?:be )?authenticated?",
    "smtp auth",
    "(?:invalid|bad|incorrect) (?:credentials|password|username or password)",
    "(?:not authori[sz]ed|unauthori[sz]ed|not permitted) to send",
    "authrequired|notauthorized",
    "security (?:error|reasons|restrictions)",
  ),
  systemfull: anyOf(
    "(?:mail )?system (?:is )?full",
    "insufficient system (?:storage|resources)",
    "(?:disk|filesystem|file system|partition|spool|queue) (?:is )?full",
    "no space left on device",
    "(?:server|system) (?:is )?(?:out of|low on) (?:disk|storage|space)",
  ),
  expired: anyOf(
    "retry (?:timeout|time|period) (?:exceeded|expired)",
    "(?:delivery|message|queue) (?:time|period|lifetime) (?:has )?(?:expired|exceeded)",
    "(?:message|delivery) (?:has )?expired",
    "(?:could not|couldn'?t|was not|has not been|cannot|wasn'?t|not) (?:be )?delivered (?:for|within|after|in) (?:the (?:last|past) )?\\d+",
    "(?:too long|too old) (?:in|for) (?:the )?queue",
    "(?:been|was) (?:in|on) (?:the )?queue (?:too long|for)",
    "giving up|gave up",
    "maximum (?:delivery|retry|queue) time",
    "will be deleted from (?:the )?queue",
    "(?:have|has) been failing for a long time",
    "retry time not reached",
    "ttl expired",
  ),
  networkerror: anyOf(
    "connection (?:timed out|timeout|refused|reset|lost|closed|dropped|failed|broken|died)",
    "(?:timed out|timeout) (?:while|during|after|waiting|on|reading|connecting)",
    "no route to host",
    "(?:network|host) (?:is )?unreachable",
    "(?:could not|couldn'?t|unable to|cannot|can'?t|failed to) (?:connect|establish (?:a |an )?(?:smtp |tcp )?connection|open (?:a )?connection)",
    "lost connection",
    "(?:read|write) error",
    "broken pipe",
    "no answer from",
    "dns (?:lookup|resolution|query|server)(?: \\S+){0,2} (?:failed|failure|timed out|timeout|error)",
    "(?:host|mx) lookup (?:did not complete|failed|timed out)",
    "(?:temporary|temporarily) (?:dns|lookup) (?:failure|error)",
    "routing loop",
    "(?:mail|forwarding|delivery) loop",
    "too many hops",
    "hop count exceeded",
    "\\blooping\\b",
  ),
  mailererror: anyOf(
    "mailer error",
    "command (?:died|failed|output)",
    "exit (?:status|code)",
    "\\bprocmail\\b",
    "\\bmaildrop\\b",
    "pipe to \\|",
    "returned (?:a )?non-?zero",
    "child process",
    "program (?:failed|error|terminated)",
    "^x-unix;",
  ),
  syntaxerror: anyOf(
    "syntax error",
    "command (?:not recognized|unrecognized|not implemented|not understood)",
    "(?:unrecognized|unknown|invalid) command",
    "bad sequence of commands",
    "(?:parameters?|arguments?) (?:not recognized|invalid|syntax)",
  ),
  systemerror: anyOf(
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
  ),
} as const satisfies Record<TextReason, RegExp>;

/** Which strong phrase wins when several match: the more telling reason first. */
const STRONG_ORDER = [
  "vacation",
  "onhold",
  "norelaying",
  "authfailure",
  "requireptr",
  "filtered",
  "badreputation",
  "blocked",
  "rejected",
  "virusdetected",
  "spamdetected",
  "toomanyconn",
  "speeding",
  "mailboxfull",
  "exceedlimit",
  "mesgtoobig",
  "hasmoved",
  "suspend",
  "notaccept",
  "userunknown",
  "hostunknown",
  "policyviolation",
  "notcompliantrfc",
  "contenterror",
  "failedstarttls",
  "securityerror",
  "systemfull",
  "expired",
  "networkerror",
  "mailererror",
  "syntaxerror",
  "systemerror",
] as const satisfies readonly TextReason[];

/** Fails to compile when a reason with phrases has no place in STRONG_ORDER. */
type OrderCovers<Missing extends never> = Missing;
export type StrongOrderIsComplete = OrderCovers<Exclude<TextReason, (typeof STRONG_ORDER)[number]>>;

/** Vague phrases: they decide only where no specific status code does. */
const WEAK_PHRASES = {
  blocked: anyOf("\\bblock(?:ed|ing)\\b", "\\bbanned\\b", "service not available"),
  // RFC 5321's text for 550; receivers use it overwhelmingly for addresses they do not have.
  userunknown: anyOf("mailbox (?:is )?(?:currently )?(?:unavailable|not available)"),
  // A refusal aimed at the recipient with nothing more said.
  filtered: anyOf(
    "(?:recipient|rcpt|mailbox|user|addressee|destination)(?:'s)?(?: address)?(?: \\S+){0,2} (?:rejected|refused|denied|not allowed|unavailable|not available|prohibited)",
    "\\bdenied\\b",
  ),
  systemerror: anyOf("(?:system|server) (?:is )?(?:too )?(?:busy|overloaded)"),
} as const satisfies Partial<Record<TextReason, RegExp>>;

const WEAK_ORDER = [
  "blocked",
  "userunknown",
  "filtered",
  "systemerror",
] as const satisfies readonly (keyof typeof WEAK_PHRASES)[];
/** Under a 5.7.x status the receiver's policy speaks: only a plain "blocked" says more than the code. */
const WEAK_ORDER_UNDER_POLICY_STATUS = ["blocked"] as const satisfies readonly (keyof typeof WEAK_PHRASES)[];

// ---------------------------------------------------------------------------------------------
// Status codes. Specific codes (RFC 3463, RFC 5248/7372/7505 registry entries, and the extended
// details Microsoft and Google use widely) decide before vague phrases; the generic ones (X.Y.0,
// and 5.7.1, which receivers use for every kind of refusal) only after them.

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
  "4.1": "networkerror",
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
const REPLY_REASON: Readonly<Record<string, Reason>> = {
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

// ---------------------------------------------------------------------------------------------
// SES's own labels, the last resort.

type LabelReading = { readonly reason: Reason; readonly decisive: boolean };

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
} as const satisfies Record<SesTellingLabel, LabelReading>;

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

const labelReadingOf = lookupIgnoringCase<LabelReading>(SES_LABEL_REASON);
const delayTypeReasonOf = lookupIgnoringCase<Reason>(DELAY_TYPE_REASON);

// ---------------------------------------------------------------------------------------------
// Reading the evidence.

const ADDRESS = /<?[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;]+>?/g;
const URL = /\b(?:https?:\/\/|www\.)\S+/g;
const CODES = /(?<![\w.])(?:[245]\.\d{1,3}\.\d{1,3}(?!\.?\d)|[245][0-5]\d(?=[\s-]|$))-?/g;
// Justifications that name spam without saying the message was spam (Gmail's boilerplate).
const BOILERPLATE = /to (?:best )?protect our users from spam|to reduce the amount of spam sent to gmail/g;
const COMBINING_MARKS = /\p{Mn}/gu;

/** Anything beyond ASCII. */
const NON_ASCII = /[^\p{ASCII}]/u;

/** Lower case, accents folded, addresses and codes removed, whitespace collapsed. */
export function normaliseDiagnostic(text: string): string {
  // Accents only exist outside ASCII; most diagnostics are ASCII and skip the Unicode pass.
  const folded = NON_ASCII.test(text) ? text.normalize("NFKD").replace(COMBINING_MARKS, "") : text;
  return folded
    .toLowerCase()
    .replace(URL, " ")
    .replace(ADDRESS, " <addr> ")
    .replace(CODES, " ")
    .replace(BOILERPLATE, " ")
    .replace(/\s+/g, " ")
    .trim();
}

interface PhraseMatch {
  readonly reason: Reason;
  readonly phrase: string;
}

function firstMatch<R extends TextReason>(
  text: string,
  order: readonly R[],
  phrases: Readonly<Record<R, RegExp>>,
): PhraseMatch | undefined {
  if (text === "") return undefined;
  for (const reason of order) {
    const match = phrases[reason].exec(text);
    if (match !== null) return { reason, phrase: match[0].trim() };
  }
  return undefined;
}

/** The phrase tables a normalised text is looked up in; null records "looked, no match". */
interface TextMatches {
  strong?: PhraseMatch | null;
  weak?: PhraseMatch | null;
  weakUnderPolicy?: PhraseMatch | null;
}
type PhraseTable = keyof TextMatches;

/**
 * The regex scan (up to ~30 alternations per text) is most of a classification, and normalisation
 * maps diagnostics that differ only in an address or a code (most of them: MTAs quote the recipient)
 * to one text, so the scan's result is kept per normalised text.
 */
const PHRASE_MEMO_LIMIT = 1024;
const TEXT_MATCHES = new BoundedMemo<TextMatches>(PHRASE_MEMO_LIMIT, 1000);

function scan(text: string, table: PhraseTable): PhraseMatch | undefined {
  switch (table) {
    case "strong":
      return firstMatch(text, STRONG_ORDER, STRONG_PHRASES);
    case "weak":
      return firstMatch(text, WEAK_ORDER, WEAK_PHRASES);
    case "weakUnderPolicy":
      return firstMatch(text, WEAK_ORDER_UNDER_POLICY_STATUS, WEAK_PHRASES);
  }
}

/** firstMatch over one table, remembered per normalised text. */
function phraseIn(text: string, table: PhraseTable): PhraseMatch | undefined {
  if (text === "") return undefined;
  let matches = TEXT_MATCHES.get(text);
  if (matches === undefined) {
    matches = {};
    TEXT_MATCHES.set(text, matches);
  }
  let match = matches[table];
  if (match === undefined) {
    match = scan(text, table) ?? null;
    matches[table] = match;
  }
  return match ?? undefined;
}

/** The reason the diagnostic's specific phrases name, if any. */
export function reasonOfText(diagnostic: string | undefined): Reason | undefined {
  if (diagnostic === undefined) return undefined;
  const text = normaliseDiagnostic(diagnostic);
  return (phraseIn(text, "strong") ?? phraseIn(text, "weak"))?.reason;
}

function specificReasonOfStatus(status: EnhancedStatus): Reason | undefined {
  return SPECIFIC_STATUS[`${status.subject}.${status.detail}`];
}

function genericReasonOfStatus(status: EnhancedStatus): Reason {
  return GENERIC_STATUS[status.subject as keyof typeof GENERIC_STATUS] ?? "onhold";
}

/**
 * The status code the reading rests on: SES's `status` when it is a valid code that says more than
 * X.0.0, otherwise the one in the diagnostic if that is more specific.
 */
function pickStatus(given: string | undefined, diagnostic: string | undefined): EnhancedStatus | undefined {
  const fromField = parseStatus(given) ?? parseStatus(extractStatus(given));
  const fromText = parseStatus(extractStatus(diagnostic));
  if (fromField === undefined) return fromText;
  if (fromText === undefined) return fromField;
  const fieldIsGeneric = fromField.subject === 0 && fromField.detail === 0;
  return fieldIsGeneric ? fromText : fromField;
}

type Source =
  | { readonly kind: "ses-subtype"; readonly label: string }
  | { readonly kind: "text"; readonly phrase: string }
  | { readonly kind: "status"; readonly status: EnhancedStatus }
  | { readonly kind: "reply"; readonly code: string }
  | { readonly kind: "action"; readonly action: string }
  | { readonly kind: "label"; readonly label: string }
  | { readonly kind: "nothing" };

interface Decision {
  readonly reason: Reason;
  readonly source: Source;
}

interface Clues {
  readonly text: string;
  readonly status: EnhancedStatus | undefined;
  readonly replyCode: string | undefined;
}

function readClues(statusField: string | undefined, diagnostic: string | undefined): Clues {
  return {
    text: diagnostic === undefined ? "" : normaliseDiagnostic(diagnostic),
    status: pickStatus(statusField, diagnostic),
    replyCode: extractReplyCode(diagnostic),
  };
}

/** Strong text, then a specific status, then weak text, then a generic status, then the reply code. */
function decideFromClues(clues: Clues, labelReason?: LabelReading): Decision | undefined {
  const strong = phraseIn(clues.text, "strong");
  if (strong !== undefined) {
    // RFC 3463 gives message size two codes; 5.2.3 is the administrative (per-mailbox) limit.
    const sizeLimit =
      strong.reason === "mesgtoobig" && clues.status?.subject === 2 && clues.status.detail === 3;
    return {
      reason: sizeLimit ? "exceedlimit" : strong.reason,
      source: { kind: "text", phrase: strong.phrase },
    };
  }
  // SES's NoEmail (and the like) outranks everything but a clear phrase.
  if (labelReason !== undefined && !labelReason.decisive && labelReason.reason === "userunknown") {
    return undefined;
  }
  const status = clues.status;
  const specific = status === undefined ? undefined : specificReasonOfStatus(status);
  if (status !== undefined && specific !== undefined)
    return { reason: specific, source: { kind: "status", status } };
  const weak = phraseIn(clues.text, status?.subject === 7 ? "weakUnderPolicy" : "weak");
  if (weak !== undefined) return { reason: weak.reason, source: { kind: "text", phrase: weak.phrase } };
  if (status !== undefined && status.statusClass !== 2) {
    const generic = genericReasonOfStatus(status);
    if (generic !== "onhold") return { reason: generic, source: { kind: "status", status } };
  }
  const replyReason = clues.replyCode === undefined ? undefined : REPLY_REASON[clues.replyCode];
  if (clues.replyCode !== undefined && replyReason !== undefined) {
    return { reason: replyReason, source: { kind: "reply", code: clues.replyCode } };
  }
  return undefined;
}

/** The failure code the receiver gave: the status code, or else the reply code. */
function receiverCode(clues: Clues): string | undefined {
  if (clues.status !== undefined && clues.status.statusClass !== 2) return clues.status.code;
  if (clues.replyCode !== undefined && !clues.replyCode.startsWith("2")) return clues.replyCode;
  return undefined;
}

const sesLabel = (type: string | undefined, subType: string | undefined): string =>
  `${type ?? "no type"}/${subType ?? "no subtype"}`;

function labelClass(type: string | undefined): BounceClass | undefined {
  const lowered = type?.toLowerCase();
  if (lowered === "permanent") return "hard";
  if (lowered === "transient") return "soft";
  return undefined;
}

function describeSource(source: Source): string {
  switch (source.kind) {
    case "ses-subtype":
      return `SES's ${source.label} subtype`;
    case "text":
      return `the diagnostic text "${source.phrase}"`;
    case "status":
      return `status ${source.status.code} (${describeStatus(source.status)})`;
    case "reply":
      return `reply code ${source.code}`;
    case "action":
      return `the DSN action "${source.action}"`;
    case "label":
      return `SES's ${source.label} label`;
    case "nothing":
      return "the absence of any status, diagnostic or telling SES label";
  }
}

interface Verdict {
  readonly class: BounceClass | "autoreply";
  readonly reason: Reason;
  readonly status: EnhancedStatus | undefined;
  readonly explanation: string;
}

function explain(
  decision: Decision,
  verdictClass: BounceClass | "autoreply",
  clues: Clues,
  label: { readonly text: string; readonly class: BounceClass | undefined } | undefined,
  demoted: boolean,
): string {
  const overrides: string[] = [];
  const { source } = decision;
  if (source.kind === "text" && clues.status !== undefined) {
    const statusReason = specificReasonOfStatus(clues.status) ?? genericReasonOfStatus(clues.status);
    if (statusReason !== decision.reason && statusReason !== "onhold") {
      overrides.push(`status ${clues.status.code} (${describeStatus(clues.status)})`);
    }
  }
  if (label?.class !== undefined && source.kind !== "label" && label.class !== verdictClass) {
    overrides.push(`SES's ${label.text} label`);
  }
  const head = `${describeSource(source)} means ${decision.reason} (${verdictClass})`;
  const overriding = overrides.length > 0 ? `, overriding ${overrides.join(" and ")}` : "";
  const retry = demoted ? ", a retry because the receiver answered with a 4xx temporary code" : "";
  const sentence = `${head}${overriding}${retry}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function finish(
  decision: Decision,
  clues: Clues,
  label: { readonly text: string; readonly class: BounceClass | undefined } | undefined,
): Verdict {
  const digit = receiverCode(clues);
  let verdictClass: BounceClass | "autoreply";
  let demoted = false;
  if (decision.reason === "vacation") {
    verdictClass = "autoreply";
  } else if (decision.reason === "undefined" || decision.reason === "onhold") {
    // Nothing says what happened: the receiver's own code class decides (5 permanent, 4 retry),
    // and only without any code is SES's Permanent or Transient all there is.
    verdictClass = digit === undefined ? (label?.class ?? "soft") : classOfReason(decision.reason, digit);
  } else {
    verdictClass = classOfReason(decision.reason, digit);
    demoted = verdictClass === "soft" && CLASS_OF_REASON[decision.reason] === "hard";
  }
  return {
    class: verdictClass,
    reason: decision.reason,
    status: clues.status,
    explanation: explain(decision, verdictClass, clues, label, demoted),
  };
}

// ---------------------------------------------------------------------------------------------
// Memo. A reading is a pure function of the evidence's strings, and one container sees the same
// MTA texts over and over (every recipient a provider rejects gets the same sentence), so readings
// are kept, keyed by all the fields the reading looks at. Readings are frozen: every caller gets
// the same object, and none may change it.

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
    const remembered = this.#byText.get(evidence.diagnosticCode ?? "");
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

/** classifyBounce without the reading memo: the reference the memo is tested against. */
export function classifyBounceUncached(evidence: BounceEvidence): BounceReading {
  const labelText = sesLabel(evidence.bounceType, evidence.bounceSubType);
  const labelKey = `${evidence.bounceType ?? ""}/${evidence.bounceSubType ?? ""}`;
  const labelReading = labelReadingOf(labelKey);
  const label = { text: labelText, class: labelClass(evidence.bounceType) };

  if (labelReading?.decisive === true) {
    const suppressed: { -readonly [K in keyof BounceReading]: BounceReading[K] } = readingOf(
      "hard",
      labelReading.reason,
      pickStatus(evidence.status, evidence.diagnosticCode),
      `SES did not send: its ${labelText} subtype means the address is on an SES suppression list.`,
    );
    suppressed.suppressedBySes = true;
    return suppressed;
  }

  const clues = readClues(evidence.status, evidence.diagnosticCode);
  const decision =
    decideFromClues(clues, labelReading) ?? decideFromLabel(evidence, clues, labelText, labelReading);
  const verdict = finish(networkFailureThatEnded(decision, clues), clues, label);
  return readingOf(verdict.class, verdict.reason, verdict.status, verdict.explanation);
}

/**
 * A bounce is final: a network failure that SES (or the reporting MTA) reports with a 4.x.x code
 * means the retry period ran out, which is what `expired` names.
 */
function networkFailureThatEnded(decision: Decision, clues: Clues): Decision {
  if (decision.reason === "networkerror" && clues.status?.statusClass === 4) {
    return { reason: "expired", source: decision.source };
  }
  return decision;
}

function decideFromLabel(
  evidence: BounceEvidence,
  clues: Clues,
  labelText: string,
  labelReading: LabelReading | undefined,
): Decision {
  if (labelReading !== undefined) {
    return { reason: labelReading.reason, source: { kind: "ses-subtype", label: labelText } };
  }
  const action = evidence.action?.toLowerCase();
  if (action !== undefined && /^(?:delayed|expired)/.test(action)) {
    return { reason: "expired", source: { kind: "action", action } };
  }
  if (receiverCode(clues) !== undefined) {
    // A failure code that matched nothing more telling.
    const source: Source =
      clues.status !== undefined
        ? { kind: "status", status: clues.status }
        : { kind: "reply", code: clues.replyCode ?? "" };
    // With a diagnostic nobody could read the reason is on hold; with none it is undefined.
    return { reason: clues.text === "" ? "undefined" : "onhold", source };
  }
  if (labelClass(evidence.bounceType) !== undefined) {
    return { reason: "undefined", source: { kind: "label", label: labelText } };
  }
  return { reason: "undefined", source: { kind: "nothing" } };
}

/**
 * A reading with `status` only when there is one, its keys always in this order. Two literals, not
 * a spread of an optional part: V8 spreads small objects into a literal an order of magnitude slower.
 */
function readingOf(
  readingClass: BounceReading["class"],
  reason: Reason,
  status: EnhancedStatus | undefined,
  explanation: string,
): BounceReading {
  return status === undefined
    ? { class: readingClass, reason, explanation }
    : { class: readingClass, reason, status: status.code, explanation };
}

/**
 * Reads one delayed recipient of an SES DeliveryDelay event. SES is still retrying, so nothing here
 * is final: a reason that would kill the address is read as soft; sender blocks stay blocks.
 * Memoised like classifyBounce.
 */
export function classifyDelay(evidence: DelayEvidence): DelayReading {
  return DELAY_READINGS.readingFor(evidence, classifyDelayUncached);
}

/** classifyDelay without the reading memo: the reference the memo is tested against. */
export function classifyDelayUncached(evidence: DelayEvidence): DelayReading {
  const clues = readClues(evidence.status, evidence.diagnosticCode);
  const delayType = evidence.delayType ?? "";
  const typeReason = delayTypeReasonOf(delayType);
  const typeLabel = `SES delay type ${delayType === "" ? "(none)" : delayType}`;
  const fromClues = decideFromClues(clues);
  const decision: Decision =
    fromClues ??
    (typeReason !== undefined && typeReason !== "undefined"
      ? { reason: typeReason, source: { kind: "label", label: typeLabel } }
      : receiverCode(clues) !== undefined
        ? {
            reason: "onhold",
            source:
              clues.status !== undefined
                ? { kind: "status", status: clues.status }
                : { kind: "reply", code: clues.replyCode ?? "" },
          }
        : { reason: "undefined", source: { kind: "label", label: typeLabel } });
  const reasonClass = classOfReason(decision.reason, receiverCode(clues));
  const delayClass: BounceClass | "autoreply" =
    decision.reason === "vacation" ? "autoreply" : reasonClass === "hard" ? "soft" : reasonClass;
  const source = describeSource(decision.source).replace(/^SES's (.*) label$/, "$1");
  const still = reasonClass === "hard" ? ", still soft because SES is retrying" : "";
  // No full stop: callers append what the delay means for the final outcome.
  const sentence = `${source} means ${decision.reason} (${delayClass})${still}`;
  return readingOf(
    delayClass,
    decision.reason,
    clues.status,
    sentence.charAt(0).toUpperCase() + sentence.slice(1),
  );
}
