// The report as one self-contained HTML page: inline CSS and SVG, no script, no external asset, so
// it opens offline and can be attached to a ticket. Light and dark schemes follow the reader's
// system; every chart has a title, a description and its figures as a table.
import { VERDICT_CLASSES, type VerdictClass } from "../../functions/core/types.ts";
import { type ChartSeries, escapeXml, legend, stackedBars, stackedColumns } from "./charts.ts";
import {
  type ReportFigures,
  type ScopeRates,
  STREAK_ENDINGS,
  type StreakEnding,
  TIMELINE_DAYS,
} from "./figures.ts";

/** Okabe–Ito hues (distinguishable with the common colour-vision deficiencies), per scheme. */
const PALETTE = ["--c1", "--c2", "--c3", "--c4", "--c5", "--c6", "--c7", "--c8"] as const;
const colourAt = (index: number) => `var(${PALETTE[index % PALETTE.length]})`;

const CLASS_COLOUR = {
  hard: "var(--c6)",
  unconfirmed: "var(--c8)",
  soft: "var(--c2)",
  block: "var(--c4)",
  complaint: "var(--c1)",
  delivered: "var(--c3)",
  autoreply: "var(--c5)",
  ignore: "var(--c7)",
} as const satisfies Record<VerdictClass, string>;

const ENDING_TEXT = {
  delivered: "reset by a delivery",
  threshold: "threshold reached: suppressed",
  confirmed: "second permanent failure: suppressed",
  "hard-or-complaint": "hard bounce or complaint",
  lapsed: "lapsed (memory period over)",
  open: "still open",
} as const satisfies Record<StreakEnding, string>;

const ENDING_COLOUR = {
  delivered: "var(--c3)",
  threshold: "var(--c6)",
  confirmed: "var(--c8)",
  "hard-or-complaint": "var(--c4)",
  lapsed: "var(--c7)",
  open: "var(--c2)",
} as const satisfies Record<StreakEnding, string>;

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --rule: #d0d7de; --card: #f6f8fa;
  --c1: #0072b2; --c2: #e69f00; --c3: #009e73; --c4: #cc79a7; --c5: #56b4e9; --c6: #d55e00; --c7: #8c8c8c; --c8: #8f6a00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --rule: #30363d; --card: #161b22;
    --c1: #4fa8e0; --c2: #f0b340; --c3: #2fc397; --c4: #e08fbf; --c5: #8ccdf2; --c6: #f07c3a; --c7: #a0a0a0; --c8: #d9b44a; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
