// Tumbling and sliding windows that share work: each element is folded once into its key's
// accumulator in the slice [s, s + slide) it falls in, and a window [e - size, e) is the merge of its
// size/slide slices when the watermark passes e. Used when the result is fully determined by the
// watermark: the default trigger (or never()) with no allowed lateness, so every window has exactly
// one pane, on time and final. Other configurations use GeneralWindowOperator, which keeps
// per-window state.
//
// State is slice-major, as a hand-written loop keeps it: slice → (key → accumulator). An element costs
// one Map lookup in its slice (the slice of the previous element is cached), an open (key, slice) one
// Map entry and its accumulator, and a key with no open slice costs nothing.
import type { Combiner } from "../aggregate/combiner.ts";
import { FIRING, stepFailure } from "../errors.ts";
import { maxTimestamp } from "../window/assigner.ts";
import type { AlignedWindower } from "../window/aligned_windower.ts";
import { windowerFor } from "../window/windower.ts";
import type { Window, WindowResult } from "../window/types.ts";
import { groupingKey } from "../keys/grouping_key.ts";
import { blankResults, Downstream, RESULT_CHUNK, ResultObject } from "./_result.ts";
import { NOT_EXACT, type Retract, retractOf } from "../aggregate/retraction.ts";
import {
  blankColumnKernel,
  type ColumnKernel,
  columnKernelOf,
  columnsFromSnapshot,
  readsSnapshotWidth,
} from "../aggregate/column_kernel.ts";
import { CompactResults } from "./compact_results.ts";
import { noteWatermarks, resultBatch } from "./_result_watermarks.ts";
import { AGGREGATE, configSignature, KEY, LateElements, TIME, windowStepFailure } from "./_late.ts";
import type { Batch, Output, WindowEngine } from "./operator.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";
import { blankConfig } from "./window_config.ts";
import { keepShapes } from "./shapes.ts";
import { immutableState } from "../checkpoint/immutable_state.ts";
import { arg, DENSE_KEYS, DENSE_MAX, denseAllowed, grownLength, isDense, KeyIndex } from "./_hot_loop.ts";

/**
 * One slice [start, start + slide): the accumulator of every key with elements in it (tumbling
 * windows), or the key's {@linkcode Entry} (sliding windows).
 */
class Slice {
  /**
   * grouping key (the key itself, or its canonical encoding for object keys) → accumulator or Entry;
   * in a column slice, → the key's entry (slot, or ~j), for the keys that are not in `dense`
   */
  accs = new Map<unknown, unknown>();
  /** grouping key → the key as the key function returned it, for keys that are objects (else null) */
  keys: Map<unknown, unknown> | null = null;
  /** Merged into the running accumulators (sliding windows of a retractable combiner). */
  included = false;
  /**
   * A column slice (a combiner with a column kernel, see SlicedWindowOperator.#columns) keeps each
   * key's entry: its slot, the accumulator being the kernel's `width` numbers at slot * width in
   * `col`, or a negative ~j for the combiner's own accumulator `spilled[j]` (an element the column
   * could not stand for). The entries of integer keys that `dense` reaches are there (every key in
   * [0, DENSE_KEYS), larger ones while memory allows: see `capped`), the others in `accs` (see
   * SlicedWindowOperator.#entry).
   */
  col: Float64Array | null = null;
  /** Slots of `col` in use: every key of a column slice has one, a spilled key too. */
  used = 0;
  spilled: unknown[] | null = null;
  /** A column slice's grouping key of each slot, in the order the keys came (null for other slices). */
  slotKeys: unknown[] | null = null;
  /**
   * A column slice's entries of the integer keys below its length: `dense[k]` is key k's slot + 1,
   * its ~j (negative) when spilled, or 0 when k is not in the slice. The length grows as larger keys
   * come: always to reach one below DENSE_KEYS, up to DENSE_MAX when denseAllowed (#denseFor).
   */
  dense: Int32Array | null = null;
  /** `dense` was refused a length (memory, see denseAllowed): it reaches no further key past DENSE_KEYS. */
  capped = false;
  constructor(readonly start: number, readonly code: number) {}
}

/** A key's accumulator over the slices of the last window fired (sliding windows, retractable combiner). */
class Running {
  constructor(readonly key: unknown, public acc: unknown, public refs: number) {}
}

/**
 * A key's accumulator in one slice of sliding windows (of a combiner without retraction), linked to the same key's entries in the
 * neighbouring open slices (ascending start), so that firing a window merges each key's slices by
 * following links instead of building a Map per window.
 */
class Entry {
  prev: Entry | null = null;
  next: Entry | null = null;
  constructor(readonly slice: Slice, readonly nk: unknown, public acc: unknown) {}
}

/** Every window here has exactly one pane: on time and final. */
const ONLY_PANE = Object.freeze(
  { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true } as const,
);

