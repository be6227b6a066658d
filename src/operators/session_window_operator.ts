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
import { type ColumnKernel, columnKernelOf } from "../aggregate/column_kernel.ts";
import { noteWatermarks, resultBatch } from "./_result_watermarks.ts";
import { AGGREGATE, configSignature, KEY, LateElements, TIME, windowStepFailure } from "./_late.ts";
import type { Batch, Output, WindowEngine } from "./operator.ts";
import { Downstream, RESULT_CHUNK, ResultObject, WindowObject } from "./_result.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";

/** One open session of a key; a key's open sessions form a list, its head in the key Map. */
class Session {
  /** The next open session of the same key (no order among them). */
  next: Session | null = null;
  /** Merged into another session or fired: its heap entries are stale. */
  dead = false;
  /** Holds the output watermark at its max timestamp (END_OF_WINDOW hold). */
  held = false;
  /** Its accumulator's slot in the engine's column (see SessionWindowOperator.#columns), or -1: `acc`. */
  slot = -1;
  constructor(
    readonly nk: unknown,
    readonly key: unknown,
    public start: number,
    public end: number,
    public acc: unknown,
  ) {}
}

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

export class SessionWindowOperator implements WindowEngine {
  readonly id: string;
  readonly signature: string;
  readonly assignsTime = true;
  readonly #c: ResolvedWindowConfig;
  readonly #gap: number;
  readonly #combiner: Combiner<unknown, unknown, unknown>;
  /**
   * A combiner whose accumulator fits in numbers and merges in them (count, sum, min, max, objects of
   * them): each session's accumulator is `width` slots of #col (Session.slot) instead of an object.
   * When an element or a merge leaves what slots hold (a sum past the safe integers, a string for
   * min), every session moves to the combiner's own accumulator for the rest of the job (#deopt), and
   * this is null from then on.
   */
  #columns: ColumnKernel | null;
  readonly #width: number;
  #col = new Float64Array(0);
  #free: number[] = [];
  #used = 0;
  /** grouping key → the key's first open session */
  #keys = new Map<unknown, Session>();
  /**
   * Min-heap of (end, session) in parallel arrays, one entry per session, queued at its end when it
   * opened: a session that grew since is queued again when its entry comes up (the entry is never
   * later than the session's end), one that merged away or fired is skipped.
   */
  #heapEnds: number[] = [];
  #heapSessions: Session[] = [];
  #open = 0;
  #wm = -Infinity;
  /** Output watermark: the input watermark held back by the sessions' holds (only ever rises). */
  #outWm = -Infinity;
  #emittedWm = -Infinity;
  #now = 0;
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
          const before = i > 0 ? this.#outputWatermark(pw) : -Infinity;
          this.#fireWm = before > this.#emittedWm ? before : this.#emittedWm;
          this.#advance(w);
        }
        phase = KEY;
        const key = keyFn === null ? null : keyFn(v);
        phase = AGGREGATE;
        const end = t + gap;
        // The element's own window [t, t + gap) expired: it is late (a session it would join has fired).
        if (w >= end) {
          this.#late.drop(v, t, w, "late");
          continue;
        }
        // Three call sites of #fold, each with a key of one type: inlined, a number or string key lets V8
        // specialise the Map lookup for it (a key of unknown type takes the generic lookup).
        if (typeof key === "number") this.#fold(key, key, v, t, end, w);
        else if (typeof key === "string") this.#fold(key, key, v, t, end, w);
        else {
          const nk = typeof key === "object" || typeof key === "function" || typeof key === "symbol"
            ? groupingKey(key, v)
            : key;
          this.#fold(nk, key, v, t, end, w);
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

  /** Folds element `v` into the session of grouping key `nk` it falls in (or extends), or #add()s it. */
  #fold(nk: unknown, key: unknown, v: unknown, t: number, end: number, w: number): void {
    const head = this.#keys.get(nk);
    // Most elements fall into (or extend) their key's only session.
    if (head !== undefined && head.next === null && head.start < end && t < head.end) {
      if (head.slot < 0) head.acc = this.#combiner.add(head.acc, v, t);
      else if (!this.#columns!.add(this.#col, head.slot * this.#width, v, t)) {
        this.#deopt();
        head.acc = this.#combiner.add(head.acc, v, t);
      }
      if (t < head.start || end > head.end) {
        if (t < head.start) head.start = t;
        if (end > head.end) head.end = end;
        this.#grown(head, w);
      }
      return;
    }
    this.#add(nk, key, head, v, t, end, w);
  }

  /**
   * A session appeared or grew in place: it holds the output watermark at its max timestamp unless
   * that is behind it (WatermarkHold.addElementHold, as GeneralWindowOperator's #onTimeWindow); `w` is
   * the input watermark the element is judged against.
   */
  #grown(s: Session, w: number): void {
    if (!s.held && maxTimestamp(s.start, s.end) >= this.#outputWatermark(w)) s.held = true;
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
    const s = this.#heapSessions[i]!;
    if (!s.dead && s.held) {
      const h = maxTimestamp(s.start, s.end);
      if (h < low) low = h;
    }
    low = this.#lowestHold(2 * i + 1, bound, low);
    return this.#lowestHold(2 * i + 2, bound, low);
  }

  /** Adds an element to its key's sessions: a new one, or the merge of every one it overlaps. */
  #add(nk: unknown, key: unknown, head: Session | undefined, v: unknown, t: number, end: number, w: number): void {
    const combiner = this.#combiner;
    let target: Session | null = null;
    let prev: Session | null = null;
    let merged = false;
    for (let s = head ?? null; s !== null;) {
      const next: Session | null = s.next;
      if (s.start < end && t < s.end) {
        if (target === null) target = s;
        else {
          // The element bridges two sessions: the later one in the list merges into the first.
          this.#mergeInto(target, s);
          merged = true;
          if (s.start < target.start) target.start = s.start;
          if (s.end > target.end) target.end = s.end;
          s.dead = true;
          this.#open--;
          // unlink s (prev is the session before it, never null: target precedes it)
          prev!.next = next;
          s = next;
          continue;
        }
      }
      prev = s;
      s = next;
    }
    if (target === null) {
      const s = new Session(nk, key, t, end, null);
      this.#first(s, v, t);
      s.next = head ?? null;
      this.#keys.set(nk, s);
      this.#open++;
      this.#push(end, s);
      this.#grown(s, w);
      return;
    }
    const grew = t < target.start || end > target.end;
    if (t < target.start) target.start = t;
    if (end > target.end) target.end = end;
    if (target.slot < 0) target.acc = combiner.add(target.acc, v, t);
    else if (!this.#columns!.add(this.#col, target.slot * this.#width, v, t)) {
      this.#deopt();
      target.acc = combiner.add(target.acc, v, t);
    }
    // WatermarkHold.onMerge: the merged session's END_OF_WINDOW hold is placed afresh
    if (merged) target.held = false;
    if (merged || grew) this.#grown(target, w);
  }

  /** Gives new session `s` the accumulator of element `v` alone: a slot, or the combiner's own. */
  #first(s: Session, v: unknown, t: number): void {
    const k = this.#columns;
    if (k !== null) {
      const slot = this.#slot();
      if (k.first(this.#col, slot * this.#width, v, t)) {
        s.slot = slot;
        return;
      }
      this.#free.push(slot);
      this.#deopt();
    }
    const c = this.#combiner;
    s.acc = c.add(c.create(), v, t);
  }

  /** Merges the accumulator of session `s` (which goes) into that of `target`. */
  #mergeInto(target: Session, s: Session): void {
    const k = this.#columns;
    if (k !== null) {
      const w = this.#width;
      if (k.merge!(this.#col, target.slot * w, this.#col, s.slot * w)) {
        this.#free.push(s.slot);
        s.slot = -1;
        return;
      }
      this.#deopt();
    }
    target.acc = this.#combiner.merge(target.acc, s.acc);
  }

  /** A free slot of #col (the column grows when none is left: read #col after). */
  #slot(): number {
    if (this.#free.length > 0) return this.#free.pop()!;
    const slot = this.#used++, w = this.#width;
    if ((slot + 1) * w > this.#col.length) {
      const col = new Float64Array(Math.max(64 * w, this.#col.length * 2));
      col.set(this.#col);
      this.#col = col;
    }
    return slot;
  }

  /** The accumulator of `s` as the combiner's own (a copy when it is in slots). */
  #accOf(s: Session): unknown {
    return s.slot < 0 ? s.acc : this.#columns!.toAcc(this.#col, s.slot * this.#width);
  }

  /** Every open session to the combiner's own accumulator, for the rest of the job. */
  #deopt(): void {
    for (const head of this.#keys.values()) {
      for (let s: Session | null = head; s !== null; s = s.next) {
        if (s.slot < 0) continue;
        s.acc = this.#accOf(s);
        s.slot = -1;
      }
    }
    this.#columns = null;
    this.#col = new Float64Array(0);
    this.#free = [];
    this.#used = 0;
  }

  #push(end: number, s: Session): void {
    const ends = this.#heapEnds, ss = this.#heapSessions;
    let i = ends.length;
    ends.push(end);
    ss.push(s);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ends[p]! <= end) break;
      ends[i] = ends[p]!;
      ss[i] = ss[p]!;
      i = p;
    }
    ends[i] = end;
    ss[i] = s;
  }

  /** Removes the heap's minimum. */
  #pop(): void {
    const ends = this.#heapEnds, ss = this.#heapSessions;
    const lastEnd = ends.pop()!, lastS = ss.pop()!;
    const n = ends.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && ends[c + 1]! < ends[c]!) c++;
      if (ends[c]! >= lastEnd) break;
      ends[i] = ends[c]!;
      ss[i] = ss[c]!;
      i = c;
    }
    ends[i] = lastEnd;
    ss[i] = lastS;
  }

  /** Fires every session whose end is at or before `limit`, in order of end. */
  #advance(limit: number): void {
    const ends = this.#heapEnds, ss = this.#heapSessions;
    const c = this.#combiner;
    while (ends.length > 0 && ends[0]! <= limit) {
      const end = ends[0]!, s = ss[0]!;
      this.#pop();
      // stale: merged away or fired
      if (s.dead) continue;
      // grown since it was queued: queued again at its end (an entry is never later than its session's end)
      if (s.end !== end) {
        this.#push(s.end, s);
        continue;
      }
      s.dead = true;
      this.#open--;
      this.#unlink(s);
      let value: unknown;
      if (s.slot < 0) value = c.result(s.acc);
      else {
        value = this.#columns!.result(this.#col, s.slot * this.#width);
        this.#free.push(s.slot);
        s.slot = -1;
      }
      this.#push1(
        new ResultObject(s.key, new WindowObject(s.start, end), value, maxTimestamp(s.start, end), ONLY_PANE),
      );
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

  /** Takes `s` out of its key's list (the key goes when it has no session left). */
  #unlink(s: Session): void {
    const head = this.#keys.get(s.nk)!;
    if (head === s) {
      if (s.next === null) this.#keys.delete(s.nk);
      else this.#keys.set(s.nk, s.next);
      return;
    }
    let p = head;
    while (p.next !== s) p = p.next!;
    p.next = s.next;
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

  snapshot(): unknown {
    // Accumulators are live, not copies: the checkpointer copies the snapshot at the barrier.
    const keys: SessionsSnapshot["keys"] = [];
    for (const head of this.#keys.values()) {
      const sessions: [number, number, unknown, 0 | 1][] = [];
      for (let s: Session | null = head; s !== null; s = s.next) {
        sessions.push([s.start, s.end, this.#accOf(s), s.held ? 1 : 0]);
      }
      keys.push({ key: head.key, sessions });
    }
    const s: SessionsSnapshot = {
      v: "sessions-2",
      watermark: this.#wm,
      emittedWatermark: this.#emittedWm,
      outputWatermark: this.#outWm,
      late: this.#late.count,
      keys,
    };
    return s;
  }

  restore(state: unknown): void {
    const s = state as SessionsSnapshot | GeneralSnapshot;
    if (s?.v !== "sessions-1" && s?.v !== "sessions-2" && s?.v !== 2) {
      throw new TypeError(
        `Cannot restore window operator "${this.id}": unknown snapshot version ${String((s as { v?: unknown })?.v)}`,
      );
    }
    this.#keys = new Map();
    this.#heapEnds = [];
    this.#heapSessions = [];
    this.#open = 0;
    this.#results = [];
    this.#resultWms = [];
    this.#wm = s.watermark;
    this.#emittedWm = s.emittedWatermark;
    // (sessions-1 kept none: its output watermark was the one emitted)
    this.#outWm = s.outputWatermark ?? s.emittedWatermark;
    this.#late.count = s.late;
    for (const entry of s.keys) {
      const key = entry.key;
      const nk = typeof key === "object" || typeof key === "function" || typeof key === "symbol"
        ? groupingKey(key)
        : key;
      // The general engine's snapshot (v 2) of this configuration: its windows are open sessions
      // (closed ones are gone at once without allowed lateness).
      const spans: [number, number, unknown, (0 | 1)?][] = "sessions" in entry
        ? entry.sessions
        : entry.windows.filter((w) => w.closed !== true).map((w) =>
          w.hold === undefined ? [w.start, w.end, w.acc] : [w.start, w.end, w.acc, w.hold === null ? 0 : 1]
        );
      for (const [start, end, acc, held] of spans) {
        const session = new Session(nk, key, start, end, acc);
        if (this.#columns !== null) {
          const slot = this.#slot();
          if (this.#columns.fromAcc(this.#col, slot * this.#width, acc)) {
            session.slot = slot;
            session.acc = null;
          } else {
            this.#free.push(slot);
            this.#deopt();
          }
        }
        // sessions-2 says whether it holds; before, a session held unless its hold was behind the output
        // watermark (with integer times, never while it is open)
        session.held = held !== undefined ? held === 1 : maxTimestamp(start, end) >= this.#outWm;
        session.next = this.#keys.get(nk) ?? null;
        this.#keys.set(nk, session);
        this.#open++;
        this.#push(end, session);
      }
    }
  }
}
