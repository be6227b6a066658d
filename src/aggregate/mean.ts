import type { Combiner } from "./combiner.ts";
import { addToExactSum, createExactSum, exactSumValue, mergeExactSums, type SumAccumulator } from "./_exact_sum.ts";
import { checkNumber, selectorOrIdentity } from "./_util.ts";
import { NOT_EXACT, retractExactSum, withRetract } from "./retraction.ts";
import { meanKernel, withPartKernel } from "./column_kernel.ts";

/** Accumulator of {@linkcode mean}: the exact sum (see {@linkcode sum}) and the number of values. */
export interface MeanAccumulator {
  /** The exact sum of the values. */
  sum: SumAccumulator;
  /** How many values were added. */
  count: number;
}

/**
 * The arithmetic mean of numbers: the elements themselves, or what `selector` picks from each.
 * `undefined` for an empty window.
 *
 * The total is summed exactly (as in {@linkcode sum}) and divided by the count once, so the result
 * is the correctly rounded sum divided by n: it does not drift over millions of values and does not
 * depend on element order or on how windows were merged.
 *
 * @example Mean latency per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mean } from "weirjs";
 *
 * const avg = mean((e: { ms: number }) => e.ms);
 * let acc = avg.create();
 * for (const ms of [10, 20, 60]) acc = avg.add(acc, { ms }, 0);
 * assertEquals(avg.result(acc), 30);
 * ```
 */
export function mean(): Combiner<number, MeanAccumulator, number | undefined>;
/** The mean of what `selector` picks from each element. */
export function mean<I>(selector: (element: I) => number): Combiner<I, MeanAccumulator, number | undefined>;
export function mean<I>(selector?: (element: I) => number): Combiner<I, MeanAccumulator, number | undefined> {
  const select = selectorOrIdentity<I, number>("mean()", selector);
  const combiner: Combiner<I, MeanAccumulator, number | undefined> = {
    create: () => ({ sum: createExactSum(), count: 0 }),
    add(acc, element) {
      const value = select(element);
      checkNumber("mean()", value);
      addToExactSum(acc.sum, value);
      acc.count++;
      return acc;
    },
    merge(a, b) {
      mergeExactSums(a.sum, b.sum);
      a.count += b.count;
      return a;
    },
    result: (acc) => (acc.count === 0 ? undefined : exactSumValue(acc.sum) / acc.count),
  };
  withPartKernel(combiner, meanKernel(select as (element: unknown) => unknown));
  return withRetract(combiner, (a, b) => {
    const acc = a as MeanAccumulator, removed = b as MeanAccumulator;
    const sum = retractExactSum(acc.sum, removed.sum);
    if (sum === NOT_EXACT) return NOT_EXACT;
    acc.sum = sum as SumAccumulator;
    acc.count -= removed.count;
    return acc;
  });
}
