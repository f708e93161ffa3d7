// Phrases of refusals aimed at the sender or the message, not at the address: the block reasons.
// A receiver that refuses *us* (our IP, its reverse DNS, our authentication, our sender address,
// the relay we used, our message's content or form, its policy, TLS) says nothing about whether the
// recipient exists, so these never suppress an address.
import { anyOf, gap } from "./phrase-syntax.ts";

/** The receiver will not relay for us: it does not consider itself the recipient's server. */
export const NO_RELAYING = anyOf(
  "relay(?:ing)? (?:access )?(?:is )?(?:denied|not (?:permitted|allowed|authori[sz]ed)|prohibited|refused|disallowed|forbidden)",
  "(?:not permitted|not allowed|not authori[sz]ed|unable|cannot|can'?t) to relay",
  "(?:is |are )?not (?:configured|set up) to relay",
  "(?:we )?do(?:es)? not relay(?! dynamic)",
  "(?:no|not) relaying",
  "relay not permitted",
  "relaying mail to \\S+ is not allowed",
  "allowed rcpthosts",
  "relay (?:access )?denied",
  "insecure (?:mail )?relay",
  "(?:use|using) (?:me|this (?:server|host|system))(?: \\S+){0,2} as a relay",
);

/**
 * SPF, DKIM, DMARC or ARC failed. A bare mention is not enough: receivers name them in advice too
 * ("set up SPF records"), so a mechanism must come with a failure, or the mail be called unauthenticated.
 */
export const AUTHENTICATION_FAILED = anyOf(
  `\\b(?:spf|dkim|dmarc|arc)\\b:?${gap(3)} (?:is |was |has )?(?:fail|fails|failed|failure|check|checks|validation|verification|policy|reject|rejected|softfail|hardfail|permerror|temperror|alignment|not aligned|did not pass|does not pass|not pass|invalid|missing|not allowed|not permitted|not authori[sz]ed)\\b`,
  `(?:fail(?:ed|s|ure|ing)?|did not pass|does not pass|not pass|violat\\w*|no valid|invalid|bad|wrong|broken|missing)${gap(3)} \\b(?:spf|dkim|dmarc|arc)\\b`,
  "sender policy framework",
  "domainkeys",
  "authentication (?:checks|information|results)",
  "(?:e-?mail|mail|message) (?:is |was )?(?:unauthenticated|not authenticated)",
  "sender is unauthenticated",
  "authenticate with (?:either )?(?:spf|dkim|dmarc)",
  "unauthenticated (?:e-?mail|mail|message)",
  "fails? to pass authentication",
  "required authentication level",
);

/** The sending IP has no (matching) reverse DNS. */
export const REVERSE_DNS = anyOf(
  "reverse (?:dns|lookup|hostname|host name|name|mapping|resolution)",
  "\\bptr\\b",
  "\\brdns\\b",
  "cannot find your (?:reverse )?hostname",
  "(?:no|missing|invalid) (?:reverse|ptr)",
  "ip name lookup failed",
  "(?:hostname|host name|ip address) (?:does not|doesn'?t) (?:match|resolve)",
  "fcrdns|forward[- ]confirmed",
  "unverif(?:i|y)able (?:sending )?(?:ips?|hosts?|host ?names?)",
);

/**
 * The sending IP or host is listed or refused: blocklists by name, listings, refusals of our IP,
 * dynamic and residential ranges, refusals at the greeting or HELO.
 */
