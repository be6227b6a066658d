// Assigns event time and generates the watermark: W = max event time seen - maxOutOfOrderness.
import { InvalidElementError, preview, stepFailure } from "../errors.ts";
import { checkOptionNames } from "../option_names.ts";
import { type Batch, newBatch, type Operator, type Output, type TimeAssignment } from "./operator.ts";
import type { EventTimeOptions } from "../time/event_time_options.ts";
import { blankFunction, keepShapes } from "./shapes.ts";

export function checkEventTimeOptions(o: EventTimeOptions<never>): void {
  if (typeof o !== "object" || o === null) {
    throw new TypeError(`Cannot assign event time as options are missing: pass { maxOutOfOrderness } (ms)`);
  }
  checkOptionNames("assign event time", o, [
    "maxOutOfOrderness",
    "idleTimeout",
    "maxFutureSkew",
    "minEventTime",
    "onInvalid",
  ]);
  const b = o.maxOutOfOrderness;
  if (typeof b !== "number" || !(b >= 0) || b === Infinity) {
    throw new RangeError(
      `Cannot assign event time as maxOutOfOrderness must be a finite number >= 0: current value is ${String(b)}`,
    );
  }
  if (o.maxFutureSkew !== undefined && (typeof o.maxFutureSkew !== "number" || !(o.maxFutureSkew >= 0))) {
    throw new RangeError(
      `Cannot assign event time as maxFutureSkew must be a number >= 0: current value is ${String(o.maxFutureSkew)}`,
    );
  }
  if (o.minEventTime !== undefined && (typeof o.minEventTime !== "number" || Number.isNaN(o.minEventTime))) {
    throw new RangeError(
      `Cannot assign event time as minEventTime must be a number: current value is ${String(o.minEventTime)}`,
    );
  }
  if (o.idleTimeout !== undefined && (typeof o.idleTimeout !== "number" || !(o.idleTimeout > 0))) {
    throw new RangeError(
      `Cannot assign event time as idleTimeout must be a number > 0: current value is ${String(o.idleTimeout)}`,
    );
  }
}

export class EventTimeOperator implements Operator {
  readonly id: string;
  readonly signature: string;
  readonly #get: (v: unknown) => unknown;
  readonly #bound: number;
  readonly #idle: number;
  readonly #onInvalid: EventTimeOptions["onInvalid"] | undefined;
  readonly #label: string;
  readonly #maxFutureSkew: number;
  readonly #minEventTime: number;
  #maxTs = -Infinity;
  #srcWm = -Infinity;
  #wm = -Infinity;
  #lastInput = -Infinity;
  #seen = 0;
  /** Elements handed to onInvalid since the job started. */
  #invalidCount = 0;
  #lastTick = -Infinity;

