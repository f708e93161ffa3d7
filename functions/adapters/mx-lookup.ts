// Optional MX lookups for the pre-send check, with a timeout and a bounded cache per warm container.
import { BoundedMemo } from "../core/bounded-memo.ts";

export type MailDomainAnswer =
  | { readonly kind: "accepts-mail" }
  | { readonly kind: "no-mail"; readonly message: string }
  | { readonly kind: "unknown"; readonly message: string };

export interface MailDomainResolver {
  lookup(domain: string): Promise<MailDomainAnswer>;
}

export interface DnsFunctions {
  resolveMx(domain: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(domain: string): Promise<string[]>;
}

export interface MxLookupOptions {
  readonly timeoutMs?: number;
  readonly cacheSeconds?: number;
  /** Domains kept at most; when full, the oldest goes. @default MX_CACHE_LIMIT */
  readonly cacheLimit?: number;
  readonly dnsFunctions?: DnsFunctions;
  readonly now?: () => number;
}

/** Node's resolver, loaded at the first lookup: the "mx" check is opt-in, so most containers never load it. */
const nodeDns: DnsFunctions = {
  resolveMx: async (domain) => (await import("node:dns")).promises.resolveMx(domain),
  resolve4: async (domain) => (await import("node:dns")).promises.resolve4(domain),
};

/**
 * Domains a container remembers at most: a caller sending distinct domains without end (or a
 * foreign account probing) cannot grow the cache past it.
 */
export const MX_CACHE_LIMIT = 10_000;

/** Answers that say for certain the domain does not exist or has no record. */
const DEFINITE = new Set(["ENOTFOUND", "ENODATA"]);

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? "unknown";
}

/**
 * RFC 5321 §5.1: MX records first, an address record as implicit MX, a null MX (RFC 7505) means
 * the domain accepts no mail. Only a definite DNS answer makes a domain "no-mail": timeouts and
 * server failures are "unknown", which never turns an address invalid.
 */
export function createMxResolver(options: MxLookupOptions = {}): MailDomainResolver {
  const timeoutMs = options.timeoutMs ?? 1_500;
  const cacheMs = (options.cacheSeconds ?? 300) * 1000;
  // A failed lookup is asked again soon: one DNS hiccup should not switch the check off for long.
  const failureCacheMs = Math.min(cacheMs, 30_000);
  const functions = options.dnsFunctions ?? nodeDns;
  const now = options.now ?? Date.now;
  // A domain is at most 253 characters; a longer key is not kept at all.
  const cache = new BoundedMemo<{ answer: Promise<MailDomainAnswer>; until: number }>(
    options.cacheLimit ?? MX_CACHE_LIMIT,
    253,
  );

  const withTimeout = <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(Object.assign(new Error("DNS timeout"), { code: "ETIMEOUT" })),
        timeoutMs,
      );
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  async function resolve(domain: string): Promise<MailDomainAnswer> {
    try {
      const records = await withTimeout(functions.resolveMx(domain));
      if (records.length === 1 && (records[0]?.exchange === "" || records[0]?.exchange === ".")) {
        return { kind: "no-mail", message: `${domain} publishes a null MX: it accepts no mail` };
      }
      if (records.length > 0) return { kind: "accepts-mail" };
    } catch (error) {
      if (!DEFINITE.has(codeOf(error))) {
        return { kind: "unknown", message: `MX lookup for ${domain} failed (${codeOf(error)})` };
      }
      if (codeOf(error) === "ENOTFOUND") {
        return { kind: "no-mail", message: `${domain} does not exist in DNS` };
      }
    }
    try {
      const addresses = await withTimeout(functions.resolve4(domain));
      return addresses.length > 0
        ? { kind: "accepts-mail" }
        : { kind: "no-mail", message: `${domain} has neither MX nor address records` };
    } catch (error) {
      return DEFINITE.has(codeOf(error))
        ? { kind: "no-mail", message: `${domain} has neither MX nor address records` }
        : { kind: "unknown", message: `address lookup for ${domain} failed (${codeOf(error)})` };
    }
  }

  return {
    lookup(domain) {
      const cached = cache.get(domain);
      if (cached !== undefined && cached.until > now()) return cached.answer;
      const answer = resolve(domain);
      cache.set(domain, { answer, until: now() + cacheMs });
      void answer.then((settled) => {
        if (settled.kind === "unknown") cache.set(domain, { answer, until: now() + failureCacheMs });
      });
      return answer;
    },
  };
}
