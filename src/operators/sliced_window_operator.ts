// Sliding windows that share work: each element is folded once into the slice [s, s + slide) of its
// key, and a window [e - size, e) is the merge of its size/slide slices when the watermark passes e.
// Used when the result is fully determined by the watermark: the default trigger (or never()) with no
// allowed lateness, so every window has exactly one pane, on time and final. Other configurations use
// GeneralWindowOperator, which keeps per-window state.
import type { Combiner } from "../aggregate/combiner.ts";
import { FIRING } from "../errors.ts";
import { maxTimestamp } from "../window/assigner.ts";
import type { AlignedWindower } from "../window/aligned_windower.ts";
import { windowerFor } from "../window/windower.ts";
import type { WindowResult } from "../window/types.ts";
import { groupingKey } from "../keys/grouping_key.ts";
import { AGGREGATE, configSignature, KEY, LateElements, windowStepFailure } from "./_late.ts";
import { IdleKeys } from "./_idle_keys.ts";
import type { Batch, Output, WindowEngine } from "./operator.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";

/**
 * A key's slices (code → accumulator), the base of its state. A key nearly always has one or two (the current slice, and the
 * previous one until its last window fires), so the first lives in fields and only further ones take a
 * Map: one Map per key would cost more memory than the key's state itself.
 */
class SliceSet {
  #code = NaN;
  #acc: unknown = undefined;
  #more: Map<number, unknown> | null = null;

