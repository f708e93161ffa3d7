// Aligned rows written a page at a time: the first page sets the widths, later cells pad to them
// (a longer cell pushes its row out rather than holding the output back).
import type { Style } from "./colour.ts";

export interface TableWriter {
  /** Writes the header before the first rows; `styleOf` colours a cell after padding. */
  rows(
    rows: readonly (readonly string[])[],
    styleOf?: (row: number, column: number) => Style | undefined,
  ): void;
  /** How many rows were written. */
  readonly count: number;
}

export function createTableWriter(
  headers: readonly string[],
  write: (text: string) => void,
  paint: (text: string, style: Style | undefined) => string,
): TableWriter {
  let widths: number[] | undefined;
  let count = 0;
  const line = (cells: readonly string[], styleOf: (column: number) => Style | undefined) =>
    cells
      .map((cell, column) => paint(cell.padEnd(widths?.[column] ?? 0), styleOf(column)))
      .join("  ")
      .trimEnd();
  return {
    rows(rows, styleOf = () => undefined) {
      if (rows.length === 0) return;
      if (widths === undefined) {
        widths = headers.map((header, column) =>
          Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
        );
        const rule = widths.map((width) => "-".repeat(width));
        write(`${line(headers, () => "bold")}\n${line(rule, () => undefined)}\n`);
      }
      write(`${rows.map((row, index) => line(row, (column) => styleOf(index, column))).join("\n")}\n`);
      count += rows.length;
    },
    get count() {
      return count;
    },
  };
}