export const SENDER_BLOCKED = anyOf(
  "spamhaus",
  "spamcop",
  "\\bsorbs\\b",
  "barracuda ?(?:central|reputation|rbl)",
  "abuseat",
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
  "\\bopen relay\\b",
  "(?:host|client|sender|sending|your) network (?:is )?(?:not allowed|not permitted|blocked|denied|refused)",
  "client host(?: \\S+){0,2} (?:rejected|blocked|refused|denied)",
  `(?:your|the|sending|sender'?s?|client|connecting|remote) (?:ip|ip address|ips|server|host|mail server|mta|network)(?! said)${gap(4)} (?:is |was |has been |are )?(?:temporarily |permanently )?(?:blocked|blacklisted|banned|rejected|refused|denied|not allowed|not authori[sz]ed|not permitted)`,
  "(?:ip|ip address|connection|connections|access) (?:is |was |has been )?(?:temporarily |permanently )?(?:blocked|banned)",
  "(?:invalid|unauthori[sz]ed|unknown|bad|forbidden) (?:sending |source |client )?ip\\b",
  "banned sending ip",
  "not accepted from (?:this|your) ip",
  "no access from (?:mail )?(?:server|host|ip)",
  "(?:unwanted|unsolicited) (?:messages|mail|e-?mails?) (?:have been |has been |were |was )?(?:sent|originating|coming) from (?:the following |this |your )?ip",
  "(?:originating|coming|sent) from your (?:ip|spf domain|dkim domain|domain|network)",
  "not authori[sz]ed to send (?:e-?mail |mail )?directly",
  "(?:smtp|mail|outgoing) server of your (?:isp|provider|internet service provider)",
  "use your (?:isp|provider|internet service provider)'?s? (?:smtp|mail|outgoing) server",
  "dynamic(?:ally)?[- ](?:assigned )?ip",
  "dial-?up",
  "residential (?:ip|range|address)",
  "connections? (?:will not be|are not|not) accepted from",
  "\\besmtp not accepting connections",
  "not accepting connections from",
  "refused to talk to me",
  "service refuse",
  "permanently deferred",
  "helo(?: command)? (?:rejected|refused)",
  "(?:bad|invalid|forged) (?:helo|ehlo)",
  "(?:helo|ehlo)(?: name| host ?name| domain| argument| greeting)?(?: \\S+){0,2} (?:rejected|refused|invalid|not valid|unknown|not found|does not exist|forged|bogus)",
  "(?:invalid|bad|unknown|bogus|forged|non-?existent|unresolvable) (?:domain |host ?name |host )?(?:name )?(?:in|for) (?:your |the )?(?:helo|ehlo)",
);

/** The sender's (or its IP's) standing with the receiver. */
export const BAD_REPUTATION = anyOf(
  "(?<!barracuda )reputation",
  "user complaints",
  "(?:high|excessive) (?:spam )?complaint rate",
);

/**
 * Posting to a group or mailing list the sender may not post to (or that may not exist): the list
 * refuses this sender, whatever becomes of the address. Google Groups words its refusal in every
 * language of its users, always with a link to its help centre, whose host is kept (normalise.ts).
 */
export const GROUP_POSTING = anyOf(
  "not (?:a )?member of (?:this |the |that )?(?:mailing )?(?:list|group)",
  "(?:permission|not allowed|not authori[sz]ed|not permitted) to post",
  "only (?:list )?(?:members|subscribers) (?:can|may) (?:post|send)",
  "posting (?:to this (?:list|group) )?(?:is )?(?:restricted|not allowed|denied)",
  "group you tried to contact",
  "groups\\.google\\.com",
);

/** The sender's address or domain (MAIL FROM, From:, Return-Path) is refused. */
export const SENDER_REJECTED = anyOf(
  `sender(?:'s)?(?: address| domain| e-?mail| mail address| mailbox| account)?${gap(2)} (?:is |was |has been )?(?:rejected|refused|denied|blocked|not allowed|not permitted|not accepted|not authori[sz]ed|banned|invalid|unknown|not found|does not exist|unverifiable|not verified)`,
  "sender verif(?:y|ication) failed",
  "verification failed for",
  "(?:mail from|envelope from|envelope sender|from address|return[- ]path|reverse[- ]path|mail-from)(?: address)?(?: \\S+){0,2} (?:rejected|refused|denied|invalid|not allowed|not accepted|unknown)",
  "\\bfrom: (?:domain|address|header)?(?: \\S+){0,2} (?:is )?(?:invalid|not valid|unknown|not allowed|rejected)",
  "(?:provide|use) a valid from",
  "domain of sender address",
  "administrative(?:ly)? prohibit",
  "sender domain",
  "(?:for|of|in) (?:the )?sender(?:'s)? (?:e-?mail )?(?:address|domain)",
  "badmailfrom",
  "(?:invalid|unknown|bad|unauthori[sz]ed|forged|unverified) sender",
  "purported responsible (?:address|domain)",
  "sender (?:address|domain) has (?:a )?null mx",
  "send mail as",
  "(?:do not|don'?t|does not|will not) accept (?:e-?)?mail from (?:this|your) (?:address|sender|domain)",
  "mail from (?:this|your) (?:domain|address) (?:is )?(?:not accepted|rejected|refused)",
);

export const VIRUS_DETECTED = anyOf(
  "\\bvirus(?:es)?\\b",
  "malware",
  "infected",
  "trojan",
  "\\bworm\\b",
  "malicious (?:content|attachment|software|code|link|url|file)",
);

/** A link or domain in the message is on a content blocklist: the message is taken for spam. */
export const CONTENT_BLOCKLISTED = anyOf(
  "(?:black|block|deny)[- ]?listed (?:url|uri|link|links|domain|domains) in (?:the )?(?:message|body|content)",
  "(?:black|block|deny)[- ]?listed (?:url|uri|link)",
  "\\buribl\\b",
  "\\bsurbl\\b",
);

