// Turns the inputs `stream()` accepts into weir Sources that read micro-batches.
import { isSource, type Source, type SourceEvent } from "./source.ts";

/** What `stream()` accepts. */
export type StreamInput<T> = Iterable<T> | AsyncIterable<T> | ReadableStream<T> | Source<T> | Subscribable<T>;

/**
 * An observable (RxJS, most, zen-observable, or anything with `subscribe` or `Symbol.observable`), as
 * `stream()` takes it.
 */
export interface Subscribable<T> {
  /** Starts the observable; weir passes an observer object `{ next, error, complete }`. */
  subscribe(
    next?: ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): { unsubscribe(): void } | (() => void) | void;
}

/** The interop symbol observables answer to (`Symbol.observable` where defined, else "@@observable"). */
function observableKey(): symbol | string {
  return (Symbol as { observable?: symbol }).observable ?? "@@observable";
}

function asSubscribable<T>(x: unknown): Subscribable<T> | null {
  if (typeof x !== "object" && typeof x !== "function" || x === null) return null;
  const interop = (x as Record<string | symbol, unknown>)[observableKey()];
  const target = typeof interop === "function" ? (interop as () => unknown).call(x) : x;
  return typeof (target as { subscribe?: unknown })?.subscribe === "function" ? target as Subscribable<T> : null;
}

/**
 * An observable as a Source: each run subscribes (observables are usually cold, so a pipeline over one
 * can run again), and what it emits between two steps of the job becomes one step. Observables push:
 * the buffer between them and the job is not bounded.
 */
