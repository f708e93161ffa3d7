// Membership in a large sorted list kept as one string, searched in place: no Set to build.

/**
 * Whether `item` is an entry of `list`: entries sorted by UTF-16 code units (JavaScript's default
 * sort), each followed by "\n", with a "\n" in front of the first. A binary search over character
 * positions: each probe reads the entry around the middle position. Loading such a list costs one
 * string literal, where a Set of tens of thousands of entries costs building every entry and its
 * hash at cold start.
 */
export function sortedListHas(list: string, item: string): boolean {
  // Both bounds are entry starts (just after a "\n"), or the end of the list.
  let low = 1;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    // The entry holding position `middle`, or ending at it; never before `low`, since list[low - 1] is "\n".
    const start = list.lastIndexOf("\n", middle - 1) + 1;
    const end = list.indexOf("\n", start);
    if (end === -1) return false;
    const entry = list.slice(start, end);
    if (entry === item) return true;
    if (entry < item) low = end + 1;
    else high = start;
  }
  return false;
}

/** The form `sortedListHas` searches. */
export function sortedListOf(entries: Iterable<string>): string {
  const sorted = [...new Set(entries)].filter((entry) => entry !== "" && !entry.includes("\n")).sort();
  return sorted.length === 0 ? "\n" : `\n${sorted.join("\n")}\n`;
}