export const SPAM_DETECTED = anyOf(
  "\\bspam\\b",
  "unsolicited",
  "\\bjunk\\b",
  "bulk (?:mail|e-?mail)",
  "\\buce\\b",
  "spam ?score",
  "spamassassin",
  "(?:message |mail )?content (?:rejected|not accepted|refused|denied)",
  "phishing",
  "suspicious (?:content|message|mail|links?|urls?)",
  "pourriel",
  "indesirable",
  "correo no deseado",
);

/** A refusal that names the receiver's policy as its reason, before any other reading of it. */
export const POLICY_REFUSAL = anyOf(
  "(?:rejected|refused|blocked|denied|not accepted) (?:for|due to|because of|by) (?:local |our |site |security |content )?polic(?:y|ies)(?: reasons?)?",
);

export const POLICY_VIOLATION = anyOf(
  "polic(?:y|ies)",
  "potential security issue",
  "(?:organization|organisation|tenant|company) does not allow",
  "not allowed by (?:the )?(?:organization|organisation|recipient|administrator)",
  "violat(?:es|ion|ed|ing)",
  "compliance",
  "richtlinie",
  "politique",
  "politica",
);

/** The message breaks the standards: headers, line endings, Message-ID. */
export const NOT_COMPLIANT = anyOf(
  "\\brfc ?(?:5322|2822|822|5321|2821|1123|5335|6532)",
  "not (?:rfc|standards?)[- ]?compliant",
  "not compliant with (?:the )?(?:rfc|standards?)",
  "non-?compliant",
  "(?:duplicate|multiple|missing|invalid|malformed|broken|illegal|bad)(?: \\S+){0,1} headers?",
  "header (?:error|syntax)",
  "headers? (?:is |are )?(?:missing|invalid|malformed|too long)",
  "(?:duplicate|duplicated|invalid|malformed|bad) message-?id",
  "(?:missing|without|no)(?: \\S+){0,2} message-?id",
  "message-?id(?: header)? (?:is |was )?(?:missing|invalid|malformed|duplicated?|already|not unique|used before)",
  "multiple (?:addresses|senders|mailboxes) in (?:the )?from",
  "more than one (?:address|sender|mailbox) in (?:the )?from",
  "bare (?:lf|linefeeds?|cr|newlines?)",
  "lines? too long",
  "does not (?:conform|comply) (?:to|with) (?:rfc|the standard)",
);

export const CONTENT_ERROR = anyOf(
  "content (?:not allowed|restriction|error)",
  "(?:attachment|file type|file extension|filename|file name)s?(?: \\S+){0,3} (?:not allowed|not permitted|prohibited|blocked|rejected|forbidden|banned)",
  "(?:prohibited|banned|forbidden|blocked|dangerous|unacceptable|disallowed):? (?:attachment|file|content|extension)",
  "(?:invalid|illegal|bad|malformed|improper|unsupported) (?:mime|content|encoding|character|charset|8-?bit|attachment|media)",
  "8-?bit (?:data|characters|mime)",
  "mime (?:error|part|structure)",
  "executable",
  "\\bmedia (?:type )?(?:error|not supported)",
);

export const TLS_FAILED = anyOf(
  "starttls",
  "requiretls",
  "\\btls\\b(?: \\S+){0,3} (?:required|failed|failure|negotiation|handshake|error|mandatory|not supported|unavailable)",
  "(?:does not|doesn'?t|did not) (?:support|offer|advertise) (?:tls|starttls|encryption|ssl)",
  "(?:requires?|must use|must issue) (?:a |an )?(?:\\S+ )?(?:tls|encryption|encrypted|secure) (?:connection|channel|command|transport)?",
  "encryption (?:is )?(?:required|needed)",
  "ssl (?:handshake|error)",
  "certificate (?:verification|validation|expired|error|invalid|verify)",
);

/** SMTP authentication or authorisation of the client, not SPF/DKIM/DMARC. */
export const SECURITY_ERROR = anyOf(
  "authentication (?:is )?required",
  "authentication (?:failed|failure|unsuccessful|credentials)",
  "unauthenticated (?:senders?|users?|clients?|relay)",
  "not authenticated",
  "must (?:be )?authenticated?",
  "smtp auth",
  "(?:invalid|bad|incorrect) (?:credentials|password|username or password)",
  "(?:not authori[sz]ed|unauthori[sz]ed|not permitted) to send",
  "authrequired|notauthorized",
  "security (?:error|reasons|restrictions)",
);

/** A refusal of the sender with nothing more said (weak). */
export const VAGUE_BLOCK = anyOf("\\bblock(?:ed|ing)\\b", "\\bbanned\\b", "service not available");
