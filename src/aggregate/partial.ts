// Combiner lifting (Beam's Combine with partial/final stages, Flink's two-phase aggregation): the
// first stage folds elements into accumulators and emits the accumulator itself, the second merges
// the accumulators of several first stages and emits the result. Both stages use one combiner's
// create/add/merge/result, so a two-stage run gives exactly what a single stage gives, for every
// combiner whose merge is exact (every built-in one).
import type { AnyCombiner, Combiner, CombinerResult } from "./combiner.ts";
import { composeCombiners, isCombiner } from "./compose.ts";
import { describe } from "./_util.ts";

/** Accumulator type of a combiner. */
// deno-lint-ignore no-explicit-any
export type AccumulatorOf<C> = C extends Combiner<any, infer A, any> ? A : never;

/** What `partial` and `mergePartials` take: a combiner, or an object of named combiners as `aggregate` takes. */
export type Liftable<T> = AnyCombiner<T> | { readonly [name: string]: AnyCombiner<T> };

/** The single combiner a combiner or an object of named combiners stands for. */
function resolve(name: string, spec: unknown): AnyCombiner<unknown> {
  if (isCombiner(spec)) return spec;
  if (typeof spec === "object" && spec !== null && !Array.isArray(spec)) {
    return composeCombiners(spec as Record<string, AnyCombiner<unknown>>) as AnyCombiner<unknown>;
  }
  throw new TypeError(
    `Cannot create ${name} as its argument must be a combiner or an object of named combiners: current value is ${
      describe(spec)
    }`,
  );
}

/**
 * The first stage of a two-stage aggregation: the same windows, but each result's value is the
 * window's accumulator (plain data, a copy the job no longer touches) instead of the combiner's
 * result. Send the partial results of several jobs (partitions, workers, machines) to one job that
 * aggregates them with {@linkcode mergePartials} of the same combiners: it gives exactly what one job
 * over all the elements gives.
 *
 * Two things a single job decides that two stages cannot: `first()`/`last()` break ties between equal
 * event times by arrival, and elements of different first stages have no arrival order between them
 * (the final stage's order decides); and session windows of one key must not span first stages
 * (partition by the key). The final stage windows each partial by its `timestamp`: use tumbling
 * windows there (for sliding ones, key the final stage by the partial's window).
 *
 * @example Two partitions pre-aggregate, a final stage merges
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, max, mergePartials, partial, stream, tumbling } from "weirjs";
 *
 * const combiners = { n: count(), top: max((e: { v: number }) => e.v) };
 * const partition = (events: { ts: number; v: number }[]) =>
 *   stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *     .window(tumbling(10)).aggregate(partial(combiners)).toArray();
 * // in event-time order, as a source combining the partitions' watermarks would deliver them
 * const partials = [
 *   ...(await partition([{ ts: 1, v: 5 }, { ts: 12, v: 1 }])),
 *   ...(await partition([{ ts: 3, v: 9 }])),
 * ].sort((a, b) => a.timestamp - b.timestamp);
 * const merged = await stream(partials)
 *   .withEventTime((r) => r.timestamp, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10))
 *   .aggregate(mergePartials(combiners))
 *   .toArray();
 * assertEquals(merged.map((r) => [r.window.start, r.value]), [[0, { n: 2, top: 9 }], [10, { n: 1, top: 1 }]]);
 * ```
 */
export function partial<T, C extends Liftable<T>>(
  combiners: C,
): Combiner<T, PartialAccumulator<C>, PartialAccumulator<C>> {
  const c = resolve("partial()", combiners);
  return {
    create: () => c.create(),
    add: (acc, input, timestamp) => c.add(acc, input, timestamp),
    merge: (a, b) => c.merge(a, b),
    // A copy: the engine may go on folding into the accumulator it holds (a slice of later windows).
    result: (acc) => c.merge(c.create(), acc),
  };
}

/**
 * The second stage of a two-stage aggregation: elements are the values of {@linkcode partial} results
 * (accumulators) of the same combiners, merged per window; the result is the combiners' result. Window
 * the partial results by their `timestamp` (the end of their window, less 1 ms), with the same
 * windows as the first stage, so that each lands in the window it came from.
 *
 * @example Merging accumulators from two first stages
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mean, mergePartials, partial, stream, tumbling } from "weirjs";
 *
 * const avg = mean((e: { v: number }) => e.v);
 * const first = await stream([{ ts: 1, v: 1 }, { ts: 2, v: 2 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10)).aggregate(partial(avg)).toArray();
 * const second = await stream([{ ts: 5, v: 6 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10)).aggregate(partial(avg)).toArray();
 * const [total] = await stream([...first, ...second])
 *   .withEventTime((r) => r.timestamp, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10)).aggregate(mergePartials(avg)).toArray();
 * assertEquals(total!.value, 3);
 * ```
 */
export function mergePartials<T, C extends Liftable<T>>(
  combiners: C,
): Combiner<{ value: PartialAccumulator<C> } | PartialAccumulator<C>, PartialAccumulator<C>, LiftedResult<C>> {
  const c = resolve("mergePartials()", combiners);
  return {
    create: () => c.create(),
    // A partial result ({ value: accumulator, window, ... }) or the accumulator itself.
    add: (acc, input) => c.merge(acc, isPartialResult(input) ? input.value : input),
    merge: (a, b) => c.merge(a, b),
    result: (acc) => c.result(acc),
  } as Combiner<{ value: PartialAccumulator<C> } | PartialAccumulator<C>, PartialAccumulator<C>, LiftedResult<C>>;
}

function isPartialResult(x: unknown): x is { value: unknown } {
  return typeof x === "object" && x !== null && "value" in x && "window" in x && "pane" in x;
}

/** The accumulator of a combiner, or of the composite of an object of named combiners. */
export type PartialAccumulator<C> = C extends AnyCombiner<never> ? AccumulatorOf<C> : unknown[];

/** The result of a combiner, or the object of results of an object of named combiners. */
export type LiftedResult<C> = C extends AnyCombiner<never> ? CombinerResult<C>
  : { [K in keyof C]: CombinerResult<C[K]> };
