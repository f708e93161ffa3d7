// Phrases about the recipient's address and mailbox: whether it exists, moved, is suspended, full
// or filtering, and the auto-replies that are not bounces at all.
import { anyOf, clauseGap, DOMAIN, gap, HOST_NAME, MISSING, PERSON, personGap } from "./phrase-syntax.ts";

export const AUTO_REPLY = anyOf(
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
);

/**
 * The recipient (or its own rules) refuses this sender or message: the mailbox exists and chose not
 * to take the mail. A refusal "by the recipient domain" or its server is not the recipient's choice.
 */
export const RECIPIENT_FILTER = anyOf(
  `(?:recipient|user|addressee|owner)${gap(2)} (?:has )?(?:rejected|refused|blocked|declined|filtered) (?:your|this|the|all)${gap(1)} (?:e-?mail|message|mail|sender)`,
  "(?:filtered|blocked|rejected|refused|declined) by (?:the )?(?:recipient|user|addressee)(?!'?s? (?:domain|server|mail ?server|system|host|mta|provider))",
  "recipient'?s? (?:filter|rules?|preferences|settings|block ?list|blocked senders)",
  "(?:not accepting|does not accept|doesn'?t accept|will not accept|won'?t accept) (?:any )?(?:e-?mails?|mail|messages) from\\b",
  "does not (?:wish|want) to receive",
  "(?:user|recipient) (?:refuses|declines) to accept",
  "envelope blocked - user entry",
);

export const MAILBOX_FULL = anyOf(
  "(?:mail ?)?box(?:es)? (?:is |was )?(?:currently )?(?:full|overfull|over ?quota)",
  "(?:mailbox|inbox|mail ?box|postbox|maildir|mail ?folder|mail ?drop)(?: \\S+){0,3} (?:is |was |has )?(?:over|exceeded|exceeds|exceed|overflowed|out of (?:storage )?space)",
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
);

export const HAS_MOVED = anyOf(
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
);

export const SUSPENDED = anyOf(
  `(?:account|mailbox|inbox|address|user)${clauseGap(5)} (?:is |has been |was |has |currently )*(?:temporarily |permanently |currently )?(?:disabled|suspended|deactivated|inactive|locked|frozen|closed|terminated|expired|not active|discontinued|cancell?ed|on hold|blocked for)`,
  "(?:disabled|suspended|inactive|deactivated|closed|locked|expired|frozen) (?:account|mailbox|user|recipient|address)",
  "(?:konto|postfach)(?: \\S+){0,2} (?:ist )?(?:gesperrt|deaktiviert|stillgelegt)",
  "compte(?: \\S+){0,2} (?:est )?(?:desactive|suspendu|bloque|inactif|ferme)",
  "cuenta(?: \\S+){0,2} (?:esta )?(?:desactivada|suspendida|inactiva|bloqueada|cancelada)",
);

/** The domain takes no mail at all (null MX, no SMTP service). */
export const NOT_ACCEPTING = anyOf(
  "(?<!sender address has )(?<!sender domain has )null mx",
  "(?:does not|doesn'?t|will not|won'?t) (?:accept|receive|handle) (?:any )?(?:e-?)?mail(?! from)",
  "not accept(?:ing|s)? (?:any )?(?:e-?)?mail(?! from)",
  "no (?:smtp|mail) service",
  "not accepting network messages",
);

/**
 * The address does not exist: the receiver's own words for an unknown user, in its directory's
 * terms (Domino's directory, a "final delivery userid"), in several languages.
 */
