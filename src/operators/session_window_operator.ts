// Session windows whose result the watermark alone decides: the default trigger (or never()) with no
// allowed lateness and END_OF_WINDOW timestamps, so every session has exactly one pane, on time and
// final. Each key keeps its open sessions in a short list (nearly always one); an element's
// proto-window [t, t + gap) merges with every open session of its key it overlaps
// (MergeOverlappingIntervalWindows: sharing an instant merges, touching does not), and a session
// fires when the watermark reaches its end. Ends wait in one min-heap, a session that grew re-queued
// lazily when it comes up. Other configurations use GeneralWindowOperator (ReduceFnRunner with
// MergingActiveWindowSet); a property test holds both equal.
//
// Why merging element by element gives Beam's panes here: Beam merges a bundle's windows with the
// active ones when the bundle ends, but merging overlapping intervals is a closure (the clusters do
// not depend on the order the windows arrive in), every open session ends after the watermark (it
// would have fired), and the default trigger fires only on the watermark, so no pane can tell the two
// apart.
//
// Output watermark (WatermarkHold with END_OF_WINDOW, as GeneralWindowOperator keeps it): a session
// holds the output watermark at its max timestamp (end - 1) if that was not behind the output
// watermark when it appeared or grew in place; a merge of two or more sessions decides afresh
// (WatermarkHold.onMerge places the END_OF_WINDOW hold at the merged window's end again). With
// integer times and gap a hold is never behind the input watermark while its session is open (end >
// watermark implies end - 1 >= watermark), so the output watermark is the input one; fractional times
// or a gap under 1 make a session open with its hold behind the input watermark, and that hold then
// holds the output watermark back.
// One case is not traced to the general engine's behaviour: in a bundle (one watermark for many
// elements), elements that first open a session and then bridge it to an existing one merge here one
// by one (a fresh hold decision) where the general engine merges the bundle's windows at its end (the
// existing session grown in place, keeping its hold). The two differ only if that merged session's
// max timestamp is behind the output watermark, which needs fractional times.
import type { Combiner } from "../aggregate/combiner.ts";
import { FIRING, stepFailure } from "../errors.ts";
import { maxTimestamp } from "../window/assigner.ts";
import type { SessionWindower } from "../window/session_windower.ts";
import { windowerFor } from "../window/windower.ts";
import type { WindowResult } from "../window/types.ts";
import { groupingKey } from "../keys/grouping_key.ts";
import {
  blankColumnKernel,
  type ColumnKernel,
  columnKernelOf,
  columnsFromSnapshot,
  readsSnapshotWidth,
} from "../aggregate/column_kernel.ts";
import { noteWatermarks, resultBatch } from "./_result_watermarks.ts";
import { AGGREGATE, configSignature, KEY, LateElements, TIME, windowStepFailure } from "./_late.ts";
import type { Batch, Output, WindowEngine } from "./operator.ts";
import { blankResults, Downstream, RESULT_CHUNK, ResultObject, WindowObject } from "./_result.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";
import { blankConfig } from "./window_config.ts";
import { keepShapes } from "./shapes.ts";
import { arg, KeyIndex } from "./_hot_loop.ts";
import { immutableState } from "../checkpoint/immutable_state.ts";

/** Whether `key` is an object or a function (a snapshot then copies the key list holding it). */
function isObjectKey(key: unknown): boolean {
  return typeof key === "object" ? key !== null : typeof key === "function";
}

/** Session flags (SessionWindowOperator.#flags). */
const DEAD = 1, HELD = 2;

/** Every session here has exactly one pane: on time and final. */
const ONLY_PANE = Object.freeze(
  { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true } as const,
);

/** True when `SessionWindowOperator` computes exactly what `GeneralWindowOperator` would. */
export function canRunSessions(c: ResolvedWindowConfig): boolean {
  return c.assigner.kind === "session" && (c.trigger.kind === "default" || c.trigger.kind === "never") &&
    c.allowedLateness === 0 && !c.complete && c.timestampCombiner === "end-of-window";
}

/** A snapshot of the general engine (version 2), which earlier releases ran sessions on. */
interface GeneralSnapshot {
  v: 2;
  watermark: number;
  outputWatermark: number;
  emittedWatermark: number;
  late: number;
  keys: {
    key: unknown;
    /** `hold`: its hold (END_OF_WINDOW: the max timestamp), null when it holds nothing. */
    windows: { start: number; end: number; acc: unknown; closed?: boolean; hold?: number | null }[];
  }[];
}

interface SessionsSnapshot {
  /** sessions-2 adds whether each session holds the output watermark; sessions-1 did not keep it. */
  v: "sessions-1" | "sessions-2";
  watermark: number;
  emittedWatermark: number;
  /** The output watermark (sessions-2); sessions-1 had it equal to the input watermark. */
  outputWatermark?: number;
  late: number;
  /** Each key with its open sessions as [start, end, accumulator] (sessions-2: and 1 when it holds). */
  keys: { key: unknown; sessions: [number, number, unknown, (0 | 1)?][] }[];
}

