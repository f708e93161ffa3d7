// Plain inline SVG charts for the report: no library, no script, no external asset. Each chart is
// an <svg role="img"> with a <title> and a <desc> saying in words what it shows; every mark carries
// its own <title> (a tooltip and a text for screen readers); colours come from CSS variables, so
// the page's light and dark schemes both apply.

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
  /** A CSS colour, usually var(--something). */
  readonly colour: string;
}

function frame(
  id: string,
  width: number,
  height: number,
  title: string,
  description: string,
  body: string,
): string {
  return `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="100%" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(description)}</desc>${body}</svg>`;
}

/** The axis' top: four equal steps of 1, 2 or 5 times a power of ten, so every tick is a whole number. */
export function niceMaximum(value: number): number {
  const quarter = Math.max(1, value / 4);
  const power = 10 ** Math.floor(Math.log10(quarter));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= quarter) ?? 10;
  return 4 * step * power;
}

const FONT = 'font-size="11" fill="currentColor"';

function yAxis(left: number, top: number, plotHeight: number, plotWidth: number, maximum: number): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => {
    const y = top + plotHeight - share * plotHeight;
    const value = Math.round(share * maximum);
    return `<line x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" ${FONT}>${value}</text>`;
  });
  return ticks.join("");
}

/** Columns over time, one stack per bucket: e.g. suppressions per day by reason. */
export function stackedColumns(options: {
  /** Unique in the page: names the chart's title and description. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
}): string {
  const width = 760;
  const height = 260;
  const left = 44;
  const top = 12;
  const bottom = 44;
  const plotWidth = width - left - 12;
  const plotHeight = height - top - bottom;
  const totals = options.labels.map((_, index) =>
    options.series.reduce((sum, series) => sum + (series.values[index] ?? 0), 0),
  );
  const maximum = niceMaximum(Math.max(0, ...totals));
  const slot = plotWidth / Math.max(1, options.labels.length);
  const barWidth = Math.max(2, Math.min(40, slot * 0.7));
  const every = Math.max(1, Math.ceil(options.labels.length / 10));
  const marks: string[] = [];
  options.labels.forEach((label, index) => {
    let base = top + plotHeight;
    const x = left + index * slot + (slot - barWidth) / 2;
    for (const series of options.series) {
      const value = series.values[index] ?? 0;
      if (value <= 0) continue;
      const barHeight = (value / maximum) * plotHeight;
      base -= barHeight;
      marks.push(
        `<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${barHeight.toFixed(1)}" style="fill:${series.colour}"><title>${escapeXml(`${label}: ${series.name} ${value}`)}</title></rect>`,
      );
    }
    // Every few days, and always the last one (today) unless a label sits right next to it.
    const last = index === options.labels.length - 1 && index % every >= every / 2;
    if (index % every === 0 || last) {
      marks.push(
        `<text x="${(left + index * slot + slot / 2).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" ${FONT}>${escapeXml(label.slice(5))}</text>`,
      );
    }
  });
  const axis = `<line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" class="axis"/>`;
  return frame(
    options.id,
    width,
    height,
    options.title,
    options.description,
    `${yAxis(left, top, plotHeight, plotWidth, maximum)}${axis}${marks.join("")}`,
  );
}

/** One horizontal bar per row, stacked by series: e.g. receiving domains by class of event. */
export function stackedBars(options: {
  /** Unique in the page: names the chart's title and description. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly rows: readonly { readonly label: string; readonly values: readonly number[] }[];
  readonly series: readonly { readonly name: string; readonly colour: string }[];
}): string {
  const width = 760;
  const rowHeight = 22;
  const labelWidth = 200;
  const right = 50;
  const top = 6;
  const height = top + options.rows.length * rowHeight + 6;
  const plotWidth = width - labelWidth - right;
  const totals = options.rows.map((row) => row.values.reduce((sum, value) => sum + value, 0));
  const maximum = Math.max(1, ...totals);
  const marks = options.rows.map((row, index) => {
    const y = top + index * rowHeight;
    const label = row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label;
    let x = labelWidth;
    const segments = row.values.map((value, position) => {
      const series = options.series[position];
      if (value <= 0 || series === undefined) return "";
      const segment = (value / maximum) * plotWidth;
      const rect = `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.max(1, segment).toFixed(1)}" height="${rowHeight - 6}" style="fill:${series.colour}"><title>${escapeXml(`${row.label}: ${series.name} ${value}`)}</title></rect>`;
      x += segment;
      return rect;
    });
    return `<text x="${labelWidth - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end" ${FONT}>${escapeXml(label)}</text>${segments.join("")}<text x="${(x + 6).toFixed(1)}" y="${y + rowHeight / 2 + 4}" ${FONT}>${totals[index]}</text>`;
  });
  return frame(options.id, width, height, options.title, options.description, marks.join(""));
}

/** A legend as an HTML list: readable, selectable and announced as text. */
export function legend(series: readonly { readonly name: string; readonly colour: string }[]): string {
  const items = series.map(
    (entry) =>
      `<li><span class="swatch" style="background:${entry.colour}" aria-hidden="true"></span>${escapeXml(entry.name)}</li>`,
  );
  return `<ul class="legend">${items.join("")}</ul>`;
}
