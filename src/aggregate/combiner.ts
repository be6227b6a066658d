/**
 * A combiner folds the elements of one window into an accumulator, merges accumulators
 * (needed for merging session windows, for sliding windows that share work, and for
 * checkpoints), and turns an accumulator into the result.
 *
 * Contract:
 * - `create()` returns a fresh accumulator each call.
 * - `add(acc, input)` and `merge(a, b)` return the new accumulator; they may mutate and return
 *   their first argument, but never mutate `b`.
 * - `result(acc)` returns a value that does not share mutable structure with `acc` (the engine keeps
 *   accumulating after a pane is emitted), and never mutates `acc`.
 * - Accumulators are plain JSON-serializable data (numbers, strings, booleans, null, arrays, plain
 *   objects), so checkpoints can store them. `merge` of accumulators must agree with sequential `add`.
 *
 * @example A combiner of one's own: the longest string
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import type { Combiner } from "weirjs";
 *
 * const longest: Combiner<string, number, number> = {
 *   create: () => 0,
 *   add: (acc, s) => Math.max(acc, s.length),
 *   merge: (a, b) => Math.max(a, b),
 *   result: (acc) => acc,
 * };
 * let acc = longest.create();
 * for (const s of ["a", "abc", "ab"]) acc = longest.add(acc, s, 0);
 * assertEquals(longest.result(acc), 3);
 * ```
 */
export interface Combiner<I, A, O> {
  /** A new, empty accumulator. */
  create(): A;
  /** Folds one element in; `timestamp` is the element's event time (used by `first`/`last`). */
  add(acc: A, input: I, timestamp: number): A;
  /** Combines two accumulators (windows merged by a session, or partial aggregates). */
  merge(a: A, b: A): A;
  /** The value an accumulator stands for. */
  result(acc: A): O;
}

/** Any combiner whose input type is `I`. */
// deno-lint-ignore no-explicit-any
export type AnyCombiner<I> = Combiner<I, any, any>;

/** The result type of a combiner. */
// deno-lint-ignore no-explicit-any
export type CombinerResult<C> = C extends Combiner<any, any, infer O> ? O : never;