  /** `label` names the step in errors, e.g. "withEventTime #1". */
  constructor(id: string, get: (v: unknown) => unknown, options: EventTimeOptions, label = "withEventTime") {
    this.id = id;
    this.#label = label;
    this.#maxFutureSkew = options.maxFutureSkew ?? Infinity;
    this.#minEventTime = options.minEventTime ?? -Infinity;
    this.#get = get;
    this.#bound = options.maxOutOfOrderness;
    this.#idle = options.idleTimeout ?? Infinity;
    this.#onInvalid = options.onInvalid;
    this.signature = JSON.stringify({ maxOutOfOrderness: this.#bound });
    this.#time = {
      get,
      bound: this.#bound,
      base: -Infinity,
      earliest: this.#minEventTime,
      latest: Infinity,
      maxTs: -Infinity,
      done: 0,
      label,
    };
    // (a blank step of the same options, with no user function, keeps this class's and the time
    // assignment's hidden classes alive between jobs: see shapes.ts)
    keepShapes(EventTimeOperator, () => [
      new EventTimeOperator(id, blankFunction, {
        maxOutOfOrderness: options.maxOutOfOrderness,
        idleTimeout: options.idleTimeout,
        maxFutureSkew: options.maxFutureSkew,
        minEventTime: options.minEventTime,
      }, label),
    ]);
  }

  /**
   * Set when the next step is a window step that assigns event time as it reads (WindowEngine.assignsTime):
   * batches then go on with a TimeAssignment instead of timestamp and watermark arrays.
   */
  fused = false;
  readonly #time: TimeAssignment;

  data(batch: Batch, out: Output): void {
    // A bundle is judged at one watermark, and a watermark per element from upstream changes the
    // base within the batch: those take the two-pass path.
    if (this.fused && batch.bundle !== true && typeof batch.wm === "number") this.#dataFused(batch, out);
    else this.#data(batch, out);
  }

  /** Hands the batch to the window step, which assigns event time as it reads it (Batch.time). */
  #dataFused(batch: Batch, out: Output): void {
    const { values } = batch;
    const n = values.length;
    const time = this.#time;
    const src = batch.wm as number;
    time.base = src > this.#wm ? src : this.#wm;
    time.latest = batch.pt + this.#maxFutureSkew;
    time.maxTs = this.#maxTs;
    time.done = 0;
    out.data(newBatch(values, null, time.base, batch.pt, false, false, time));
    // the window step took elements [0, done): the element at `done` has an invalid event time
    this.#maxTs = time.maxTs;
    this.#seen += time.done;
    if (time.done < n) {
      this.#data(newBatch(values.slice(time.done), null, src, batch.pt, batch.bundle), out);
      return;
    }
    if (src > this.#srcWm) this.#srcWm = src;
    this.#lastInput = batch.pt;
    this.#update(out, batch.pt);
  }

  #data(batch: Batch, out: Output): void {
    const { values } = batch;
    const n = values.length;
    const ts = new Float64Array(n);
    const wms = new Float64Array(n);
    const bound = this.#bound;
    let maxTs = this.#maxTs;
    const base0 = this.#wm;
    // The watermark in force from upstream, per element: a window step's results carry the output
    // watermark each was produced under (see operators/_result_watermarks.ts).
    const src = batch.wm;
    const srcOf = typeof src === "number" ? null : src;
    let base = typeof src === "number" && src > base0 ? src : base0;
    const bundleWm = base;
    let keep: unknown[] | null = null;
    let k = 0;
    const latest = batch.pt + this.#maxFutureSkew, earliest = this.#minEventTime;
    let i = 0;
    try {
      for (; i < n; i++) {
        const v = values[i];
        const raw = this.#get(v);
        const t = typeof raw === "number" ? raw : raw instanceof Date ? raw.getTime() : (raw as number);
        if (typeof t !== "number" || !Number.isFinite(t) || t > latest || t < earliest) {
          this.#invalid(v, t, this.#seen + i, latest, earliest);
          if (keep === null) keep = values.slice(0, i);
          continue;
        }
        if (keep !== null) keep.push(v);
        if (srcOf !== null && srcOf[i]! > base) base = srcOf[i]!;
        const w = maxTs - bound;
        wms[k] = w > base ? w : base;
        ts[k++] = t;
        if (t > maxTs) maxTs = t;
      }
    } catch (error) {
      throw stepFailure(this.#label, values[i], error);
    }
    this.#seen += n;
    this.#maxTs = maxTs;
    if (base > this.#srcWm) this.#srcWm = base;
    this.#lastInput = batch.pt;
    if (k > 0) {
      const vs = keep ?? values;
      out.data(newBatch(
        vs,
        k === n ? ts : ts.subarray(0, k),
        // A bundle is judged against the watermark in force when it began (Beam holds the input
        // watermark during a bundle; Spark moves it between micro-batches); otherwise each element
        // against the watermark the elements before it made.
        batch.bundle === true ? bundleWm : k === n ? wms : wms.subarray(0, k),
        batch.pt,
        batch.bundle,
      ));
    }
    this.#update(out, batch.pt);
  }

  /** The largest event time seen, -Infinity before any. */
  get maxEventTime(): number {
    return this.#maxTs;
  }

  /** Elements whose event time was missing or invalid, handed to onInvalid. */
  get invalidCount(): number {
    return this.#invalidCount;
  }

  #invalid(v: unknown, t: unknown, index: number, latest: number, earliest: number): void {
    const reason = t === undefined || t === null
      ? "missing"
      : typeof t !== "number" || !Number.isFinite(t)
      ? `not a finite number (${typeof t === "number" ? String(t) : typeof t})`
      : t > latest
      ? `${t}, more than maxFutureSkew (${this.#maxFutureSkew} ms) ahead of processing time ${
        latest - this.#maxFutureSkew
      }`
      : `${t}, before minEventTime (${earliest})`;
    if (this.#onInvalid) {
      this.#invalidCount++;
      this.#onInvalid(v, { timestamp: t, reason: `event time is ${reason}` });
      return;
    }
    throw new InvalidElementError(
      `Cannot assign event time to element #${index} as its event time is ${reason}: ${preview(v)}`,
    );
  }

  #update(out: Output, pt: number): void {
    this.#lastTick = pt;
    // After a restore the idle clock restarts at the first processing time seen: the time the job
    // was down is not idleness of the input.
    if (Number.isNaN(this.#lastInput)) this.#lastInput = pt;
    let w = Math.max(this.#srcWm, this.#maxTs - this.#bound);
    if (pt - this.#lastInput >= this.#idle && this.#maxTs > -Infinity) {
      w = Math.max(w, this.#maxTs + (pt - this.#lastInput) - this.#bound);
    }
    if (w > this.#wm) {
      this.#wm = w;
      out.watermark(w, pt);
    }
  }

  watermark(wm: number, pt: number, out: Output): void {
    if (wm > this.#srcWm) this.#srcWm = wm;
    this.#update(out, pt);
  }

  tick(pt: number, out: Output): void {
    this.#update(out, pt);
  }

  nextDeadline(): number {
    if (this.#idle === Infinity || this.#lastInput === -Infinity) return Infinity;
    if (Number.isNaN(this.#lastInput)) return this.#lastTick;
    const first = this.#lastInput + this.#idle;
    // While idle, re-evaluate the watermark every idleTimeout (at least every second).
    return this.#lastTick < first ? first : this.#lastTick + Math.min(this.#idle, 1000);
  }

  snapshot(): unknown {
    return {
      maxEventTime: this.#maxTs,
      sourceWatermark: this.#srcWm,
      watermark: this.#wm,
      seen: this.#seen,
      invalid: this.#invalidCount,
    };
  }

  restore(state: unknown): void {
    // Checkpoints before the fields were named used maxTs, srcWm and wm.
    const s = state as {
      maxEventTime?: number;
      sourceWatermark?: number;
      watermark?: number;
      maxTs?: number;
      srcWm?: number;
      wm?: number;
      seen: number;
      invalid?: number;
    };
    this.#maxTs = (s.maxEventTime ?? s.maxTs)!;
    this.#srcWm = (s.sourceWatermark ?? s.srcWm)!;
    this.#wm = (s.watermark ?? s.wm)!;
    this.#seen = s.seen;
    this.#invalidCount = s.invalid ?? 0;
    this.#lastInput = this.#maxTs === -Infinity ? -Infinity : NaN;
    this.#lastTick = -Infinity;
  }
}
