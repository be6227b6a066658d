import type { Combiner } from "./combiner.ts";
import { canonicalKey } from "../keys/canonical_key.ts";
import { describe, detach, selectorOrIdentity } from "./_util.ts";
import { checkOptionNames } from "../option_names.ts";

/**
 * Accumulator of {@linkcode topK}: Misra–Gries counters keyed by each value's canonical key
 * (type-prefixed, so no key collides with an object's built-in properties).
 */
export interface TopKAccumulator<T> {
  /** Values added. */
  n: number;
  /** Total subtracted by purges; 0 while counting is exact. Every true count lies in [counter, counter + offset]. */
  offset: number;
  /** Number of counters. */
  size: number;
  /** Counted values by their canonical key: the value and its count. */
  counters: Record<string, [value: T, count: number]>;
}

/** Options of {@linkcode topK}. */
export interface TopKOptions {
  /**
   * Counters kept (default max(1024, 16·k), at least 2·k). Counts are exact while a window has at
   * most this many distinct values; beyond, the counters are purged down to half and each reported
   * count may exceed the true count by at most n / (floor(capacity / 2) + 1).
   */
  capacity?: number;
}

/** One entry of {@linkcode topK}'s result. */
export interface TopKEntry<T> {
  /** The value. */
  value: T;
  /** How often it occurred (exact while the counters sufficed, see {@linkcode TopKOptions}). */
  count: number;
}

function compareValues(a: unknown, b: unknown, keyA: string, keyB: string): number {
  if ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string")) {
    if (a < b) return -1;
    if (a > b) return 1;
  }
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/**
 * Subtracts the (keep+1)-th largest count from every counter and drops those that reach 0. At least
 * keep+1 counters lose that much, so the total subtracted (the offset) stays ≤ n / (keep + 1); batching
 * the purge makes it O(log capacity) per element amortized.
 */
function purge<T>(acc: TopKAccumulator<T>, keep: number): void {
  const counts = Object.values(acc.counters).map((c) => c[1]).sort((x, y) => y - x);
  const cut = counts[keep]!;
  for (const key of Object.keys(acc.counters)) {
    const counter = acc.counters[key]!;
    counter[1] -= cut;
    if (counter[1] <= 0) {
      delete acc.counters[key];
      acc.size--;
    }
  }
  acc.offset += cut;
}

/**
 * The k most frequent values — the elements themselves, or what `selector` picks from each — with
 * their counts, sorted by count (descending), then by value (numbers and strings in natural order,
 * anything else by canonical key). Values are equal when their content is (as in `distinctCount`).
 *
 * Counting is exact while a window has at most `capacity` distinct values (default
 * max(1024, 16·k)). Beyond that it switches to a bounded Misra–Gries sketch: each reported count is
 * an upper bound that exceeds the true count by at most n / (floor(capacity / 2) + 1) (n = elements
 * in the window; 0.2% of n by default), values more frequent than that are never missed, and the
 * bound survives merging. Values must be JSON data for checkpoints; the result holds copies.
 *
 * @example Most active users per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { topK } from "weirjs";
 *
 * const active = topK(2, (e: { user: string }) => e.user);
 * let acc = active.create();
 * for (const user of ["ann", "bob", "ann", "cy", "bob", "ann"]) acc = active.add(acc, { user }, 0);
 * assertEquals(active.result(acc), [{ value: "ann", count: 3 }, { value: "bob", count: 2 }]);
 * ```
 */
export function topK<T>(
  k: number,
  selector?: undefined,
  options?: TopKOptions,
): Combiner<T, TopKAccumulator<T>, TopKEntry<T>[]>;
/** The `k` most frequent of what `selector` picks from each element. */
export function topK<I, T>(
  k: number,
  selector: (element: I) => T,
  options?: TopKOptions,
): Combiner<I, TopKAccumulator<T>, TopKEntry<T>[]>;
export function topK<I, T>(
  k: number,
  selector?: (element: I) => T,
  options: TopKOptions = {},
): Combiner<I, TopKAccumulator<T>, TopKEntry<T>[]> {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Cannot create topK() as k must be an integer >= 1: current value is ${describe(k)}`);
  }
  const select = selectorOrIdentity<I, T>("topK()", selector);
  checkOptionNames("create topK()", options ?? {}, ["capacity"]);
  const capacity = options.capacity ?? Math.max(1024, 16 * k);
  if (!Number.isInteger(capacity) || capacity < 2 * k) {
    throw new RangeError(
      `Cannot create topK() as capacity must be an integer >= 2·k (${
        2 * k
      }), so purges keep the top k: current value is ${describe(capacity)}`,
    );
  }
  const keep = Math.floor(capacity / 2);
  return {
    create: () => ({ n: 0, offset: 0, size: 0, counters: {} }),
    add(acc, element) {
      const value = select(element);
      const key = canonicalKey(value);
      acc.n++;
      const counter = acc.counters[key];
      if (counter !== undefined) {
        counter[1]++;
      } else {
        acc.counters[key] = [value, 1];
        if (++acc.size > capacity) purge(acc, keep);
      }
      return acc;
    },
    merge(a, b) {
      a.n += b.n;
      a.offset += b.offset;
      for (const key of Object.keys(b.counters)) {
        const [value, count] = b.counters[key]!;
        const counter = a.counters[key];
        if (counter !== undefined) {
          counter[1] += count;
        } else {
          // A fresh pair: `a`'s counters are mutated later, `b`'s must not be.
          a.counters[key] = [value, count];
          a.size++;
        }
      }
      if (a.size > capacity) purge(a, keep);
      return a;
    },
    result(acc) {
      return Object.entries(acc.counters)
        .sort(([keyA, [a, countA]], [keyB, [b, countB]]) => countB - countA || compareValues(a, b, keyA, keyB))
        .slice(0, k)
        .map(([, [value, count]]) => ({ value: detach(value), count: count + acc.offset }));
    },
  };
}
