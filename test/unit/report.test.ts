// The report's figures from address states, and the page drawn from them: self-contained, every
// chart titled and described, stored text escaped.
import { describe, expect, it } from "vitest";
import { niceMaximum } from "../../cli/report/charts.ts";
import { createReportAccumulator, streaksOf } from "../../cli/report/figures.ts";
import { renderReport } from "../../cli/report/html.ts";
import type { AddressState, HistoryEntry } from "../../functions/core/policy.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";
import type { Reason, VerdictClass } from "../../functions/core/types.ts";

const NOW = new Date("2026-11-26T12:00:00.000Z");
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

let sequence = 0;
function entry(verdictClass: VerdictClass, at: string, reason: Reason, diagnostic?: string): HistoryEntry {
  sequence += 1;
  const event =
    verdictClass === "delivered" ? "delivery" : verdictClass === "complaint" ? "complaint" : "bounce";
  return {
    id: `event-${sequence}`,
    at,
    event,
    class: verdictClass,
    reason,
    ...(diagnostic ? { diagnostic } : {}),
  };
}

function state(address: string, history: HistoryEntry[], extra: Partial<AddressState> = {}): AddressState {
  const counts = { hard: 0, soft: 0, block: 0, complaint: 0, delivery: 0 };
  return { address, history, counts, ...extra };
}

describe("soft-bounce streaks", () => {
  it("ends a streak at a delivery, at the threshold, at a hard bounce, after the memory period, or leaves it open", () => {
    const soft = (days: number) => entry("soft", daysAgo(days), "mailboxfull");
    const history = [
      soft(100),
      soft(99),
      entry("delivered", daysAgo(98), "delivered"),
      soft(97),
      soft(20), // more than 30 days after the one before: the earlier streak lapsed
      entry("hard", daysAgo(19), "userunknown"),
      ...[5, 4, 3, 2, 1].map(soft),
      soft(0.5),
    ];

    const streaks = streaksOf(history, undefined, DEFAULT_POLICY, NOW);

    expect(streaks).toEqual([
      { length: 2, ending: "delivered" },
      { length: 1, ending: "lapsed" },
      { length: 1, ending: "hard-or-complaint" },
      { length: 5, ending: "threshold" },
      { length: 1, ending: "open" },
    ]);
  });

  it("ends a streak when a second permanent failure without a reason confirms the first, not when a delivery came between", () => {
    const unconfirmed = (days: number) => entry("unconfirmed", daysAgo(days), "undefined");
    const history = [
      unconfirmed(10),
      entry("delivered", daysAgo(9), "delivered"),
      unconfirmed(8),
      entry("soft", daysAgo(7), "mailboxfull"),
      unconfirmed(6),
    ];

    const streaks = streaksOf(history, undefined, DEFAULT_POLICY, NOW);

    expect(streaks).toEqual([
      { length: 1, ending: "delivered" },
      { length: 3, ending: "confirmed" },
    ]);
  });

  it("ignores what happened before a reactivation", () => {
    const history = [entry("soft", daysAgo(3), "mailboxfull"), entry("soft", daysAgo(1), "mailboxfull")];

    expect(streaksOf(history, daysAgo(2), DEFAULT_POLICY, NOW)).toEqual([{ length: 1, ending: "open" }]);
  });
});

