// Pre-send address checks: RFC 5321 syntax, disposable domains, typos of big providers. The full
// RFC 5321 parser is only needed for addresses the plain-form check cannot vouch for, so it is passed
// in: address-validation.ts passes it always; the pre-send check loads it only when a request has
// such an address, so its cold start never evaluates the parser's grammar.
import emailSpellChecker from "@zootools/email-spell-checker";
import mailchecker from "mailchecker";
import { MAX_ADDRESS_LENGTH, normaliseAddress } from "./address.ts";
import { editDistance } from "./edit-distance.ts";

/** smtp-address-parser's `parse`: the parsed mailbox, or a nearley syntax error thrown. */
export type MailboxParser = (address: string) => unknown;

/** Without the parser: the address is not of the plain form, so only the full parser can tell. */
export interface NeedsParser {
  readonly kind: "needs-parser";
}

const NEEDS_PARSER: NeedsParser = Object.freeze({ kind: "needs-parser" });

export const VALIDATION_CHECKS = ["syntax", "disposable", "typo", "mx"] as const;
export type ValidationCheck = (typeof VALIDATION_CHECKS)[number];

/** MX lookups touch the network, so they are opt-in; the rest are on unless the caller says otherwise. */
export const DEFAULT_CHECKS: readonly ValidationCheck[] = ["syntax", "disposable", "typo"];

export type InvalidReason = "syntax" | "disposable" | "typo" | "no-mail-domain";

export interface AddressValidation {
  /** The normalised form, when the address could be read at all. */
  readonly normalized?: string;
  readonly invalid?: { readonly reason: InvalidReason; readonly message: string };
  /** A likely intended address when the domain looks like a typo. */
  readonly suggestion?: string;
}

/** RFC 5321's limit on a local part, which the parser does not enforce on its own. */
const MAX_LOCAL_PART_LENGTH = 64;

/**
 * The common shape, checked without the full parser: an RFC 5321 Dot-string of atext (no quoting,
 * no dots at either end or doubled) at an ASCII domain of LDH labels. Everything this accepts the
 * grammar accepts too; everything else (quoted local parts, Unicode, odd forms, errors) goes to the
 * real parser, which alone says what is wrong. The parser is exact but costs ~70 µs an address.
 */
const PLAIN_LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const PLAIN_DOMAIN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function plainlyValid(address: string): boolean {
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return (
    at > 0 &&
    local.length <= MAX_LOCAL_PART_LENGTH &&
    domain.length <= 253 &&
    PLAIN_LOCAL_PART.test(local) &&
    PLAIN_DOMAIN.test(domain)
  );
}

