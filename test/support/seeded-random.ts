// A seeded pseudo-random generator (sfc32), so generated streams and faults repeat run after run.

export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [low, high], both inclusive. */
  integer(low: number, high: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[];
  /** A lower-case hex string of `length` digits, for ids. */
  hex(length: number): string;
}

/** Mixes a 32-bit seed into the four words of sfc32's state (splitmix32). */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    return (mixed ^ (mixed >>> 16)) >>> 0;
  };
}

export function seededRandom(seed: number): SeededRandom {
  const mix = splitmix32(seed);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4_294_967_296;
  };
  // Let the state settle away from the seed's structure.
  for (let round = 0; round < 12; round += 1) next();
  const integer = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  return {
    next,
    integer,
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("cannot pick from an empty list");
      return items[integer(0, items.length - 1)] as T;
    },
    shuffled<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let index = copy.length - 1; index > 0; index -= 1) {
        const other = integer(0, index);
        [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
      }
      return copy;
    },
    hex(length) {
      let text = "";
      while (text.length < length)
        text += Math.floor(next() * 4_294_967_296)
          .toString(16)
          .padStart(8, "0");
      return text.slice(0, length);
    },
  };
}

/** A stable 32-bit hash of a string (FNV-1a), to make per-request decisions without shared state. */
export function hash32(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}
