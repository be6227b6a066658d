// mapAsync: an asynchronous function over each element, at most `concurrency` calls in flight,
// results in input order. Every other operator is synchronous (operator.ts); this one keeps a queue
// that the job drains between input steps (job.ts): each input batch comes out as one batch once all
// its calls have settled, with its event times, per-element watermarks and bundle flag unchanged, and
// a watermark that arrives behind queued elements waits for them (Flink's ordered AsyncWaitOperator).
// A checkpoint is taken only when the queue is empty, so no snapshot holds a call in flight.
import { stepFailure } from "../errors.ts";
import { type Batch, newBatch, type Operator, type Output } from "./operator.ts";

/** The function of a `mapAsync` step: may return a value or a promise of one. */
export type AsyncMapFn = (value: unknown, options: { signal: AbortSignal }) => unknown;

/** An input batch whose calls are in flight: emitted whole once every result is in. */
interface Pending {
  kind: "data";
  batch: Batch;
  results: unknown[];
  settled: number;
}

type Entry = Pending | { kind: "watermark"; wm: number; pt: number };

export class AsyncMapOperator implements Operator {
  readonly id: string;
  readonly signature = JSON.stringify(["mapAsync"]);
  readonly concurrency: number;
  readonly #fn: AsyncMapFn;
  readonly #label: string;
  readonly #queue: Entry[] = [];
  /** Elements taken in and not yet emitted (backpressure: the job reads no input while this is >= concurrency). */
  #queued = 0;
  #inFlight = 0;
  /** The next call to start: queue entry and element index. */
  #nextEntry = 0;
  #nextIndex = 0;
  #failure: unknown = undefined;
  #wake: (() => void) | null = null;
  readonly #abort = new AbortController();

  constructor(id: string, fn: AsyncMapFn, concurrency: number, label: string) {
    this.id = id;
    this.#fn = fn;
    this.concurrency = concurrency;
    this.#label = label;
  }

  /** Elements taken in whose results have not been emitted yet (0: nothing in flight). */
  get queued(): number {
    return this.#queued;
  }

  data(batch: Batch, _out: Output): void {
    if (batch.values.length === 0) return;
    this.#queue.push({ kind: "data", batch, results: new Array(batch.values.length), settled: 0 });
    this.#queued += batch.values.length;
    this.#start();
    if (this.#failure !== undefined) throw this.#failure;
  }

  watermark(wm: number, pt: number, out: Output): void {
    if (this.#queue.length === 0) out.watermark(wm, pt);
    else this.#queue.push({ kind: "watermark", wm, pt });
  }

  tick(): void {}
  nextDeadline(): number {
    return Infinity;
  }

  snapshot(): unknown {
    if (this.#queued > 0) {
      throw new Error(`${this.#label} has ${this.#queued} elements in flight: a checkpoint must wait for them`);
    }
    return null;
  }
  restore(): void {}

  /** Resolves once the head of the queue can be emitted, or a call failed. */
  progress(): Promise<void> {
    if (this.#headReady() || this.#failure !== undefined) return Promise.resolve();
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Emits, in order, every batch at the head of the queue whose calls have all settled; throws a failed call's StepError. */
  flush(pt: number, out: Output): void {
    if (this.#failure !== undefined) throw this.#failure;
    const queue = this.#queue;
    let n = 0;
    for (; n < queue.length; n++) {
      const e = queue[n]!;
      if (e.kind === "watermark") continue;
      if (e.settled < e.results.length) break;
    }
    if (n === 0) return;
    const done = queue.splice(0, n);
    if (this.#nextEntry >= n) this.#nextEntry -= n;
    else [this.#nextEntry, this.#nextIndex] = [0, 0];
    for (const e of done) {
      if (e.kind === "watermark") {
        out.watermark(e.wm, e.pt);
        continue;
      }
      this.#queued -= e.results.length;
      const { ts, wm, bundle } = e.batch;
      out.data(newBatch(e.results, ts, wm, pt, bundle));
    }
  }

  /** Aborts the signal handed to calls still in flight (the job stopped). */
  stop(reason?: unknown): void {
    this.#abort.abort(reason);
  }

  #headReady(): boolean {
    const head = this.#queue[0];
    return head !== undefined && (head.kind === "watermark" || head.settled === head.results.length);
  }

  #start(): void {
    const queue = this.#queue;
    while (this.#inFlight < this.#concurrencyLeft() && this.#nextEntry < queue.length) {
      const e = queue[this.#nextEntry]!;
      if (e.kind === "watermark" || this.#nextIndex >= e.results.length) {
        this.#nextEntry++;
        this.#nextIndex = 0;
        continue;
      }
      this.#call(e, this.#nextIndex++);
    }
  }

  /** No call starts after a failure or once the job stopped. */
  #concurrencyLeft(): number {
    return this.#failure === undefined && !this.#abort.signal.aborted ? this.concurrency : 0;
  }

  #call(e: Pending, i: number): void {
    const input = e.batch.values[i];
    let result: unknown;
    try {
      result = this.#fn(input, { signal: this.#abort.signal });
    } catch (error) {
      this.#fail(input, error);
      return;
    }
    this.#inFlight++;
    Promise.resolve(result).then(
      (v) => {
        this.#inFlight--;
        e.results[i] = v;
        e.settled++;
        this.#start();
        if (this.#wake !== null && this.#headReady()) this.#wakeUp();
      },
      (error) => {
        this.#inFlight--;
        this.#fail(input, error);
      },
    );
  }

  /** The first failure fails the stream (at the next flush); no call starts after it. */
  #fail(input: unknown, error: unknown): void {
    this.#failure ??= stepFailure(this.#label, input, error);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
