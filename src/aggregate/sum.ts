import type { Combiner } from "./combiner.ts";
import { addToExactSum, createExactSum, exactSumValue, mergeExactSums, type SumAccumulator } from "./_exact_sum.ts";
import { checkNumber, selectorOrIdentity } from "./_util.ts";
import { retractExactSum, withRetract } from "./retraction.ts";
import { sumKernel, withPartKernel } from "./column_kernel.ts";

export type { SumAccumulator } from "./_exact_sum.ts";

/**
 * Sums numbers: the elements themselves, or what `selector` picks from each.
 *
 * The sum is exact: partial sums are kept without rounding error (Shewchuk's algorithm, as in
 * Python's `math.fsum`) and the result is the exact total correctly rounded to a double. So
 * `0.1 + 0.2 + 0.3` gives `0.6`, and — what matters for a stream processor — the result depends
 * only on which values were added, never on their order, on how the input was chunked or on how
 * windows were merged. NaN and ±Infinity behave as with `+`, as does a total beyond
 * ±`Number.MAX_VALUE` (it overflows to ±Infinity). An empty window sums to 0.
 *
 * @example Summing a field
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sum } from "weirjs";
 *
 * const total = sum((e: { value: number }) => e.value);
 * let acc = total.create();
 * for (const value of [0.1, 0.2, 0.3]) acc = total.add(acc, { value }, 0);
 * assertEquals(total.result(acc), 0.6); // a plain reduce gives 0.6000000000000001
 * ```
 */
export function sum(): Combiner<number, SumAccumulator | number, number>;
/** Sums what `selector` picks from each element. */
export function sum<I>(selector: (element: I) => number): Combiner<I, SumAccumulator | number, number>;
export function sum<I>(selector?: (element: I) => number): Combiner<I, SumAccumulator | number, number> {
  const select = selectorOrIdentity<I, number>("sum()", selector);
  // The accumulator is a plain number while the total is a safe integer (then `+` is exact and no
  // object is allocated per window), and the exact partials otherwise.
  const exact = (acc: SumAccumulator | number): SumAccumulator => {
    if (typeof acc !== "number") return acc;
    const x = createExactSum();
    addToExactSum(x, acc);
    return x;
  };
  const combiner: Combiner<I, SumAccumulator | number, number> = {
    create: () => 0,
    add(acc, element) {
      const value = select(element);
      if (typeof acc === "number" && Number.isSafeInteger(value)) {
        const total = acc + value;
        if (Number.isSafeInteger(total)) return total;
      }
      checkNumber("sum()", value);
      const x = exact(acc);
      addToExactSum(x, value);
      return x;
    },
    merge(a, b) {
      if (typeof b === "number") {
        if (typeof a === "number") {
          const total = a + b;
          if (Number.isSafeInteger(total)) return total;
        }
        const x = exact(a);
        addToExactSum(x, b);
        return x;
      }
      const x = exact(a);
      mergeExactSums(x, b);
      return x;
    },
    result: (acc) => (typeof acc === "number" ? acc + 0 : exactSumValue(acc)),
  };
  withPartKernel(combiner, sumKernel(select as (element: unknown) => unknown));
  return withRetract(combiner, (a, b) => retractExactSum(a as number | SumAccumulator, b as number | SumAccumulator));
}
