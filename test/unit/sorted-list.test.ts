import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortedListHas, sortedListOf } from "../../functions/core/sorted-list.ts";

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
