// The small statistics the benchmark figures share.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The median of the per-round ratios of two samples taken in the same interleaved rounds. */
export function pairedRatio(sample: readonly number[], baseline: readonly number[]): number {
  if (sample.length !== baseline.length || sample.length === 0)
    throw new Error(
      `paired samples must be non-empty and of one length, got ${sample.length} and ${baseline.length}`,
    );
  return median(sample.map((value, index) => value / (baseline[index] as number)));
}
