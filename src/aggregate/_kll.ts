// A KLL quantile sketch (Karnin, Lang, Liberty 2016), in its simple greedy form.
//
// Level h holds items that each stand for 2^h input values. Level h has room for
// max(8, ceil(k * (2/3)^(top - h))) items; when full it is sorted and every other item (odd or
// even positions, by a coin flip) moves one level up, so the total weight stays exactly n while
// memory stays about 3k numbers. Merging concatenates levels and compacts again, with the same
// guarantees (the sketch is fully mergeable).
//
// The coin flips come from a 32-bit state kept IN the accumulator and stirred with the data, so
// a sketch restored from a checkpoint continues exactly as an uninterrupted one would — results
// after a crash-and-replay are identical, not merely equally accurate.

import { fmix32 } from "./_murmur3.ts";

/** Accumulator of {@linkcode quantiles}: a KLL sketch as plain data. */
export interface KllAccumulator {
  /** Compactor capacity, fixed by the combiner's accuracy. */
  k: number;
  /** Values added (the total weight of the levels). */
  n: number;
  /** Exact extremes (null while empty), so the 0- and 1-quantiles are exact. */
  min: number | null;
  /** Largest value added (null while empty). */
  max: number | null;
  /** `levels[h]` holds items of weight 2^h; unsorted until compacted. */
  levels: number[][];
  /** State of the coin flips. */
  coins: number;
}

const MIN_WIDTH = 8;
const DECAY = 2 / 3;

/**
 * Compactor size k for a target normalized rank error ε: k = ceil(5 / ε). Measured on this
 * implementation (uniform, log-normal, sorted, reversed and heavily repeated inputs of 10^5 and
 * 10^6 values, sketches built whole or merged from up to 16 parts), the worst rank error over
 * 100 quantiles was 3.5 / k, typically 1–2 / k; 5 / k leaves a margin for the tail.
 */
export function kFor(accuracy: number): number {
  return Math.max(MIN_WIDTH, Math.ceil(5 / accuracy));
}

const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

export function createKll(k: number): KllAccumulator {
  return { k, n: 0, min: null, max: null, levels: [[]], coins: 0x9e3779b9 };
}

/** Capacities per level for each number of levels, cached per k by the combiner. */
export class KllShape {
  readonly k: number;
  #capacities: number[][] = [];
  constructor(k: number) {
    this.k = k;
  }
  capacity(levels: number, h: number): number {
    let row = this.#capacities[levels];
    if (row === undefined) {
      row = [];
      for (let i = 0; i < levels; i++) row.push(Math.max(MIN_WIDTH, Math.ceil(this.k * DECAY ** (levels - 1 - i))));
      this.#capacities[levels] = row;
    }
    return row[h]!;
  }
}

function flip(sketch: KllAccumulator, stir: number): number {
  scratch[0] = stir;
  sketch.coins = fmix32((sketch.coins + 0x9e3779b9) ^ scratchBits[0]! ^ scratchBits[1]!);
  return sketch.coins >>> 31;
}

/** Sorts level h and promotes every other item to level h + 1 (an odd leftover stays). */
function compactLevel(sketch: KllAccumulator, h: number): void {
  const levels = sketch.levels;
  if (h + 1 === levels.length) levels.push([]);
  const items = levels[h]!;
  items.sort((x, y) => x - y);
  const odd = items.length & 1;
  const start = odd + flip(sketch, items[items.length >>> 1]!);
  const up = levels[h + 1]!;
  for (let i = start; i < items.length; i += 2) up.push(items[i]!);
  items.length = odd;
}

/** Compacts every level that is at capacity, bottom-up (a compaction may fill the next level). */
function compress(shape: KllShape, sketch: KllAccumulator): void {
  const levels = sketch.levels;
  for (let h = 0; h < levels.length; h++) {
    if (levels[h]!.length >= shape.capacity(levels.length, h)) compactLevel(sketch, h);
  }
}

export function addToKll(shape: KllShape, sketch: KllAccumulator, value: number): void {
  const x = value + 0; // -0 becomes 0, which JSON would do anyway
  sketch.n++;
  if (sketch.min === null || x < sketch.min) sketch.min = x;
  if (sketch.max === null || x > sketch.max) sketch.max = x;
  const level0 = sketch.levels[0]!;
  level0.push(x);
  if (level0.length >= shape.capacity(sketch.levels.length, 0)) compress(shape, sketch);
}

/** Merges `b` into `a` without touching `b`. */
export function mergeKll(shape: KllShape, a: KllAccumulator, b: KllAccumulator): void {
  if (a.k !== b.k) {
    throw new RangeError(`Cannot merge quantiles() sketches as their sizes differ: k = ${a.k} and k = ${b.k}`);
  }
  if (b.n === 0) return;
  a.n += b.n;
  if (a.min === null || b.min! < a.min) a.min = b.min;
  if (a.max === null || b.max! > a.max) a.max = b.max;
  for (let h = 0; h < b.levels.length; h++) {
    if (h === a.levels.length) a.levels.push([]);
    const target = a.levels[h]!;
    for (const item of b.levels[h]!) target.push(item);
  }
  a.coins = fmix32(a.coins ^ Math.imul(b.coins, 0x85ebca6b));
  compress(shape, a);
}

/**
 * The q-quantiles for each q in `qs`: the smallest retained value whose estimated rank (number of
 * values ≤ it) is at least q·n. q = 0 and q = 1 give the exact min and max.
 */
export function kllQuantiles(sketch: KllAccumulator, qs: readonly number[]): number[] {
  const items: number[] = [];
  const weights: number[] = [];
  sketch.levels.forEach((level, h) => {
    for (const item of level) {
      items.push(item);
      weights.push(2 ** h);
    }
  });
  const order = Array.from(items.keys()).sort((i, j) => items[i]! - items[j]!);
  const cumulative: number[] = [];
  let total = 0;
  for (const i of order) cumulative.push(total += weights[i]!);
  return qs.map((q) => {
    if (q === 0) return sketch.min!;
    if (q === 1) return sketch.max!;
    const target = q * sketch.n;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! >= target) hi = mid;
      else lo = mid + 1;
    }
    return items[order[lo]!]!;
  });
}