export const USER_UNKNOWN = anyOf(
  `${PERSON}s?${personGap(2)} (?:is |was |has been )?${MISSING}`,
  `(?:unknown|invalid|non-?existent|nonexistent|bad|unrecogni[sz]ed|illegal) (?:user|recipient|addressee|mailbox|account|local[- ]?part|e-?mail address|address|destination (?:address|mailbox)|user ?name|user ?id|alias)`,
  "invalid (?:final )?delivery (?:user ?id|address|recipient)",
  "no such (?:user|recipient|mailbox|account|address|local user|person|addressee|alias)",
  "no mailbox (?:here )?by that name",
  "(?:account|address|mailbox) (?:that )?you tried to reach (?:does not|doesn'?t) exist",
  "(?:does not|doesn'?t) have (?:a|an) \\S+ account",
  "nosuchuser",
  "recip(?:ient)?notfound",
  "recipient address rejected: access denied",
  "no longer accepts? (?:e-?)?mail",
  "not a valid (?:user|recipient|mailbox|address|e-?mail)",
  "mailbox name not allowed",
  `(?:address|recipient|user|mailbox)${gap(4)} (?:could ?n[o']t|cannot|can'?t) be found`,
  "not (?:listed|found) in (?:the )?(?:\\S+ ){0,3}(?:directory|address book)",
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
  // Japanese: "(user|address|recipient) … does not exist / cannot be found", and a directory lookup.
  "(?:ユーザー?|アカウント|アドレス|宛先|受信者)[^。]{0,40}?(?:存在しません|存在しない|見つかりません)",
  "ディレクトリ(?:には|に|で)?見つかりません",
  "宛先不明",
  // Chinese: "(user|recipient|mailbox|account) does not exist".
  "(?:用户|用戶|收件人|收件者|邮箱|郵箱|信箱|账户|帐户|帳戶|帳號)名?不存在",
  // Korean: "a (user|account|address) that does not exist".
  "존재하지 않는 (?:사용자|계정|주소|메일 ?주소|수신자)",
  // Russian, as folded (й loses its breve): "no such user", "user … does not exist / not found".
  "нет такого (?:пользователя|адресата|ящика|почтового ящика)",
  "(?:пользовател[ья]|адресат|почтовыи ящик|ящик)(?: \\S+){0,2} не (?:существует|наиден)",
);

/** The recipient's domain does not exist or has no mail exchanger. */
export const HOST_UNKNOWN = anyOf(
  `${DOMAIN}${gap(2)} (?:is )?(?:unknown|not found|does not exist|doesn'?t exist|(?:is )?not exist|could not be resolved|cannot be resolved|unresolvable|not known|invalid)`,
  `(?:unknown|invalid|non-?existent|unresolvable|bad|unrouteable|unroutable) ${DOMAIN}`,
  `\\b${HOST_NAME} (?:does not exist|doesn'?t exist|not found|is unknown|could not be resolved)`,
  "no such (?:host|domain)",
  "(?:recipient'?s? )?domain (?:is )?(?:not reachable|unreachable)",
  "nxdomain",
  "(?:could ?n[o']t|cannot|can'?t) find (?:any host|a mail exchanger|an? mx)",
  "unroute?able (?:address|domain|mail domain)",
  "all relevant mx records point to non-?existent hosts",
  "no (?:valid )?(?:mx|mail exchanger|a|dns) (?:or a )?(?:records?|entry|entries) (?:for|found)",
  "dns domain(?: \\S+){0,3} does not exist",
  "domain(?: \\S+){0,2} (?:existiert nicht|nicht gefunden|unbekannt)",
  "domaine(?: \\S+){0,2} (?:inconnu|inexistant|introuvable)",
  "dominio(?: \\S+){0,2} (?:desconocido|inexistente|no existe|no encontrado)",
);

/**
 * RFC 5321's text for 550, which receivers use overwhelmingly for addresses they do not have, and
 * the other vague ways of saying the recipients were not valid (weak).
 */
export const MAILBOX_UNAVAILABLE = anyOf(
  "mailbox (?:is )?(?:currently )?(?:unavailable|not available)",
  "no valid recipients?\\b",
  "(?:please )?check (?:if|that|whether) (?:the )?(?:recipient'?s? )?(?:e-?mail )?address is (?:correct|valid|spelled correctly)",
);

/** A refusal aimed at the recipient with nothing more said (weak). */
export const RECIPIENT_REFUSED = anyOf(
  "(?:recipient|rcpt|mailbox|user|addressee|destination)s?(?:'s)?(?: address(?:es)?)?(?: \\S+){0,2} (?:rejected|refused|denied|not allowed|prohibited)",
  "\\bdenied\\b",
);
