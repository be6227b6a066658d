// Runs a chain of operators over a source: reads events, pushes each through the whole chain
// synchronously, wakes up for processing-time timers, and yields the outputs of each step.
import type { CheckpointedJob, JobSnapshot } from "../checkpoint/checkpointed_job.ts";
import type { CheckpointInfo } from "../checkpoint/checkpoint_options.ts";
import { type Batch, newBatch, type Operator, type Output, type WindowEngine } from "../operators/operator.ts";
import { AsyncMapOperator } from "../operators/async_map_operator.ts";
import { EventTimeOperator } from "../operators/event_time_operator.ts";
import type { Clock } from "../time/clock.ts";
import { ManualClock } from "../time/manual_clock.ts";
import { keepShapes } from "../operators/shapes.ts";
import type { Source, SourceEvent } from "./source.ts";

export interface JobHooks {
  /** Called after each input step once its outputs have been delivered; may await (checkpoint writes). */
  afterStep?(job: JobRun, outputs: number): Promise<void> | void;
  /**
   * Whether a checkpoint is due: with `mapAsync` calls in flight, the job then lets them finish (reading
   * no input) before `afterStep`, since a checkpoint is taken only with none in flight.
   */
  checkpointDue?(): boolean;
}

const TIMEOUT = Symbol("timeout");
/** The head of a mapAsync queue can be emitted. */
const PROGRESS = Symbol("progress");

/**
 * Spark-style micro-batches (`stream(input, { batch })`): input is grouped into bundles of at most
 * `maxElements` elements, gathered for at most `maxMs` of wall time after the first; a bundle is one
 * step (Beam's bundle: triggers are evaluated once at its end, and checkpoints fall between bundles).
 */
export interface MicroBatch {
  /** Longest wait (ms, wall time) for more input once a bundle has its first element; 0 takes only what is ready. */
  readonly maxMs: number;
  /** Most elements in one bundle. */
  readonly maxElements: number;
}

/**
 * Where the last step's outputs go: collected into `results` for the job to yield after the step, or
 * handed to `deliver` as they come (JobRun.deliverTo). An object literal whose methods are functions
 * of this module, as is each step's Forward: a window step calls them from its per-result path, and V8
 * inlines them there; optimized code holds what it inlined weakly, so closures made per job, dead
 * after it, threw that code away at the next full garbage collection (see operators/shapes.ts). The
 * module's functions outlive every job, and the blank sink, output and batch JobRun keeps keep their
 * hidden classes.
 */
interface Sink extends Output {
  /** The step's firings come as CompactResults entries (JobRun.compactResults). */
  compact: boolean;
  results: unknown[];
  /** `results` is a batch's own array, taken as it was. */
  adopted: boolean;
  deliver: ((value: unknown) => void) | null;
  /** What `deliver` threw: the job stops after the step (the rest of the step's outputs are not delivered). */
  failure: { error: unknown } | null;
}

function sinkData(this: Sink, b: Batch): void {
  if (this.deliver !== null) {
    if (this.failure !== null) return;
    const fn = this.deliver, values = b.values;
    try {
      for (let i = 0; i < values.length; i++) fn(values[i]);
    } catch (error) {
      this.failure = { error };
    }
    return;
  }
  // A window step's results are an array made for the batch (`owned`): the first batch of a step
  // is taken as it is, later ones are appended (to a copy, if the first was taken).
  if (this.results.length === 0 && b.owned === true) {
    this.results = b.values;
    this.adopted = true;
    return;
  }
  if (this.adopted) {
    this.results = this.results.slice();
    this.adopted = false;
  }
  for (const v of b.values) this.results.push(v);
}

function ignoreWatermark(): void {}

function newSink(): Sink {
  return {
    compact: false,
    results: [],
    adopted: false,
    deliver: null,
    failure: null,
    data: sinkData,
    watermark: ignoreWatermark,
  };
}

/** The output of a step that is not the last: the next step's input. */
interface Forward extends Output {
  readonly next: Operator;
  readonly out: Output;
}

function forwardData(this: Forward, b: Batch): void {
  this.next.data(b, this.out);
}

function forwardWatermark(this: Forward, wm: number, pt: number): void {
  this.next.watermark(wm, pt, this.out);
}

