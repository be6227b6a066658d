import type { Combiner } from "./combiner.ts";
import { checkTimestamp, detach, selectorOrIdentity } from "./_util.ts";

/**
 * Accumulator of {@linkcode collect}: `[eventTime, value]` pairs in event-time order, ties in
 * order of addition. Pairs are never modified once stored, so merged accumulators may share them.
 */
export type CollectAccumulator<T> = Array<[time: number, value: T]>;

/** Index of the first pair whose time is greater than `time` (binary search). */
function upperBound<T>(pairs: CollectAccumulator<T>, time: number): number {
  let lo = 0;
  let hi = pairs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pairs[mid]![0] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * All values of the window in an array — the elements themselves, or what `selector` picks from
 * each — ordered by EVENT time (the `timestamp` the engine passes to `add`), ties in order of
 * addition. So the result does not depend on arrival order within the out-of-orderness bound.
 * Memory grows with the window: prefer a sketch (`quantiles`, `topK`, `distinctCount`) for large
 * windows. Values must be JSON data for checkpoints; the result is a copy.
 *
 * @example Values in event-time order
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { collect } from "weirjs";
 *
 * const ids = collect((e: { id: string }) => e.id);
 * let acc = ids.create();
 * acc = ids.add(acc, { id: "b" }, 20);
 * acc = ids.add(acc, { id: "a" }, 10);
 * assertEquals(ids.result(acc), ["a", "b"]);
 * ```
 */
export function collect<T>(): Combiner<T, CollectAccumulator<T>, T[]>;
/** What `selector` picks from each element, in event-time order. */
export function collect<I, T>(selector: (element: I) => T): Combiner<I, CollectAccumulator<T>, T[]>;
export function collect<I, T>(selector?: (element: I) => T): Combiner<I, CollectAccumulator<T>, T[]> {
  const select = selectorOrIdentity<I, T>("collect()", selector);
  return {
    create: () => [],
    add(acc, element, timestamp) {
      checkTimestamp("collect()", timestamp);
      const pair: [number, T] = [timestamp, select(element)];
      // In-order input (the common case) appends; late elements are inserted after their equals.
      if (acc.length === 0 || acc[acc.length - 1]![0] <= timestamp) acc.push(pair);
      else acc.splice(upperBound(acc, timestamp), 0, pair);
      return acc;
    },
    merge(a, b) {
      if (b.length === 0) return a;
      if (a.length === 0 || a[a.length - 1]![0] <= b[0]![0]) {
        for (const pair of b) a.push(pair);
        return a;
      }
      // A stable two-way merge: on equal times, a's pairs (added earlier) come first.
      const merged: CollectAccumulator<T> = [];
      let i = 0;
      let j = 0;
      while (i < a.length && j < b.length) merged.push(b[j]![0] < a[i]![0] ? b[j++]! : a[i++]!);
      while (i < a.length) merged.push(a[i++]!);
      while (j < b.length) merged.push(b[j++]!);
      return merged;
    },
    result: (acc) => acc.map((pair) => detach(pair[1])),
  };
}
