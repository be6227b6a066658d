import type { Combiner } from "./combiner.ts";
import { extremum, type ExtremumAccumulator } from "./_extremum.ts";

/**
 * The largest value: the elements themselves, or what `selector` picks from each. Values are all
 * numbers or all strings (compared by UTF-16 code units); `undefined` for an empty window. As with
 * `Math.max`, NaN wins and 0 is above -0, so the result does not depend on arrival order.
 *
 * @example Highest temperature per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { max } from "weirjs";
 *
 * const highest = max((e: { celsius: number }) => e.celsius);
 * let acc = highest.create();
 * for (const celsius of [21.5, 23, 22]) acc = highest.add(acc, { celsius }, 0);
 * assertEquals(highest.result(acc), 23);
 * ```
 */
export function max<T extends number | string = number>(): Combiner<T, ExtremumAccumulator, T | undefined>;
/** The largest of what `selector` picks from each element. */
export function max<I, T extends number | string>(
  selector: (element: I) => T,
): Combiner<I, ExtremumAccumulator, T | undefined>;
export function max<I, T extends number | string>(
  selector?: (element: I) => T,
): Combiner<I, ExtremumAccumulator, T | undefined> {
  return extremum("max", selector);
}
