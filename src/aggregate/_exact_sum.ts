// Exact floating-point summation (Shewchuk's algorithm, as in Python's math.fsum): the running
// total is kept as a short list of non-overlapping partials whose exact sum is the exact sum of
// the inputs, and the result is that sum correctly rounded. So the result depends only on the
// multiset of inputs — never on their order or on how windows were merged — which keeps results
// identical across chunkings, session merges and checkpoint restores.

import { addNonFinite, type NonFiniteName } from "./_json_number.ts";

/**
 * Accumulator of {@linkcode sum} (and part of {@linkcode mean}'s): non-overlapping partials in
 * increasing magnitude whose exact sum is the total, plus the non-finite part of the total by name
 * (JSON has no NaN or Infinity).
 */
export interface SumAccumulator {
  /** Partials in increasing magnitude, none overlapping: their exact sum is the finite part of the total. */
  partials: number[];
  /** The non-finite part of the total by name (`"NaN"`, `"Infinity"`, `"-Infinity"`), or null. */
  nonFinite: "NaN" | "Infinity" | "-Infinity" | null;
}

export function createExactSum(): SumAccumulator {
  return { partials: [], nonFinite: null };
}

export function addToExactSum(acc: SumAccumulator, value: number): void {
  const p0 = acc.partials;
  // Fast path: integer totals below 2^53 are exact with plain `+` (one partial, no rounding).
  if (p0.length <= 1 && Number.isSafeInteger(value)) {
    const total = p0.length === 0 ? value : p0[0]! + value;
    if (Number.isSafeInteger(total) && Number.isSafeInteger(p0.length === 0 ? 0 : p0[0]!)) {
      // (shortened by pop, here and below: setting `length` is a call into the runtime)
      if (total === 0) p0.pop();
      else p0[0] = total;
      return;
    }
  }
  if (!Number.isFinite(value)) {
    acc.nonFinite = addNonFinite(acc.nonFinite, String(value) as NonFiniteName);
    return;
  }
  const p = acc.partials;
  let x = value;
  let i = 0;
  for (let j = 0; j < p.length; j++) {
    let y = p[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  if (x === 0) {
    while (p.length > i) p.pop();
  } else if (Number.isFinite(x)) {
    p[i] = x;
    while (p.length > i + 1) p.pop();
  } else {
    // The running total left the double range: like `+`, it overflows to ±Infinity.
    acc.nonFinite = addNonFinite(acc.nonFinite, String(x) as NonFiniteName);
    p.length = 0;
  }
}

/** Adds `b` into `a` without touching `b`. */
export function mergeExactSums(a: SumAccumulator, b: SumAccumulator): void {
  for (const partial of b.partials) addToExactSum(a, partial);
  a.nonFinite = addNonFinite(a.nonFinite, b.nonFinite);
}

/** The correctly rounded total (never -0, as with `0 + ...`). */
export function exactSumValue(acc: SumAccumulator): number {
  if (acc.nonFinite !== null) return Number(acc.nonFinite);
  const p = acc.partials;
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Round half-even across partials: when the remainder is exactly half an ulp and the next
  // partial pushes the same way, the true sum is past the halfway point.
  if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi + 0;
}
