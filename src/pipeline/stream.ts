import { checkOptionNames } from "../option_names.ts";
import type { AnyCombiner, Combiner, CombinerResult } from "../aggregate/combiner.ts";
import {
  type CheckpointConfig,
  type CheckpointOptions,
  resolveCheckpointOptions,
} from "../checkpoint/checkpoint_options.ts";
import { pipeCheckpointed, runCheckpointed } from "./_checkpointed_run.ts";
import { composeCombiners, isCombiner } from "../aggregate/compose.ts";
import { checkEventTimeOptions, EventTimeOperator } from "../operators/event_time_operator.ts";
import type { EventTimeOptions } from "../time/event_time_options.ts";
import type { Operator } from "../operators/operator.ts";
import { newStep, StatelessOperator, type Step } from "../operators/stateless_operator.ts";
import { CompactResults } from "../operators/compact_results.ts";
import { keepShapes } from "../operators/shapes.ts";
import { type AsyncMapFn, AsyncMapOperator } from "../operators/async_map_operator.ts";
import { resolveWindowConfig } from "../operators/window_config.ts";
import type { WindowOptions } from "../window/window_options.ts";
import { windowEngineFor } from "../operators/window_engine.ts";
import type { WindowAssigner } from "../window/assigner.ts";
import type { WindowResult } from "../window/types.ts";
import { type JobHooks, JobRun, type JobStats, type MicroBatch } from "./job.ts";
import { type StreamInput, toSource } from "./from_input.ts";
import { batchWriterOf, pipeBatches } from "./_pipe_batches.ts";
import type { Source } from "./source.ts";
import { type Clock, systemClock } from "../time/clock.ts";

type Node =
  | Step
  | { kind: "mapAsync"; fn: AsyncMapFn; concurrency: number }
  | { kind: "eventTime"; fn: (v: unknown) => unknown; options: EventTimeOptions }
  | {
    kind: "window";
    assigner: WindowAssigner;
    options: WindowOptions<never>;
    keyFn: ((v: unknown) => unknown) | null;
    combiner: AnyCombiner<unknown>;
  };

/** Options of `stream()`. */
export interface StreamOptions {
  /** Elements per micro-batch when reading arrays and iterables (default 4096). */
  chunkSize?: number;
  /**
   * Where the job reads processing time (processing-time triggers, idle advance, checkpoint
   * intervals): default the source's own clock (TestStream's virtual time), else the wall clock.
   * Pass a `ManualClock` (from `weirjs/testing`) to drive processing time by hand.
   */
  clock?: Clock;
  /**
   * Spark-style micro-batches: input is grouped into bundles of at most `maxElements` elements
   * (default unbounded), waiting at most `maxMs` ms of wall time (default 0: only what is ready) once a
   * bundle has begun. Each bundle is one step: triggers are evaluated once at its end (as for Beam's
   * bundles, so `afterCount(2)` fires once for a bundle of five) and checkpoints fall between bundles.
   * Larger bundles trade latency for throughput. Without it, every element is its own bundle and
   * results never depend on how the input is chunked.
   */
  batch?: { maxMs?: number; maxElements?: number };
}

/** Options of `mapAsync`. */
export interface MapAsyncOptions {
  /**
   * Most calls in flight at once (default 4): an integer >= 1. While that many input elements wait for
   * their results, the job reads no more input (backpressure).
   */
  concurrency?: number;
}

/** The default `concurrency` of `mapAsync`: overlaps the latency of a few requests without flooding a service. */
const DEFAULT_MAP_ASYNC_CONCURRENCY = 4;

/** An object of named combiners of elements `T`, as `.aggregate({ n: count(), total: sum(...) })` takes. */
export type CombinerMap<T> = { readonly [name: string]: AnyCombiner<T> };

/** The result value of `.aggregate(...)` for a combiner or an object of combiners. */
export type AggregateValue<C> = C extends AnyCombiner<never> ? CombinerResult<C>
  : { [K in keyof C]: CombinerResult<C[K]> };

// Module-private access to Stream's private members, for the classes and functions of this file.
let appendNode: <U>(s: Stream<unknown>, node: Node) => Stream<U>;
let newJob: (s: Stream<unknown>) => JobRun;
let runBatches: (
  s: Stream<unknown>,
  job: JobRun,
  hooks?: JobHooks,
  signal?: AbortSignal,
) => AsyncGenerator<unknown[]>;

/**
 * A description of a streaming job: a source and the steps applied to it. Nothing runs until the
 * stream is consumed (`for await`, `toReadableStream()`, `pipeTo()`, `toArray()`); each stream can be
 * consumed once per call.
 *
 * @example Steps describe a job; consuming it runs it
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type Stream, stream } from "weirjs";
 *
 * const evens: Stream<number> = stream([1, 2, 3, 4]).filter((n) => n % 2 === 0).map((n) => n * 10);
 * assertEquals(await evens.toArray(), [20, 40]);
 * assertEquals(await evens.toArray(), [20, 40]); // each call runs the job again
 * ```
 */