/**
 * sessions-4: the engine's session arrays as they are, id by id (see SessionWindowOperator.snapshot).
 * Ids in [0, top) that are free, or DEAD (merged away, their heap entry not yet up), hold no session.
 */
export interface SessionsById {
  v: "sessions-4";
  watermark: number;
  emittedWatermark: number;
  outputWatermark: number;
  late: number;
  /** Ids in use so far: every array below covers [0, top). */
  top: number;
  /** Each id's key (undefined for an id that holds no session). */
  keys: unknown[];
  /** Each id's start and end. */
  span: Float64Array;
  /** Each id's next session of the same key, or -1. */
  next: Int32Array;
  /** Each id's DEAD and HELD bits. */
  flags: Uint8Array;
  /** The ids free to reuse, in the order they are taken back (last first). */
  free: Int32Array;
  /** The heap of (end, id), array for array. */
  heapEnds: Float64Array;
  heapIds: Int32Array;
  /** Slots per accumulator in `col` (0 when `accs` holds them). */
  width: number;
  col: Float64Array | null;
  /** Each id's accumulator, the combiner's own (when the engine keeps no columns). */
  accs: unknown[] | null;
}

/** sessions-3: the open sessions in columns, key by key (written before sessions-4; still restored). */
interface SessionsColumns {
  v: "sessions-3";
  watermark: number;
  emittedWatermark: number;
  outputWatermark: number;
  late: number;
  /** Each session's key, a key's sessions together in list order. */
  keys: unknown[];
  /** Each session's start and end. */
  span: Float64Array;
  /** 1 where a session holds the output watermark at its max timestamp. */
  held: Uint8Array;
  /** Slots per accumulator in `col` (0 when `accs` holds them). */
  width: number;
  col: Float64Array | null;
  /** Each session's accumulator, the combiner's own (when the engine keeps no columns). */
  accs: unknown[] | null;
}

export class SessionWindowOperator implements WindowEngine {
  readonly id: string;
  readonly signature: string;
  readonly assignsTime = true;
  readonly #c: ResolvedWindowConfig;
  readonly #gap: number;
  readonly #combiner: Combiner<unknown, unknown, unknown>;
  // Sessions are ids into parallel arrays (structure of arrays), not objects: a million open sessions
  // then cost no object each, and their start and end are unboxed doubles. An id is reused once its
  // session is gone and off the heap (a session has exactly one heap entry at any time: queued when it
  // opens, queued again only when that entry comes up, so an id that is off the heap is referenced
  // nowhere else).
  /** Ids from here on were never used. */
  #top = 0;
  /** Ids free to reuse: their session fired, or merged away and its heap entry came up. */
  #freeIds: number[] = [];
  /** A session's start at 2 * id, its end at 2 * id + 1. */
  #span = new Float64Array(0);
  /** The next open session of the same key (no order among them), or -1: a key's sessions form a list. */
  #next = new Int32Array(0);
  /** DEAD: merged into another session (its heap entry is stale); HELD: holds the output watermark at its max timestamp. */
  #flags = new Uint8Array(0);
  /** The grouping key and the key of each session. */
  #nkOf: unknown[] = [];
  #keyOf: unknown[] = [];
  /** Whether a key was ever an object or function (then a snapshot's key list is not shared as it is). */
  #objectKeys = false;
  /**
   * A combiner whose accumulator fits in numbers and merges in them (count, sum, min, max, objects of
   * them): each session's accumulator is `width` slots of #col at id * width instead of an object.
   * When an element or a merge leaves what slots hold (a sum past the safe integers, a string for
   * min), every session moves to the combiner's own accumulator (#accs) for the rest of the job
   * (#deopt), and this is null from then on.
   */
  #columns: ColumnKernel | null;
  readonly #width: number;
  #col = new Float64Array(0);
  /** Each session's accumulator by id, while #columns is null. */
  #accs: unknown[] = [];
  /** Grouping key → the id of the key's first open session (written through #setHead and #deleteHead). */
  #heads = new KeyIndex();
  /**
   * Min-heap of (end, session id) in parallel arrays, one entry per session, queued at its end when it
   * opened: a session that grew since is queued again when its entry comes up (the entry is never
   * later than the session's end), one that merged away is skipped (and its id freed).
   */
  #heapEnds: number[] = [];
  #heapIds: number[] = [];
  #open = 0;
  #wm = -Infinity;
  /** Output watermark: the input watermark held back by the sessions' holds (only ever rises). */
  #outWm = -Infinity;
  #emittedWm = -Infinity;
  /** Processing time of the step (-0, a double, until the first: see shapes.ts). */
  #now = -0;
  #results: WindowResult[] = [];
  /** The output watermark each pending result was produced under, run-length encoded (see noteWatermarks). */
  #resultWms: number[] = [];
  #fireWm = -Infinity;
  /** Where results go while a step runs (set by data() and watermark()): see #push1. */
  #out: Output | null = null;
  readonly #late: LateElements;

