// Integer settings with limits (policy, retry window): checked alike, failing fast with the value named.

/** Throws a RangeError naming the first setting that is not an integer within its limits. */
export function checkIntegerLimits<K extends string>(
  values: NoInfer<Readonly<Record<K, unknown>>>,
  limits: Readonly<Record<K, readonly [number, number]>>,
): void {
  for (const [name, [low, high]] of Object.entries(limits) as [K, readonly [number, number]][]) {
    const value = values[name];
    if (typeof value !== "number" || !Number.isInteger(value) || value < low || value > high) {
      throw new RangeError(`${name} must be an integer between ${low} and ${high}, got ${String(value)}`);
    }
  }
}
