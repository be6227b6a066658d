import type { Combiner } from "./combiner.ts";
import { byEventTime, type EventTimeAccumulator } from "./_by_event_time.ts";

/**
 * The value with the latest EVENT time in the window (the `timestamp` the engine passes to `add`),
 * not the last to arrive: out-of-order input gives the same result as sorted input. Among equal
 * event times the latest-added wins. `undefined` for an empty window. Values are kept as they are
 * and must be JSON data for checkpoints; the result is a copy.
 *
 * @example Closing price per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { last } from "weirjs";
 *
 * const close = last((e: { price: number }) => e.price);
 * let acc = close.create();
 * acc = close.add(acc, { price: 12 }, 3_000);
 * acc = close.add(acc, { price: 11 }, 2_000); // arrives last, but happened earlier
 * assertEquals(close.result(acc), 12);
 * ```
 */
export function last<T>(): Combiner<T, EventTimeAccumulator<T>, T | undefined>;
/** What `selector` picks from the element with the latest event time. */
export function last<I, T>(selector: (element: I) => T): Combiner<I, EventTimeAccumulator<T>, T | undefined>;
export function last<I, T>(selector?: (element: I) => T): Combiner<I, EventTimeAccumulator<T>, T | undefined> {
  return byEventTime("last", selector);
}
