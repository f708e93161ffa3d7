import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortedListHas, sortedListOf } from "../../functions/core/sorted-list.ts";
import { DISPOSABLE_DOMAINS_MODULE, writeDisposableDomainsModule } from "../../lib/disposable-domains.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("sortedListHas", () => {
  const list = sortedListOf(["b.com", "a.co", "a.com", "aa.com", "z.org", "mail.a.com"]);

  it.each(["a.co", "a.com", "aa.com", "b.com", "mail.a.com", "z.org"])("finds the entry %s", (entry) => {
    expect(sortedListHas(list, entry)).toBe(true);
  });

  it.each(["", "a", "a.c", "a.comm", "b.co", "0.com", "zz.org", "com", "a.com\nb.com", "\n"])(
    "does not find %j, which is not an entry",
    (item) => {
      expect(sortedListHas(list, item)).toBe(false);
    },
  );

  it("finds nothing in an empty list", () => {
    expect(sortedListHas(sortedListOf([]), "a.com")).toBe(false);
  });

  it("answers like a Set for any list and any probe", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 60 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 20 }),
        (entries, probes) => {
          const set = new Set(entries.filter((entry) => !entry.includes("\n")));
          const list = sortedListOf(entries);
          for (const item of [...set, ...probes]) {
            expect(sortedListHas(list, item)).toBe(set.has(item));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the generated disposable-domain module", () => {
  it("holds exactly mailchecker's domains", async () => {
    // Prepare
    const require = createRequire(import.meta.url);
    const domains = (require("mailchecker") as { blacklist(): Set<string> }).blacklist();
    const alias = writeDisposableDomainsModule(PROJECT_ROOT);

    // Act
    const generated = (await import(pathToFileURL(`${PROJECT_ROOT}/${DISPOSABLE_DOMAINS_MODULE}`).href)) as {
      default: { blacklist(): { has(domain: string): boolean } };
    };
    const has = (domain: string) => generated.default.blacklist().has(domain);

    // Assess
    expect(alias).toBe(`./${DISPOSABLE_DOMAINS_MODULE}`);
    expect(domains.size).toBeGreaterThan(10_000);
    const missing = [...domains].filter((domain) => !has(domain));
    expect(missing).toEqual([]);
    const neighbours = [...domains].flatMap((domain) => [`${domain}x`, `x${domain}`, domain.slice(1)]);
    const wrong = neighbours.filter((domain) => has(domain) !== domains.has(domain));
    expect(wrong).toEqual([]);
    expect(has("gmail.com")).toBe(false);
  });
});
