// Retraction for the built-in combiners whose merge can be undone exactly (count, sum, mean, and an
// object of such combiners): retract(a, b) gives the accumulator of a's elements without b's, where b
// was merged into a. The sliding-window engine keeps a running accumulator per key with it (add the
// slice that enters the window, retract the one that leaves), as a hand-written loop does, instead of
// merging every slice of every window. Internal: not part of the Combiner contract users implement.
import { addToExactSum, createExactSum, type SumAccumulator } from "./_exact_sum.ts";

/** What retract returns when it cannot take `b` out exactly (an infinity or NaN was summed): recompute. */
export const NOT_EXACT: unique symbol = Symbol("weir.notExact");

/** `retract(a, b)`: `a` (which it may change) without `b`'s elements, or NOT_EXACT. */
export type Retract = (a: unknown, b: unknown) => unknown;

/** Where a built-in combiner keeps its retract function. */
export const RETRACT: unique symbol = Symbol("weir.retract");

/** The retract function of a combiner, or null when it has none. */
export function retractOf(combiner: object): Retract | null {
  const r = (combiner as { [RETRACT]?: Retract })[RETRACT];
  return typeof r === "function" ? r : null;
}

export const retractCount: Retract = (a, b) => (a as number) - (b as number);

/** Takes the exact sum `b` (a safe integer or exact partials) out of `a`, exactly. */
export function retractExactSum(
  a: number | SumAccumulator,
  b: number | SumAccumulator,
): number | SumAccumulator | typeof NOT_EXACT {
  if (typeof b === "number") {
    if (typeof a === "number") {
      // Both safe integers: a safe difference is exact (a larger one is rounded, so go exact below).
      const d = a - b;
      if (Number.isSafeInteger(d)) return d;
    }
  } else if (b.nonFinite !== null) return NOT_EXACT;
  let x: SumAccumulator;
  if (typeof a === "number") {
    x = createExactSum();
    addToExactSum(x, a);
  } else {
    if (a.nonFinite !== null) return NOT_EXACT;
    x = a;
  }
  if (typeof b === "number") addToExactSum(x, -b);
  else for (const p of b.partials) addToExactSum(x, -p);
  // Exact partials of a difference of finite totals cannot overflow back to a non-finite total unless
  // the total itself is out of range, which merging the remaining elements would give too.
  return x.nonFinite !== null ? NOT_EXACT : x;
}

/** Gives `combiner` its retract function (a hidden property: the combiner's shape is unchanged). */
export function withRetract<C extends object>(combiner: C, retract: Retract): C {
  Object.defineProperty(combiner, RETRACT, { value: retract });
  return combiner;
}

/** The retract of an object of combiners (its accumulator is an array, one entry per part), if every part has one. */
export function composedRetract(parts: readonly object[]): Retract | null {
  const rs = parts.map(retractOf);
  if (rs.some((r) => r === null)) return null;
  const n = rs.length;
  return (a, b) => {
    const acc = a as unknown[], removed = b as unknown[];
    for (let i = 0; i < n; i++) {
      const x = rs[i]!(acc[i], removed[i]);
      if (x === NOT_EXACT) return NOT_EXACT;
      acc[i] = x;
    }
    return acc;
  };
}