export class Stream<T> implements AsyncIterable<T> {
  readonly #source: Source<unknown>;
  readonly #nodes: readonly Node[];
  readonly #checkpoint: CheckpointConfig | null;
  readonly #clock: Clock | null;
  readonly #batch: MicroBatch | null;

  /** @internal use `stream()` */
  constructor(
    source: Source<unknown>,
    nodes: readonly Node[],
    checkpoint: CheckpointConfig | null = null,
    clock: Clock | null = null,
    batch: MicroBatch | null = null,
  ) {
    this.#source = source;
    this.#nodes = nodes;
    this.#checkpoint = checkpoint;
    this.#clock = clock;
    this.#batch = batch;
  }

  #with<U>(node: Node): Stream<U> {
    return new Stream<U>(this.#source, [...this.#nodes, node], this.#checkpoint, this.#clock, this.#batch);
  }

  /**
   * Transforms each element.
   * @example Multiplying by ten
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * assertEquals(await stream([1, 2]).map((n) => n * 10).toArray(), [10, 20]);
   * ```
   */
  map<U>(fn: (value: T) => U): Stream<U> {
    checkFn("map", fn);
    return this.#with({ kind: "map", fn: fn as (v: unknown) => unknown });
  }

  /**
   * Transforms each element with an asynchronous function (a `fetch`, a database lookup), at most
   * `concurrency` calls at once (default 4), results in input order. Event times and watermarks are
   * kept: a watermark waits for the elements before it, so windows after `mapAsync` see exactly what
   * they would after `map` of the awaited function. While `concurrency` elements wait for results, no
   * more input is read (backpressure). A rejection fails the stream with a `StepError` naming the step
   * ("mapAsync #1") and the element; `fn`'s second argument carries a `signal` that aborts when the job
   * stops early. Checkpoints wait until no call is in flight, so none is ever lost or counted twice by
   * a restore (calls after the last checkpoint run again, as every callback does on replay).
   * @example Looking up each element, four at a time
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * const names = new Map([[1, "ada"], [2, "grace"], [3, "alan"]]);
   * const lookup = async (id: number) => {
   *   await new Promise((resolve) => setTimeout(resolve, 10 - id)); // later ids answer first
   *   return names.get(id)!;
   * };
   * assertEquals(await stream([1, 2, 3]).mapAsync(lookup, { concurrency: 4 }).toArray(), ["ada", "grace", "alan"]);
   * ```
   */
  mapAsync<U>(
    fn: (value: T, options: { signal: AbortSignal }) => PromiseLike<U> | U,
    options: MapAsyncOptions = {},
  ): Stream<U> {
    checkFn("mapAsync", fn);
    checkOptionNames("add mapAsync step", options ?? {}, ["concurrency"]);
    const concurrency = options.concurrency ?? DEFAULT_MAP_ASYNC_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(
        `Cannot add mapAsync step as concurrency must be an integer >= 1: current value is ${String(concurrency)}`,
      );
    }
    return this.#with({ kind: "mapAsync", fn: fn as AsyncMapFn, concurrency });
  }

  /**
   * Keeps the elements for which `fn` returns a truthy value.
   * @example Keeping the odd numbers
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * assertEquals(await stream([1, 2, 3]).filter((n) => n % 2 === 1).toArray(), [1, 3]);
   * ```
   */
  filter<S extends T>(fn: (value: T) => value is S): Stream<S>;
  /** Keeps the elements for which `fn` returns a truthy value. */
  filter(fn: (value: T) => unknown): Stream<T>;
  filter(fn: (value: T) => unknown): Stream<T> {
    checkFn("filter", fn);
    return this.#with({ kind: "filter", fn: fn as (v: unknown) => unknown });
  }

  /**
   * Replaces each element by the elements of the iterable `fn` returns (they keep its event time).
   * @example Splitting lines into words
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * assertEquals(await stream(["a b", "c"]).flatMap((s) => s.split(" ")).toArray(), ["a", "b", "c"]);
   * ```
   */
  flatMap<U>(fn: (value: T) => Iterable<U>): Stream<U> {
    checkFn("flatMap", fn);
    return this.#with({ kind: "flatMap", fn: fn as (v: unknown) => Iterable<unknown> });
  }

  /**
   * Assigns event time to each element and generates the watermark
   * `W = max event time seen - maxOutOfOrderness`.
   * @example Waiting 2 s for stragglers
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, stream, tumbling } from "weirjs";
   *
   * const late: number[] = [];
   * const results = await stream([{ ts: 5_000 }, { ts: 1_000 }, { ts: 13_000 }, { ts: 2_000 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 }) // 1 000 is 4 s behind, but [0, 10 000) is still open
   *   .window(tumbling(10_000), { onLate: (e) => late.push(e.ts) }) // 13 000 closed it: 2 000 is late
   *   .aggregate(count())
   *   .toArray();
   * assertEquals(results.map((r) => [r.window.start, r.value]), [[0, 2], [10_000, 1]]);
   * assertEquals(late, [2_000]);
   * ```
   */
  withEventTime(getTimestamp: (value: T) => number | Date, options: EventTimeOptions<T>): Stream<T> {
    checkFn("withEventTime", getTimestamp);
    checkEventTimeOptions(options as EventTimeOptions<never>);
    return this.#with({
      kind: "eventTime",
      fn: getTimestamp as (v: unknown) => unknown,
      options: options as EventTimeOptions,
    });
  }

  /**
   * Groups elements by key for the following window. Keys group by value: strings, numbers, booleans,
   * bigints, null, undefined, Dates, and plain objects and arrays of these (`{ a: 1, b: 2 }` and
   * `{ b: 2, a: 1 }` are one key). A key that has no such canonical form (a Map, Set, function, symbol
   * or class instance) fails the stream with an `InvalidElementError` naming the element.
   * @example Counting per user
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, stream, tumbling } from "weirjs";
   *
   * const results = await stream([{ user: "a", ts: 1 }, { user: "b", ts: 2 }, { user: "a", ts: 3 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
   *   .keyBy((e) => e.user)
   *   .window(tumbling(1_000))
   *   .aggregate(count())
   *   .toArray();
   * assertEquals(results.map((r) => [r.key, r.value]), [["a", 2], ["b", 1]]);
   * ```
   */
  keyBy<K>(fn: (value: T) => K): KeyedStream<T, K> {
    checkFn("keyBy", fn);
    return new KeyedStream<T, K>(this, fn);
  }

  /**
   * Windows the whole stream as one key (`null`); see `keyBy` for per-key windows.
   * @example Counting everything per window
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, stream, tumbling } from "weirjs";
   *
   * const results = await stream([{ ts: 1 }, { ts: 2 }, { ts: 1_500 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
   *   .window(tumbling(1_000))
   *   .aggregate(count())
   *   .toArray();
   * assertEquals(results.map((r) => [r.key, r.window.start, r.value]), [[null, 0, 2], [null, 1_000, 1]]);
   * ```
   */
  window(assigner: WindowAssigner, options: WindowOptions<T> = {}): WindowedStream<T, null> {
    return new WindowedStream<T, null>(this, null, assigner, options);
  }

  /**
   * Checkpoints the whole job (whatever stage this is called on) into `store` under job `id`: on
   * start the job restores its newest intact checkpoint and the source replays from the offset stored
   * with it; while it runs, a checkpoint is taken `every` so many milliseconds and/or input elements,
   * and when the input ends. Each checkpoint is a consistent snapshot of every operator (open windows,
   * accumulators, trigger state, watermarks) and the source offset, spread over store entries of at most
   * 60 KiB with checksums, and complete only once its manifest, written last, is. The newest `keep`
   * checkpoints are kept; the source's `commit(offset)` is called once a checkpoint is durable.
   *
   * - A damaged or incomplete checkpoint (a crash mid-write, missing entries, altered bytes) is skipped
   *   with a `console.warn` for the previous intact one; it is never half-restored.
   * - Restoring into a pipeline whose operators differ (an operator added or removed, a window size or
   *   trigger changed) fails with a `CheckpointError` that lists the differences; `discardState: true`
   *   starts from scratch instead.
   * - Results: pipe into `storeSink({ store, job: id })` for exactly-once results in the store, or
   *   into a `TwoPhaseCommitSink` (such as `fileSink` from `weirjs/adapters/fs`) for exactly-once
   *   results outside it, committed once each checkpoint is durable. Any other consumer gets
   *   at-least-once: results emitted after the last checkpoint are emitted again after a restart,
   *   with the same `resultId`, so consumers can de-duplicate. A checkpoint is taken
   *   only after the consumer took the preceding results (`pipeTo` waits for the sink to accept them;
   *   `for await` and `toReadableStream` readers should finish handling a result before reading on).
   * - A source that cannot replay (`replayable: false`: iterables, async iterables, ReadableStreams)
   *   is allowed, with a warning: its state is restored, but what it delivered before a crash is not
   *   read again (at-most-once for that input). Arrays and replayable `Source`s replay.
   * - Callbacks (`map` functions, `onLate`, `onInvalid`) run again for input replayed after a restart.
   *
   * @example Exactly-once windowed counts that survive restarts
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, MemoryStateStore, readResults, storeSink, stream, tumbling } from "weirjs";
   *
   * const store = new MemoryStateStore(); // FsStateStore from "weirjs/adapters/fs" to survive a process crash
   * const events = Array.from({ length: 10_000 }, (_, i) => ({ user: `u${i % 10}`, ts: i * 100 }));
   * const job = () =>
   *   stream(events)
   *     .withEventTime((e) => e.ts, { maxOutOfOrderness: 1_000 })
   *     .keyBy((e) => e.user)
   *     .window(tumbling(60_000))
   *     .aggregate(count())
   *     .checkpoint({ store, id: "user-counts", every: { ms: 1_000, events: 5_000 } });
   * await job().pipeTo(storeSink({ store, job: "user-counts" }));
   * await job().pipeTo(storeSink({ store, job: "user-counts" })); // a rerun finds the job done: no new results
   * const results = await readResults(store, "user-counts");
   * assertEquals(results.length, 170); // 17 minutes × 10 users
   * ```
   */
  checkpoint(options: CheckpointOptions): Stream<T> {
    if (this.#checkpoint !== null) {
      throw new TypeError(
        `Cannot configure checkpoints twice: this job already checkpoints as ${JSON.stringify(this.#checkpoint.id)}`,
      );
    }
    return new Stream<T>(this.#source, this.#nodes, resolveCheckpointOptions(options), this.#clock, this.#batch);
  }

  static {
    appendNode = (s, node) => s.#with(node);
    newJob = (s) => s.#job();
    runBatches = (s, job, hooks, signal) => s.#batches(job, hooks, signal);
  }

  /** Builds the operators and a runnable job. */
  #job(): JobRun {
    const clock = this.#clock ?? this.#source.createClock?.() ?? systemClock;
    return new JobRun(this.#source, compile(this.#nodes), clock, this.#batch);
  }

  /** Runs `job`, yielding output batches. */
  async *#batches(job: JobRun, hooks?: JobHooks, signal?: AbortSignal): AsyncGenerator<T[]> {
    if (this.#checkpoint !== null) {
      yield* runCheckpointed(job, this.#source, this.#checkpoint, { hooks, signal }) as AsyncGenerator<T[]>;
      return;
    }
    yield* job.run(hooks, signal) as AsyncGenerator<T[]>;
  }

  /** Runs the job and iterates its outputs (`for await`). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const job = this.#job();
    // (a checkpointed run stages each step's results as they are: not in compact form)
    if (this.#checkpoint === null) job.compactResults();
    return resultIterator(this.#batches(job));
  }

  /**
   * Starts the job and returns a handle on it: its results (iterate them once, like the stream) and
   * its statistics while it runs (watermark, late elements, open windows, checkpoints).
   * @example Statistics of a run
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, stream, tumbling } from "weirjs";
   *
   * const run = stream([{ ts: 1 }, { ts: 15 }, { ts: 2 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
   *   .window(tumbling(10))
   *   .aggregate(count())
   *   .run();
   * const values = [];
   * for await (const r of run) values.push(r.value);
   * assertEquals(values, [1, 1]);
   * const { lateElements, openWindows } = run.stats();
   * assertEquals([lateElements, openWindows], [1, 0]); // ts 2 came after 15 closed [0, 10)
   * ```
   */
  run(options: { signal?: AbortSignal } = {}): RunningJob<T> {
    checkOptionNames("run stream", options ?? {}, ["signal"]);
    const job = this.#job();
    return new RunningJob<T>(job, this.#batches(job, undefined, options.signal), this.#checkpoint === null);
  }

  /**
   * Runs the job and calls `fn` with each output, synchronously as the job makes it (like RxJS's
   * `forEach`): no promise and no array per output, so it is the fastest way to consume a job.
   * Resolves when the input ends; rejects when the job or `fn` throws (the job stops once the step
   * that called `fn` is over, and the rest of that step's outputs are not delivered). A checkpointed
   * stream calls `fn` with each step's outputs once the step is over.
   * @example Summing window counts
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, stream, tumbling } from "weirjs";
   * let total = 0;
   * await stream([{ ts: 1 }, { ts: 2 }, { ts: 15 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
   *   .window(tumbling(10))
   *   .aggregate(count())
   *   .forEach((r) => (total += r.value));
   * assertEquals(total, 3);
   * ```
   */
  async forEach(fn: (value: T) => void): Promise<void> {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot run forEach as its argument must be a function: current value is ${String(fn)}`);
    }
    const job = this.#job();
    if (this.#checkpoint === null) {
      // Outputs go to fn as they are made (a checkpointed run collects each step's to stage them).
      job.deliverTo(fn as (value: unknown) => void);
      for await (const _ of job.run()) {
        // nothing is yielded
      }
      return;
    }
    for await (const batch of this.#batches(job)) {
      for (let i = 0; i < batch.length; i++) fn(batch[i]!);
    }
  }

  /**
   * Runs the job and collects every output.
   * @example Collecting the outputs
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * assertEquals(await stream([1, 2, 3]).toArray(), [1, 2, 3]);
   * ```
   */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const batch of this.#batches(this.#job())) for (const v of batch) out.push(v);
    return out;
  }

  /**
   * Runs the job as a `ReadableStream` of outputs (pulled: a slow reader slows the job down). Piped
   * into an `NdjsonEncoderStream` before anything was read, it hands the encoder a step's outputs
   * at a time.
   * @example Reading the outputs one by one
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * const reader = stream([1, 2]).toReadableStream().getReader();
   * assertEquals(await reader.read(), { value: 1, done: false });
   * assertEquals(await reader.read(), { value: 2, done: false });
   * assertEquals(await reader.read(), { value: undefined, done: true });
   * ```
   */
  toReadableStream(): ReadableStream<T> {
    let it: AsyncGenerator<T[]> | null = null;
    const controllerAbort = new AbortController();
    const readable = new ReadableStream<T>({
      pull: async (controller) => {
        it ??= this.#batches(this.#job(), undefined, controllerAbort.signal);
        for (;;) {
          const r = await it.next();
          if (r.done) {
            controller.close();
            return;
          }
          if (r.value.length === 0) continue;
          for (const v of r.value) controller.enqueue(v);
          return;
        }
      },
      cancel: async (reason) => {
        controllerAbort.abort(reason);
        await it?.return(undefined);
      },
    }, { highWaterMark: 0 });
    // Piped, before anything was read, into a stream that takes arrays (NdjsonEncoderStream): the job's
    // batches go to it one write each, rather than a read and a write per output.
    const batchWriter = (destination: unknown, options: StreamPipeOptions | undefined) =>
      it === null && !readable.locked ? batchWriterOf(destination, options) : undefined;
    const pipeBatchesTo = (writer: WritableStreamDefaultWriter<readonly unknown[]>, signal?: AbortSignal) => {
      readable.getReader(); // locked, as a pipe leaves it
      it = this.#batches(this.#job(), undefined, signal);
      return pipeBatches(it, writer, signal);
    };
    const { pipeTo, pipeThrough } = ReadableStream.prototype;
    return Object.defineProperties(readable, {
      pipeTo: {
        value: (destination: WritableStream<T>, options?: StreamPipeOptions): Promise<void> => {
          const writer = batchWriter(destination, options);
          return writer === undefined
            ? pipeTo.call(readable, destination, options)
            : pipeBatchesTo(writer, options?.signal);
        },
      },
      pipeThrough: {
        value: <U>(transform: ReadableWritablePair<U, T>, options?: StreamPipeOptions): ReadableStream<U> => {
          const writer = batchWriter(transform?.writable, options);
          if (writer === undefined) return pipeThrough.call(readable, transform, options) as ReadableStream<U>;
          // As pipeThrough's pipe, its failure shows on the transform's ends, not as an unhandled rejection.
          pipeBatchesTo(writer, options?.signal).catch(() => {});
          return transform.readable;
        },
      },
    });
  }

  /**
   * Runs the job into a `WritableStream` (a sink).
   * @example Writing the outputs to a sink
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * const written: number[] = [];
   * await stream([1, 2]).pipeTo(new WritableStream({ write: (v) => void written.push(v) }));
   * assertEquals(written, [1, 2]);
   * ```
   */
  pipeTo(destination: WritableStream<T>, options?: StreamPipeOptions): Promise<void> {
    if (this.#checkpoint !== null) {
      return pipeCheckpointed(
        this.#job(),
        this.#source,
        this.#checkpoint,
        destination as WritableStream<unknown>,
        options,
      );
    }
    return this.toReadableStream().pipeTo(destination, options);
  }

  /**
   * Pipes the outputs through any `TransformStream` and continues with a stream of its outputs
   * (elements without event time: call `withEventTime` again before windowing).
   * @example Through a TransformStream
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { stream } from "weirjs";
   *
   * const upper = stream(["a", "b"]).pipeThrough(
   *   new TransformStream<string, string>({ transform: (s, c) => c.enqueue(s.toUpperCase()) }),
   * );
   * assertEquals(await upper.toArray(), ["A", "B"]);
   * ```
   */
  pipeThrough<U>(transform: ReadableWritablePair<U, T>, options?: StreamPipeOptions): Stream<U> {
    const next = stream(this.toReadableStream().pipeThrough(transform, options));
    return this.#clock === null && this.#batch === null
      ? next
      : new Stream<U>(next.#source, [], null, this.#clock, this.#batch);
  }
}

/**
 * Internal (tests, runners in this repository): a job for `s` and a run of it that calls `hooks`
 * after each step. Not exported from the package.
 */
export function startJob<T>(
  s: Stream<T>,
  hooks?: JobHooks,
  signal?: AbortSignal,
): { job: JobRun; batches: AsyncGenerator<T[]> } {
  const job = newJob(s as Stream<unknown>);
  return { job, batches: runBatches(s as Stream<unknown>, job, hooks, signal) as AsyncGenerator<T[]> };
}

/** An async iterator over the results of a run, handed out batch by batch. */
function resultIterator<T>(gen: AsyncGenerator<T[]>): AsyncIterator<T> {
  // (a blank one keeps the class's hidden class alive between jobs: see operators/shapes.ts)
  keepShapes(ResultIterator, () => [new ResultIterator<never>(noBatches())]);
  return new ResultIterator<T>(gen);
}

async function* noBatches(): AsyncGenerator<never[]> {}

/** No buffered result (ResultIterator). */
const NONE: unique symbol = Symbol("none");

/**
 * Iterates a job's batches one result at a time. Hand-written: an async generator with `yield*` would
 * cost several promises per result. A batch's entries are results, or a window's results as one
 * CompactResults entry (when the job was told to: JobRun.compactResults), each built as it is read.
 * A class rather than closures made per iterator: the consumer's `for await` loop inlines `next`,
 * and code that inlined a closure of a finished job is thrown away at the next full collection.
 */
class ResultIterator<T> implements AsyncIterator<T> {
  #gen: AsyncGenerator<T[]>;
  #buf: unknown[] = [];
  #i = 0;
  #run: CompactResults | null = null;
  #j = 0;

  constructor(gen: AsyncGenerator<T[]>) {
    this.#gen = gen;
  }

  /** The last call waiting for a batch: calls made meanwhile are answered after it, in order. */
  #waiting: Promise<IteratorResult<T>> | null = null;

  next(): Promise<IteratorResult<T>> {
    if (this.#waiting === null) {
      const v = this.#take();
      if (v !== NONE) return Promise.resolve({ done: false, value: v as T });
      return this.#wait(this.#refill());
    }
    // (a next() before the previous one settled: it takes what that one left, not a batch of its own)
    const refill = () => this.#refill();
    return this.#wait(this.#waiting.then(refill, refill));
  }

  #wait(p: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> {
    this.#waiting = p;
    const settled = () => {
      if (this.#waiting === p) this.#waiting = null;
    };
    p.then(settled, settled);
    return p;
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.#buf = [];
    this.#run = null;
    await this.#gen.return(undefined);
    return { done: true, value: value as T };
  }

  /** The next buffered result, or NONE. */
  #take(): unknown {
    for (;;) {
      const run = this.#run;
      if (run !== null) {
        if (this.#j < run.length) return run.at(this.#j++);
        this.#run = null;
      }
      if (this.#i >= this.#buf.length) return NONE;
      const v = this.#buf[this.#i++];
      if (!(v instanceof CompactResults)) return v;
      this.#run = v;
      this.#j = 0;
    }
  }

  async #refill(): Promise<IteratorResult<T>> {
    for (;;) {
      const v = this.#take();
      if (v !== NONE) return { done: false, value: v as T };
      const r = await this.#gen.next();
      if (r.done) return { done: true, value: undefined };
      this.#buf = r.value;
      this.#i = 0;
    }
  }
}

/**
 * A job started by `stream.run()`: iterate it (once) for the results; `stats()` at any time.
 * @example Counting what was read
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stream } from "weirjs";
 *
 * const run = stream([1, 2, 3]).run();
 * for await (const _ of run);
 * assertEquals(run.stats().elementsIn, 3);
 * ```
 */
export class RunningJob<T> implements AsyncIterable<T> {
  readonly #job: JobRun;
  readonly #batches: AsyncGenerator<T[]>;
  readonly #compact: boolean;
  #iterated = false;

  /** @internal use `stream.run()` */
  constructor(job: JobRun, batches: AsyncGenerator<T[]>, compact = false) {
    this.#job = job;
    this.#batches = batches;
    this.#compact = compact;
  }

  /** What the job has done so far: steps, elements read, watermark, late elements, open windows, checkpoints. */
  stats(): JobStats {
    return this.#job.stats();
  }

  /** Iterates the results of the run; a second iteration throws. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterated) throw new TypeError("Cannot iterate a RunningJob twice: call stream.run() again for a new run");
    this.#iterated = true;
    if (this.#compact) this.#job.compactResults();
    return resultIterator(this.#batches);
  }
}

/**
 * A stream grouped by key: the next `window` computes per-key windows.
 *
 * @example Keyed by page
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, type KeyedStream, stream, tumbling } from "weirjs";
 *
 * type Click = { page: string; ts: number };
 * const byPage: KeyedStream<Click, string> = stream<Click>([{ page: "/", ts: 1 }, { page: "/a", ts: 2 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.page);
 * const results = await byPage.window(tumbling(10)).aggregate(count()).toArray();
 * assertEquals(results.map((r) => [r.key, r.value]), [["/", 1], ["/a", 1]]);
 * ```
 */
export class KeyedStream<T, K> {
  readonly #stream: Stream<T>;
  readonly #keyFn: (v: T) => K;
  /** @internal use `.keyBy()` */
  constructor(s: Stream<T>, keyFn: (v: T) => K) {
    this.#stream = s;
    this.#keyFn = keyFn;
  }
  /**
   * Assigns each element to windows of its key.
   * @example Sliding sums per key
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { sliding, stream, sum } from "weirjs";
   *
   * const results = await stream([{ k: "a", ts: 5, v: 1 }, { k: "b", ts: 7, v: 2 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
   *   .keyBy((e) => e.k)
   *   .window(sliding(10, 5))
   *   .aggregate(sum((e: { v: number }) => e.v))
   *   .toArray();
   * assertEquals(results.map((r) => [r.key, r.window.start, r.value]), [
   *   ["a", 0, 1],
   *   ["b", 0, 2],
   *   ["a", 5, 1],
   *   ["b", 5, 2],
   * ]);
   * ```
   */
  window(assigner: WindowAssigner, options: WindowOptions<T> = {}): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this.#stream, this.#keyFn, assigner, options);
  }
}

/**
 * A windowed stream: `aggregate` turns each window's elements into results.
 *
 * @example Summing per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stream, sum, tumbling, type WindowedStream } from "weirjs";
 *
 * type Sale = { amount: number; ts: number };
 * const windows: WindowedStream<Sale, null> = stream<Sale>([{ amount: 5, ts: 1 }, { amount: 7, ts: 12 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10));
 * const totals = await windows.aggregate(sum((e: Sale) => e.amount)).toArray();
 * assertEquals(totals.map((r) => [r.window.start, r.value]), [[0, 5], [10, 7]]);
 * ```
 */
export class WindowedStream<T, K> {
  readonly #stream: Stream<T>;
  readonly #keyFn: ((v: T) => K) | null;
  readonly #assigner: WindowAssigner;
  readonly #options: WindowOptions<T>;
  /** @internal use `.window()` */
  constructor(s: Stream<T>, keyFn: ((v: T) => K) | null, assigner: WindowAssigner, options: WindowOptions<T>) {
    resolveWindowConfig(assigner, options as WindowOptions<never>, null, NOOP, "check");
    this.#stream = s;
    this.#keyFn = keyFn;
    this.#assigner = assigner;
    this.#options = options;
  }

  /**
   * Aggregates each window with a combiner, or with an object of combiners (the value is then an
   * object with the same keys).
   * @example Several aggregates at once
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { count, stream, sum, tumbling } from "weirjs";
   *
   * const results = await stream([{ ts: 1, v: 2 }, { ts: 3, v: 5 }])
   *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
   *   .window(tumbling(10))
   *   .aggregate({ n: count(), total: sum((e: { v: number }) => e.v) })
   *   .toArray();
   * assertEquals(results.map((r) => r.value), [{ n: 2, total: 7 }]);
   * ```
   */
  // One signature, not overloads: TypeScript types a selector's parameter from the first overload it
  // tries, so overloads for "one combiner" and "an object of combiners" break inference for one of them.
  // Here `A`/`R` infer from a combiner and `M` from an object of combiners (M keeps its index signature,
  // the default, when the argument is a combiner).
  aggregate<A, R, M extends CombinerMap<T> = CombinerMap<T>>(
    combiner: Combiner<T, A, R> | M,
  ): Stream<WindowResult<K, string extends keyof M ? R : AggregateValue<M>>> {
    let c: AnyCombiner<unknown>;
    if (isCombiner(combiner)) c = combiner as AnyCombiner<unknown>;
    else if (typeof combiner === "object" && combiner !== null) {
      c = composeCombiners(combiner as Record<string, AnyCombiner<unknown>>) as AnyCombiner<unknown>;
    } else {throw new TypeError(
        `Cannot aggregate with ${String(combiner)}: pass a combiner such as count() or an object of combiners`,
      );}
    return appendNode(this.#stream as Stream<unknown>, {
      kind: "window",
      assigner: this.#assigner,
      options: this.#options as WindowOptions<never>,
      keyFn: this.#keyFn as ((v: unknown) => unknown) | null,
      combiner: c,
    });
  }
}

const NOOP: AnyCombiner<unknown> = { create: () => null, add: (a) => a, merge: (a) => a, result: (a) => a };

function checkFn(name: string, fn: unknown): void {
  if (typeof fn !== "function") {
    throw new TypeError(`Cannot add ${name} step as its argument must be a function: current value is ${String(fn)}`);
  }
}

function compile(nodes: readonly Node[]): Operator[] {
  const ops: Operator[] = [];
  let steps: Step[] = [];
  let nStateless = 0, nTime = 0, nWindow = 0, nAsync = 0;
  // Steps are numbered per kind, 1-based, to name them in errors: "map #2", "keyBy #1".
  const counts = { map: 0, filter: 0, flatMap: 0 };
  const flush = () => {
    if (steps.length > 0) ops.push(new StatelessOperator(`stateless-${nStateless++}`, steps));
    steps = [];
  };
  for (const n of nodes) {
    if (n.kind === "map" || n.kind === "filter" || n.kind === "flatMap") {
      steps.push(newStep(n.kind, n.fn, `${n.kind} #${++counts[n.kind]}`));
      continue;
    }
    flush();
    if (n.kind === "mapAsync") {
      nAsync++;
      ops.push(new AsyncMapOperator(`map-async-${nAsync - 1}`, n.fn, n.concurrency, `mapAsync #${nAsync}`));
    } else if (n.kind === "eventTime") {
      ops.push(new EventTimeOperator(`event-time-${nTime++}`, n.fn, n.options, `withEventTime #${nTime}`));
    } else {
      const config = resolveWindowConfig(n.assigner, n.options, n.keyFn, n.combiner, `window-${nWindow++}`, nWindow);
      const engine = windowEngineFor(config);
      // withEventTime right before a window step that can assign event time as it reads: one pass
      const prev = ops.at(-1);
      if (engine.assignsTime === true && prev instanceof EventTimeOperator) prev.fused = true;
      ops.push(engine);
    }
  }
  flush();
  return ops;
}

function resolveBatch(batch: StreamOptions["batch"]): MicroBatch | null {
  if (batch === undefined) return null;
  if (typeof batch !== "object" || batch === null) {
    throw new TypeError(
      `Cannot create stream as batch must be an object { maxMs, maxElements }: current value is ${String(batch)}`,
    );
  }
  checkOptionNames("create stream", batch, ["maxMs", "maxElements"]);
  const maxMs = batch.maxMs ?? 0;
  if (typeof maxMs !== "number" || !Number.isFinite(maxMs) || maxMs < 0) {
    throw new RangeError(
      `Cannot create stream as batch.maxMs must be a finite number >= 0: current value is ${String(maxMs)}`,
    );
  }
  const maxElements = batch.maxElements ?? Infinity;
  if (maxElements !== Infinity && (!Number.isInteger(maxElements) || maxElements < 1)) {
    throw new RangeError(
      `Cannot create stream as batch.maxElements must be an integer >= 1: current value is ${String(maxElements)}`,
    );
  }
  return { maxMs, maxElements };
}

/**
 * Starts a pipeline over an `Iterable`, `AsyncIterable`, `ReadableStream` or weir `Source`
 * (such as `TestStream`). A bounded input ends with the watermark at +Infinity, so every window fires:
 * the same pipeline gives the same final results over an array (batch) as over a live stream.
 *
 * @example Counting clicks per page
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, stream, tumbling } from "weirjs";
 *
 * const clicks = [{ page: "/", ts: 1_000 }, { page: "/", ts: 4_000 }, { page: "/a", ts: 12_000 }];
 * const results = await stream(clicks)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(10_000))
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(results.map((r) => [r.key, r.window.start, r.value]), [["/", 0, 2], ["/a", 10_000, 1]]);
 * ```
 */
export function stream<T>(input: StreamInput<T>, options: StreamOptions = {}): Stream<T> {
  checkOptionNames("create stream", options ?? {}, ["chunkSize", "clock", "batch"]);
  const clock = options.clock ?? null;
  if (clock !== null && (typeof clock !== "object" || typeof clock.now !== "function")) {
    throw new TypeError(
      `Cannot create stream as clock must be an object with a now() method: current value is ${String(clock)}`,
    );
  }
  const chunkSize = options.chunkSize ?? 4096;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(
      `Cannot create stream as chunkSize must be an integer >= 1: current value is ${String(chunkSize)}`,
    );
  }
  return new Stream<T>(toSource(input, chunkSize) as Source<unknown>, [], null, clock, resolveBatch(options.batch));
}
