import type { Combiner } from "./combiner.ts";
import { byEventTime, type EventTimeAccumulator } from "./_by_event_time.ts";

export type { EventTimeAccumulator } from "./_by_event_time.ts";

/**
 * The value with the earliest EVENT time in the window (the `timestamp` the engine passes to
 * `add`), not the first to arrive: out-of-order input gives the same result as sorted input.
 * Among equal event times the earliest-added wins. `undefined` for an empty window. Values are
 * kept as they are and must be JSON data for checkpoints; the result is a copy.
 *
 * @example Opening price per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { first } from "weirjs";
 *
 * const open = first((e: { price: number }) => e.price);
 * let acc = open.create();
 * acc = open.add(acc, { price: 11 }, 2_000); // arrives first, but happened later
 * acc = open.add(acc, { price: 10 }, 1_000);
 * assertEquals(open.result(acc), 10);
 * ```
 */
export function first<T>(): Combiner<T, EventTimeAccumulator<T>, T | undefined>;
/** What `selector` picks from the element with the earliest event time. */
export function first<I, T>(selector: (element: I) => T): Combiner<I, EventTimeAccumulator<T>, T | undefined>;
export function first<I, T>(selector?: (element: I) => T): Combiner<I, EventTimeAccumulator<T>, T | undefined> {
  return byEventTime("first", selector);
}