function newForward(next: Operator, out: Output): Forward {
  return { compact: false, next, out, data: forwardData, watermark: forwardWatermark };
}

/** Elements gathered into one bundle. */
class Bundle {
  readonly values: unknown[] = [];
  timestamps: number[] | undefined;
  offset: unknown = undefined;
  hasOffset = false;

  constructor(first: Extract<SourceEvent<unknown>, { type: "elements" }>) {
    this.timestamps = first.timestamps === undefined ? undefined : [];
    this.add(first);
  }

  /** Whether `ev` can join (sources give timestamps to every chunk or to none). */
  accepts(ev: SourceEvent<unknown>): ev is Extract<SourceEvent<unknown>, { type: "elements" }> {
    return ev.type === "elements" && (ev.timestamps === undefined) === (this.timestamps === undefined);
  }

  add(ev: Extract<SourceEvent<unknown>, { type: "elements" }>): void {
    for (const v of ev.values) this.values.push(v);
    if (this.timestamps !== undefined) { for (const t of ev.timestamps!) this.timestamps.push(t); }
    if ("offset" in ev) {
      this.offset = ev.offset;
      this.hasOffset = true;
    }
  }

  toEvent(): SourceEvent<unknown> {
    return {
      type: "elements",
      values: this.values,
      ...(this.timestamps === undefined ? {} : { timestamps: this.timestamps }),
      ...(this.hasOffset ? { offset: this.offset } : {}),
    };
  }
}

/**
 * A point-in-time view of a running job (`stream.run().stats()`), so callers need not recompute what
 * the job knows.
 */
export interface JobStats {
  /** Input steps processed: chunks, watermarks, processing-time advances. */
  readonly steps: number;
  /** Elements read from the source since this run started (a restore replays from the checkpoint). */
  readonly elementsIn: number;
  /** The watermark the (last) window step has seen, -Infinity before any; without one, the source's. */
  readonly watermark: number;
  /** The largest event time the (last) `withEventTime` step has seen, -Infinity before any. */
  readonly maxEventTime: number;
  /** Elements whose event time was missing or invalid, handed to `onInvalid` (counted with checkpoints). */
  readonly invalidElements: number;
  /** Elements dropped as late (or for a closed window) by the window steps (counted with checkpoints). */
  readonly lateElements: number;
  /** (key, window) pairs holding state in the window steps (the sliced engine counts (key, slice) pairs). */
  readonly openWindows: number;
  /** Checkpoints made durable by this run. */
  readonly checkpoints: number;
  /** The job's clock when the last checkpoint became durable, or undefined (none yet, or not checkpointed). */
  readonly lastCheckpointAt: number | undefined;
}