  get size(): number {
    return (Number.isNaN(this.#code) ? 0 : 1) + (this.#more === null ? 0 : this.#more.size);
  }

  get(code: number): unknown {
    if (code === this.#code) return this.#acc;
    return this.#more === null ? undefined : this.#more.get(code);
  }

  set(code: number, acc: unknown): void {
    if (code === this.#code || Number.isNaN(this.#code) && (this.#more === null || !this.#more.has(code))) {
      this.#code = code;
      this.#acc = acc;
    } else (this.#more ??= new Map()).set(code, acc);
  }

  delete(code: number): boolean {
    if (code === this.#code) {
      this.#code = NaN;
      this.#acc = undefined;
      return true;
    }
    return this.#more !== null && this.#more.delete(code);
  }

  /** The slices as [code, accumulator] pairs (a copy: safe to delete while going through it). */
  entries(): [number, unknown][] {
    const out: [number, unknown][] = Number.isNaN(this.#code) ? [] : [[this.#code, this.#acc]];
    if (this.#more !== null) { for (const e of this.#more) out.push(e); }
    return out;
  }
}

class KeySlices extends SliceSet {
  /** slice code → accumulator, in insertion order (mostly ascending); see SlicedWindowOperator.#code */
  /** the last window end fired for this key (a key is listed once per end it has data for) */
  firedEnd = -Infinity;
  /** the slice the key's last element went to (its start), and its accumulator (NaN when none) */
  lastS = NaN;
  /** No slices left: kept a while, as the key usually comes back soon (see _idle_keys.ts). */
  idle = false;
  idleSince = 0;
  lastAcc: unknown = undefined;
  constructor(readonly key: unknown, readonly nk: unknown) {
    super();
  }
}

/** Which user function the window step was running (for StepError). */

/** Every window here has exactly one pane: on time and final. */
const ONLY_PANE = Object.freeze(
  { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true } as const,
);

/** True when `SlicedWindowOperator` computes exactly what `GeneralWindowOperator` would. */
export function canSlice(c: ResolvedWindowConfig): boolean {
  const a = c.assigner;
  return (a.kind === "tumbling" || (a.kind === "sliding" && Number.isInteger(a.size / a.slide))) &&
    (c.trigger.kind === "default" || c.trigger.kind === "never") && c.allowedLateness === 0 && !c.complete &&
    c.timestampCombiner === "end-of-window";
}

export class SlicedWindowOperator implements WindowEngine {
  readonly id: string;
  readonly signature: string;
  readonly #c: ResolvedWindowConfig;
  readonly #a: { size: number; slide: number };
  /** Slices are the windower's periods: a window is the merge of its size/period slices. */
  readonly #windower: AlignedWindower;
  readonly #combiner: Combiner<unknown, unknown, unknown>;
  #keys = new Map<unknown, KeySlices>();
  readonly #idleKeys = new IdleKeys<KeySlices>(() => this.#keys);
  /**
   * Slices and window ends are Map keys as small integers, (time - #base) / period, when the period
   * and offset are integers (a double Map key costs an allocation and a slow hash on every lookup);
   * otherwise as the times themselves. #base is fixed for the life of the operator.
   */
  readonly #integral: boolean;
  #base = NaN;
  /** Pending window ends, ascending, and the keys with data for the window ending at each (by end code). */
  #ends: number[] = [];
  #buckets = new Map<number, KeySlices[]>();
  #wm = -Infinity;
  #emittedWm = -Infinity;
  /**
   * Output watermark (Beam's WatermarkHold with END_OF_WINDOW): a window holds it at end - 1 if that
   * was not behind it when the window got its first element. For one end every key's window gets its
   * first element no earlier than the first key's, so the first decides whether the end holds.
   */
  #outWm = -Infinity;
  #heldEnds = new Set<number>();
  #now = 0;
  #results: WindowResult[] = [];
  readonly #late: LateElements;

  constructor(config: ResolvedWindowConfig) {
    this.#c = config;
    const windower = windowerFor(config.assigner) as AlignedWindower;
    this.#windower = windower;
    this.#a = { size: windower.size, slide: windower.period };
    this.#integral = Number.isInteger(windower.period) && Number.isInteger(windower.offset);
    this.id = config.id;
    this.#combiner = config.combiner;
    // Same signature as GeneralWindowOperator: the slicing is an implementation detail, but its snapshot
    // format differs, so it is part of the version stored in the snapshot instead.
    this.signature = configSignature(config);
    this.#late = new LateElements(config, windower);
  }

  /** The input watermark seen so far. */
  get inputWatermark(): number {
    return this.#wm;
  }

  /** The Map key of the slice starting (or window ending) at `time`. */
  #code(time: number): number {
    if (!this.#integral) return time;
    if (Number.isNaN(this.#base)) this.#base = time;
    return (time - this.#base) / this.#a.slide;
  }

  /** Elements dropped as late since the job started. */
  get lateCount(): number {
    return this.#late.count;
  }

  /** Open (key, slice) pairs. */
  get openWindows(): number {
    let n = 0;
    for (const ks of this.#keys.values()) n += ks.size;
    return n;
  }

  data(batch: Batch, out: Output): void {
    this.#now = batch.pt;
    const { values, ts, wm } = batch;
    if (ts === null) {
      throw new TypeError(
        `Cannot window elements without event time (operator "${this.id}"): call withEventTime() before window(), or use a source that carries timestamps`,
      );
    }
    const { size, slide } = this.#a;
    const windower = this.#windower;
    const keyFn = this.#c.keyFn;
    const combiner = this.#combiner;
    // One element type per array (Batch: Float64Array), so these loads stay unboxed.
    const wmOf = typeof wm === "number" ? null : wm;
    const constWm = typeof wm === "number" ? wm : 0;
    let nextEnd = this.#ends.length > 0 ? this.#ends[0]! : Infinity;
    // A user function that throws (the key function, a combiner, onLate) fails the job with a StepError
    // naming the step: `phase` says which one was running.
    let i = 0, phase = AGGREGATE;
    try {
      for (; i < values.length; i++) {
        const v = values[i];
        const t = ts[i]!;
        const w = wmOf === null ? constWm : wmOf[i]!;
        // Windows whose end this element's watermark has passed are complete without it: fire them
        // first, exactly as the per-window engine judges each element against its own watermark.
        if (w >= nextEnd) {
          this.#advance(w);
          nextEnd = this.#ends.length > 0 ? this.#ends[0]! : Infinity;
        }
        phase = KEY;
        const key = keyFn === null ? null : keyFn(v);
        phase = AGGREGATE;
        const nk = typeof key === "object" || typeof key === "function" || typeof key === "symbol"
          ? groupingKey(key, v)
          : key;
        let ks = this.#keys.get(nk);
        if (ks === undefined) {
          ks = new KeySlices(key, nk);
          this.#keys.set(nk, ks);
        } else this.#idleKeys.active(ks);
        // Most elements of a key fall into the same slice as the key's previous element.
        const last = ks.lastS;
        const s = t >= last && t < last + slide ? last : windower.periodStart(t);
        // The last window containing t ends at s + size: if the watermark passed it, all did.
        if (w >= s + size) {
          if (ks.size === 0) this.#idleKeys.idle(ks);
          this.#late.drop(v, t, w, "late");
          continue;
        }
        let acc: unknown;
        if (s === last) acc = ks.lastAcc;
        else {
          const code = this.#code(s);
          acc = ks.get(code);
          if (acc === undefined) {
            acc = combiner.create();
            ks.set(code, acc);
            this.#register(ks, s, w);
            nextEnd = this.#ends[0]!;
          }
          ks.lastS = s;
        }
        const next = combiner.add(acc, v, t);
        if (next !== acc) ks.set(this.#code(s), next);
        ks.lastAcc = next;
      }
      this.#advance(this.#wm);
    } catch (error) {
      throw this.#failure(phase, i < values.length ? values[i] : FIRING, error);
    }
    this.#flush(out);
  }

  #failure(phase: number, element: unknown, error: unknown): unknown {
    return windowStepFailure(this.#c, phase, element, error);
  }

  watermark(wm: number, pt: number, out: Output): void {
    this.#now = pt;
    if (wm > this.#wm) {
      this.#wm = wm;
      try {
        this.#advance(wm);
      } catch (error) {
        throw this.#failure(AGGREGATE, FIRING, error);
      }
    }
    this.#flush(out);
  }

  tick(pt: number): void {
    this.#now = pt;
  }

  nextDeadline(): number {
    return Infinity;
  }

  /**
   * Lists `ks` under the end of every window that contains the new slice starting at `s`, except
   * windows the watermark `w` has already passed: the element is late for those.
   */
  #register(ks: KeySlices, s: number, w: number): void {
    const { size, slide } = this.#a;
    for (let j = 1; j * slide <= size; j++) {
      const e = s + j * slide;
      if (e <= w) continue;
      const code = this.#code(e);
      let bucket = this.#buckets.get(code);
      if (bucket === undefined) {
        bucket = [];
        this.#buckets.set(code, bucket);
        this.#insertEnd(e);
        this.#refreshOutputWatermark(w);
        if (this.#maxTimestamp(e) >= this.#outWm) this.#heldEnds.add(code);
      }
      bucket.push(ks);
    }
  }

  #insertEnd(e: number): void {
    const ends = this.#ends;
    let i = ends.length;
    ends.push(e);
    while (i > 0 && ends[i - 1]! > e) {
      ends[i] = ends[i - 1]!;
      i--;
    }
    ends[i] = e;
  }

  #advance(limit: number): void {
    const ends = this.#ends;
    let n = 0;
    while (n < ends.length && ends[n]! <= limit) this.#fire(ends[n++]!);
    if (n > 0) this.#ends = ends.slice(n);
  }

  /** Fires the window [end - size, end) of every key with data in it, then drops slices no later window needs. */
  #fire(end: number): void {
    this.#idleKeys.collected();
    const bucket = this.#buckets.get(this.#code(end))!;
    this.#buckets.delete(this.#code(end));
    this.#heldEnds.delete(this.#code(end));
    const { size, slide } = this.#a;
    const start = end - size;
    const c = this.#combiner;
    // With integral slice codes the window's slices are the codes first .. first + perWindow - 1.
    const direct = this.#integral;
    const perWindow = Math.round(size / slide);
    const first = direct ? this.#code(start) : NaN;
    // One window object for every key's result (results are read-only).
    const window = { start, end };
    const timestamp = maxTimestamp(start, end);
    for (let b = 0; b < bucket.length; b++) {
      const ks = bucket[b]!;
      if (ks.firedEnd === end) continue;
      ks.firedEnd = end;
      let acc: unknown = undefined;
      let copied = false;
      const slices: SliceSet = ks;
      if (direct) {
        for (let j = 0; j < perWindow; j++) {
          const a = slices.get(first + j);
          if (a === undefined) continue;
          if (acc === undefined) acc = a;
          else {
            // never merge into a slice's own accumulator: later windows still need it
            acc = c.merge(copied ? acc : c.merge(c.create(), acc), a);
            copied = true;
          }
        }
      } else {
        for (const [sCode, a] of slices.entries()) {
          if (sCode < start || sCode >= end) continue;
          if (acc === undefined) acc = a;
          else {
            acc = c.merge(copied ? acc : c.merge(c.create(), acc), a);
            copied = true;
          }
        }
      }
      if (acc === undefined) continue;
      this.#results.push({ key: ks.key, window, value: c.result(acc), timestamp, pane: ONLY_PANE });
      // The slice starting at `start` is the only one whose last window this was.
      if (direct) {
        if (slices.delete(first) && start === ks.lastS) ks.lastS = NaN;
      } else {
        for (const [sCode] of slices.entries()) {
          if (sCode + size <= end) {
            slices.delete(sCode);
            if (sCode === ks.lastS) ks.lastS = NaN;
          }
        }
      }
      if (ks.size === 0) this.#idleKeys.idle(ks);
    }
  }

  /** The last millisecond of the window ending at `end` (Beam's maxTimestamp), as GeneralWindowOperator has it. */
  #maxTimestamp(end: number): number {
    return maxTimestamp(end - this.#a.size, end);
  }

  #refreshOutputWatermark(W: number): void {
    let hold = Infinity;
    if (this.#heldEnds.size > 0) {
      for (const e of this.#ends) {
        if (this.#heldEnds.has(this.#code(e))) {
          hold = this.#maxTimestamp(e);
          break;
        }
      }
    }
    const w = hold < W ? hold : W;
    if (w > this.#outWm) this.#outWm = w;
  }

  #flush(out: Output): void {
    const prev = this.#emittedWm;
    if (this.#results.length > 0) {
      const rs = this.#results;
      this.#results = [];
      const ts = new Float64Array(rs.length);
      for (let i = 0; i < rs.length; i++) ts[i] = rs[i]!.timestamp;
      out.data({ values: rs, ts, wm: prev, pt: this.#now });
    }
    this.#refreshOutputWatermark(this.#wm);
    if (this.#outWm > prev) {
      this.#emittedWm = this.#outWm;
      out.watermark(this.#outWm, this.#now);
    }
  }

  snapshot(): unknown {
    const keys: unknown[] = [];
    // Accumulators are live, not copies: snapshots are encoded before the next input step (see
    // JobRun.snapshot). Slices are [code, accumulator] pairs: start = sliceCodes.base + code * sliceCodes.period (or the start itself).
    for (const ks of this.#keys.values()) if (!ks.idle) keys.push({ key: ks.key, slices: ks.entries() });
    const heldEnds: number[] = [];
    for (const e of this.#ends) if (this.#heldEnds.has(this.#code(e))) heldEnds.push(e);
    return {
      v: "sliced-4",
      sliceCodes: this.#integral ? { base: this.#base, period: this.#a.slide } : null,
      watermark: this.#wm,
      outputWatermark: this.#outWm,
      emittedWatermark: this.#emittedWm,
      heldEnds,
      late: this.#late.count,
      keys,
    };
  }

  restore(state: unknown): void {
    // sliced-4 keys slices by code (sliceCodes); sliced-3 by start and names every field; sliced-1 and
    // sliced-2 (read for old checkpoints) kept each key as a [key, slices] pair and abbreviated the watermarks.
    const s = state as {
      v: string;
      sliceCodes?: { base: number; period: number } | null;
      watermark?: number;
      wm?: number;
      outputWatermark?: number;
      emittedWatermark?: number;
      emittedWm?: number;
      heldEnds?: number[];
      late: number;
      keys: ({ key: unknown; slices: Iterable<[number, unknown]> } | [unknown, Iterable<[number, unknown]>])[];
    };
    if (s?.v !== "sliced-1" && s?.v !== "sliced-2" && s?.v !== "sliced-3" && s?.v !== "sliced-4") {
      throw new TypeError(`Cannot restore window operator "${this.id}": unknown snapshot version ${String(s?.v)}`);
    }
    this.#wm = (s.watermark ?? s.wm)!;
    this.#emittedWm = (s.emittedWatermark ?? s.emittedWm)!;
    this.#heldEnds = new Set();
    this.#late.count = s.late;
    this.#ends = [];
    this.#buckets = new Map();
    this.#keys = new Map();
    this.#idleKeys.reset();
    const codes = s.sliceCodes ?? null;
    for (const entry of s.keys) {
      const [key, slices] = Array.isArray(entry) ? entry : [entry.key, entry.slices];
      const ks = new KeySlices(key, groupingKey(key));
      for (const [k, acc] of slices) {
        const start = codes === null ? k : codes.base + k * codes.period;
        ks.set(this.#code(start), acc);
        // Windows whose end the watermark already passed were fired before the snapshot.
        this.#register(ks, start, this.#wm);
      }
      this.#keys.set(ks.nk, ks);
    }
    // #register decided holds afresh; the snapshot's own decisions win (version 1 kept no holds: its
    // output watermark was the input watermark)
    this.#outWm = s.outputWatermark ?? this.#emittedWm;
    if (s.heldEnds !== undefined) {
      this.#heldEnds = new Set(s.heldEnds.map((e) => this.#code(e)).filter((c) => this.#buckets.has(c)));
    }
  }
}