function fromObservable<T>(observable: Subscribable<T>, chunkSize: number): Source<T> {
  return {
    kind: "source",
    replayable: false,
    open({ offset, signal }) {
      if (offset !== undefined) {
        throw new TypeError("Cannot replay an observable source: use a replayable weir Source");
      }
      let queue: T[] = [];
      let ended = false;
      let failure: { error: unknown } | null = null;
      let wake: (() => void) | null = null;
      const notify = () => {
        const w = wake;
        wake = null;
        w?.();
      };
      // An observer object, which every observable takes (the type above is the callback form, which
      // is what lets TypeScript infer the element type from an RxJS Observable).
      const observer = {
        next: (value: T) => {
          queue.push(value);
          notify();
        },
        error: (error: unknown) => {
          failure = { error };
          notify();
        },
        complete: () => {
          ended = true;
          notify();
        },
      };
      const subscription =
        (observable.subscribe as unknown as (o: typeof observer) => ReturnType<Subscribable<T>["subscribe"]>)
          .call(observable, observer);
      const unsubscribe = () => {
        if (typeof subscription === "function") subscription();
        else subscription?.unsubscribe?.();
      };
      const onAbort = () => notify();
      signal?.addEventListener("abort", onAbort, { once: true });
      return {
        async next(): Promise<IteratorResult<SourceEvent<T>>> {
          while (queue.length === 0 && !ended && failure === null && !signal?.aborted) {
            await new Promise<void>((resolve) => (wake = resolve));
          }
          if (queue.length > 0) {
            const values = queue.length <= chunkSize ? queue : queue.splice(0, chunkSize);
            if (values === queue) queue = [];
            return { done: false, value: { type: "elements", values } };
          }
          if (failure !== null) throw (failure as { error: unknown }).error;
          return { done: true, value: undefined };
        },
        return(): Promise<IteratorResult<SourceEvent<T>>> {
          signal?.removeEventListener("abort", onAbort);
          unsubscribe();
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

/**
 * The key of the port through which a ReadableStream hands `stream()` its chunks an array at a time
 * instead of one read per chunk (a read costs a promise or two; NdjsonDecoderStream decodes a whole
 * byte chunk into one array). Calling it locks the stream as reading it would, and returns a reader
 * of arrays, or `undefined` when the stream was already read from and must be read chunk by chunk.
 */
export const readBatches: unique symbol = Symbol("weirjs.readBatches");

/** A ReadableStream that offers the {@linkcode readBatches} port. */
export interface BatchReadable<T> {
  [readBatches](): ReadableStreamDefaultReader<readonly T[]> | undefined;
}

/**
 * The key of the port through which a WritableStream takes a job's outputs an array at a time
 * instead of one write per output (a write through a pipe costs a read and a write of web stream
 * machinery, more than NdjsonEncoderStream spends encoding a line). Calling it locks the stream as
 * writing to it would, and returns a writer of arrays whose values it takes as if written one by one,
 * or `undefined` when the stream is locked already and must be written chunk by chunk.
 */
export const writeBatches: unique symbol = Symbol("weirjs.writeBatches");

/** A WritableStream that offers the {@linkcode writeBatches} port. */
export interface BatchWritable<T> {
  [writeBatches](): WritableStreamDefaultWriter<readonly T[]> | undefined;
}

/**
 * Reads that may be in flight at once on a ReadableStream: reads answered from its queue settle
 * together, so a batch costs one wait rather than one per chunk.
 */
const READ_AHEAD = 64;

/**
 * Reads in flight on a stream whose reads land one at a time (a pull-based stream such as
 * `ReadableStream.from`, an async generator): one more than a read-at-a-time loop keeps the producer
 * busy while a value lands, and a deeper read-ahead only adds bookkeeping (on Node, 64 reads ahead of
 * `ReadableStream.from` measured a quarter slower than 2).
 */
const READ_AHEAD_ONE_AT_A_TIME = 2;

/**
 * Microtasks without a new value after which a micro-batch is handed on: a read answered from a
 * ReadableStream's queue lands in one, a value an async generator or `ReadableStream.from` yields
 * without waiting in a few, a chunk pipeTo writes in about four.
 */
const SETTLE_TICKS = 8;

const resolved = Promise.resolve();

/**
 * Resolves with the microtasks waited once `SETTLE_TICKS` of them in a row pass without
 * `progress()` changing, or at the first microtask where `done()` holds: what is still to come then waits for the producer (a timer,
 * I/O), not for promise plumbing. Each microtask costs one reaction on a settled promise, the
 * cheapest way to wait one (about half an `await` in a loop on V8).
 */
export function settled(progress: () => number, done: () => boolean): Promise<number> {
  if (done()) return Promise.resolve(0);
  return new Promise<number>((resolve) => {
    let ticks = 0;
    let idle = 0;
    let last = progress();
    const tick = (): void => {
      ticks++;
      const now = progress();
      if (now !== last) {
        last = now;
        idle = 0;
      } else idle++;
      if (idle >= SETTLE_TICKS || done()) resolve(ticks);
      else void resolved.then(tick);
    };
    void resolved.then(tick);
  });
}

type Read<T> = () => Promise<IteratorResult<T>>;

/**
 * Reads ahead of the pipeline and hands it what has arrived as one micro-batch. Up to
 * `concurrency` reads are in flight (1 for iterators that may not take overlapping `next()`
 * calls); their results land in order. Above `READ_AHEAD_ONE_AT_A_TIME`, the reads in flight follow
 * the input: all of them while reads land several per microtask (answered from a queue), that many
 * while they land one at a time. `take()` waits for the first value only, then lets the
 * microtasks already queued run (the reads a ReadableStream answers from its queue, the values an
 * async generator yields without waiting) and returns everything that arrived, up to `max`. A slow
 * producer's lone element is therefore taken at once, and a fast one's elements in batches.
 */
class ReadAhead<T> {
  readonly #read: Read<T | readonly T[]>;
  readonly #arrays: boolean;
  readonly #most: number;
  #concurrency: number;
  readonly #max: number;
  #values: T[] = [];
  #inFlight = 0;
  #ended = false;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  readonly #abort: AbortSignal | undefined;

  /** With `arrays`, each read yields an array of values rather than one. */
  constructor(
    read: Read<T | readonly T[]>,
    options: { arrays: boolean; concurrency: number; max: number; signal: AbortSignal | undefined },
  ) {
    this.#read = read;
    this.#arrays = options.arrays;
    this.#most = this.#concurrency = options.concurrency;
    this.#max = options.max;
    // A job stopped while its input is idle must not wait for the next element.
    this.#abort = options.signal;
    this.#abort?.addEventListener("abort", () => this.#signal(), { once: true });
  }

  /** The next micro-batch, or `null` at the end; rejects with the input's error after the values read before it. */
  async take(): Promise<T[] | null> {
    this.#abort?.throwIfAborted();
    this.#fill();
    if (this.#values.length === 0) {
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#abort?.throwIfAborted();
    }
    const ticks = await settled(this.#count, this.#full);
    if (this.#most > READ_AHEAD_ONE_AT_A_TIME) {
      this.#concurrency = this.#values.length > ticks ? this.#most : READ_AHEAD_ONE_AT_A_TIME;
    }
    if (this.#values.length === 0) return this.take();
    let values = this.#values;
    if (values.length > this.#max) {
      this.#values = values.slice(this.#max);
      values = values.slice(0, this.#max);
    } else {
      this.#values = [];
    }
    this.#fill();
    return values;
  }

  readonly #count = (): number => this.#values.length;
  readonly #full = (): boolean => this.#values.length >= this.#max || this.#inFlight === 0;

  /** Whether the input has ended (or failed). */
  get ended(): boolean {
    return this.#ended || this.#failure !== undefined;
  }

  /** Stops reading; reads in flight land nowhere. */
  close(): void {
    this.#closed = true;
  }

  #fill(): void {
    while (
      !this.#ended && !this.#closed && this.#failure === undefined && this.#inFlight < this.#concurrency &&
      this.#values.length < this.#max
    ) {
      this.#inFlight++;
      let read: Promise<IteratorResult<T | readonly T[]>>;
      try {
        read = this.#read();
      } catch (error) {
        read = Promise.reject(error);
      }
      read.then(this.#landed, this.#failed);
    }
  }

  readonly #landed = (r: IteratorResult<T | readonly T[]>): void => {
    this.#inFlight--;
    if (r.done) this.#ended = true;
    else if (!this.#arrays) this.#values.push(r.value as T);
    else for (const v of r.value as readonly T[]) this.#values.push(v);
    this.#fill();
    this.#signal();
  };

  readonly #failed = (error: unknown): void => {
    this.#inFlight--;
    this.#failure ??= { error };
    this.#signal();
  };

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

async function* microBatches<T>(ahead: ReadAhead<T>, onDone: () => void): AsyncGenerator<SourceEvent<T>> {
  try {
    for (let values = await ahead.take(); values !== null; values = await ahead.take()) {
      yield { type: "elements", values };
    }
  } finally {
    ahead.close();
    onDone();
  }
}

function fromArray<T>(items: readonly T[], chunkSize: number): Source<T> {
  return {
    kind: "source",
    replayable: true,
    *open({ offset }) {
      const from = offset === undefined ? 0 : Number(offset);
      if (!Number.isInteger(from) || from < 0 || from > items.length) {
        throw new RangeError(
          `Cannot replay array source from offset ${String(offset)}: it has ${items.length} elements`,
        );
      }
      for (let i = from; i < items.length; i += chunkSize) {
        const end = Math.min(items.length, i + chunkSize);
        yield { type: "elements", values: items.slice(i, end), offset: end };
      }
    },
  };
}

function fromIterable<T>(items: Iterable<T>, chunkSize: number): Source<T> {
  let opened = false;
  return {
    kind: "source",
    replayable: false,
    *open({ offset }) {
      if (offset !== undefined) {
        throw new TypeError("Cannot replay an iterable source: only arrays and weir Sources are replayable");
      }
      // A generator (its own iterator) can be read once; a Set or Map can be read again.
      if (opened && (items[Symbol.iterator]() as unknown) === items) throw consumedTwice("an iterable");
      opened = true;
      let values: T[] = [];
      for (const v of items) {
        values.push(v);
        if (values.length >= chunkSize) {
          yield { type: "elements", values };
          values = [];
        }
      }
      if (values.length > 0) yield { type: "elements", values };
    },
  };
}

function fromAsyncIterable<T>(items: AsyncIterable<T>, chunkSize: number): Source<T> {
  let opened = false;
  return {
    kind: "source",
    replayable: false,
    open({ offset, signal }) {
      if (offset !== undefined) {
        throw new TypeError("Cannot replay an async iterable source: use a replayable weir Source");
      }
      const it = items[Symbol.asyncIterator]();
      // An async generator (its own iterator) can be read once; an object that makes fresh iterators
      // can be read again.
      if (opened && (it as unknown) === items) throw consumedTwice("an async iterable");
      opened = true;
      // An async generator queues overlapping next() calls, and answers the second at once when
      // its value is ready (one microtask per value instead of two); another async iterator need
      // not take them, so it gets one at a time.
      const concurrency = (it as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "AsyncGenerator"
        ? Math.min(READ_AHEAD_ONE_AT_A_TIME, chunkSize)
        : 1;
      const ahead = new ReadAhead<T>(() => it.next(), { arrays: false, concurrency, max: chunkSize, signal });
      return microBatches(ahead, () => void it.return?.()?.catch?.(() => {}));
    },
  };
}

function fromReadable<T>(readable: ReadableStream<T>, chunkSize: number): Source<T> {
  let opened = false;
  return {
    kind: "source",
    replayable: false,
    open({ offset, signal }) {
      if (offset !== undefined) {
        throw new TypeError("Cannot replay a ReadableStream source: use a replayable weir Source");
      }
      if (opened) throw consumedTwice("a ReadableStream");
      opened = true;
      const batches = (readable as Partial<BatchReadable<T>>)[readBatches]?.();
      const reader: ReadableStreamDefaultReader<T | readonly T[]> = batches ?? readable.getReader();
      // Arrays are big steps already: one read ahead keeps the producer busy.
      const concurrency = batches ? 1 : Math.min(READ_AHEAD, chunkSize);
      const ahead = new ReadAhead<T>(
        () => reader.read() as Promise<IteratorResult<T | readonly T[]>>,
        { arrays: batches !== undefined, concurrency, max: chunkSize, signal },
      );
      return microBatches(ahead, () => {
        if (!ahead.ended) void reader.cancel().catch(() => {});
        reader.releaseLock();
      });
    },
  };
}

/** The error for running a pipeline a second time over input that can be read only once. */
function consumedTwice(what: string): TypeError {
  return new TypeError(
    `Cannot run this stream again: its input, ${what}, was read by an earlier run (for await, toArray, forEach, pipeTo, run). ` +
      `Pass an array or a replayable weir Source to stream() to run a pipeline more than once, or build a new stream over new input`,
  );
}

export function toSource<T>(input: StreamInput<T>, chunkSize: number): Source<T> {
  if (isSource(input)) return input as Source<T>;
  if (Array.isArray(input)) return fromArray(input as T[], chunkSize);
  if (typeof ReadableStream !== "undefined" && input instanceof ReadableStream) return fromReadable(input, chunkSize);
  if (input != null && typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === "function") {
    return fromAsyncIterable(input as AsyncIterable<T>, chunkSize);
  }
  if (input != null && typeof (input as Iterable<T>)[Symbol.iterator] === "function") {
    return fromIterable(input as Iterable<T>, chunkSize);
  }
  const observable = asSubscribable<T>(input);
  if (observable !== null) return fromObservable(observable, chunkSize);
  throw new TypeError(
    `Cannot create a stream from ${
      input === null ? "null" : typeof input
    }: pass an Iterable, AsyncIterable, ReadableStream, observable (subscribe) or weir Source`,
  );
}