/** `pending`, or TIMEOUT if it has not settled after `ms` (a macrotask turn at least, so settled input wins). */
async function raceTimeout<T>(pending: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (ms === Infinity) return await pending;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sleep = new Promise<typeof TIMEOUT>((res) => {
    timer = setTimeout(() => res(TIMEOUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([pending, sleep]);
  } finally {
    clearTimeout(timer);
  }
}

/** `pending` if it settles within a few microtask turns (input already buffered), else TIMEOUT. */
async function raceReady<T>(pending: Promise<T>): Promise<T | typeof TIMEOUT> {
  let turns: Promise<typeof TIMEOUT> = Promise.resolve(TIMEOUT);
  for (let i = 0; i < 8; i++) turns = turns.then((x) => x);
  return await Promise.race([pending, turns]);
}

function isWindowEngine(op: Operator): op is WindowEngine {
  return typeof (op as Partial<WindowEngine>).lateCount === "number";
}

export class JobRun implements CheckpointedJob {
  readonly ops: Operator[];
  readonly #source: Source<unknown>;
  readonly #outs: Output[];
  readonly #clock: Clock;
  /** A manual clock: time moves only with processing-time events, the job never sleeps on timers. */
  readonly #manual: ManualClock | null;
  /** The last step's output: the step's outputs, or the consumer they go to as they are made (deliverTo). */
  readonly #sink: Sink = newSink();
  #offset: unknown = undefined;
  #srcWm = -Infinity;
  /** Input steps processed (chunks, watermarks, time advances). */
  steps = 0;
  /** Elements read from the source. */
  elementsIn = 0;
  #checkpoints = 0;
  #lastCheckpointAt: number | undefined = undefined;

  readonly #batch: MicroBatch | null;
  /** The mapAsync steps, with their index in `ops`. */
  readonly #async: { op: AsyncMapOperator; index: number }[] = [];
  /** The chunk being stepped is a bundle (a micro-batch, or a source whose chunks are bundles). */
  #bundleStep = false;

  constructor(source: Source<unknown>, ops: Operator[], clock: Clock, batch: MicroBatch | null = null) {
    this.#source = source;
    this.#batch = batch;
    this.ops = ops;
    this.#clock = clock;
    this.#manual = clock instanceof ManualClock ? clock : null;
    const outs: Output[] = new Array(ops.length);
    for (let i = ops.length - 1; i >= 0; i--) {
      const next = ops[i + 1];
      outs[i] = next === undefined ? this.#sink : newForward(next, outs[i + 1]!);
    }
    this.#outs = outs;
    // A blank sink, output and batch keep their hidden classes alive between jobs (see
    // operators/shapes.ts): every step's compiled code reads them.
    keepShapes(JobRun, () => {
      const sink = newSink();
      // (the blank output leads to no step: it is never called)
      return [sink, newForward(null as unknown as Operator, sink), newBatch([], null, -0, -0)];
    });
    ops.forEach((op, index) => {
      if (op instanceof AsyncMapOperator) this.#async.push({ op, index });
    });
  }

  /**
   * The window step's firings come to `run()`'s batches as CompactResults entries where it can (built
   * as they are read, operators/compact_results.ts): for a consumer that pulls results one at a time
   * and expands them (stream.ts resultIterator). Call before the job runs.
   */
  compactResults(): void {
    this.#sink.compact = true;
  }

  /**
   * Hands every output to `fn` as soon as a step makes it, synchronously, rather than collecting a
   * step's outputs and yielding them: `run()` then yields nothing, and throws what `fn` threw once the
   * step that called it is over. A window firing a million keys then hands each result on while it is
   * young, instead of holding them all until the step ends (see SlicedWindowOperator.#push).
   */
  deliverTo(fn: (value: unknown) => void): void {
    this.#sink.deliver = fn;
  }

  #throwIfConsumerFailed(): void {
    if (this.#sink.failure !== null) throw this.#sink.failure.error;
  }

  /** The outputs collected since the last call (none when they go to a consumer). */
  #takeResults(): unknown[] {
    const sink = this.#sink, out = sink.results;
    sink.results = [];
    sink.adopted = false;
    return out;
  }

  /** No mapAsync call is in flight (and no result waits to be emitted): a snapshot now is consistent. */
  get quiescent(): boolean {
    for (const a of this.#async) if (a.op.queued > 0) return false;
    return true;
  }

  /** Whether every mapAsync step has room for more input (backpressure). */
  #hasRoom(): boolean {
    for (const a of this.#async) if (a.op.queued >= a.op.concurrency) return false;
    return true;
  }

  /** Resolves with PROGRESS once some mapAsync step can emit (or failed). */
  #progress(): Promise<typeof PROGRESS> {
    const waits: Promise<void>[] = [];
    for (const a of this.#async) if (a.op.queued > 0) waits.push(a.op.progress());
    return Promise.race(waits).then(() => PROGRESS);
  }

  /** Emits what the mapAsync steps have ready, in pipeline order (one step's output may feed the next). */
  #flushAsync(): void {
    const pt = this.now();
    for (const a of this.#async) a.op.flush(pt, this.#outs[a.index]!);
  }

  /** Lets every mapAsync call finish, yielding outputs as they come. */
  async *#drain(): AsyncGenerator<unknown[]> {
    for (;;) {
      if (this.#sink.results.length > 0) yield this.#takeResults();
      if (this.quiescent) return;
      await this.#progress();
      this.#flushAsync();
      this.#throwIfConsumerFailed();
    }
  }

  get offset(): unknown {
    return this.#offset;
  }

  now(): number {
    return this.#clock.now();
  }

  /** This run's statistics. */
  stats(): JobStats {
    let lateElements = 0, openWindows = 0, watermark = this.#srcWm, maxEventTime = -Infinity, invalidElements = 0;
    for (const op of this.ops) {
      if (op instanceof EventTimeOperator) {
        maxEventTime = op.maxEventTime;
        invalidElements += op.invalidCount;
      }
      if (!isWindowEngine(op)) continue;
      lateElements += op.lateCount;
      openWindows += op.openWindows;
      watermark = op.inputWatermark;
    }
    return {
      steps: this.steps,
      elementsIn: this.elementsIn,
      watermark,
      maxEventTime,
      invalidElements,
      lateElements,
      openWindows,
      checkpoints: this.#checkpoints,
      lastCheckpointAt: this.#lastCheckpointAt,
    };
  }

  checkpointed(_info: CheckpointInfo): void {
    this.#checkpoints++;
    this.#lastCheckpointAt = this.#clock.now();
  }

  /** Operator states may share live structures with the operators: encode the snapshot before the next step. */
  snapshot(): JobSnapshot {
    const operators: Record<string, unknown> = {};
    const signatures: Record<string, string> = {};
    for (const op of this.ops) {
      operators[op.id] = op.snapshot();
      signatures[op.id] = op.signature;
    }
    return {
      offset: this.#offset,
      operators,
      signatures,
      clock: {
        now: this.#manual === null ? 0 : this.#manual.now(),
        sourceWatermark: this.#srcWm,
      },
    };
  }

  restore(s: JobSnapshot): void {
    for (const op of this.ops) {
      if (op.id in s.operators) op.restore(s.operators[op.id]);
    }
    this.#offset = s.offset;
    this.#manual?.advanceTo(s.clock.now);
    this.#srcWm = s.clock.sourceWatermark;
  }

  #data(values: unknown[], ts: readonly number[] | undefined): void {
    const first = this.ops[0];
    const batch = newBatch(
      values,
      ts === undefined ? null : Float64Array.from(ts),
      this.#srcWm,
      this.now(),
      this.#bundleStep || this.#source.bundles === true,
    );
    if (first === undefined) {
      this.#sink.data(batch);
    } else {
      first.data(batch, this.#outs[0]!);
    }
  }

  #tick(pt: number): void {
    for (let i = 0; i < this.ops.length; i++) this.ops[i]!.tick(pt, this.#outs[i]!);
  }

  #step(ev: SourceEvent<unknown>): void {
    switch (ev.type) {
      case "elements": {
        const values = ev.values as unknown[];
        if (ev.timestamps !== undefined) {
          if (ev.timestamps.length !== values.length) {
            throw new TypeError(`Source chunk has ${values.length} elements but ${ev.timestamps.length} timestamps`);
          }
          for (let i = 0; i < ev.timestamps.length; i++) {
            const t = ev.timestamps[i];
            if (typeof t !== "number" || Number.isNaN(t)) {
              throw new TypeError(
                `Source chunk has an invalid timestamp at #${i}: it must be a number, current value is ${String(t)}`,
              );
            }
          }
        }
        this.elementsIn += values.length;
        if (values.length > 0) this.#data(values, ev.timestamps);
        if ("offset" in ev) this.#offset = ev.offset;
        break;
      }
      case "watermark":
        if (ev.watermark > this.#srcWm) {
          this.#srcWm = ev.watermark;
          this.ops[0]?.watermark(ev.watermark, this.now(), this.#outs[0]!);
        }
        break;
      case "processing-time":
        if (this.#manual === null) {
          throw new TypeError(
            "Cannot advance processing time on the wall clock: a source with processing-time events needs a ManualClock (stream(source, { clock }) or the source's createClock())",
          );
        }
        this.#manual.advance(ev.advanceBy);
        this.#tick(this.now());
        break;
    }
  }

  #nextDeadline(): number {
    let d = Infinity;
    for (const op of this.ops) {
      const x = op.nextDeadline();
      if (x < d) d = x;
    }
    return d;
  }

  /** Runs the job, yielding the outputs produced by each input step. */
  async *run(hooks: JobHooks = {}, signal?: AbortSignal): AsyncGenerator<unknown[], void, undefined> {
    const src = this.#source;
    // The source's signal aborts with the caller's, and when the job stops early (a consumer's break, a
    // failure): a source waiting for input that may never come (an idle subscription) would otherwise
    // hold the job's return() until its next event, as an async generator's return() waits for it.
    const reading = new AbortController();
    const forward = () => reading.abort(signal!.reason);
    if (signal !== undefined) {
      if (signal.aborted) reading.abort(signal.reason);
      else signal.addEventListener("abort", forward, { once: true });
    }
    const opened = src.open(
      this.#offset === undefined ? { signal: reading.signal } : { offset: this.#offset, signal: reading.signal },
    );
    const it = opened as AsyncIterator<SourceEvent<unknown>>;
    let pending: Promise<IteratorResult<SourceEvent<unknown>>> | null = null;
    /** An event read while gathering a bundle that did not join it: the next step. */
    let carried: SourceEvent<unknown> | null = null;
    let ended = false;
    let finished = false;
    try {
      while (!ended) {
        signal?.throwIfAborted();
        let r: IteratorResult<SourceEvent<unknown>> | typeof TIMEOUT | typeof PROGRESS;
        if (carried !== null) {
          r = { done: false, value: carried };
          carried = null;
        } else {
          // With mapAsync queues full, no input is read until they have room (backpressure).
          if (pending === null && this.#hasRoom()) pending = Promise.resolve(it.next());
          const next = this.quiescent ? pending! : pending === null ? this.#progress() : Promise.race([
            pending,
            this.#progress(),
          ]);
          const deadline = this.#manual !== null ? Infinity : this.#nextDeadline();
          r = deadline < Infinity ? await raceTimeout(next, deadline - this.#clock.now()) : await next;
          if (r !== TIMEOUT && r !== PROGRESS) pending = null;
        }
        if (r === PROGRESS) {
          this.#flushAsync();
        } else if (r === TIMEOUT) {
          this.#tick(this.#clock.now());
        } else if (r.done) {
          break;
        } else if (this.#batch !== null && r.value.type === "elements") {
          // Gather a micro-batch: more chunks until the bound, the wait, another kind of event or the end.
          const bundle: Bundle = new Bundle(r.value);
          const until = Date.now() + this.#batch.maxMs;
          while (bundle.values.length < this.#batch.maxElements) {
            pending ??= Promise.resolve(it.next());
            const timer = this.#manual !== null ? Infinity : this.#nextDeadline() - this.#clock.now();
            // Past the wait (or with maxMs 0), only what is ready joins: a timer, even of 0 ms (1 ms in
            // Node), would let a producer that emits every millisecond extend the bundle forever.
            const wait = Math.min(until - Date.now(), timer);
            const next = wait > 0 ? await raceTimeout(pending, wait) : await raceReady(pending);
            if (next === TIMEOUT) break;
            pending = null;
            if (next.done) {
              ended = true;
              break;
            }
            if (!bundle.accepts(next.value)) {
              carried = next.value;
              break;
            }
            bundle.add(next.value);
          }
          this.#bundleStep = true;
          try {
            this.#step(bundle.toEvent());
          } finally {
            this.#bundleStep = false;
          }
        } else {
          // TestStream's processing time moves only once earlier elements are through the mapAsync steps.
          if (r.value.type === "processing-time") yield* this.#drain();
          this.#step(r.value);
        }
        this.#throwIfConsumerFailed();
        if (r !== PROGRESS) this.steps++;
        const n = this.#sink.results.length;
        if (n > 0) yield this.#takeResults();
        if (!this.quiescent && hooks.checkpointDue?.() === true) yield* this.#drain();
        if (hooks.afterStep) await hooks.afterStep(this, n);
      }
      finished = true;
      if (src.flushOnEnd !== false) this.ops[0]?.watermark(Infinity, this.now(), this.#outs[0]!);
      this.#throwIfConsumerFailed();
      yield* this.#drain();
      this.#throwIfConsumerFailed();
      if (hooks.afterStep) await hooks.afterStep(this, 0);
    } finally {
      for (const a of this.#async) a.op.stop();
      signal?.removeEventListener("abort", forward);
      if (!finished) {
        // (a read in flight now fails with the abort: nobody waits for it)
        pending?.catch(() => {});
        reading.abort(new DOMException("The job stopped before its input ended", "AbortError"));
        await it.return?.();
      }
    }
  }
}