function syntaxProblem(address: string, parser: MailboxParser | undefined): string | undefined | NeedsParser {
  if (address.length > MAX_ADDRESS_LENGTH) return `longer than ${MAX_ADDRESS_LENGTH} characters`;
  if (plainlyValid(address)) return undefined;
  if (parser === undefined) return NEEDS_PARSER;
  try {
    const parsed = parser(address) as { localPart?: Record<string, string> };
    const local = Object.values(parsed.localPart ?? {})[0] ?? "";
    if (local.length > MAX_LOCAL_PART_LENGTH)
      return `local part longer than ${MAX_LOCAL_PART_LENGTH} characters`;
    return undefined;
  } catch (error) {
    // nearley's message: "Syntax error at line 1 col N: ... Unexpected X. Instead, ..."
    const message = (error as Error).message;
    const column = /col (\d+)/.exec(message)?.[1];
    const unexpected = /Unexpected ([^.\n]+(?:\.")?)/.exec(message)?.[1];
    if (/ambiguous/.test(message)) return "the domain cannot be read (a trailing dot or an empty label?)";
    if (column === undefined) return message.split("\n")[0] ?? "syntax error";
    return `unexpected ${unexpected ?? "character"} at position ${column}`;
  }
}

/** Domains in the maintained disposable-mail list, including their subdomains. */
export function isDisposableDomain(domain: string): boolean {
  const domains = mailchecker.blacklist();
  let current = domain;
  for (;;) {
    if (domains.has(current)) return true;
    const dot = current.indexOf(".");
    if (dot === -1) return false;
    current = current.slice(dot + 1);
  }
}

const MAJOR_PROVIDERS = new Set<string>(emailSpellChecker.POPULAR_DOMAINS);
/**
 * The spell checker knows Yahoo, Hotmail, Live and Outlook by their second-level name across many
 * country domains rather than in its list of popular domains; they are major providers too.
 */
const MAJOR_PROVIDER_NAMES = new Set(["yahoo", "hotmail", "live", "outlook"]);

function isMajorProvider(domain: string): boolean {
  return MAJOR_PROVIDERS.has(domain) || MAJOR_PROVIDER_NAMES.has(domain.split(".")[0] ?? "");
}

export interface TypoReading {
  readonly suggestion: string;
  /** The suggestion is a big mailbox provider, so the typed domain is almost surely wrong. */
  readonly majorProvider: boolean;
}

/** The spell checker reads only the domain; batches repeat domains, so answers are kept per domain. */
const typoByDomain = new Map<string, { readonly domain: string; readonly majorProvider: boolean } | null>();
const TYPO_CACHE_LIMIT = 10_000;

export function typoOf(address: string): TypoReading | undefined {
  const at = address.lastIndexOf("@");
  const domain = address.slice(at + 1).toLowerCase();
  let known = typoByDomain.get(domain);
  if (known === undefined) {
    const result = emailSpellChecker.run({ email: `x@${domain}` });
    const suggested = result?.domain.toLowerCase();
    known =
      suggested === undefined || suggested === domain
        ? null
        : { domain: suggested, majorProvider: isMajorProvider(suggested) };
    if (typoByDomain.size >= TYPO_CACHE_LIMIT) typoByDomain.clear();
    typoByDomain.set(domain, known);
  }
  if (known === null) return undefined;
  return { suggestion: `${address.slice(0, at)}@${known.domain}`, majorProvider: known.majorProvider };
}

/**
 * Validate one address with the chosen checks (MX lookups happen in the adapter; a typo of a
 * major provider's domain is invalid, any other typo only gives a suggestion). Without `parser`, an
 * address the syntax check cannot vouch for by its plain form is `needs-parser`.
 */
export function checkAddress(
  raw: string,
  checks: ReadonlySet<ValidationCheck>,
  parser: MailboxParser,
): AddressValidation;
export function checkAddress(
  raw: string,
  checks: ReadonlySet<ValidationCheck>,
  parser?: MailboxParser,
): AddressValidation | NeedsParser;
export function checkAddress(
  raw: string,
  checks: ReadonlySet<ValidationCheck>,
  parser?: MailboxParser,
): AddressValidation | NeedsParser {
  const normalised = normaliseAddress(raw);
  if (!normalised.ok) {
    // Whatever checks were asked for: what cannot be read as an address is never looked up.
    return { invalid: { reason: "syntax", message: normalised.message } };
  }
  const address = normalised.address;
  const at = address.lastIndexOf("@");
  const domain = address.slice(at + 1);
  if (checks.has("syntax")) {
    // The parser reads the raw form (with its Unicode domain) since punycode is not what was typed.
    const typed = raw.trim().replace(/^.*<([^<>]*)>\s*$/, "$1");
    const problem = syntaxProblem(typed, parser);
    if (typeof problem === "object") return problem;
    if (problem !== undefined) {
      return {
        normalized: address,
        invalid: { reason: "syntax", message: `not a valid address: ${problem}` },
      };
    }
  }
  const typo = checks.has("typo") ? typoOf(address) : undefined;
  const suggestedDomain = typo?.suggestion.slice(typo.suggestion.lastIndexOf("@") + 1);
  const withSuggestion = typo !== undefined ? { suggestion: typo.suggestion } : {};
  const disposable = checks.has("disposable") && isDisposableDomain(domain);
  // A disposable service whose name merely resembles a provider (yopmail ~ ymail) is disposable;
  // a domain one slip from a major provider (gmal.com) is a typo, whatever lists hold it.
  const majorTypo =
    typo?.majorProvider === true &&
    suggestedDomain !== undefined &&
    (!disposable || editDistance(domain, suggestedDomain) <= 1);
  if (majorTypo) {
    return {
      normalized: address,
      invalid: { reason: "typo", message: `${domain} looks like a typo of ${suggestedDomain}` },
      ...withSuggestion,
    };
  }
  if (disposable) {
    return {
      normalized: address,
      invalid: { reason: "disposable", message: `${domain} is a disposable (temporary) mailbox domain` },
    };
  }
  return { normalized: address, ...withSuggestion };
}