  constructor(config: ResolvedWindowConfig) {
    this.#c = config;
    const windower = windowerFor(config.assigner) as SessionWindower;
    this.#gap = windower.gap;
    this.id = config.id;
    this.#combiner = config.combiner;
    const kernel = columnKernelOf(config.combiner);
    this.#columns = kernel?.merge !== undefined ? kernel : null;
    this.#width = this.#columns === null ? 0 : this.#columns.width;
    // Same signature as GeneralWindowOperator, whose snapshots this engine also restores.
    this.signature = configSignature(config);
    this.#late = new LateElements(config, windower);
    keepShapes(SessionWindowOperator, () => [
      new SessionWindowOperator(blankConfig(config)),
      ...(kernel === null ? [] : [blankColumnKernel(kernel)]),
      ...blankResults(),
    ]);
  }

  /** The input watermark seen so far. */
  get inputWatermark(): number {
    return this.#wm;
  }

  /** Elements dropped as late since the job started. */
  get lateCount(): number {
    return this.#late.count;
  }

  /** Open (key, session) pairs. */
  get openWindows(): number {
    return this.#open;
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
    const gap = this.#gap;
    const keyFn = this.#c.keyFn;
    // One element type per array (Batch: Float64Array), so these loads stay unboxed.
    const wmOf = typeof wm === "number" ? null : wm;
    const constWm = typeof wm === "number" ? wm : 0;
    const heapEnds = this.#heapEnds;
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
        // Sessions whose end this element's watermark has passed are complete without it.
        if (heapEnds.length > 0 && w >= heapEnds[0]!) {
          // under the output watermark emitted before this element
          const before = i > 0 ? this.#outputWatermark(arg(pw)) : -Infinity;
          const ew = this.#emittedWm;
          this.#fireWm = before > ew ? before : ew;
          this.#advance(arg(w));
        }
        phase = KEY;
        const key = keyFn === null ? null : keyFn(v);
        phase = AGGREGATE;
        const end = t + gap;
        // The element's own window [t, t + gap) expired: it is late (a session it would join has fired).
        if (w >= end) {
          this.#late.drop(v, arg(t), arg(w), "late");
          continue;
        }
        // A call site of #fold per key type (int32, other number, string, other): inlined, a key of one type lets V8
        // specialise the Map lookup for it (a key of unknown type takes the generic lookup).
        if (typeof key === "number") {
          // An int32 key as `key | 0`, a value V8 knows is one: its Map lookups then hash it inline
          // (FindOrderedHashMapEntryForInt32Key) instead of calling the generic lookup; -0 becomes 0, as
          // a Map key does (and as the general engine reports it). One #heads reaches is there.
          const k32 = key | 0;
          if (k32 === key) this.#fold(k32, k32, this.#headOf(k32), v, t, end, w);
          else this.#fold(key, key, this.#heads.map.get(key) ?? -1, v, t, end, w);
        } else if (typeof key === "string") this.#fold(key, key, this.#heads.map.get(key) ?? -1, v, t, end, w);
        else {
          const nk = groupingKey(key, v);
          this.#fold(nk, key, this.#heads.map.get(nk) ?? -1, v, t, end, w);
        }
      }
      const taken = i;
      if (time !== undefined) {
        time.done = taken;
        time.maxTs = maxTs;
      }
      i = values.length;
      phase = AGGREGATE;
      // The output watermark a run of one element per step would have emitted after the last element:
      // the watermark in force at it, held back by the sessions still open.
      if (taken > 0) this.#outputWatermark(w);
      this.#fireWm = this.#emittedWm;
      this.#advance(this.#wm);
    } catch (error) {
      if (error instanceof Downstream) throw error.error;
      if (phase === TIME) throw stepFailure(time!.label, values[i], error);
      throw windowStepFailure(this.#c, phase, i < values.length ? values[i] : FIRING, error);
    }
    this.#flush(out);
  }

  /**
   * Folds element `v` into the session of grouping key `nk` (`head`: its first session, or -1) it
   * falls in (or extends), or #add()s it.
   */
  #fold(nk: unknown, key: unknown, head: number, v: unknown, t: number, end: number, w: number): void {
    // Most elements fall into (or extend) their key's only session.
    if (head !== -1 && this.#next[head] === -1) {
      const span = this.#span, at = 2 * head;
      const start = span[at]!, e = span[at + 1]!;
      if (start < end && t < e) {
        this.#addTo(head, v, t);
        if (t < start || end > e) {
          if (t < start) span[at] = t;
          if (end > e) span[at + 1] = end;
          // (a session already holding needs nothing more: tested here, so that the common case makes
          // no call, and no heap number of `w` for one)
          if ((this.#flags[head]! & HELD) === 0) this.#grown(head, arg(w));
        }
        return;
      }
    }
    this.#add(nk, key, head, v, arg(t), arg(end), arg(w));
  }

  /** Adds element `v` to the accumulator of session `s`. */
  #addTo(s: number, v: unknown, t: number): void {
    const k = this.#columns;
    if (k === null || !k.add(this.#col, s * this.#width, v, t)) this.#addToAcc(s, v, t);
  }

  /**
   * #addTo through the combiner's own accumulator (the slots could not take `v`, or there are none).
   * A method of its own: V8 inlines #addTo and the kernel into the engine's loop within a budget of
   * bytecode, which this rarely run part would spend.
   */
  #addToAcc(s: number, v: unknown, t: number): void {
    if (this.#columns !== null) this.#deopt();
    this.#accs[s] = this.#combiner.add(this.#accs[s], v, arg(t));
  }

  /**
   * A session appeared or grew in place: it holds the output watermark at its max timestamp unless
   * that is behind it (WatermarkHold.addElementHold, as GeneralWindowOperator's #onTimeWindow); `w` is
   * the input watermark the element is judged against.
   */
  #grown(s: number, w: number): void {
    const flags = this.#flags;
    if (
      (flags[s]! & HELD) === 0 && maxTimestamp(this.#span[2 * s]!, this.#span[2 * s + 1]!) >= this.#outputWatermark(w)
    ) {
      flags[s] = flags[s]! | HELD;
    }
  }

  /**
   * The output watermark under input watermark `w` (no lower than it was): `w` held back by the
   * lowest hold of an open session. Every open session ends after `w`, so a hold (its max timestamp)
   * behind `w` belongs to a session ending before w + 1, and every such session has a heap entry
   * below w + 1 (entries are never later than their session's end): only those are looked at.
   */
  #outputWatermark(w: number): number {
    let x = w;
    const ends = this.#heapEnds;
    if (ends.length > 0 && ends[0]! < w + 1) x = this.#lowestHold(0, w + 1, x);
    if (x > this.#outWm) this.#outWm = x;
    return this.#outWm;
  }

  /** The lowest hold below `low` among sessions with a heap entry below `bound` in the subheap at `i`. */
  #lowestHold(i: number, bound: number, low: number): number {
    const ends = this.#heapEnds;
    if (i >= ends.length || ends[i]! >= bound) return low;
    const s = this.#heapIds[i]!;
    if ((this.#flags[s]! & (DEAD | HELD)) === HELD) {
      const h = maxTimestamp(this.#span[2 * s]!, this.#span[2 * s + 1]!);
      if (h < low) low = h;
    }
    low = this.#lowestHold(2 * i + 1, bound, low);
    return this.#lowestHold(2 * i + 2, bound, low);
  }

  /** Adds an element to its key's sessions (`head`: the first, or -1): a new one, or the merge of every one it overlaps. */
  #add(nk: unknown, key: unknown, head: number, v: unknown, t: number, end: number, w: number): void {
    const span = this.#span, next = this.#next, flags = this.#flags;
    let target = -1;
    let prev = -1;
    let merged = false;
    for (let s = head; s !== -1;) {
      const after = next[s]!;
      if (span[2 * s]! < end && t < span[2 * s + 1]!) {
        if (target === -1) target = s;
        else {
          // The element bridges two sessions: the later one in the list merges into the first.
          this.#mergeInto(target, s);
          merged = true;
          if (span[2 * s]! < span[2 * target]!) span[2 * target] = span[2 * s]!;
          if (span[2 * s + 1]! > span[2 * target + 1]!) span[2 * target + 1] = span[2 * s + 1]!;
          // gone, but its id stays taken until its heap entry comes up
          flags[s] = DEAD;
          this.#nkOf[s] = this.#keyOf[s] = undefined;
          this.#open--;
          // unlink s (prev is the session before it, never -1: target precedes it)
          next[prev] = after;
          s = after;
          continue;
        }
      }
      prev = s;
      s = after;
    }
    if (target === -1) {
      const s = this.#alloc(nk, key, t, end);
      this.#first(s, v, t);
      this.#next[s] = head;
      this.#setHead(nk, s);
      this.#open++;
      this.#push(end, s);
      this.#grown(s, w);
      return;
    }
    const at = 2 * target;
    const grew = t < span[at]! || end > span[at + 1]!;
    if (t < span[at]!) span[at] = t;
    if (end > span[at + 1]!) span[at + 1] = end;
    this.#addTo(target, v, t);
    // WatermarkHold.onMerge: the merged session's END_OF_WINDOW hold is placed afresh
    if (merged) flags[target] = flags[target]! & ~HELD;
    if (merged || grew) this.#grown(target, w);
  }

  /** A session id for a new session of key `key` (grouping key `nk`) spanning [start, end) (the arrays may grow: read them after). */
  #alloc(nk: unknown, key: unknown, start: number, end: number): number {
    let s: number;
    const freeIds = this.#freeIds;
    if (freeIds.length > 0) s = freeIds.pop()!;
    else {
      s = this.#top++;
      // (ids below #next.length have room in the arrays)
      if (s >= this.#next.length) this.#grow();
    }
    this.#span[2 * s] = start;
    this.#span[2 * s + 1] = end;
    this.#next[s] = -1;
    this.#flags[s] = 0;
    // (an id is below their length, or equal to it: the arrays stay packed)
    this.#nkOf[s] = nk;
    this.#keyOf[s] = key;
    if (isObjectKey(key)) this.#objectKeys = true;
    return s;
  }

  /** Doubles the room of the per-session arrays. */
  #grow(): void {
    const cap = Math.max(64, this.#next.length * 2);
    const span = new Float64Array(2 * cap);
    span.set(this.#span);
    this.#span = span;
    const next = new Int32Array(cap);
    next.set(this.#next);
    this.#next = next;
    const flags = new Uint8Array(cap);
    flags.set(this.#flags);
    this.#flags = flags;
    if (this.#columns !== null) {
      const col = new Float64Array(cap * this.#width);
      col.set(this.#col);
      this.#col = col;
    }
  }

  /** Gives new session `s` the accumulator of element `v` alone: slots, or the combiner's own. */
  #first(s: number, v: unknown, t: number): void {
    const k = this.#columns;
    if (k !== null) {
      if (k.first(this.#col, s * this.#width, v, t)) return;
      this.#deopt();
    }
    const c = this.#combiner;
    this.#accs[s] = c.add(c.create(), v, t);
  }

  /** Merges the accumulator of session `s` (which goes) into that of `target`. */
  #mergeInto(target: number, s: number): void {
    const k = this.#columns;
    if (k !== null) {
      const w = this.#width;
      if (k.merge!(this.#col, target * w, this.#col, s * w)) return;
      this.#deopt();
    }
    const accs = this.#accs;
    accs[target] = this.#combiner.merge(accs[target], accs[s]);
    accs[s] = undefined;
  }

  /** The accumulator of session `s` as the combiner's own (a copy when it is in slots). */
  #accOf(s: number): unknown {
    return this.#columns === null ? this.#accs[s] : this.#columns.toAcc(this.#col, s * this.#width);
  }

  /** Every open session to the combiner's own accumulator, for the rest of the job. */
  #deopt(): void {
    const accs: unknown[] = new Array(this.#top).fill(undefined);
    const next = this.#next;
    for (const head of this.#allHeads()) {
      for (let s = head; s !== -1; s = next[s]!) accs[s] = this.#accOf(s);
    }
    this.#accs = accs;
    this.#columns = null;
    this.#col = new Float64Array(0);
  }

  #push(end: number, s: number): void {
    const ends = this.#heapEnds, ids = this.#heapIds;
    let i = ends.length;
    ends.push(end);
    ids.push(s);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ends[p]! <= end) break;
      ends[i] = ends[p]!;
      ids[i] = ids[p]!;
      i = p;
    }
    ends[i] = end;
    ids[i] = s;
  }

  /** Removes the heap's minimum. */
  #pop(): void {
    const ends = this.#heapEnds, ids = this.#heapIds;
    const lastEnd = ends.pop()!, lastS = ids.pop()!;
    const n = ends.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && ends[c + 1]! < ends[c]!) c++;
      if (ends[c]! >= lastEnd) break;
      ends[i] = ends[c]!;
      ids[i] = ids[c]!;
      i = c;
    }
    ends[i] = lastEnd;
    ids[i] = lastS;
  }

  /** Fires every session whose end is at or before `limit`, in order of end. */
  #advance(limit: number): void {
    const ends = this.#heapEnds, ids = this.#heapIds;
    const c = this.#combiner;
    // (the fields every branch needs read up front: a field load V8 has not seen run deoptimizes the
    // compiled method the first time its branch is taken; firing allocates no session, so they stay)
    const flags = this.#flags, span = this.#span, freeIds = this.#freeIds, keyOf = this.#keyOf;
    while (ends.length > 0 && ends[0]! <= limit) {
      const end = ends[0]!, s = ids[0]!;
      this.#pop();
      // merged away: its id is free now that its entry is off the heap
      if ((flags[s]! & DEAD) !== 0) {
        freeIds.push(s);
        continue;
      }
      // grown since it was queued: queued again at its end (an entry is never later than its session's end)
      const e = span[2 * s + 1]!;
      if (e !== end) {
        this.#push(e, s);
        continue;
      }
      const start = span[2 * s]!, key = keyOf[s];
      this.#open--;
      this.#unlink(s);
      let value: unknown;
      if (this.#columns === null) {
        value = c.result(this.#accs[s]);
        this.#accs[s] = undefined;
      } else value = this.#columns.result(this.#col, s * this.#width);
      this.#nkOf[s] = keyOf[s] = undefined;
      freeIds.push(s);
      this.#push1(new ResultObject(key, new WindowObject(start, end), value, maxTimestamp(start, end), ONLY_PANE));
    }
  }

  /**
   * Adds a fired session's result, handing the pending ones on every RESULT_CHUNK (see
   * SlicedWindowOperator.#push: a watermark that fires a million sessions would otherwise hold every
   * result alive until the step ends).
   */
  #push1(r: WindowResult): void {
    const results = this.#results;
    results.push(r);
    noteWatermarks(this.#resultWms, 1, this.#fireWm);
    if (results.length >= RESULT_CHUNK && this.#out !== null) {
      const batch = resultBatch(results, this.#resultWms, this.#emittedWm, this.#now);
      this.#results = [];
      this.#resultWms = [];
      try {
        this.#out.data(batch);
      } catch (error) {
        throw new Downstream(error);
      }
    }
  }

  /** The first session of grouping key `nk`, or -1. */
  #headOf(nk: unknown): number {
    return this.#heads.get(nk);
  }

  /** Makes session `s` the first of grouping key `nk`'s list. */
  #setHead(nk: unknown, s: number): void {
    this.#heads.set(nk, s, this.#open + 1, 0);
  }

  /** Forgets grouping key `nk` (it has no session left). */
  #deleteHead(nk: unknown): void {
    this.#heads.delete(nk);
  }

  /** The first session of every key with one: the Map's in their order, then the array's by key. */
  #allHeads(): number[] {
    const all = [...this.#heads.map.values()];
    const dense = this.#heads.dense;
    for (let k = 0; k < dense.length; k++) if (dense[k] !== 0) all.push(dense[k]! - 1);
    return all;
  }

  /** Takes session `s` out of its key's list (the key goes when it has no session left). */
  #unlink(s: number): void {
    const nk = this.#nkOf[s], next = this.#next;
    const head = this.#headOf(nk);
    if (head === s) {
      if (next[s] === -1) this.#deleteHead(nk);
      else this.#setHead(nk, next[s]!);
      return;
    }
    let p = head;
    while (next[p] !== s) p = next[p]!;
    next[p] = next[s]!;
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
        if (error instanceof Downstream) throw error.error;
        throw windowStepFailure(this.#c, AGGREGATE, FIRING, error);
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

  /** Emits the fired sessions, then the output watermark (the input one held back by the sessions' holds). */
  #flush(out: Output): void {
    const prev = this.#emittedWm;
    if (this.#results.length > 0) {
      const batch = resultBatch(this.#results, this.#resultWms, prev, this.#now);
      this.#results = [];
      this.#resultWms = [];
      out.data(batch);
    }
    const wm = this.#outputWatermark(this.#wm);
    if (wm > prev) {
      this.#emittedWm = wm;
      out.watermark(wm, this.#now);
    }
  }

  /**
   * sessions-4: the engine's arrays as they are, id by id: each id's key, span, next session of the
   * key, flags, accumulator (a copy of its slots, or the combiner's own, live: the checkpointer copies
   * a snapshot at the barrier), then the free ids and the heap. Every part is one bulk copy (no loop
   * over sessions: at 100k keys sessions-3's walk of every key's list made a job's first pause
   * 17-18 ms, cold), and a restore rebuilds the engine id for id, heap included, so sessions that end
   * together fire in the order they would have. Holds until the next step or snapshot.
   */
  snapshot(): unknown {
    const top = this.#top;
    // Ids stay taken up to the most sessions ever open at once: when most of them are free, the
    // snapshot renumbers the others (#compacted) rather than carry the free ones.
    if (2 * this.#freeIds.length > top) return this.#compacted();
    const columns = this.#columns !== null;
    return this.#byId(
      top,
      this.#keyOf.slice(0, top),
      this.#span.slice(0, 2 * top),
      this.#next.slice(0, top),
      this.#flags.slice(0, top),
      Int32Array.from(this.#freeIds),
      Int32Array.from(this.#heapIds),
      columns ? this.#col.slice(0, top * this.#width) : null,
      columns ? null : this.#accs.slice(0, top),
    );
  }

  /**
   * A sessions-4 snapshot of these parts, fresh copies built for it alone: the checkpoint shares
   * rather than copies them (immutableState), but for a key list holding objects, which it copies.
   */
  #byId(
    top: number,
    keys: unknown[],
    span: Float64Array,
    next: Int32Array,
    flags: Uint8Array,
    free: Int32Array,
    heapIds: Int32Array,
    col: Float64Array | null,
    accs: unknown[] | null,
  ): SessionsById {
    return {
      v: "sessions-4",
      watermark: this.#wm,
      emittedWatermark: this.#emittedWm,
      outputWatermark: this.#outWm,
      late: this.#late.count,
      top,
      keys: this.#objectKeys ? keys : immutableState(keys),
      span: immutableState(span),
      next: immutableState(next),
      flags: immutableState(flags),
      free: immutableState(free),
      heapEnds: immutableState(Float64Array.from(this.#heapEnds)),
      heapIds: immutableState(heapIds),
      width: col === null ? 0 : this.#width,
      col: col === null ? null : immutableState(col),
      accs,
    };
  }

  /**
   * sessions-4 without the free ids: the others renumbered in order, the heap's entries and each
   * key's list following them (a restore then fires in the same order: the heap keeps its shape, and
   * ids only name sessions). One loop over the ids.
   */
  #compacted(): SessionsById {
    const top = this.#top, free = this.#freeIds;
    const to = new Int32Array(top);
    for (let i = 0; i < free.length; i++) to[free[i]!] = -1;
    let m = 0;
    for (let i = 0; i < top; i++) if (to[i] !== -1) to[i] = m++;
    const k = this.#columns, w = this.#width;
    const keys: unknown[] = new Array(m).fill(undefined);
    const span = new Float64Array(2 * m), next = new Int32Array(m), flags = new Uint8Array(m);
    const col = k === null ? null : new Float64Array(m * w);
    const accs: unknown[] | null = k === null ? new Array(m).fill(undefined) : null;
    const fromSpan = this.#span, fromNext = this.#next, fromFlags = this.#flags, src = this.#col;
    for (let i = 0; i < top; i++) {
      const j = to[i]!;
      if (j === -1) continue;
      keys[j] = this.#keyOf[i];
      span[2 * j] = fromSpan[2 * i]!;
      span[2 * j + 1] = fromSpan[2 * i + 1]!;
      // (a DEAD id's next is stale, and read by nothing)
      const n = fromNext[i]!;
      next[j] = n === -1 || (fromFlags[i]! & DEAD) !== 0 ? -1 : to[n]!;
      flags[j] = fromFlags[i]!;
      if (col !== null) { for (let x = 0; x < w; x++) col[j * w + x] = src[i * w + x]!; }
      else accs![j] = this.#accs[i];
    }
    const heapIds = Int32Array.from(this.#heapIds);
    for (let i = 0; i < heapIds.length; i++) heapIds[i] = to[heapIds[i]!]!;
    return this.#byId(m, keys, span, next, flags, new Int32Array(0), heapIds, col, accs);
  }

  restore(state: unknown): void {
    let s = state as SessionsSnapshot | GeneralSnapshot | SessionsColumns | SessionsById;
    if (
      s?.v !== "sessions-1" && s?.v !== "sessions-2" && s?.v !== "sessions-3" && s?.v !== "sessions-4" && s?.v !== 2
    ) {
      throw new TypeError(
        `Cannot restore window operator "${this.id}": unknown snapshot version ${String((s as { v?: unknown })?.v)}`,
      );
    }
    if (
      (s.v === "sessions-3" || s.v === "sessions-4") && s.col !== null &&
      (this.#columns === null || !readsSnapshotWidth(this.#columns, s.width))
    ) {
      throw new TypeError(
        `Cannot restore window operator "${this.id}": its snapshot keeps accumulators in columns of width ${s.width}, which this aggregate does not`,
      );
    }
    this.#objectKeys = false;
    this.#heads = new KeyIndex();
    this.#top = 0;
    this.#freeIds = [];
    this.#span = new Float64Array(0);
    this.#next = new Int32Array(0);
    this.#flags = new Uint8Array(0);
    this.#nkOf = [];
    this.#keyOf = [];
    this.#col = new Float64Array(0);
    this.#accs = [];
    this.#heapEnds = [];
    this.#heapIds = [];
    this.#open = 0;
    this.#results = [];
    this.#resultWms = [];
    this.#wm = s.watermark;
    this.#emittedWm = s.emittedWatermark;
    // (sessions-1 kept none: its output watermark was the one emitted)
    this.#outWm = s.outputWatermark ?? s.emittedWatermark;
    this.#late.count = s.late;
    if ((s.v === "sessions-3" || s.v === "sessions-4") && s.col !== null && s.width !== this.#width) {
      // the layout before sums took two slots, widened (columnsFromSnapshot)
      const col = columnsFromSnapshot(this.#columns!, s.col, s.width);
      if (col === null) throw new TypeError(`Cannot restore window operator "${this.id}": its columns are cut short`);
      s = { ...s, col, width: this.#width };
    }
    if (s.v === "sessions-4") {
      this.#restoreById(s);
      return;
    }
    // each key's last session restored so far: sessions are appended, so a key's list keeps its order
    const tails = new Map<unknown, number>();
    if (s.v === "sessions-3") {
      const { keys, span, held, col, accs } = s;
      const w = s.width;
      let last: unknown = undefined, nk: unknown = undefined;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (i === 0 || key !== last) nk = groupingKey(key);
        last = key;
        const start = span[2 * i]!, end = span[2 * i + 1]!;
        const id = this.#alloc(nk, key, start, end);
        if (col !== null) this.#col.set(col.subarray(i * w, i * w + w), id * w);
        else this.#restoreAcc(id, accs![i]);
        if (held[i] === 1) this.#flags[id] = HELD;
        this.#append(nk, id, tails);
        this.#push(end, id);
      }
      return;
    }
    for (const entry of s.keys) {
      const key = entry.key;
      const nk = groupingKey(key);
      // The general engine's snapshot (v 2) of this configuration: its windows are open sessions
      // (closed ones are gone at once without allowed lateness).
      const spans: [number, number, unknown, (0 | 1)?][] = "sessions" in entry
        ? entry.sessions
        : entry.windows.filter((w) => w.closed !== true).map((w) =>
          w.hold === undefined ? [w.start, w.end, w.acc] : [w.start, w.end, w.acc, w.hold === null ? 0 : 1]
        );
      for (const [start, end, acc, held] of spans) {
        const id = this.#alloc(nk, key, start, end);
        this.#restoreAcc(id, acc);
        // sessions-2 says whether it holds; before, a session held unless its hold was behind the output
        // watermark (with integer times, never while it is open)
        if (held !== undefined ? held === 1 : maxTimestamp(start, end) >= this.#outWm) this.#flags[id] = HELD;
        this.#append(nk, id, tails);
        this.#push(end, id);
      }
    }
  }

  /**
   * Restores a sessions-4 snapshot (into an engine restore() emptied): the engine's arrays id for id,
   * each key's list and the heap as they were.
   */
  #restoreById(s: SessionsById): void {
    const top = s.top;
    if (
      !Number.isInteger(top) || top < 0 || s.keys.length !== top || s.span.length !== 2 * top ||
      s.next.length !== top || s.flags.length !== top || s.heapEnds.length !== s.heapIds.length
    ) {
      throw new TypeError(
        `Cannot restore window operator "${this.id}": its sessions-4 snapshot's arrays do not match its ${
          String(top)
        } session ids`,
      );
    }
    const cap = Math.max(64, top);
    this.#span = new Float64Array(2 * cap);
    this.#span.set(s.span);
    this.#next = new Int32Array(cap);
    this.#next.set(s.next);
    this.#flags = new Uint8Array(cap);
    this.#flags.set(s.flags);
    this.#top = top;
    this.#freeIds = Array.from(s.free);
    this.#heapEnds = Array.from(s.heapEnds);
    this.#heapIds = Array.from(s.heapIds);
    // An id holds a session unless it is free or DEAD.
    const none = new Uint8Array(top);
    for (let i = 0; i < s.free.length; i++) none[s.free[i]!] = 1;
    const flags = this.#flags, next = this.#next;
    const keyOf: unknown[] = new Array(top).fill(undefined), nkOf: unknown[] = new Array(top).fill(undefined);
    // a key's first session is the one no other session of it points to
    const pointedTo = new Uint8Array(top);
    let open = 0;
    for (let i = 0; i < top; i++) {
      if ((flags[i]! & DEAD) !== 0) none[i] = 1;
      if (none[i] === 1) continue;
      open++;
      const key = s.keys[i];
      keyOf[i] = key;
      nkOf[i] = groupingKey(key);
      if (isObjectKey(key)) this.#objectKeys = true;
      if (next[i] !== -1) pointedTo[next[i]!] = 1;
    }
    this.#keyOf = keyOf;
    this.#nkOf = nkOf;
    this.#open = open;
    for (let i = 0; i < top; i++) if (none[i] === 0 && pointedTo[i] === 0) this.#setHead(nkOf[i], i);
    if (this.#columns === null) {
      this.#accs = new Array(top).fill(undefined);
      for (let i = 0; i < top; i++) if (none[i] === 0) this.#accs[i] = s.accs![i];
      return;
    }
    this.#col = new Float64Array(cap * this.#width);
    if (s.col !== null) {
      this.#col.set(s.col);
      return;
    }
    // the combiner's own accumulators, into slots while they fit them (#restoreAcc)
    for (let i = 0; i < top; i++) if (none[i] === 0) this.#restoreAcc(i, s.accs![i]);
  }

  /** Gives restored session `id` accumulator `acc` (the combiner's own): in slots when they hold it. */
  #restoreAcc(id: number, acc: unknown): void {
    const k = this.#columns;
    if (k !== null && k.fromAcc(this.#col, id * this.#width, acc)) return;
    if (k !== null) this.#deopt();
    this.#accs[id] = acc;
  }

  /** Links restored session `id` last in the list of grouping key `nk` (`tails`: each key's last so far). */
  #append(nk: unknown, id: number, tails: Map<unknown, number>): void {
    const tail = tails.get(nk);
    if (tail === undefined) this.#setHead(nk, id);
    else this.#next[tail] = id;
    tails.set(nk, id);
    this.#open++;
  }
}
