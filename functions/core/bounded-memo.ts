// A small cache for pure functions on the hot path, with a fixed ceiling on what it holds.

/**
 * A map that never holds more than `limit` entries (when full, the oldest goes) and never keeps a
 * key longer than `maxKeyLength`, so a container fed endless distinct texts keeps a fixed footprint.
 */
export class BoundedMemo<V> {
  readonly #entries = new Map<string, V>();

  constructor(
    readonly limit: number,
    readonly maxKeyLength: number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (key.length > this.maxKeyLength || this.limit <= 0) return;
    if (this.#entries.size >= this.limit) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    this.#entries.set(key, value);
  }

  clear(): void {
    this.#entries.clear();
  }
}
