import type { Combiner } from "./combiner.ts";
import { addToKll, createKll, kFor, type KllAccumulator, kllQuantiles, KllShape, mergeKll } from "./_kll.ts";
import { checkNumber, describe, selectorOrIdentity } from "./_util.ts";
import { checkOptionNames } from "../option_names.ts";

export type { KllAccumulator } from "./_kll.ts";

/** Options of {@linkcode quantiles}. */
export interface QuantilesOptions {
  /**
   * Target normalized rank error ε, 0 < ε < 1 (default 0.01): the rank of each returned value is
   * within ±ε·n of q·n. Memory grows as 1/ε: at most about 15/ε numbers per window
   * (1 500 at ε = 0.01, 15 000 at ε = 0.001).
   */
  accuracy?: number;
}

function checkQuantile(q: unknown): number {
  if (typeof q !== "number" || !(q >= 0 && q <= 1)) {
    throw new RangeError(
      `Cannot create quantiles() as each quantile must be a number from 0 to 1: current value is ${describe(q)}`,
    );
  }
  return q;
}

/**
 * Approximate quantiles (median, p95, p99, ...) of numbers — the elements themselves, or what
 * `selector` picks from each — in bounded memory, with a KLL sketch. Pass one q for one number,
 * or an array for an array in the same order; `undefined` for an empty window.
 *
 * - Definition: the q-quantile is the smallest value v such that at least q·n values are ≤ v (the
 *   inverted CDF, no interpolation), so every result is one of the input values; q = 0 and q = 1
 *   give the exact min and max, and windows with fewer than 5/ε values are exact.
 * - Accuracy: the returned value's rank is within ±ε·n of q·n (ε = `accuracy`, default 0.01).
 *   This is a randomized sketch; measured worst error over 100 quantiles was 3.5/k with k = 5/ε,
 *   i.e. 0.7 ε, whether the sketch was built in one piece or merged from parts. Near the tails
 *   (p99.9) ε·n may span a wide value range: choose ε well below 1 − q.
 * - The sketch's pseudo-random choices are derived from the data and kept in the accumulator, so
 *   replaying the same input (after a checkpoint restore, say) gives the same results.
 * - Values must be finite numbers (NaN has no rank).
 *
 * @example Median and p99 latency per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { quantiles } from "weirjs";
 *
 * const latency = quantiles([0.5, 0.99], (e: { ms: number }) => e.ms);
 * let acc = latency.create();
 * for (let ms = 1; ms <= 100; ms++) acc = latency.add(acc, { ms }, 0);
 * assertEquals(latency.result(acc), [50, 99]);
 * ```
 */
export function quantiles(
  q: number,
  selector?: undefined,
  options?: QuantilesOptions,
): Combiner<number, KllAccumulator, number | undefined>;
/** One approximate quantile of what `selector` picks from each element. */
export function quantiles<I>(
  q: number,
  selector: (element: I) => number,
  options?: QuantilesOptions,
): Combiner<I, KllAccumulator, number | undefined>;
/** Approximate quantiles of the elements, one per entry of `qs`. */
export function quantiles(
  qs: readonly number[],
  selector?: undefined,
  options?: QuantilesOptions,
): Combiner<number, KllAccumulator, number[] | undefined>;
/** Approximate quantiles of what `selector` picks from each element, one per entry of `qs`. */
export function quantiles<I>(
  qs: readonly number[],
  selector: (element: I) => number,
  options?: QuantilesOptions,
): Combiner<I, KllAccumulator, number[] | undefined>;
export function quantiles<I>(
  qs: number | readonly number[],
  selector?: (element: I) => number,
  options: QuantilesOptions = {},
): Combiner<I, KllAccumulator, number | number[] | undefined> {
  const single = !Array.isArray(qs);
  if (!single && qs.length === 0) {
    throw new RangeError(
      "Cannot create quantiles() as the list of quantiles is empty: pass at least one q from 0 to 1",
    );
  }
  const wanted = single ? [checkQuantile(qs)] : (qs as readonly unknown[]).map(checkQuantile);
  const select = selectorOrIdentity<I, number>("quantiles()", selector);
  checkOptionNames("create quantiles()", options ?? {}, ["accuracy"]);
  const accuracy = options.accuracy ?? 0.01;
  if (typeof accuracy !== "number" || !(accuracy > 0 && accuracy < 1)) {
    throw new RangeError(
      `Cannot create quantiles() as accuracy must be a number between 0 and 1: current value is ${describe(accuracy)}`,
    );
  }
  const shape = new KllShape(kFor(accuracy));
  return {
    create: () => createKll(shape.k),
    add(acc, element) {
      const value = select(element);
      checkNumber("quantiles()", value);
      if (!Number.isFinite(value)) {
        throw new RangeError(
          `Cannot add to quantiles() as the value must be a finite number: current value is ${value}`,
        );
      }
      addToKll(shape, acc, value);
      return acc;
    },
    merge(a, b) {
      mergeKll(shape, a, b);
      return a;
    },
    result(acc) {
      if (acc.n === 0) return undefined;
      const values = kllQuantiles(acc, wanted);
      return single ? values[0] : values;
    },
  };
}
