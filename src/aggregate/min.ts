import type { Combiner } from "./combiner.ts";
import { extremum, type ExtremumAccumulator } from "./_extremum.ts";

export type { ExtremumAccumulator } from "./_extremum.ts";

/**
 * The smallest value: the elements themselves, or what `selector` picks from each. Values are all
 * numbers or all strings (compared by UTF-16 code units); `undefined` for an empty window. As with
 * `Math.min`, NaN wins and -0 is below 0, so the result does not depend on arrival order.
 *
 * @example Lowest price per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { min } from "weirjs";
 *
 * const lowest = min((e: { price: number }) => e.price);
 * let acc = lowest.create();
 * for (const price of [3, 1, 2]) acc = lowest.add(acc, { price }, 0);
 * assertEquals(lowest.result(acc), 1);
 * ```
 */
export function min<T extends number | string = number>(): Combiner<T, ExtremumAccumulator, T | undefined>;
/** The smallest of what `selector` picks from each element. */
export function min<I, T extends number | string>(
  selector: (element: I) => T,
): Combiner<I, ExtremumAccumulator, T | undefined>;
export function min<I, T extends number | string>(
  selector?: (element: I) => T,
): Combiner<I, ExtremumAccumulator, T | undefined> {
  return extremum("min", selector);
}