p.lead, .muted { color: var(--muted); }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; padding: 0; list-style: none; }
.tiles li { background: var(--card); border: 1px solid var(--rule); border-radius: 8px; padding: 10px 14px; min-width: 130px; }
.tiles strong { display: block; font-size: 1.5rem; }
figure { margin: 12px 0 20px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { display: block; max-width: 100%; height: auto; color: var(--fg); }
svg .grid { stroke: var(--rule); stroke-width: 1; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; padding: 0; margin: 6px 0; font-size: 0.9rem; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
code, .diagnostic { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
.empty { background: var(--card); border: 1px dashed var(--rule); border-radius: 8px; padding: 14px; color: var(--muted); }
`;

/** Sisimai's "undefined" reason reads like a program's bug on a page: it means no reason could be told. */
function reasonLabel(reason: string): string {
  return reason === "undefined" ? "unclassified" : reason;
}

function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  caption?: string,
): string {
  const head = headers
    .map((header, index) => `<th scope="col"${index > 0 ? ' class="number"' : ""}>${escapeXml(header)}</th>`)
    .join("");
  const body = rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell, index) =>
            index === 0
              ? `<th scope="row">${escapeXml(String(cell))}</th>`
              : `<td class="number">${escapeXml(String(cell))}</td>`,
          )
          .join("")}</tr>`,
    )
    .join("");
  return `<table>${caption !== undefined ? `<caption class="muted">${escapeXml(caption)}</caption>` : ""}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function figure(caption: string, chart: string, data: string): string {
  return `<figure>${chart}<figcaption>${escapeXml(caption)}</figcaption><details><summary>The figures as a table</summary>${data}</details></figure>`;
}

function empty(text: string): string {
  return `<p class="empty">${escapeXml(text)}</p>`;
}

function timelineFigure(
  id: string,
  what: string,
  figures: ReportFigures,
  series: ReportFigures["timeline"]["suppressions"],
): string {
  const { buckets } = figures.timeline;
  const total = series.reduce((sum, entry) => sum + entry.counts.reduce((a, b) => a + b, 0), 0);
  const earlier =
    what === "suppressions" ? figures.timeline.earlier.suppressions : figures.timeline.earlier.blocks;
  const before = earlier > 0 ? ` ${earlier} earlier ${what} (before ${buckets[0]}) are not drawn.` : "";
  if (total === 0) return empty(`No ${what} in the last ${TIMELINE_DAYS} days of the kept history.${before}`);
  const coloured: ChartSeries[] = series.map((entry, index) => ({
    name: reasonLabel(entry.name),
    values: entry.counts,
    colour: colourAt(index),
  }));
  const title = `${what} per day, by reason`;
  const description = `${total} ${what} from ${buckets[0]} to ${buckets.at(-1)}, stacked by reason: ${series
    .map((entry) => `${reasonLabel(entry.name)} ${entry.counts.reduce((a, b) => a + b, 0)}`)
    .join(", ")}.${before}`;
  const chart = stackedColumns({ id, title, description, labels: buckets, series: coloured });
  const rows = buckets
    .map((bucket, index) => [bucket, ...series.map((entry) => entry.counts[index] ?? 0)])
    .filter((row) => row.slice(1).some((value) => Number(value) > 0));
  return figure(
    title[0]?.toUpperCase() + title.slice(1),
    `${chart}${legend(coloured)}`,
    `${table(["day", ...series.map((entry) => entry.name)], rows)}${before !== "" ? `<p class="muted">${escapeXml(before.trim())}</p>` : ""}`,
  );
}

function domainsFigure(figures: ReportFigures): string {
  if (figures.domains.length === 0) {
    return empty(
      figures.keyed
        ? "The table is keyed by HMAC: receiving domains cannot be read from it."
        : "No receiving domain has refused mail in the kept history.",
    );
  }
  const classes = VERDICT_CLASSES.filter((name) => figures.domains.some((domain) => domain.counts[name] > 0));
  const series = classes.map((name) => ({ name, colour: CLASS_COLOUR[name] }));
  const rows = figures.domains.map((domain) => ({
    label: domain.domain,
    values: classes.map((name) => domain.counts[name]),
  }));
  const worst = figures.domains[0];
  const chart = stackedBars({
    id: "domains",
    title: "Receiving domains by class of event",
    description: `The ${figures.domains.length} receiving domains that refused most, with every event they gave by class.${worst !== undefined ? ` ${worst.domain} refused most: ${worst.refused} events.` : ""}`,
    rows,
    series,
  });
  return figure(
    "Receiving domains by class of event (which ISPs refuse us)",
    `${chart}${legend(series)}`,
    table(
      ["domain", ...classes],
      figures.domains.map((domain) => [domain.domain, ...classes.map((name) => domain.counts[name])]),
    ),
  );
}

function streaksFigure(figures: ReportFigures): string {
  const { streaks, windows, policy } = figures;
  const windowTiles = `<ul class="tiles"><li><strong>${windows.open}</strong>retry windows open</li><li><strong>${windows.failed}</strong>windows that failed</li>${
    windows.nextDue !== undefined
      ? `<li><strong>${escapeXml(windows.nextDue.slice(0, 16).replace("T", " "))}</strong>next retry due (UTC)</li>`
      : ""
  }</ul>`;
  const openReasons = Object.entries(windows.openByReason);
  const windowTable =
    openReasons.length > 0
      ? table(
          ["open windows by reason", "windows"],
          openReasons.sort((a, b) => b[1] - a[1]),
        )
      : "";
  if (streaks.total === 0)
    return `${windowTiles}${windowTable}${empty("No soft-bounce streak in the kept history.")}`;
  const series = STREAK_ENDINGS.map((ending) => ({
    name: ENDING_TEXT[ending],
    colour: ENDING_COLOUR[ending],
  }));
  const endingsChart = stackedBars({
    id: "streak-endings",
    title: "How soft-bounce streaks ended",
    description: `${streaks.total} streaks of soft bounces: ${STREAK_ENDINGS.map((ending) => `${streaks.endings[ending]} ${ENDING_TEXT[ending]}`).join("; ")}.`,
    rows: STREAK_ENDINGS.map((ending, index) => ({
      label: ENDING_TEXT[ending],
      values: STREAK_ENDINGS.map((_, position) => (position === index ? streaks.endings[ending] : 0)),
    })),
    series,
  });
  const lengthLabel = (length: number) =>
    length >= policy.softBounceThreshold ? `${length}+ (threshold)` : `${length}`;
  const lengthsChart = stackedBars({
    id: "streak-lengths",
    title: "Soft bounces per streak",
    description: `How many soft bounces each streak had when it ended; the threshold is ${policy.softBounceThreshold}. ${streaks.lengths.map((entry) => `${entry.count} streaks of ${lengthLabel(entry.length)}`).join(", ")}.`,
    rows: streaks.lengths.map((entry) => ({
      label: `${lengthLabel(entry.length)} soft bounces`,
      values: [entry.count],
    })),
    series: [{ name: "streaks", colour: "var(--c2)" }],
  });
  return [
    windowTiles,
    windowTable,
    figure(
      "How soft-bounce streaks ended",
      endingsChart,
      table(
        ["ending", "streaks"],
        STREAK_ENDINGS.map((ending) => [ENDING_TEXT[ending], streaks.endings[ending]]),
      ),
    ),
    figure(
      `Soft bounces per streak (threshold ${policy.softBounceThreshold})`,
      lengthsChart,
      table(
        ["soft bounces", "streaks"],
        streaks.lengths.map((entry) => [lengthLabel(entry.length), entry.count]),
      ),
    ),
  ].join("");
}

function reasonsFigure(figures: ReportFigures): string {
  if (figures.reasons.length === 0) return empty("No bounce or complaint in the kept history.");
  const chart = stackedBars({
    id: "reasons",
    title: "Top reasons",
    description: `The ${figures.reasons.length} most frequent reasons of bounces, blocks and complaints: ${figures.reasons.map((reason) => `${reasonLabel(reason.reason)} ${reason.count}`).join(", ")}.`,
    rows: figures.reasons.map((reason) => ({
      label: `${reasonLabel(reason.reason)} (${reason.class})`,
      values: VERDICT_CLASSES.map((name) => (name === reason.class ? reason.count : 0)),
    })),
    series: VERDICT_CLASSES.map((name) => ({ name, colour: CLASS_COLOUR[name] })),
  });
  const samples = figures.reasons
    .map(
      (reason) =>
        `<tr><th scope="row">${escapeXml(reasonLabel(reason.reason))}</th><td class="number">${reason.count}</td><td>${escapeXml(reason.sample?.status ?? "")}</td><td class="diagnostic">${escapeXml(reason.sample?.diagnostic ?? "(no diagnostic kept)")}</td></tr>`,
    )
    .join("");
  return `<figure>${chart}<figcaption>Top reasons, with what a receiving server said</figcaption><table><thead><tr><th scope="col">reason</th><th scope="col" class="number">events</th><th scope="col">status</th><th scope="col">a sample diagnostic (the latest)</th></tr></thead><tbody>${samples}</tbody></table></figure>`;
}

/** Per-scope rates, once the store records each event's scope; until then the section says so. */
function scopesSection(scopes: readonly ScopeRates[]): string {
  if (scopes.length === 0) {
    return empty(
      "Not recorded yet: rates per configuration set or sending identity will appear here once the store keeps the scope of each event.",
    );
  }
  const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;
  return table(
    ["scope", "sent", "bounce rate", "complaint rate"],
    scopes.map((scope) => [scope.scope, scope.sent, percent(scope.bounceRate), percent(scope.complaintRate)]),
  );
}

export function renderReport(figures: ReportFigures): string {
  const { addresses } = figures;
  const tiles = [
    [addresses.total, "addresses in the table"],
    [addresses.suppressed, "suppressed"],
    [addresses.deferred, "deferred now"],
    [addresses.active, "active"],
  ]
    .map(([count, label]) => `<li><strong>${count}</strong>${escapeXml(String(label))}</li>`)
    .join("");
  const generated = figures.generatedAt.slice(0, 16).replace("T", " ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Bounce Guard report, ${escapeXml(generated)} UTC</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Bounce Guard report</h1>
<p class="lead">${escapeXml(figures.source)}, read ${escapeXml(generated)} UTC.</p>
<ul class="tiles">${tiles}</ul>
<section aria-labelledby="over-time"><h2 id="over-time">Suppressions and blocks over time</h2>
${timelineFigure("suppressions", "suppressions", figures, figures.timeline.suppressions)}
${timelineFigure("blocks", "blocks of the sender", figures, figures.timeline.blocks)}
</section>
<section aria-labelledby="domains-heading"><h2 id="domains-heading">Receiving domains</h2>
${domainsFigure(figures)}
</section>
<section aria-labelledby="streaks-heading"><h2 id="streaks-heading">Soft-bounce streaks and retry windows</h2>
${streaksFigure(figures)}
</section>
<section aria-labelledby="reasons-heading"><h2 id="reasons-heading">Top reasons</h2>
${reasonsFigure(figures)}
</section>
<section aria-labelledby="scopes-heading"><h2 id="scopes-heading">Rates per sending scope</h2>
${scopesSection(figures.scopes)}
</section>
<section aria-labelledby="notes-heading"><h2 id="notes-heading">What these figures cannot show</h2>
<ul>${figures.notes.map((note) => `<li>${escapeXml(note)}</li>`).join("")}</ul>
<p class="muted">Made by <code>bounce-guard report</code>; <code>bounce-guard report --json</code> prints the same figures.</p>
</section>
</main>
</body>
</html>
`;
}
