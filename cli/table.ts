// Aligned plain-text tables for people (scripts get --json): every cell escaped (printable.ts) and
// measured in terminal columns, so wide characters and colour codes keep the columns straight.
import stringWidth from "string-width";
import type { Style } from "./colour.ts";
import { printable } from "./printable.ts";

type Paint = (text: string, style: Style | undefined) => string;
const plain: Paint = (text) => text;

function pad(cell: string, width: number): string {
  return cell + " ".repeat(Math.max(0, width - stringWidth(cell)));
}

function line(
  cells: readonly string[],
  widths: readonly number[],
  style: (column: number) => Style | undefined,
  paint: Paint,
) {
  return cells
    .map((cell, column) =>
      paint(column === cells.length - 1 ? cell : pad(cell, widths[column] ?? 0), style(column)),
    )
    .join("  ")
    .trimEnd();
}

/** A whole table at once: every column as wide as its widest cell. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { paint?: Paint; styleOf?: (row: number, column: number) => Style | undefined } = {},
): string {
  const paint = options.paint ?? plain;
  const cells = rows.map((row) => headers.map((_, column) => printable(row[column] ?? "")));
  const widths = headers.map((header, column) =>
    Math.max(stringWidth(header), ...cells.map((row) => stringWidth(row[column] ?? ""))),
  );
  const styleOf = options.styleOf ?? (() => undefined);
  return [
    line(headers, widths, () => "bold", paint),
    line(
      widths.map((width) => "-".repeat(width)),
      widths,
      () => undefined,
      plain,
    ),
    ...cells.map((row, index) => line(row, widths, (column) => styleOf(index, column), paint)),
  ].join("\n");
}

export interface StreamingColumn {
  readonly header: string;
  /** The column's width: known in advance (a vocabulary, a timestamp), so every page aligns. */
  readonly width: number;
}

export interface TableWriter {
  /** The lines for some rows, the header before the first ones; `styleOf` colours a cell. */
  rows(
    rows: readonly (readonly string[])[],
    styleOf?: (row: number, column: number) => Style | undefined,
  ): string;
  /** How many rows were formatted. */
  readonly count: number;
}

/**
 * Rows formatted a page at a time with widths fixed in advance, so pages of a scan line up with
 * each other. The last column has no width: put the one whose length is unknown (the address) last.
 */
export function createTableWriter(columns: readonly StreamingColumn[], paint: Paint): TableWriter {
  const widths = columns.map((column) => Math.max(column.width, stringWidth(column.header)));
  let count = 0;
  return {
    rows(rows, styleOf = () => undefined) {
      if (rows.length === 0) return "";
      const header =
        count === 0
          ? `${line(
              columns.map((column) => column.header),
              widths,
              () => "bold",
              paint,
            )}\n${line(
              widths.map((width, index) =>
                "-".repeat(index === widths.length - 1 ? Math.max(width, 7) : width),
              ),
              widths,
              () => undefined,
              plain,
            )}\n`
          : "";
      const body = rows
        .map((row, index) =>
          line(
            columns.map((_, column) => printable(row[column] ?? "")),
            widths,
            (column) => styleOf(index, column),
            paint,
          ),
        )
        .join("\n");
      count += rows.length;
      return `${header}${body}\n`;
    },
    get count() {
      return count;
    },
  };
}
