// HyperLogLog over 64-bit hashes, with a sparse representation for small cardinalities.
//
// Sparse: a sorted list of (index, rank) at precision 25 (HLL++'s idea), estimated by linear
// counting over 2^25 registers, which is exact or off by one for hundreds of values. Beyond
// SPARSE_LIMIT(p) entries it turns dense: 2^p registers holding the highest rank seen, estimated
// with Ertl's improved estimator (arXiv:1702.01284), which needs no bias tables and is unbiased
// from 0 to far beyond 2^p. Both representations are functions of the SET of hashed values (a
// register keeps a maximum), and the switch depends only on the number of sparse entries, so merge
// order never changes the state: merged sketches equal sequentially built ones.

import { murmur3 } from "./_murmur3.ts";

/** Accumulator of {@linkcode distinctCount}: a HyperLogLog sketch as plain data. */
export type HyperLogLogAccumulator =
  | { precision: number; mode: "sparse"; entries: number[] }
  | { precision: number; mode: "dense"; registers: number[] };

const SPARSE_PRECISION = 25;
const SEED_HIGH = 0x2f1b5a67;
const SEED_LOW = 0x5bd1e995;

/** Sparse entries beyond which the sketch turns dense: a quarter of the dense size, at most 2048. */
function sparseLimit(precision: number): number {
  return Math.min(2 ** precision / 4, 2048);
}

/**
 * The sparse entry of a canonical key: the top 25 bits of its 64-bit hash as index, times 64,
 * plus the rank (1-based position of the first 1-bit) of the remaining 39 bits.
 */
export function sparseEntry(key: string): number {
  const high = murmur3(key, SEED_HIGH);
  const low = murmur3(key, SEED_LOW);
  const rest = high & 0x7f;
  const rank = rest !== 0 ? Math.clz32(rest) - 24 : 8 + Math.clz32(low);
  return (high >>> 7) * 64 + rank;
}

/** Folds a sparse entry into dense registers of `precision` bits. */
function foldIntoDense(registers: number[], precision: number, entry: number): void {
  const index = entry >>> 6;
  const shift = SPARSE_PRECISION - precision;
  const between = index & ((1 << shift) - 1);
  const rank = between !== 0 ? Math.clz32(between) - 6 - precision : shift + (entry & 63);
  const register = index >>> shift;
  if (rank > registers[register]!) registers[register] = rank;
}

export function createSketch(precision: number): HyperLogLogAccumulator {
  return { precision, mode: "sparse", entries: [] };
}

function densify(precision: number, entries: readonly number[]): HyperLogLogAccumulator & { mode: "dense" } {
  const registers = new Array<number>(2 ** precision).fill(0);
  for (const entry of entries) foldIntoDense(registers, precision, entry);
  return { precision, mode: "dense", registers };
}

/** Adds a sparse entry; may return a new (dense) sketch. */
export function addEntry(sketch: HyperLogLogAccumulator, entry: number): HyperLogLogAccumulator {
  if (sketch.mode === "dense") {
    foldIntoDense(sketch.registers, sketch.precision, entry);
    return sketch;
  }
  const entries = sketch.entries;
  const index = entry >>> 6;
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]! >>> 6 < index) lo = mid + 1;
    else hi = mid;
  }
  if (lo < entries.length && entries[lo]! >>> 6 === index) {
    if (entry > entries[lo]!) entries[lo] = entry;
    return sketch;
  }
  entries.splice(lo, 0, entry);
  return entries.length > sparseLimit(sketch.precision) ? densify(sketch.precision, entries) : sketch;
}

/** Merges `b` into `a` (which it may reuse) without touching `b`. */
export function mergeSketches(a: HyperLogLogAccumulator, b: HyperLogLogAccumulator): HyperLogLogAccumulator {
  if (a.precision !== b.precision) {
    throw new RangeError(
      `Cannot merge distinctCount() sketches as their precisions differ: ${a.precision} and ${b.precision}`,
    );
  }
  if (b.mode === "dense") {
    const target = a.mode === "dense" ? a : densify(a.precision, a.entries);
    const registers = target.registers;
    for (let i = 0; i < registers.length; i++) if (b.registers[i]! > registers[i]!) registers[i] = b.registers[i]!;
    return target;
  }
  if (a.mode === "dense") {
    for (const entry of b.entries) foldIntoDense(a.registers, a.precision, entry);
    return a;
  }
  // Two sorted sparse lists: merge, keeping the higher rank for a shared index.
  const x = a.entries;
  const y = b.entries;
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const ix = i < x.length ? x[i]! >>> 6 : Infinity;
    const iy = j < y.length ? y[j]! >>> 6 : Infinity;
    if (ix === iy) merged.push(Math.max(x[i++]!, y[j++]!));
    else merged.push(ix < iy ? x[i++]! : y[j++]!);
  }
  if (merged.length > sparseLimit(a.precision)) return densify(a.precision, merged);
  a.entries = merged;
  return a;
}

/** The estimated number of distinct values, rounded to an integer. */
export function estimate(sketch: HyperLogLogAccumulator): number {
  if (sketch.mode === "sparse") {
    const m = 2 ** SPARSE_PRECISION;
    return Math.round(-m * Math.log1p(-sketch.entries.length / m));
  }
  const registers = sketch.registers;
  const m = registers.length;
  const q = 64 - sketch.precision;
  const histogram = new Array<number>(q + 2).fill(0);
  for (const r of registers) histogram[r]!++;
  let z = m * tau(1 - histogram[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
  z += m * sigma(histogram[0]! / m);
  return Math.round((m * m) / (2 * Math.LN2) / z);
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const previous = z;
    z += x * y;
    y += y;
    if (z === previous) return z;
  }
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === previous) return z / 3;
  }
}