describe("the report's figures", () => {
  function figures() {
    const accumulator = createReportAccumulator(DEFAULT_POLICY, NOW, "The local store test");
    accumulator.add(
      state("lost@gmail.example", [entry("hard", daysAgo(2), "userunknown", "550 5.1.1 no such user")], {
        suppression: { at: daysAgo(2), by: "hard", reason: "userunknown" },
      }),
    );
    accumulator.add(
      state("blocked@corp.example", [
        entry("block", daysAgo(1), "blocked", "554 blocked using zen.spamhaus.org"),
        entry("block", daysAgo(200), "blocked"),
      ]),
    );
    accumulator.add(state("fine@gmail.example", [entry("delivered", daysAgo(1), "delivered")]));
    accumulator.add(state("h1:0123456789abcdef", [entry("soft", daysAgo(1), "mailboxfull")]));
    return accumulator.finish();
  }

  it("counts addresses by status, suppressions and blocks per day, and what came before the timeline", () => {
    const result = figures();

    // The block and the soft bounce are a day old: their four-hour deferrals have passed.
    expect(result.addresses).toEqual({ total: 4, suppressed: 1, deferred: 0, active: 3 });
    expect(result.timeline.buckets).toHaveLength(14);
    expect(result.timeline.buckets.at(-1)).toBe("2026-11-26");
    expect(result.timeline.suppressions).toEqual([
      { name: "userunknown", counts: [...new Array(11).fill(0), 1, 0, 0] },
    ]);
    expect(result.timeline.blocks).toEqual([{ name: "blocked", counts: [...new Array(12).fill(0), 1, 0] }]);
    expect(result.timeline.earlier).toEqual({ suppressions: 0, blocks: 1 });
  });

  it("ranks receiving domains by refusals and leaves keyed addresses out, saying why", () => {
    const result = figures();

    expect(result.domains.map((domain) => [domain.domain, domain.refused])).toEqual([
      ["corp.example", 2],
      ["gmail.example", 1],
    ]);
    expect(result.domains[1]?.counts.delivered).toBe(1);
    expect(result.keyed).toBe(true);
    expect(result.notes[0]).toContain("keyed by HMAC");
  });

  it("keeps the latest diagnostic of each reason as its sample", () => {
    const result = figures();

    expect(result.reasons.find((reason) => reason.reason === "blocked")).toMatchObject({
      count: 2,
      class: "block",
      sample: { diagnostic: "554 blocked using zen.spamhaus.org" },
    });
    expect(result.scopes).toEqual([]);
  });
});

describe("the report page", () => {
  const hostile = '<script>alert("x")</script> & <img src=http://evil.example/x>';
  const accumulator = createReportAccumulator(DEFAULT_POLICY, NOW, "The local store test");
  accumulator.add(
    state("victim@example.com", [entry("hard", daysAgo(1), "userunknown", hostile)], {
      suppression: { at: daysAgo(1), by: "hard", reason: "userunknown" },
    }),
  );
  accumulator.add(
    state("slow@example.com", [
      entry("soft", daysAgo(1), "mailboxfull"),
      entry("delivered", daysAgo(0.5), "delivered"),
    ]),
  );
  const html = renderReport(accumulator.finish());

  it("needs nothing from outside: no script, no link, no remote source", () => {
    const clean = createReportAccumulator(DEFAULT_POLICY, NOW, "The local store test");
    clean.add(state("slow@example.com", [entry("soft", daysAgo(1), "mailboxfull", "452 mailbox full")]));
    const page = renderReport(clean.finish());

    expect(page).not.toMatch(/<script|<link|<img|<iframe|src=|href=|url\(|@import/i);
    expect(page).toMatch(/^<!doctype html>/);
  });

  it("escapes stored text", () => {
    expect(html).toContain(
      "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;img src=http://evil.example/x&#62;",
    );
  });

  it("titles and describes every chart, and gives its figures as a table", () => {
    const charts = html.match(/<svg class="chart" role="img"[^>]*>/g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const chart of charts) {
      const [, ids] = /aria-labelledby="([^"]+)"/.exec(chart) ?? [];
      for (const id of (ids ?? "").split(" ")) expect(html).toMatch(new RegExp(`id="${id}">[^<]+<`));
    }
    expect(html.match(/<summary>The figures as a table<\/summary>/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it("follows the reader's light or dark scheme", () => {
    expect(html).toContain("color-scheme: light dark");
    expect(html).toContain("@media (prefers-color-scheme: dark)");
  });

  it("keeps a place for per-scope rates", () => {
    expect(html).toContain('<h2 id="scopes-heading">Rates per sending scope</h2>');
    expect(html).toContain("Not recorded yet");
  });
});

describe("chart axes", () => {
  it.each([
    [0, 4],
    [3, 4],
    [5, 8],
    [9, 20],
    [37, 40],
    [1234, 2000],
  ])("puts the top of an axis for %d at %d, in four whole steps", (value, top) => {
    expect(niceMaximum(value)).toBe(top);
    expect(niceMaximum(value) % 4).toBe(0);
  });
});