/** A blank column kernel and a blank CompactResults of it, for the blank objects an engine keeps (shapes.ts). */
function blankCompact(kernel: ColumnKernel): object[] {
  return [kernel, new CompactResults([], new Float64Array(0), kernel, { start: NaN, end: NaN }, NaN, ONLY_PANE)];
}

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
  readonly assignsTime = true;
  readonly #c: ResolvedWindowConfig;
  readonly #size: number;
  readonly #slide: number;
  /** Slices are the windower's periods: a window is the merge of its size/period slices. */
  readonly #windower: AlignedWindower;
  readonly #combiner: Combiner<unknown, unknown, unknown>;
  /**
   * Tumbling windows, and sliding windows whose kernel merges in slots, of a combiner whose accumulator
   * fits in numbers: slices keep it in columns (Slice.col). Sliding windows of a retractable combiner
   * keep their running accumulators in a column too (#rcol), and move all their state to the
   * combiner's accumulators for good (#deopt) when a slot cannot hold one, this being null from then
   * on; tumbling windows and the other sliding ones (#merging) hand that (key, slice) over to the
   * combiner's own accumulator (Slice.spilled).
   */
  #columns: ColumnKernel | null;
  readonly #width: number;
  /** Sliding windows in columns: grouping key → slot of its running accumulator in #rcol (see #rslotSet). */
  #rslots = new KeyIndex();
  #rcol = new Float64Array(0);
  /** Per running slot: included slices with the key (as Running.refs), and the key as given. */
  #rrefs: number[] = [];
  #rkeys: unknown[] = [];
  /**
   * The running slots in the order their keys came (a key that left and came back last), as a Map's
   * iteration gives them: results of a window come out in this order. Per slot, the next and the
   * previous (-1: none); #rfirst and #rlast, the ends.
   */
  #rnext = new Int32Array(0);
  #rprev = new Int32Array(0);
  #rfirst = -1;
  #rlast = -1;
  #rfree: number[] = [];
  #rused = 0;
  /** The column of the last slice dropped, for the next slice opened (every slot is written before it is read). */
  #spareCol: Float64Array | null = null;
  /** The slot cache of the last slice dropped, all zeros, for the next slice that needs one. */
  #spareDense: Int32Array | null = null;
  /** Entries of the open slices' arrays (Slice.dense), for denseAllowed. */
  #denseTotal = 0;
  /** Slots the last slice dropped used: a new slice's column starts that large. */
  #slotHint = 64;
  /**
   * Sliding windows of a combiner that can take a merged accumulator out again (count, sum, mean, an
   * object of them): each key's accumulator over the window is kept running, the slice entering a
   * window merged in and the one leaving retracted, as a hand-written loop does. Null otherwise:
   * slices then hold linked entries (Entry) and each window merges its slices.
   */
  readonly #retract: Retract | null;
  readonly #running = new Map<unknown, Running>();
  /**
   * Sliding windows without retraction whose kernel merges in slots (min, max, an object with one):
   * slices keep columns, and a window's result per key is the merge of the key's slots in its slices,
   * made when it fires (#fireMerged).
   */
  readonly #merging: boolean;
  /** Sliding windows without retraction or a kernel that merges: slices hold Entry objects. */
  readonly #linked: boolean;
  /** #fireMerged's merged slots, kept for the next firing. */
  #mergeCol = new Float64Array(0);
  /** #fireMerged's position of each key in #mergeCol, empty between firings. */
  readonly #mergePos = new KeyIndex();
  /** Open slices by code, and the same slices in ascending start order. */
  #slices = new Map<number, Slice>();
  #ordered: Slice[] = [];
  /**
   * Slices and window ends are Map keys as small integers, (time - #base) / period, when the period
   * and offset are integers (a double Map key costs an allocation and a slow hash on every lookup);
   * otherwise as the times themselves. #base is fixed for the life of the operator.
   */
  readonly #integral: boolean;
  #base = NaN;
  /** Pending window ends, ascending (each end once), and their codes. */
  #ends: number[] = [];
  #endCodes = new Set<number>();
  #wm = -Infinity;
  #emittedWm = -Infinity;
  /**
   * Output watermark (Beam's WatermarkHold with END_OF_WINDOW): a window holds it at end - 1 if that
   * was not behind it when the window got its first element. For one end every key's window gets its
   * first element no earlier than the first key's, so the first decides whether the end holds.
   */
  #outWm = -Infinity;
  #heldEnds = new Set<number>();
  /** Processing time of the step (-0, a double, until the first: see shapes.ts). */
  #now = -0;
  #results: WindowResult[] = [];
  /** The output watermark each pending result was produced under, run-length encoded (see noteWatermarks). */
  #resultWms: number[] = [];
  /** The output watermark the windows firing now were fired under. */
  #fireWm = -Infinity;
  /** Pending results whose watermark is in #resultWms (the rest are being fired under #fireWm). */
  #noted = 0;
  /** Where results go while a step runs (set by data() and watermark()): see #push. */
  #out: Output | null = null;
  readonly #late: LateElements;

  constructor(config: ResolvedWindowConfig) {
    this.#c = config;
    const windower = windowerFor(config.assigner) as AlignedWindower;
    this.#windower = windower;
    this.#size = windower.size;
    this.#slide = windower.period;
    this.#integral = Number.isInteger(windower.period) && Number.isInteger(windower.offset);
    this.id = config.id;
    this.#combiner = config.combiner;
    const sliding = windower.period !== windower.size;
    this.#retract = sliding ? retractOf(config.combiner) : null;
    const kernel = columnKernelOf(config.combiner);
    this.#merging = sliding && this.#retract === null && kernel?.merge !== undefined;
    this.#linked = sliding && this.#retract === null && !this.#merging;
    this.#columns = !sliding || this.#merging
      ? kernel
      : this.#retract !== null && kernel?.merge !== undefined && kernel.retract !== undefined
      ? kernel
      : null;
    this.#width = this.#columns === null ? 0 : this.#columns.width;
    // Same signature as GeneralWindowOperator: the slicing is an implementation detail, but its snapshot
    // format differs, so it is part of the version stored in the snapshot instead.
    this.signature = configSignature(config);
    this.#late = new LateElements(config, windower);
    keepShapes(SlicedWindowOperator, () => {
      const slice = new Slice(NaN, 0);
      return [
        new SlicedWindowOperator(blankConfig(config)),
        slice,
        new Running(null, null, 0),
        new Entry(slice, null, null),
        ...(kernel === null ? [] : blankCompact(blankColumnKernel(kernel))),
        ...blankResults(),
      ];
    });
  }

  /** The input watermark seen so far. */
  get inputWatermark(): number {
    return this.#wm;
  }

  /** The Map key of the slice starting (or window ending) at `time`. */
  #code(time: number): number {
    if (!this.#integral) return time;
    if (Number.isNaN(this.#base)) this.#base = time;
    return (time - this.#base) / this.#slide;
  }

  /** Elements dropped as late since the job started. */
  get lateCount(): number {
    return this.#late.count;
  }

  /** Open (key, slice) pairs. */
  get openWindows(): number {
    let n = 0;
    for (const slice of this.#ordered) n += slice.slotKeys !== null ? slice.used : slice.accs.size;
    return n;
  }

  data(batch: Batch, out: Output): void {
    this.#now = batch.pt;
    this.#out = out;
    const { values, ts, wm } = batch;
    const time = batch.time;
    if (ts === null && time === undefined) {
      throw new TypeError(
        `Cannot window elements without event time (operator "${this.id}"): call withEventTime() before window(), or use a source that carries timestamps`,
      );
    }
    // Event time assigned here as each element is read (Batch.time), or read from `ts` and `wm`.
    const get = time === undefined ? null : time.get;
    const bound = time === undefined ? 0 : time.bound, base = time === undefined ? 0 : time.base;
    const latest = time === undefined ? 0 : time.latest, earliest = time === undefined ? 0 : time.earliest;
    let maxTs = time === undefined ? 0 : time.maxTs;
    // the watermark the element is judged against, and the previous element's
    let w = -Infinity, pw = -Infinity;
    const size = this.#size, slide = this.#slide;
    const windower = this.#windower;
    const keyFn = this.#c.keyFn;
    // One element type per array (Batch: Float64Array), so these loads stay unboxed.
    const wmOf = typeof wm === "number" ? null : wm;
    const constWm = typeof wm === "number" ? wm : 0;
    let nextEnd = this.#ends.length > 0 ? this.#ends[0]! : Infinity;
    // The slice of the previous element: most elements fall into it. Around a slice boundary, elements
    // within the out-of-orderness bound alternate between two slices: the other one is kept too.
    let cur: Slice | null = null, curStart = NaN, curEnd = NaN;
    let alt: Slice | null = null, altStart = NaN, altEnd = NaN;
    // A user function that throws (the key function, a combiner, onLate) fails the job with a StepError
    // naming the step: `phase` says which one was running.
    let i = 0, phase = AGGREGATE;
    try {
      for (; i < values.length; i++) {
        const v = values[i];
        let t: number;
        pw = w;
        if (get === null) {
          t = ts![i]!;
          w = wmOf === null ? constWm : wmOf[i]!;
        } else {
          // as EventTimeOperator assigns it; an invalid time stops here, the event-time step takes the rest
          phase = TIME;
          const raw = get(v);
          t = typeof raw === "number" ? raw : raw instanceof Date ? raw.getTime() : (raw as number);
          if (typeof t !== "number" || !Number.isFinite(t) || t > latest || t < earliest) break;
          const x = maxTs - bound;
          w = x > base ? x : base;
          if (t > maxTs) maxTs = t;
        }
        // Windows whose end this element's watermark has passed are complete without it: fire them
        // first, exactly as the per-window engine judges each element against its own watermark.
        if (w >= nextEnd) {
          // under the output watermark a run of one element per step would have emitted before this one
          if (i > 0) this.#refreshOutputWatermark(arg(pw));
          this.#fireUnderOutput();
          this.#advance(arg(w));
          nextEnd = this.#ends.length > 0 ? this.#ends[0]! : Infinity;
          cur = alt = null;
          curStart =
            curEnd =
            altStart =
            altEnd =
              NaN;
        }
        phase = KEY;
        const key = keyFn === null ? null : keyFn(v);
        phase = AGGREGATE;
        let slice: Slice;
        if (t >= curStart && t < curEnd) slice = cur!;
        else if (t >= altStart && t < altEnd) {
          slice = alt!;
          alt = cur;
          cur = slice;
          altStart = curStart;
          altEnd = curEnd;
          curStart = slice.start;
          curEnd = curStart + slide;
        } else {
          const s = windower.periodStart(t);
          // The last window containing t ends at s + size: if the watermark passed it, all did.
          if (w >= s + size) {
            this.#late.drop(v, arg(t), arg(w), "late");
            continue;
          }
          const code = this.#code(s);
          let found = this.#slices.get(code);
          if (found === undefined) {
            found = this.#open(s, code, arg(w));
            nextEnd = this.#ends[0]!;
          }
          alt = cur;
          altStart = curStart;
          altEnd = curEnd;
          slice = cur = found;
          curStart = s;
          curEnd = s + slide;
        }
        // A call site of #fold per key type (int32, other number, string, other): inlined, a key of one type lets V8
        // specialise the Map lookups for it (a key of unknown type takes the generic lookup: measured
        // 1.5x slower per element on W1).
        if (typeof key === "number") {
          // An int32 key as `key | 0`, a value V8 knows is one: its Map lookups then hash it inline
          // (FindOrderedHashMapEntryForInt32Key) instead of calling the generic lookup; -0 becomes 0, as
          // a Map key does (and as the general engine reports it).
          const k32 = key | 0;
          if (k32 === key) this.#foldInt(slice, k32, v, t);
          else this.#fold(slice, key, key, v, t);
        } else if (typeof key === "string") this.#fold(slice, key, key, v, t);
        else this.#foldOther(slice, key, v, arg(t));
      }
      const taken = i;
      if (time !== undefined) {
        time.done = taken;
        time.maxTs = maxTs;
      }
      i = values.length;
      phase = AGGREGATE;
      // The output watermark a run of one element per step would have emitted after the last element:
      // the watermark in force at it, held back by the windows still open.
      if (taken > 0) this.#refreshOutputWatermark(w);
      this.#fireUnderOutput();
      this.#advance(this.#wm);
    } catch (error) {
      if (phase === TIME) throw stepFailure(time!.label, values[i], error);
      throw this.#failure(phase, i < values.length ? values[i] : FIRING, error);
    }
    this.#flush(out);
  }

  /** Windows fired from now on are fired under the output watermark: the emitted one, or the refreshed one if higher. */
  #fireUnderOutput(): void {
    // (both fields read whatever the outcome: a load V8 has not seen yet deoptimizes the loop when first run)
    const ow = this.#outWm, ew = this.#emittedWm;
    this.#fireWm = ow > ew ? ow : ew;
  }

  /**
   * #fold for an int32 key `k`. A key of a column slice that its array reaches (Slice.dense) has its
   * entry there: found without a Map lookup (a third of the time per element of W1 at 1,000 keys).
   */
  #foldInt(slice: Slice, k: number, v: unknown, t: number): void {
    const columns = this.#columns;
    const dense = slice.dense;
    if (columns !== null && dense !== null && k >= 0 && k < dense.length) {
      const d = dense[k]!;
      if (d > 0 && !slice.included && columns.add(slice.col!, (d - 1) * this.#width, v, t)) return;
      this.#foldColumnSlow(slice, k, k, d > 0 ? d - 1 : d < 0 ? d : undefined, v, arg(t));
    } else if (columns !== null && k >= 0 && k < DENSE_KEYS) {
      // (in no array yet, and kept in one: new in the slice)
      this.#foldColumnSlow(slice, k, k, undefined, v, arg(t));
    } else this.#fold(slice, k, k, v, t);
  }

  /** The entry (slot, or ~j when spilled) of grouping key `nk` in column slice `slice`, if it has one. */
  #entry(slice: Slice, nk: unknown): number | undefined {
    if (isDense(nk)) {
      const dense = slice.dense;
      if (dense !== null && nk < dense.length) {
        const d = dense[nk]!;
        return d > 0 ? d - 1 : d < 0 ? d : undefined;
      }
      if (nk < DENSE_KEYS) return undefined;
    }
    return (slice.accs as Map<unknown, number>).get(nk);
  }

  /** Sets the entry of grouping key `nk` in column slice `slice`. */
  #setEntry(slice: Slice, nk: unknown, e: number): void {
    if (isDense(nk)) {
      let dense = slice.dense;
      if (dense === null || nk >= dense.length) dense = this.#denseFor(slice, nk);
      if (dense !== null) {
        dense[nk] = e >= 0 ? e + 1 : e;
        return;
      }
    }
    slice.accs.set(nk, e);
  }

  /**
   * `slice`'s array of key entries made to reach key `nk` (the spare one, or a longer copy), or null
   * when memory does not allow it (see denseAllowed): `nk` then goes to the Map, and so does every
   * key the array does not reach, for the slice's life (so a key never has to move from the Map into
   * the array: a key below DENSE_KEYS always gets into it, and no key in the Map is below DENSE_KEYS).
   */
  #denseFor(slice: Slice, nk: number): Int32Array | null {
    const old = slice.dense, oldLength = old === null ? 0 : old.length;
    // (a capped slice's Map may hold keys from its length up: the array must not reach them)
    const limit = slice.capped ? Math.max(oldLength, DENSE_KEYS) : DENSE_MAX;
    if (nk >= limit) return null;
    const spare = this.#spareDense;
    let dense: Int32Array;
    if (
      old === null && spare !== null && nk < spare.length && spare.length <= limit &&
      this.#denseAllowed(spare.length, 0, slice)
    ) {
      this.#spareDense = null;
      dense = spare;
    } else {
      let length = grownLength(oldLength, nk);
      // a slice's first array as long as the spare one was, up to DENSE_KEYS: the slices before it
      // needed that much (rather than doubling up to it again)
      if (old === null && spare !== null) length = Math.max(length, Math.min(spare.length, DENSE_KEYS));
      if (!this.#denseAllowed(length, oldLength, slice)) {
        slice.capped = true;
        return null;
      }
      dense = new Int32Array(length);
      if (old !== null) dense.set(old);
    }
    this.#denseTotal += dense.length - oldLength;
    slice.dense = dense;
    return dense;
  }

  #denseAllowed(length: number, old: number, slice: Slice): boolean {
    return denseAllowed(length, old, slice.used + 1, this.#denseTotal, this.openWindows + 1);
  }

  /** Takes the next slot of column slice `slice` (its column already has room) for grouping key `nk`. */
  #newSlot(slice: Slice, nk: unknown): void {
    slice.used++;
    slice.slotKeys!.push(nk);
  }

  /** Folds element `v` (event time `t`) into the accumulator of grouping key `nk` in `slice`. */
  #fold(slice: Slice, nk: unknown, key: unknown, v: unknown, t: number): void {
    if (this.#columns !== null) {
      this.#foldColumn(slice, nk, key, v, t);
      return;
    }
    const combiner = this.#combiner;
    const accs = slice.accs;
    if (this.#linked) {
      const entry = (accs.get(nk) as Entry | undefined) ?? this.#link(slice, nk, combiner.create());
      entry.acc = combiner.add(entry.acc, v, t);
      return;
    }
    const acc = accs.get(nk);
    // (an accumulator may be undefined: a user combiner's create() can return it)
    const fresh = acc === undefined && !accs.has(nk);
    if (fresh) accs.set(nk, combiner.add(combiner.create(), v, t));
    else {
      const next = combiner.add(acc, v, t);
      if (next !== acc) accs.set(nk, next);
    }
    // A slice already in the running accumulators (a window containing it fired): they take the element too.
    if (slice.included) this.#addRunning(nk, key, v, t, fresh);
  }

  /**
   * #fold into a slice's column (a combiner with a column kernel), for a key whose entry is in the
   * slice's Map (not one its array reaches: #foldInt). The common case, a slot that takes the element,
   * is kept small enough for V8 to inline into data()'s loop (a call would box the element's time, a
   * double, on every element); everything else is #foldColumnSlow.
   */
  #foldColumn(slice: Slice, nk: unknown, key: unknown, v: unknown, t: number): void {
    const s = (slice.accs as Map<unknown, number>).get(nk);
    if (s !== undefined && s >= 0 && !slice.included && this.#columns!.add(slice.col!, s * this.#width, v, t)) return;
    this.#foldColumnSlow(slice, nk, key, s, v, arg(t));
  }

  /** #foldColumn for a new key, a spilled one, a slice in the running accumulators, or an element the slot cannot take. */
  #foldColumnSlow(slice: Slice, nk: unknown, key: unknown, s: number | undefined, v: unknown, t: number): void {
    const k = this.#columns!;
    const w = this.#width;
    if (s === undefined) {
      const i = slice.used;
      let col = slice.col;
      if (col === null || (i + 1) * w > col.length) col = this.#grow(slice);
      if (k.first(col, i * w, v, t)) {
        this.#newSlot(slice, nk);
        this.#setEntry(slice, nk, i);
        if (slice.included) this.#addRunningColumn(nk, key, v, t, true);
      } else if (this.#retract !== null) {
        this.#deopt([]);
        this.#fold(slice, nk, key, v, t);
      } else {
        // (the slot stays unused: it keeps the key's place among the slice's keys)
        this.#newSlot(slice, nk);
        const c = this.#combiner;
        this.#spill(slice, nk, c.add(c.create(), v, t));
      }
    } else if (s >= 0) {
      const col = slice.col!;
      // (a slice not in the running accumulators is here because #foldColumn's add refused v)
      if (slice.included && k.add(col, s * w, v, t)) this.#addRunningColumn(nk, key, v, t, false);
      else if (this.#retract !== null) {
        this.#deopt([]);
        this.#fold(slice, nk, key, v, t);
      } else this.#spill(slice, nk, this.#combiner.add(k.toAcc(col, s * w), v, t));
    } else {
      const spilled = slice.spilled!;
      spilled[~s] = this.#combiner.add(spilled[~s], v, t);
    }
  }

  /** Keeps `nk`'s accumulator in `slice` as the combiner's own from now on. */
  #spill(slice: Slice, nk: unknown, acc: unknown): void {
    const spilled = slice.spilled ??= [];
    spilled.push(acc);
    this.#setEntry(slice, nk, ~(spilled.length - 1));
  }

  /** A column for `slice` with room for one more slot (its slots copied over). */
  #grow(slice: Slice): Float64Array {
    const w = this.#width, old = slice.col;
    let col: Float64Array;
    if (old === null) {
      const spare = this.#spareCol;
      if (spare !== null && spare.length >= this.#slotHint * w) {
        this.#spareCol = null;
        col = spare;
      } else col = new Float64Array(Math.max(this.#slotHint, 16) * w);
    } else {
      col = new Float64Array(old.length * 2);
      col.set(old.subarray(0, slice.used * w));
    }
    slice.col = col;
    return col;
  }

  /** Puts accumulator `acc` for `nk` into a slot of `slice`'s column, or spills it when the column cannot hold it. */
  #putColumn(slice: Slice, nk: unknown, acc: unknown): void {
    const i = slice.used, w = this.#width;
    let col = slice.col;
    if (col === null || (i + 1) * w > col.length) col = this.#grow(slice);
    if (this.#columns!.fromAcc(col, i * w, acc)) {
      this.#newSlot(slice, nk);
      this.#setEntry(slice, nk, i);
    } else if (this.#retract !== null) {
      this.#deopt([]);
      slice.accs.set(nk, acc);
    } else {
      this.#newSlot(slice, nk);
      this.#spill(slice, nk, acc);
    }
  }

  /** A free slot of #rcol (the column grows when none is left: read #rcol after). */
  #runningSlot(): number {
    const free = this.#rfree;
    if (free.length > 0) return free.pop()!;
    const r = this.#rused++, w = this.#width;
    if ((r + 1) * w > this.#rcol.length) {
      const col = new Float64Array(Math.max(64 * w, this.#rcol.length * 2));
      col.set(this.#rcol);
      this.#rcol = col;
    }
    if (r >= this.#rnext.length) {
      const n = Math.max(64, this.#rnext.length * 2);
      const next = new Int32Array(n), prev = new Int32Array(n);
      next.set(this.#rnext);
      prev.set(this.#rprev);
      this.#rnext = next;
      this.#rprev = prev;
    }
    return r;
  }

  /** Gives grouping key `nk` (the key `key`) running slot `r`, last in the order. */
  #rslotSet(nk: unknown, key: unknown, r: number): void {
    this.#rkeys[r] = key;
    const last = this.#rlast;
    this.#rprev[r] = last;
    this.#rnext[r] = -1;
    if (last === -1) this.#rfirst = r;
    else this.#rnext[last] = r;
    this.#rlast = r;
    // (the slots in use, r among them, are its keys; the slices' arrays and this one share denseLimits' budget)
    this.#rslots.set(nk, r, this.#rused - this.#rfree.length, this.#denseTotal);
  }

  /** Takes running slot `r` of grouping key `nk` back (free again). */
  #rslotDelete(nk: unknown, r: number): void {
    this.#rslots.delete(nk);
    const next = this.#rnext[r]!, prev = this.#rprev[r]!;
    if (prev === -1) this.#rfirst = next;
    else this.#rnext[prev] = next;
    if (next === -1) this.#rlast = prev;
    else this.#rprev[next] = prev;
    this.#rkeys[r] = undefined;
    this.#rfree.push(r);
  }

  /** #addRunning for running accumulators in columns. */
  #addRunningColumn(nk: unknown, key: unknown, v: unknown, t: number, fresh: boolean): void {
    const k = this.#columns!, w = this.#width;
    const rs = this.#rslots.get(nk);
    if (rs === -1) {
      const r = this.#runningSlot();
      if (k.first(this.#rcol, r * w, v, t)) {
        this.#rslotSet(nk, key, r);
        this.#rrefs[r] = 1;
        return;
      }
      this.#rfree.push(r);
    } else if (k.add(this.#rcol, rs * w, v, t)) {
      if (fresh) this.#rrefs[rs]!++;
      return;
    }
    // the column cannot hold it: all state to the combiner's accumulators, and this element there
    this.#deopt([]);
    this.#addRunning(nk, key, v, t, fresh);
  }

  /**
   * Sliding windows whose state the columns can no longer hold (a sum leaving the safe integers):
   * every slice's accumulators, those of the slices in `gone` (dropped, still to be retracted), and
   * the running ones become the combiner's own, for the rest of the job.
   */
  #deopt(gone: readonly Slice[]): void {
    const k = this.#columns!, w = this.#width;
    for (const slice of [...this.#ordered, ...gone]) {
      const slotKeys = slice.slotKeys;
      if (slotKeys === null) continue;
      // a Map of every key in the order they came, as the slices of other combiners keep it
      const accs = new Map<unknown, unknown>();
      for (let i = 0; i < slice.used; i++) {
        const nk = slotKeys[i];
        accs.set(nk, this.#accAt(slice, this.#entry(slice, nk)!));
      }
      slice.accs = accs;
      slice.col = null;
      slice.spilled = null;
      slice.used = 0;
      slice.slotKeys = null;
      slice.dense = null;
    }
    this.#denseTotal = 0;
    for (let rs = this.#rfirst; rs !== -1; rs = this.#rnext[rs]!) {
      // (the grouping key as #foldOther and #put make it: objects by their canonical encoding)
      const key = this.#rkeys[rs];
      const nk = typeof key === "object" || typeof key === "function" ? groupingKey(key) : key;
      this.#running.set(nk, new Running(key, k.toAcc(this.#rcol, rs * w), this.#rrefs[rs]!));
    }
    this.#clearRunningColumns();
    this.#spareCol = null;
    this.#spareDense = null;
    this.#columns = null;
  }

  #clearRunningColumns(): void {
    this.#rslots = new KeyIndex();
    this.#rrefs = [];
    this.#rkeys = [];
    this.#rfirst = this.#rlast = -1;
    this.#rfree = [];
    this.#rused = 0;
  }

  /** The accumulator at slot `s` of `slice` (a column slot, or a spilled accumulator), as the combiner's own. */
  #accAt(slice: Slice, s: number): unknown {
    return s >= 0 ? this.#columns!.toAcc(slice.col!, s * this.#width) : slice.spilled![~s];
  }

  /** #fold for a key that is neither a number nor a string: objects are grouped by their canonical encoding. */
  #foldOther(slice: Slice, key: unknown, v: unknown, t: number): void {
    if (typeof key === "object" || typeof key === "function" || typeof key === "symbol") {
      const nk = groupingKey(key, v);
      (slice.keys ??= new Map()).set(nk, key);
      this.#fold(slice, nk, key, v, t);
    } else this.#fold(slice, key, key, v, t);
  }

  #failure(phase: number, element: unknown, error: unknown): unknown {
    if (error instanceof Downstream) return error.error;
    return windowStepFailure(this.#c, phase, element, error);
  }

  watermark(wm: number, pt: number, out: Output): void {
    this.#now = pt;
    this.#out = out;
    if (wm > this.#wm) {
      this.#wm = wm;
      this.#fireWm = this.#emittedWm;
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
   * Opens the slice starting at `s` and lists the end of every window that contains it, except
   * windows the watermark `w` has already passed: its elements are late for those.
   */
  #open(s: number, code: number, w: number): Slice {
    const slice = new Slice(s, code);
    if (this.#columns !== null) slice.slotKeys = [];
    this.#slices.set(code, slice);
    const ordered = this.#ordered;
    let i = ordered.length;
    ordered.push(slice);
    while (i > 0 && ordered[i - 1]!.start > s) {
      ordered[i] = ordered[i - 1]!;
      i--;
    }
    ordered[i] = slice;
    const size = this.#size, slide = this.#slide;
    for (let j = 1; j * slide <= size; j++) {
      const e = s + j * slide;
      if (e <= w) continue;
      const ec = this.#code(e);
      if (this.#endCodes.has(ec)) continue;
      this.#endCodes.add(ec);
      this.#insertEnd(e);
      this.#refreshOutputWatermark(w);
      if (this.#maxTimestamp(e) >= this.#outWm) this.#heldEnds.add(ec);
    }
    return slice;
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

  /** Fires the window [end - size, end) of every key with data in it, then drops the slice whose last window it was. */
  #fire(end: number): void {
    const ec = this.#code(end);
    this.#endCodes.delete(ec);
    this.#heldEnds.delete(ec);
    const start = end - this.#size;
    const c = this.#combiner;
    // One window object and one pane for every key's result (results are read-only).
    const window = { start, end };
    const timestamp = maxTimestamp(start, end);
    const ordered = this.#ordered;
    // The window's slices: the open ones starting in [start, end) (older ones were dropped when their
    // last window fired).
    let first = 0;
    while (first < ordered.length && ordered[first]!.start < start) first++;
    let last = first;
    while (last < ordered.length && ordered[last]!.start < end) last++;
    if (first === last) {
      // no slice left in the window (cannot happen: a window's end is listed by the slices it has)
    } else if (this.#retract !== null) {
      this.#fireRunning(ordered, first, last, window, timestamp);
    } else if (this.#merging) {
      this.#fireMerged(ordered, first, last, window, timestamp);
    } else if (this.#columns !== null) {
      // Tumbling, accumulators in the slice's column.
      const slice = ordered[first]!;
      const keys = slice.keys;
      const k = this.#columns, w = this.#width, col = slice.col!, spilled = slice.spilled;
      const slotKeys = slice.slotKeys!;
      if (spilled === null && this.#pullsCompact()) {
        this.#pushCompact(slice, k, window, timestamp);
      } else {
        for (let i = 0; i < slice.used; i++) {
          const nk = slotKeys[i];
          const s = spilled === null ? i : this.#entry(slice, nk)!;
          const key = keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk;
          const value = s >= 0 ? k.result(col, s * w) : c.result(spilled![~s]);
          this.#push(new ResultObject(key, window, value, timestamp, ONLY_PANE));
        }
      }
    } else if (this.#slide === this.#size) {
      // Tumbling: the window is its one slice.
      const slice = ordered[first]!;
      const keys = slice.keys;
      const accs = slice.accs.values();
      for (const nk of slice.accs.keys()) {
        const acc = accs.next().value;
        const key = keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk;
        this.#push(new ResultObject(key, window, c.result(acc), timestamp, ONLY_PANE));
      }
    } else {
      // A key's result is the merge of its entries in the window's slices, found from its first one by
      // following links; never merged into a slice's own accumulator (later windows still need it):
      // the first is used as it is until a second one joins, then copied.
      for (let j = first; j < last; j++) {
        const slice = ordered[j]!;
        const keys = slice.keys;
        for (const e of (slice.accs as Map<unknown, Entry>).values()) {
          if (e.prev !== null && e.prev.slice.start >= start) continue;
          let acc = e.acc;
          let copied = false;
          for (let n = e.next; n !== null && n.slice.start < end; n = n.next) {
            acc = c.merge(copied ? acc : c.merge(c.create(), acc), n.acc);
            copied = true;
          }
          const nk = e.nk;
          const key = keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk;
          this.#push(new ResultObject(key, window, c.result(acc), timestamp, ONLY_PANE));
        }
      }
    }
    this.#noteFired();
    // The slice starting at `start` is the only one whose last window this was.
    // (A slice before `start` cannot remain: its last window ended before this one.)
    const drop = first < last && ordered[first]!.start === start ? first + 1 : first;
    if (drop === 0) return;
    const gone = ordered.splice(0, drop);
    // (retracted before closed: closing hands a slice's column on)
    if (this.#retract !== null) this.#retractSlices(gone);
    for (const slice of gone) this.#close(slice);
  }

  /** Fires a window of sliding windows from the running accumulators, after merging in its new slices. */
  #fireRunning(ordered: Slice[], first: number, last: number, window: Window, timestamp: number): void {
    const c = this.#combiner;
    const running = this.#running;
    for (let j = first; j < last; j++) {
      const slice = ordered[j]!;
      if (slice.included) continue;
      slice.included = true;
      this.#mergeIntoRunning(slice);
    }
    const k = this.#columns;
    if (k !== null && this.#pullsCompact()) {
      this.#pushCompactRunning(k, window, timestamp);
      return;
    }
    if (k !== null) {
      const w = this.#width, rkeys = this.#rkeys;
      for (let rs = this.#rfirst; rs !== -1; rs = this.#rnext[rs]!) {
        // (#rcol read each time: a result handed on cannot change it, but reads stay simple)
        this.#push(new ResultObject(rkeys[rs], window, k.result(this.#rcol, rs * w), timestamp, ONLY_PANE));
      }
      return;
    }
    for (const r of running.values()) {
      this.#push(new ResultObject(r.key, window, c.result(r.acc), timestamp, ONLY_PANE));
    }
  }

  /**
   * Fires a window of sliding column slices (#merging): each key's result is the merge of its slots in
   * the window's slices `ordered[first..last)`, into #mergeCol (the slices keep theirs: later windows
   * need them), in one pass over the slices' entries: a key's first entry takes the next position of
   * #mergeCol, its later ones merge into it (the key's position found in #mergePos). Keys come in the order the linked entries give them (#linked): by the first slice of the
   * window they are in, then in the order they came into it. A key with an accumulator spilled in one of
   * the slices, or slots that cannot stand for the merge, gets the combiner's merge of its accumulators.
   */
  #fireMerged(ordered: Slice[], first: number, last: number, window: Window, timestamp: number): void {
    const k = this.#columns!, w = this.#width, c = this.#combiner;
    const ks: unknown[] = [], nks: unknown[] = [];
    let out = this.#mergeCol;
    const pos = this.#mergePos;
    /** Positions whose merge is not in the slots. */
    let others: Set<number> | null = null;
    let n = 0;
    for (let j = first; j < last; j++) {
      const slice = ordered[j]!;
      const slotKeys = slice.slotKeys!, keys = slice.keys, col = slice.col!, spilled = slice.spilled;
      for (let i = 0; i < slice.used; i++) {
        const nk = slotKeys[i];
        const s = spilled === null ? i : this.#entry(slice, nk)!;
        let p = pos.get(nk);
        if (p < 0) {
          p = n++;
          pos.set(nk, p, n, this.#denseTotal);
          nks.push(nk);
          ks.push(keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk);
          if ((p + 1) * w > out.length) {
            const grown = new Float64Array(Math.max(64 * w, out.length * 2));
            grown.set(out);
            out = this.#mergeCol = grown;
          }
          if (s >= 0) { for (let x = 0; x < w; x++) out[p * w + x] = col[s * w + x]!; }
          else (others ??= new Set()).add(p);
        } else if (others === null || !others.has(p)) {
          if (s < 0 || !k.merge!(out, p * w, col, s * w)) (others ??= new Set()).add(p);
        }
      }
    }
    for (let p = 0; p < n; p++) pos.delete(nks[p]);
    if (n === 0) return;
    if (others === null && this.#pullsCompact()) {
      this.#push(
        new CompactResults(ks, out.slice(0, n * w), k, window, timestamp, ONLY_PANE) as unknown as WindowResult,
      );
      return;
    }
    for (let p = 0; p < n; p++) {
      let value: unknown;
      if (others !== null && others.has(p)) {
        const nk = nks[p];
        let acc = c.create();
        for (let q = first; q < last; q++) {
          const e = this.#entry(ordered[q]!, nk);
          if (e !== undefined) acc = c.merge(acc, this.#accAt(ordered[q]!, e));
        }
        value = c.result(acc);
      } else value = k.result(out, p * w);
      this.#push(new ResultObject(ks[p], window, value, timestamp, ONLY_PANE));
    }
  }

  /** The output takes a firing as one CompactResults entry (Output.compact). */
  #pullsCompact(): boolean {
    return this.#out !== null && this.#out.compact === true;
  }

  /**
   * The window of tumbling column slice `slice` (none spilled) as one CompactResults entry, for an
   * output that takes them (Output.compact): its keys and a copy of its slots, each result built as
   * it is read (compact_results.ts).
   */
  #pushCompact(slice: Slice, k: ColumnKernel, window: Window, timestamp: number): void {
    const n = slice.used, w = this.#width, keys = slice.keys, slotKeys = slice.slotKeys!;
    if (n === 0) return;
    const ks = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const nk = slotKeys[i];
      ks[i] = keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk;
    }
    const slots = slice.col!.slice(0, n * w);
    this.#push(new CompactResults(ks, slots, k, window, timestamp, ONLY_PANE) as unknown as WindowResult);
  }

  /** #pushCompact for a sliding window: the running accumulators of its keys, in their order. */
  #pushCompactRunning(k: ColumnKernel, window: Window, timestamp: number): void {
    const w = this.#width, rkeys = this.#rkeys, rnext = this.#rnext, rcol = this.#rcol;
    // (every slot in use is in the order: #runningSlot's slot is linked or freed at once)
    const n = this.#rused - this.#rfree.length;
    if (n === 0) return;
    const ks = new Array<unknown>(n), slots = new Float64Array(n * w);
    let i = 0;
    for (let rs = this.#rfirst; rs !== -1; rs = rnext[rs]!, i++) {
      ks[i] = rkeys[rs];
      for (let j = 0; j < w; j++) slots[i * w + j] = rcol[rs * w + j]!;
    }
    this.#push(new CompactResults(ks, slots, k, window, timestamp, ONLY_PANE) as unknown as WindowResult);
  }

  /** Adds an element of an included slice to its key's running accumulator (`fresh`: the key is new in the slice). */
  #addRunning(nk: unknown, key: unknown, v: unknown, t: number, fresh: boolean): void {
    const c = this.#combiner;
    const r = this.#running.get(nk);
    if (r === undefined) this.#running.set(nk, new Running(key, c.add(c.create(), v, t), 1));
    else {
      r.acc = c.add(r.acc, v, t);
      if (fresh) r.refs++;
    }
  }

  /** Takes the slices that left the window out of the running accumulators. */
  #retractSlices(gone: Slice[]): void {
    const included = gone.filter((slice) => slice.included);
    if (included.length === 0) return;
    if (included.length > 1) {
      // (not in steady state: rebuild from the slices still in)
      this.#rebuildRunning();
      return;
    }
    const slice = included[0]!;
    const slotKeys = slice.slotKeys;
    if (slotKeys === null) {
      // (see #mergeIntoRunning)
      const values = slice.accs.values();
      for (const nk of slice.accs.keys()) this.#retractEntry(nk, values.next().value);
      return;
    }
    // A column slice of sliding windows: every key has its slot (they never spill), in slot order.
    const n = slice.used;
    for (let s = 0; s < n; s++) {
      const nk = slotKeys[s];
      const k = this.#columns;
      if (k === null) {
        // (the columns were left at an earlier key: the slice's accumulators are in its Map now)
        this.#retractEntry(nk, slice.accs.get(nk));
        continue;
      }
      const rs = this.#rslots.get(nk);
      if (--this.#rrefs[rs]! === 0) {
        this.#rslotDelete(nk, rs);
        continue;
      }
      if (k.retract!(this.#rcol, rs * this.#width, slice.col!, s * this.#width)) continue;
      // not exact in slots: all state to the combiner's accumulators, this key and the rest there
      this.#rrefs[rs]!++;
      this.#deopt(gone);
      this.#retractEntry(nk, slice.accs.get(nk));
    }
  }

  /** Takes `nk`'s accumulator `a` in a slice that left the window out of its running accumulator. */
  #retractEntry(nk: unknown, a: unknown): void {
    const running = this.#running;
    const r = running.get(nk)!;
    if (--r.refs === 0) running.delete(nk);
    else {
      const x = this.#retract!(r.acc, a);
      // An infinity or NaN was summed: merge the key's remaining slices again.
      r.acc = x === NOT_EXACT ? this.#mergeIncluded(nk) : x;
    }
  }

  /** The merge of `nk`'s accumulators in the included slices. */
  #mergeIncluded(nk: unknown): unknown {
    const c = this.#combiner;
    let acc = c.create();
    for (const slice of this.#ordered) {
      if (!slice.included) continue;
      const a = slice.accs.get(nk);
      if (a !== undefined || slice.accs.has(nk)) acc = c.merge(acc, a);
    }
    return acc;
  }

  #rebuildRunning(): void {
    this.#running.clear();
    this.#clearRunningColumns();
    for (const slice of this.#ordered) if (slice.included) this.#mergeIntoRunning(slice);
  }

  /** Merges every key's accumulator in `slice` into the running accumulators. */
  #mergeIntoRunning(slice: Slice): void {
    const slotKeys = slice.slotKeys;
    if (slotKeys === null) {
      // Keys and values side by side: a `[key, value]` entry per key (entries(), or `for (const [k, v]
      // of map)`) is an allocation V8 keeps, where the iterator results of `for...of` over keys() and
      // of values().next() are optimized away.
      const values = slice.accs.values();
      for (const nk of slice.accs.keys()) this.#mergeEntry(slice, nk, values.next().value);
      return;
    }
    // A column slice of sliding windows: every key has its slot (they never spill), in slot order.
    const keys = slice.keys;
    const n = slice.used;
    for (let s = 0; s < n; s++) {
      const nk = slotKeys[s];
      const k = this.#columns;
      if (k === null) {
        // (the columns were left at an earlier key: the slice's accumulators are in its Map now)
        this.#mergeEntry(slice, nk, slice.accs.get(nk));
        continue;
      }
      const w = this.#width, col = slice.col!;
      const rs = this.#rslots.get(nk);
      if (rs === -1) {
        const r = this.#runningSlot();
        // a copy: the running accumulator is the engine's own, folded into and retracted from
        const rcol = this.#rcol;
        for (let j = 0; j < w; j++) rcol[r * w + j] = col[s * w + j]!;
        this.#rslotSet(nk, keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk, r);
        this.#rrefs[r] = 1;
      } else if (k.merge!(this.#rcol, rs * w, col, s * w)) {
        this.#rrefs[rs]!++;
      } else {
        // not in slots: all state to the combiner's accumulators, this key and the rest there
        this.#deopt([]);
        this.#mergeEntry(slice, nk, slice.accs.get(nk));
      }
    }
  }

  /** Merges `nk`'s accumulator `a` in `slice` into its running accumulator. */
  #mergeEntry(slice: Slice, nk: unknown, a: unknown): void {
    const c = this.#combiner;
    const r = this.#running.get(nk);
    if (r === undefined) {
      const keys = slice.keys;
      const key = keys === null ? nk : keys.has(nk) ? keys.get(nk) : nk;
      // a copy: the running accumulator is the engine's own, folded into and retracted from
      this.#running.set(nk, new Running(key, c.merge(c.create(), a), 1));
    } else {
      r.acc = c.merge(r.acc, a);
      r.refs++;
    }
  }

  /** Forgets `slice` (the oldest open one): its entries are unlinked from the next slices' ones. */
  #close(slice: Slice): void {
    this.#slices.delete(slice.code);
    if (slice.col !== null) {
      this.#slotHint = slice.used;
      this.#spareCol = slice.col;
      slice.col = null;
    }
    const dense = slice.dense, slotKeys = slice.slotKeys;
    if (dense !== null && slotKeys !== null) {
      // zeroed for the next slice: entry by entry when the keys are few for its length
      if (slice.used * 8 < dense.length) {
        for (let i = 0; i < slice.used; i++) {
          const nk = slotKeys[i];
          if (isDense(nk) && nk < dense.length) dense[nk] = 0;
        }
      } else dense.fill(0);
      slice.dense = null;
      this.#denseTotal -= dense.length;
      if (this.#spareDense === null || this.#spareDense.length < dense.length) this.#spareDense = dense;
    }
    if (!this.#linked) return;
    for (const e of (slice.accs as Map<unknown, Entry>).values()) if (e.next !== null) e.next.prev = null;
  }

  /** Adds `nk`'s entry to `slice` (of sliding windows), linked to its entries in the other open slices. */
  #link(slice: Slice, nk: unknown, acc: unknown): Entry {
    const entry = new Entry(slice, nk, acc);
    slice.accs.set(nk, entry);
    const ordered = this.#ordered;
    let i = ordered.length - 1;
    while (ordered[i] !== slice) i--;
    // The nearest older slice with the key gives both neighbours; without one, the nearest newer slice.
    for (let j = i - 1; j >= 0; j--) {
      const prev = ordered[j]!.accs.get(nk) as Entry | undefined;
      if (prev === undefined) continue;
      entry.prev = prev;
      entry.next = prev.next;
      if (prev.next !== null) prev.next.prev = entry;
      prev.next = entry;
      return entry;
    }
    for (let j = i + 1; j < ordered.length; j++) {
      const next = ordered[j]!.accs.get(nk) as Entry | undefined;
      if (next === undefined) continue;
      entry.next = next;
      next.prev = entry;
      break;
    }
    return entry;
  }

  /** The last millisecond of the window ending at `end` (Beam's maxTimestamp), as GeneralWindowOperator has it. */
  #maxTimestamp(end: number): number {
    return maxTimestamp(end - this.#size, end);
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

  /**
   * Adds a result of the firing in progress. A firing hands its results on every RESULT_CHUNK results
   * instead of holding them all until the step ends: a window of a million keys would otherwise keep
   * every result alive across the scavenges it takes to build them, each copying them all, and
   * promote them (W2 at 1M keys spent a quarter of its time in scavenges of results waiting).
   */
  #push(r: WindowResult): void {
    const results = this.#results;
    results.push(r);
    if (results.length >= RESULT_CHUNK && this.#out !== null) {
      this.#noteFired();
      const batch = resultBatch(results, this.#resultWms, this.#emittedWm, this.#now);
      this.#results = [];
      this.#resultWms = [];
      this.#noted = 0;
      try {
        this.#out.data(batch);
      } catch (error) {
        // not this step's failure: a later step's (or the consumer's), to pass on as it is
        throw new Downstream(error);
      }
    }
  }

  /** The results fired since the last note were fired under #fireWm. */
  #noteFired(): void {
    const n = this.#results.length;
    noteWatermarks(this.#resultWms, n - this.#noted, this.#fireWm);
    this.#noted = n;
  }

  #flush(out: Output): void {
    const prev = this.#emittedWm;
    if (this.#results.length > 0) {
      const batch = resultBatch(this.#results, this.#resultWms, prev, this.#now);
      this.#results = [];
      this.#resultWms = [];
      this.#noted = 0;
      out.data(batch);
    }
    this.#refreshOutputWatermark(this.#wm);
    if (this.#outWm > prev) {
      this.#emittedWm = this.#outWm;
      out.watermark(this.#outWm, this.#now);
    }
  }

  /** The key and accumulator lists of the last snapshot, by slice position: the next one refills them. */
  #snapshotLists: { keys: unknown[]; accs: unknown[] }[] = [];

  snapshot(): unknown {
    // Slice-major, as the state is kept (sliced-5): each open slice with its keys and accumulators in
    // two parallel arrays, so a snapshot is two array copies per slice and encodes without an object per
    // key. A slice's code gives its start: sliceCodes.base + code * sliceCodes.period (or the start
    // itself). Accumulators are live, not copies, and the arrays are the last snapshot's refilled
    // (filling memory already touched costs a fraction of new arrays): a snapshot holds until the next
    // input step or snapshot, and the checkpointer copies it at once (see JobRun.snapshot).
    if (this.#columns !== null) return this.#snapshotColumns();
    const slices: { code: number; keys: unknown[]; accs: unknown[] }[] = [];
    const linked = this.#linked;
    const lists = this.#snapshotLists;
    lists.length = this.#ordered.length;
    for (let j = 0; j < this.#ordered.length; j++) {
      const slice = this.#ordered[j]!;
      const { keys, accs } = lists[j] ??= { keys: [], accs: [] };
      // Shortened, never lengthened: a length set far ahead makes a slow (dictionary) array.
      if (keys.length > slice.accs.size) keys.length = accs.length = slice.accs.size;
      const originals = slice.keys;
      let i = 0;
      if (originals === null && !linked) {
        // Keys and accumulators apart: no entry array per key.
        for (const nk of slice.accs.keys()) keys[i++] = nk;
        i = 0;
        for (const acc of slice.accs.values()) accs[i++] = acc;
      } else {
        for (const [nk, acc] of slice.accs) {
          keys[i] = originals !== null && originals.has(nk) ? originals.get(nk) : nk;
          accs[i++] = linked ? (acc as Entry).acc : acc;
        }
      }
      slices.push({ code: slice.code, keys, accs });
    }
    return this.#snapshotOf("sliced-5", slices);
  }

  /** The last column snapshot's key and slot lists, by slice position: the next one refills them. */
  #columnLists: { keys: unknown[]; slots: number[] }[] = [];

  /**
   * The snapshot of an engine whose accumulators are in columns (sliced-6): each slice's keys, the slot
   * of each (a negative slot `s` is spilled accumulator `~s`), a copy of its column's used slots (a
   * memcpy) and its spilled accumulators (live, as in sliced-5). No object per key: the
   * pause at a barrier stays a few array copies (building each key's accumulator made it 15 times longer
   * at 100k keys).
   */
  #snapshotColumns(): unknown {
    const w = this.#width;
    const lists = this.#columnLists;
    lists.length = this.#ordered.length;
    const slices: { code: number; keys: unknown[]; slots: number[] | null; col: Float64Array; spilled: unknown[] }[] =
      [];
    for (let j = 0; j < this.#ordered.length; j++) {
      const slice = this.#ordered[j]!;
      const n = slice.used, slotKeys = slice.slotKeys!, originals = slice.keys, spilled = slice.spilled;
      // Primitive keys in slot order, and slot i in slot i (nothing spilled, slots null): one memcpy of
      // the keys and no copy by the checkpoint (immutableState). A cold loop over 100k keys, here and in
      // the checkpoint's copy, was most of a job's first pause (23 ms).
      if (originals === null && spilled === null) {
        const col = immutableState(slice.col === null ? new Float64Array(0) : slice.col.slice(0, n * w));
        slices.push({ code: slice.code, keys: immutableState(slotKeys.slice(0, n)), slots: null, col, spilled: [] });
        continue;
      }
      const { keys, slots } = lists[j] ??= { keys: [], slots: [] };
      if (keys.length > n) keys.length = slots.length = n;
      for (let i = 0; i < n; i++) {
        const nk = slotKeys[i];
        keys[i] = originals === null ? nk : originals.has(nk) ? originals.get(nk) : nk;
        slots[i] = spilled === null ? i : this.#entry(slice, nk)!;
      }
      const col = slice.col === null ? new Float64Array(0) : slice.col.slice(0, n * w);
      slices.push({ code: slice.code, keys, slots, col: immutableState(col), spilled: slice.spilled ?? [] });
    }
    return { ...(this.#snapshotOf("sliced-6", []) as object), width: w, slices };
  }

  #snapshotOf(v: string, slices: unknown[]): unknown {
    const heldEnds: number[] = [];
    for (const e of this.#ends) if (this.#heldEnds.has(this.#code(e))) heldEnds.push(e);
    return {
      v,
      sliceCodes: this.#integral ? { base: this.#base, period: this.#slide } : null,
      watermark: this.#wm,
      outputWatermark: this.#outWm,
      emittedWatermark: this.#emittedWm,
      heldEnds,
      late: this.#late.count,
      slices,
    };
  }

  restore(state: unknown): void {
    // sliced-5 is slice-major; the older formats (read for old checkpoints) are key-major: sliced-4 keys
    // slices by code (sliceCodes); sliced-3 by start and names every field; sliced-1 and sliced-2 kept
    // each key as a [key, slices] pair and abbreviated the watermarks.
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
      keys?: ({ key: unknown; slices: Iterable<[number, unknown]> } | [unknown, Iterable<[number, unknown]>])[];
      width?: number;
      slices?: {
        code: number;
        keys: unknown[];
        accs?: unknown[];
        slots?: number[];
        col?: Float64Array;
        spilled?: unknown[];
      }[];
    };
    const versions = ["sliced-1", "sliced-2", "sliced-3", "sliced-4", "sliced-5", "sliced-6"];
    if (!versions.includes(s?.v)) {
      throw new TypeError(`Cannot restore window operator "${this.id}": unknown snapshot version ${String(s?.v)}`);
    }
    this.#wm = (s.watermark ?? s.wm)!;
    this.#emittedWm = (s.emittedWatermark ?? s.emittedWm)!;
    this.#heldEnds = new Set();
    this.#late.count = s.late;
    this.#ends = [];
    this.#endCodes = new Set();
    this.#slices = new Map();
    this.#ordered = [];
    this.#denseTotal = 0;
    // Rebuilt as windows fire: no restored slice is in the running accumulators yet.
    this.#running.clear();
    this.#clearRunningColumns();
    const codes = s.sliceCodes ?? null;
    // sliced-6 keeps slots of columns: read back as the combiner's own accumulators by the kernel that wrote them
    const kernel = s.v === "sliced-6" ? this.#columns ?? columnKernelOf(this.#combiner) : null;
    // (columns of the layout before sums took two slots are widened: columnsFromSnapshot)
    const legacy = kernel !== null && s.width !== kernel.width;
    if (s.v === "sliced-6" && (kernel === null || !readsSnapshotWidth(kernel, s.width!))) {
      throw new TypeError(
        `Cannot restore window operator "${this.id}": its snapshot keeps accumulators in columns of width ${
          String(s.width)
        }, which this aggregate does not`,
      );
    }
    for (let { code: k, keys, accs, slots, col, spilled } of s.slices ?? []) {
      const start = codes === null ? k : codes.base + k * codes.period;
      const code = this.#code(start);
      // Windows whose end the watermark already passed were fired before the snapshot.
      const slice = this.#slices.get(code) ?? this.#open(start, code, this.#wm);
      if (kernel !== null) {
        const w = kernel.width;
        if (legacy) {
          const widened = columnsFromSnapshot(kernel, col!, s.width!);
          if (widened === null) {
            throw new TypeError(`Cannot restore window operator "${this.id}": its columns are cut short`);
          }
          col = widened;
        }
        for (let i = 0; i < keys.length; i++) {
          // (no slots: nothing spilled, key i in slot i)
          const at = slots === null || slots === undefined ? i : slots[i]!;
          this.#put(slice, keys[i], at >= 0 ? kernel.toAcc(col!, at * w) : spilled![~at]);
        }
      } else for (let i = 0; i < keys.length; i++) this.#put(slice, keys[i], accs![i]);
    }
    for (const entry of s.keys ?? []) {
      const [key, slices] = Array.isArray(entry) ? entry : [entry.key, entry.slices];
      for (const [k, acc] of slices) {
        const start = codes === null ? k : codes.base + k * codes.period;
        const code = this.#code(start);
        const slice = this.#slices.get(code) ?? this.#open(start, code, this.#wm);
        this.#put(slice, key, acc);
      }
    }
    // #open decided holds afresh; the snapshot's own decisions win (version 1 kept no holds: its
    // output watermark was the input watermark)
    this.#outWm = s.outputWatermark ?? this.#emittedWm;
    if (s.heldEnds !== undefined) {
      this.#heldEnds = new Set(s.heldEnds.map((e) => this.#code(e)).filter((c) => this.#endCodes.has(c)));
    }
  }

  /** Restores `key`'s accumulator in `slice`. */
  #put(slice: Slice, key: unknown, acc: unknown): void {
    const isObject = typeof key === "object" || typeof key === "function" || typeof key === "symbol";
    const nk = isObject ? groupingKey(key) : key;
    if (this.#linked) this.#link(slice, nk, acc);
    else if (this.#columns !== null) this.#putColumn(slice, nk, acc);
    else slice.accs.set(nk, acc);
    if (isObject) (slice.keys ??= new Map()).set(nk, key);
  }
}
