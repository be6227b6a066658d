// The general windowing engine: any assigner, any trigger. It follows Beam Java's ReduceFnRunner
// (runners/core-java) rule for rule; the comments name the Beam method each rule comes from.
//
// Time and bundles. Each element is judged against the watermark in force when it arrived (Batch.wm).
// Beam evaluates triggers once per bundle (ReduceFnRunner.processElements), then fires timers
// (ReduceFnRunner.onTimers). A bundle here is one element, unless the source marks its chunks as
// bundles (Batch.bundle: TestStream's addElements); even then a bundle ends where the watermark rises,
// and the timers the rise makes due fire before the next element. So, outside explicit bundles,
// results do not depend on how the input is chunked.
//
// Window boundaries in weir's terms: a window [start, end) has Beam's maxTimestamp end - 1; "the
// watermark passed the window" is W >= end; garbage collection (Beam's GC time, maxTimestamp +
// allowedLateness) is W >= end + allowedLateness, which is also when an element becomes droppable.
import type { Combiner } from "../aggregate/combiner.ts";
import { FIRING } from "../errors.ts";
import * as tm from "../trigger/state_machine.ts";
import type { TriggerSpec } from "../trigger/trigger.ts";
import { maxTimestamp as windowMaxTimestamp } from "../window/assigner.ts";
import { type Windower, windowerFor } from "../window/windower.ts";
import { AlignedWindower } from "../window/aligned_windower.ts";
import type { SessionWindower } from "../window/session_windower.ts";
import type { PaneTiming, WindowResult } from "../window/types.ts";
import { HoldHeap } from "./_hold_heap.ts";
import { groupingKey } from "../keys/grouping_key.ts";
import { AGGREGATE, configSignature, KEY, LateElements, windowStepFailure } from "./_late.ts";
import { IdleKeys } from "./_idle_keys.ts";
import { DENSE_KEYS, isDense } from "./_hot_loop.ts";
import { noteWatermarks, resultBatch } from "./_result_watermarks.ts";
import { TimerHeap } from "./_timer_heap.ts";
import type { Batch, Output, WindowEngine } from "./operator.ts";
import { blankResults, PaneObject, ResultObject, WindowObject } from "./_result.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";
import { blankConfig } from "./window_config.ts";
import { keepShapes } from "./shapes.ts";

/** Whether grouping key `nk` is kept in GeneralWindowOperator's array of keys: an integer in [0, DENSE_KEYS). */
function isDenseKey(nk: unknown): nk is number {
  return isDense(nk) && nk < DENSE_KEYS;
}

const NONE = 0, EARLY = 1, ON_TIME = 2, LATE = 3;
const TIMING: PaneTiming[] = ["early", "early", "on-time", "late"];
const TIMING_CODE: Record<string, number> = { none: NONE, early: EARLY, "on-time": ON_TIME, late: LATE };
const ADDED = 0, DROPPED_LATE = 1, DROPPED_CLOSED = 2, NO_WINDOW = 3;
const EOW = 0, EARLIEST = 1, LATEST = 2;
/** Which user function a window step was running (for StepError). */

class KeyState {
  /** Active windows and closed ones (kept until garbage collection so they stay closed). */
  windows: Win[] = [];
  last: Win | null = null;
  /** How many of `windows` are closed. */
  closed = 0;
  /** Windows that took an element in the current bundle, to be evaluated when it ends. */
  touched: Win[] | null = null;
  /** Elements of this key held for the end of the bundle (sessions): the key must stay until then. */
  held = 0;
  /** No windows left: kept a while, as the key usually comes back soon (see _idle_keys.ts). */
  idle = false;
  idleSince = 0;
  constructor(readonly key: unknown, readonly nk: unknown) {}
}

class Win {
  // The fields the per-element path reads come first.
  readonly ks: KeyState;
  start: number;
  end: number;
  acc: unknown;
  /** The trigger finished: the window takes no more elements until it is garbage collected. */
  closed = false;
  /** Elements arrived since the last pane (Beam's NonEmptyPanes). */
  nonEmpty = false;
  /** Panes emitted so far (PaneInfoTracker): the next pane's index. */
  panes = 0;
  /**
   * An END_OF_WINDOW hold is present: its value is the window's max timestamp, so it follows a growing
   * session without a store (a boolean field stays cheap where a number field would box).
   */
  held = false;
  /** The default trigger's end-of-window timer is set (other triggers: `triggerTimer`). */
  eowTimer = false;
  /** Time of this window's entry in the timer heap (null when none) and its validity stamp. */
  timerAt: number | null = null;
  /** The bundle in which the window last took an element. */
  bundle = -1;
  trig: tm.TriggerState | null = null;
  removed = false;
  nonSpeculativeIndex = -1;
  lastTiming = NONE;
  /** Output watermark hold (WatermarkHold) under EARLIEST/LATEST, null when none. */
  hold: number | null = null;
  holdGen = 0;
  /** The earliest event-time timer the trigger asked for, Infinity when none. */
  triggerTimer: number | null = null;
  timerGen = 0;
  constructor(ks: KeyState, start: number, end: number, acc: unknown) {
    this.ks = ks;
    this.start = start;
    this.end = end;
    this.acc = acc;
  }
}

/** A window's state in a snapshot. */
interface WindowSnapshot {
  start: number;
  end: number;
  acc: unknown;
  trigger: tm.TriggerState | null;
  closed: boolean;
  nonEmpty: boolean;
  panes: number;
  nonSpeculativeIndex: number;
  lastTiming: "none" | PaneTiming;
  hold: number | null;
  triggerTimer: number | null;
}

interface Snapshot {
  v: 2;
  watermark: number;
  outputWatermark: number;
  emittedWatermark: number;
  late: number;
  keys: { key: unknown; windows: WindowSnapshot[] }[];
}

/**
 * The general windowing engine (per-window state, any trigger, any assigner). `.window().aggregate()`
 * runs it unless `SlicedWindowOperator` gives the same panes faster: see window_engine.ts.
 */
export class GeneralWindowOperator implements WindowEngine {
  readonly id: string;
  readonly signature: string;
  readonly #c: ResolvedWindowConfig;
  readonly #combiner: Combiner<unknown, unknown, unknown>;
  readonly #trig: TriggerSpec;
  readonly #stateful: boolean;
  readonly #defaultTrigger: boolean;
  readonly #hasPt: boolean;
  readonly #merging: boolean;
  readonly #windower: Windower;
  /**
   * The windower when it is tumbling, or sliding with a size that is a multiple of its period: the
   * windows of a time then depend only on the period it falls in (other sizes: a time late in a period
   * has fewer windows). Null otherwise.
   */
  readonly #periodic: AlignedWindower | null;
  /** The windower when it merges (sessions), else null. */
  readonly #sessions: SessionWindower | null;
  /** The windows `#windower.assign` wrote for the current element (start, end pairs; reused). */
  readonly #assigned: number[] = [];
  readonly #lateness: number;
  readonly #tc: number;
  #keys = new Map<unknown, KeyState>();
  /** Keys without windows still in #keys, windows collected so far, and when the next sweep may run. */
  readonly #idleKeys = new IdleKeys<KeyState>(() => this.#keys, (ks) => {
    if (isDenseKey(ks.nk)) this.#denseKeys[ks.nk] = undefined;
  });
  /**
   * The keys of #keys that are integers in [0, DENSE_KEYS), by key: found without a hash lookup (a
   * Map lookup per element was an eighth of this engine's time with 1,000 or 10,000 such keys).
   */
  #denseKeys: (KeyState | undefined)[] = [];
  #timers = new TimerHeap<Win>();
  #holds = new HoldHeap<Win>((w) => (w.held ? maxTimestamp(w) : w.hold ?? NaN));
  #pt = new Set<Win>();
  #touchedKeys: KeyState[] = [];
  /**
   * Default trigger with END_OF_WINDOW holds: a window holds (at end - 1) exactly while its end-of-window
   * timer (at end) is pending, so these holds are not kept in #holds: none is below the earliest timer
   * minus one, which #nextDue bounds from below.
   */
  readonly #holdsByTimer: boolean;
  /** A lower bound of the earliest timer in #timers (exact after each advance). */
  #nextDue = Infinity;
  /** Windows whose timers an advance made due (reused). */
  #due: Win[] = [];
  /** Session elements of the current (explicit) bundle, merged when it ends: #held of them. */
  #held = 0;
  #heldKeys: KeyState[] = [];
  #heldValues: unknown[] = [];
  #heldTimes: number[] = [];
  #bundle = 0;
  #wm = -Infinity;
  #outWm = -Infinity;
  #emittedWm = -Infinity;
  /**
   * The output watermark each pending result was produced under, run-length encoded (noteWatermarks): what a run with one element per
   * step would have emitted before the step that produced it (see #resultWatermark), so that a
   * following step judges each result as it would then, whatever the chunking.
   */
  #resultWms: number[] = [];
  /** Inside #advance: its panes see the output watermark from before it (#advanceWm). */
  #advanceWm: number | null = null;
  /** The output watermark at the start of the current element's step, once computed (NaN: not yet). */
  #stepWm = NaN;
  /** Processing time of the step (-0, a double, until the first: see shapes.ts). */
  #now = -0;
  #results: WindowResult[] = [];
  #ctx: tm.TriggerContext;
  readonly #late: LateElements;
  /** Open (key, window) pairs, including closed windows kept until they expire. */
  openWindows = 0;

  constructor(config: ResolvedWindowConfig) {
    this.#c = config;
    this.id = config.id;
    this.#combiner = config.combiner;
    this.#trig = config.trigger;
    this.#stateful = !tm.isStateless(config.trigger);
    this.#defaultTrigger = config.trigger.kind === "default";
    this.#hasPt = tm.usesProcessingTime(config.trigger);
    const windower = windowerFor(config.assigner);
    this.#windower = windower;
    this.#periodic = windower instanceof AlignedWindower && windower.size % windower.period === 0 ? windower : null;
    this.#merging = windower.merging;
    this.#sessions = windower.merging ? windower : null;
    this.#lateness = config.allowedLateness;
    this.#tc = config.timestampCombiner === "earliest"
      ? EARLIEST
      : config.timestampCombiner === "latest"
      ? LATEST
      : EOW;
    this.#holdsByTimer = this.#defaultTrigger && this.#tc === EOW;
    // (pt -0, a double from the start, as #now: see shapes.ts)
    this.#ctx = { wm: -Infinity, pt: -0, end: 0, ts: NaN, merging: this.#merging, timer: Infinity };
    this.signature = configSignature(config);
    this.#late = new LateElements(config, windower);
    keepShapes(GeneralWindowOperator, () => {
      const ks = new KeyState(null, null);
      return [new GeneralWindowOperator(blankConfig(config)), ks, new Win(ks, NaN, NaN, null), ...blankResults()];
    });
  }

  /** The input watermark seen so far. */
  get inputWatermark(): number {
    return this.#wm;
  }

  /** Elements dropped as late or for a closed window. */
  get lateCount(): number {
    return this.#late.count;
  }

  data(batch: Batch, out: Output): void {
    this.#now = batch.pt;
    const { values, ts, wm } = batch;
    if (ts === null) {
      throw new TypeError(
        `Cannot window elements without event time (operator "${this.id}"): call withEventTime() before window(), or use a source that carries timestamps`,
      );
    }
    const keyFn = this.#c.keyFn;
    const sessions = this.#sessions;
    const windower = this.#windower;
    const assigned = this.#assigned;
    // The last element's windows are reused while elements stay in its period [pStart, pEnd) (#periodic).
    const aligned = this.#periodic;
    let pStart = NaN, pEnd = NaN, pWindows = 0;
    // One element type per array (Batch: Float64Array), so these loads stay unboxed.
    const wmOf = typeof wm === "number" ? null : wm;
    const constWm = typeof wm === "number" ? wm : 0;
    const eachElement = batch.bundle !== true;
    const combiner = this.#combiner;
    const gap = sessions === null ? 0 : sessions.gap;
    const sessionFast = sessions !== null && eachElement && this.#holdsByTimer && !this.#stateful &&
      !this.#c.complete;
    // A user function that throws (the key function, a combiner, onLate) fails the job with a StepError
    // naming the step: `phase` says which one was running.
    let i = 0, phase = AGGREGATE;
    try {
      for (; i < values.length; i++) {
        const v = values[i];
        const t = ts[i]!;
        const w = wmOf === null ? constWm : wmOf[i]!;
        this.#stepWm = NaN;
        if (w > this.#wm) {
          // The watermark rises: the bundle so far ends, then the timers this makes due fire.
          if (this.#touchedKeys.length > 0 || this.#held > 0) this.#endBundle();
          if (w >= this.#nextDue) this.#advance(w);
          else this.#wm = w; // nothing due; the output watermark follows when next needed
        } else if (eachElement && (this.#touchedKeys.length > 0 || this.#held > 0)) this.#endBundle();
        phase = KEY;
        let key = keyFn === null ? null : keyFn(v);
        // -0 groups with 0, as Map keys do, and is reported as 0 (as the other engines report it)
        if (key === 0) key = 0;
        phase = AGGREGATE;
        const nk = typeof key === "object" || typeof key === "function" || typeof key === "symbol"
          ? groupingKey(key, v)
          : key;
        const dense = isDenseKey(nk);
        let ks = dense ? this.#denseKeys[nk] : this.#keys.get(nk);
        if (ks === undefined) {
          ks = new KeyState(key, nk);
          this.#keys.set(nk, ks);
          if (dense) this.#setDenseKey(nk, ks);
        } else this.#idleKeys.active(ks);
        let status: number;
        if (sessions !== null) {
          // The common case, handled here without calls (each would box the event time): the key has
          // one session, on time, and the element falls inside it or extends it to the right. This is
          // what #addSession and #addTo do for it under the default trigger with END_OF_WINDOW holds:
          // the window holds and has its end-of-window timer (moved lazily when it fires), and the
          // default trigger only looks at windows the watermark has passed.
          if (sessionFast && ks.windows.length === 1) {
            const win = ks.windows[0]!;
            const W = this.#wm, pEnd = t + gap;
            if (
              !win.closed && win.panes === 0 && win.held && win.eowTimer && win.timerAt !== null &&
              win.start <= t && t < win.end && W < win.end && W < pEnd
            ) {
              if (pEnd > win.end) win.end = pEnd;
              win.acc = combiner.add(win.acc, v, t);
              win.nonEmpty = true;
              continue;
            }
          }
          if (this.#wm >= sessions.lastEnd(t) + this.#lateness) status = DROPPED_LATE;
          else if (eachElement) status = this.#addSession(ks, v, t, true);
          else {
            // Sessions merge per bundle (ReduceFnRunner.mergeWindows): held until the bundle ends.
            const n = this.#held++;
            this.#heldKeys[n] = ks;
            ks.held++;
            this.#heldValues[n] = v;
            this.#heldTimes[n] = t;
            continue;
          }
        } else {
          // Ascending window start, so the panes of one firing come out in that order. A sliding window
          // gap (slide > size) leaves some times in no window: Beam assigns such an element none.
          let n: number;
          if (t >= pStart && t < pEnd) n = pWindows;
          else {
            n = pWindows = windower.assign(t, assigned);
            if (aligned !== null) {
              pStart = aligned.periodStart(t);
              pEnd = pStart + aligned.period;
            }
          }
          status = NO_WINDOW;
          for (let j = 0; j < n; j++) {
            const st = this.#add(ks, assigned[2 * j]!, assigned[2 * j + 1]!, v, t);
            if (st < status) status = st;
          }
        }
        if (ks.windows.length === 0 && ks.held === 0) this.#idleKeys.idle(ks);
        if (status === DROPPED_LATE || status === DROPPED_CLOSED) {
          this.#late.drop(v, t, this.#wm, status === DROPPED_LATE ? "late" : "window-closed");
        }
      }
      this.#endBundle();
      if (this.#c.complete && values.length > 0) this.#emitAll();
      this.#firePt();
    } catch (error) {
      throw this.#failure(phase, i < values.length ? values[i] : FIRING, error);
    }
    this.#flush(out);
  }

  #failure(phase: number, element: unknown, error: unknown): unknown {
    return windowStepFailure(this.#c, phase, element, error);
  }

  #setDenseKey(nk: number, ks: KeyState): void {
    const dense = this.#denseKeys;
    // (grown an entry at a time: an index far past the end would make a slow dictionary array)
    while (dense.length <= nk) dense.push(undefined);
    dense[nk] = ks;
  }

  watermark(wm: number, pt: number, out: Output): void {
    this.#now = pt;
    try {
      if (wm > this.#wm) this.#advance(wm);
      this.#firePt();
    } catch (error) {
      throw this.#failure(AGGREGATE, FIRING, error);
    }
    this.#flush(out);
  }

  tick(pt: number, out: Output): void {
    this.#now = pt;
    try {
      this.#firePt();
    } catch (error) {
      throw this.#failure(AGGREGATE, FIRING, error);
    }
    this.#flush(out);
  }

  nextDeadline(): number {
    let min = Infinity;
    for (const win of this.#pt) {
      const d = win.trig === null ? Infinity : tm.nextDeadline(this.#trig, win.trig);
      if (d < min) min = d;
    }
    return min;
  }

  // ---- elements (ReduceFnRunner.processElement) ----

  /** Adds an element to the non-merging window [start, end). */
  #add(ks: KeyState, start: number, end: number, v: unknown, t: number): number {
    // LateDataDroppingDoFnRunner: a window past its garbage-collection time takes nothing.
    if (this.#wm >= end + this.#lateness) return DROPPED_LATE;
    let win = ks.last;
    if (win === null || win.start !== start || win.end !== end) {
      win = null;
      const ws = ks.windows;
      for (let i = 0; i < ws.length; i++) {
        const x = ws[i]!;
        if (x.start === start && x.end === end) {
          win = x;
          break;
        }
      }
      if (win === null) win = this.#open(ks, start, end, this.#combiner.create());
    }
    // ReduceFnRunner.processElement: a window whose trigger finished drops the element.
    if (win.closed) return DROPPED_CLOSED;
    ks.last = win;
    this.#addTo(win, v, t);
    return ADDED;
  }

  #open(ks: KeyState, start: number, end: number, acc: unknown): Win {
    const win = new Win(ks, start, end, acc);
    if (this.#stateful) win.trig = tm.initState(this.#trig);
    ks.windows.push(win);
    this.openWindows++;
    this.#onTimeWindow(win);
    return win;
  }

  /**
   * What every element of a window that the watermark has not passed does, done once when the window
   * appears (or grows), since the answer cannot change while its bounds stay: the END_OF_WINDOW hold
   * (WatermarkHold.addElementHold: the hold is the window's max timestamp, unless behind the output
   * watermark) and the default trigger's end-of-window timer (DefaultTriggerStateMachine.onElement).
   */
  #onTimeWindow(win: Win): void {
    if (!(this.#wm < win.end)) return;
    if (this.#tc === EOW && !win.held && maxTimestamp(win) >= this.#currentOutputWatermark()) {
      win.held = true;
      if (!this.#holdsByTimer) this.#holds.push(win);
    }
    if (this.#defaultTrigger) win.eowTimer = true;
  }

  #addTo(win: Win, v: unknown, t: number): void {
    // The hot path: rare work (holds, trigger state, bundle bookkeeping) lives in small methods so
    // this one stays small enough to be inlined.
    win.acc = this.#combiner.add(win.acc, v, t);
    win.nonEmpty = true;
    const W = this.#wm;
    // WatermarkHold.addElementHold for EARLIEST/LATEST (END_OF_WINDOW: see #onTimeWindow)
    if (this.#tc !== EOW && W < win.end) this.#addHold(win, t);
    if (this.#stateful) this.#triggerOnElement(win, t);
    // ReduceFnRunner.scheduleGarbageCollectionTimer, plus the trigger's timer: the heap holds the
    // earlier. Once scheduled, a window's next timer only moves later (a session grows), except when a
    // trigger asks for an earlier one (#triggerOnElement), so the entry is moved lazily.
    if (win.timerAt === null) this.#schedule(win);
    // Windows the end of the bundle may fire: the default trigger only fires past the end of the window.
    if (win.bundle !== this.#bundle && (this.#stateful || (this.#defaultTrigger && W >= win.end))) this.#touch(win);
  }

  /** WatermarkHold.addElementHold (EARLIEST/LATEST): no hold behind the output watermark; holds combine. */
  #addHold(win: Win, h: number): void {
    if (h < this.#currentOutputWatermark()) return;
    if (win.hold === null) {
      win.hold = h;
      this.#holds.push(win);
    } else if (this.#tc === EARLIEST ? h < win.hold : h > win.hold) {
      win.hold = h;
      if (this.#tc === EARLIEST) this.#holds.push(win);
    }
  }

  #triggerOnElement(win: Win, t: number): void {
    const ctx = this.#context(win);
    ctx.ts = t;
    tm.onElement(this.#trig, win.trig!, ctx);
    if (ctx.timer < (win.triggerTimer ?? Infinity)) {
      win.triggerTimer = ctx.timer;
      this.#schedule(win);
    }
    if (this.#hasPt && tm.nextDeadline(this.#trig, win.trig!) < Infinity) this.#pt.add(win);
  }

  #touch(win: Win): void {
    win.bundle = this.#bundle;
    const ks = win.ks;
    if (ks.touched === null) ks.touched = [];
    if (ks.touched.length === 0) this.#touchedKeys.push(ks);
    ks.touched.push(win);
  }

  // ---- session windows (MergingActiveWindowSet): an element's window merges with every active window it overlaps ----

  /**
   * Adds the bundle's session elements. Beam merges all of a bundle's windows with the active ones
   * before it processes any element (ReduceFnRunner.processElements → mergeWindows), so an element is
   * dropped for a closed window only if its window's merge result is that window: with one element
   * per key that is the element's own merge; with several, the whole bundle's (testMergingWithClosedRepresentative).
   */
  #addHeldSessions(): void {
    const n = this.#held;
    if (n === 0) return;
    this.#held = 0;
    const keys = this.#heldKeys, values = this.#heldValues, times = this.#heldTimes;
    let closedStarts: Map<KeyState, Set<number>> | null = null;
    if (n > 1) {
      const perKey = new Map<KeyState, number[]>();
      for (let i = 0; i < n; i++) {
        const ts = perKey.get(keys[i]!);
        if (ts === undefined) perKey.set(keys[i]!, [times[i]!]);
        else ts.push(times[i]!);
      }
      for (const [ks, ts] of perKey) {
        if (ts.length < 2 || ks.closed === 0) continue;
        const dropped = this.#closedClusters(ks, ts);
        if (dropped.size > 0) (closedStarts ??= new Map()).set(ks, dropped);
      }
    }
    for (let i = 0; i < n; i++) {
      const ks = keys[i]!, v = values[i], t = times[i]!;
      const status = closedStarts?.get(ks)?.has(t)
        ? DROPPED_CLOSED
        : this.#addSession(ks, v, t, closedStarts === null || !closedStarts.has(ks));
      ks.held--;
      if (status !== ADDED) this.#late.drop(v, t, this.#wm, status === DROPPED_LATE ? "late" : "window-closed");
      // Only once none of its elements is pending: a key deleted earlier would leave them in an orphan.
      if (ks.windows.length === 0 && ks.held === 0) this.#idleKeys.idle(ks);
    }
    values.fill(undefined, 0, n);
  }

  /** The event times (of `ts`) whose windows merge, with the key's active windows, into a closed window. */
  #closedClusters(ks: KeyState, ts: number[]): Set<number> {
    const sessions = this.#sessions!;
    const spans: { start: number; end: number; tag: number }[] = [];
    for (const w of ks.windows) if (!w.closed) spans.push({ start: w.start, end: w.end, tag: NaN });
    for (const t of ts) spans.push({ start: t, end: sessions.lastEnd(t), tag: t });
    const dropped = new Set<number>();
    for (const c of sessions.clusters(spans)) {
      if (!this.#closedWindow(ks, c.start, c.end)) continue;
      for (const m of c.members) if (!Number.isNaN(m.tag)) dropped.add(m.tag);
    }
    return dropped;
  }

  #addSession(ks: KeyState, v: unknown, t: number, checkClosed: boolean): number {
    const sessions = this.#sessions!;
    const pEnd = sessions.lastEnd(t);
    let first: Win | null = null;
    let hits: Win[] | null = null;
    const ws = ks.windows;
    for (let i = 0; i < ws.length; i++) {
      const x = ws[i]!;
      if (x.closed || !sessions.overlaps(x.start, x.end, t, pEnd)) continue;
      if (first === null) first = x;
      else (hits ??= [first]).push(x);
    }
    let target: Win | null;
    if (first === null) target = this.#newSession(ks, t, pEnd, checkClosed);
    else if (hits === null && first.start <= t && pEnd <= first.end) target = first; // inside: history continues
    else if (hits === null && first.panes === 0 && !this.#stateful) {
      // With no pane history and no trigger state (so no closed windows either), the window grows in
      // place: the state a new merged window would have (ReduceFnRunner.onMerge).
      if (t < first.start) first.start = t;
      if (pEnd > first.end) first.end = pEnd;
      if (!(this.#wm < first.end && (first.held || this.#tc !== EOW) && (first.eowTimer || !this.#defaultTrigger))) {
        this.#grown(first);
      }
      target = first;
    } else target = this.#mergeSessions(ks, first, hits, t, pEnd, checkClosed);
    if (target === null) return DROPPED_CLOSED;
    this.#addTo(target, v, t);
    return ADDED;
  }

  /** A new session [t, pEnd), or null if it is exactly a closed window (testMergingWithClosedDoesNotPoison). */
  #newSession(ks: KeyState, t: number, pEnd: number, checkClosed: boolean): Win | null {
    if (checkClosed && ks.closed > 0 && this.#closedWindow(ks, t, pEnd)) return null;
    return this.#open(ks, t, pEnd, this.#combiner.create());
  }

  /** Merges [t, pEnd) with the active windows it overlaps, or null if the result is a closed window. */
  #mergeSessions(
    ks: KeyState,
    first: Win,
    hits: Win[] | null,
    t: number,
    pEnd: number,
    checkClosed: boolean,
  ): Win | null {
    let start = t, end = pEnd;
    for (const h of hits ?? [first]) {
      if (h.start < start) start = h.start;
      if (h.end > end) end = h.end;
    }
    if (checkClosed && ks.closed > 0 && this.#closedWindow(ks, start, end)) return null;
    return this.#merge(ks, hits ?? [first], start, end);
  }

  /**
   * A window grew in place (a merge that kept its state): its END_OF_WINDOW hold moves to the new max
   * timestamp, or goes if the watermark passed it (WatermarkHold.onMerge); the timers of the old window
   * are cancelled (ReduceFnRunner.OnMergeCallback) and the default trigger's one is set afresh.
   */
  #grown(x: Win): void {
    const onTime = this.#wm < x.end;
    if (x.held && !onTime) this.#clearHold(x);
    x.eowTimer = false;
    if (onTime) this.#onTimeWindow(x);
  }

  #closedWindow(ks: KeyState, start: number, end: number): boolean {
    const ws = ks.windows;
    for (let i = 0; i < ws.length; i++) {
      const x = ws[i]!;
      if (x.closed && x.start === start && x.end === end) return true;
    }
    return false;
  }

  /**
   * Merges active windows into [start, end) (ReduceFnRunner.OnMergeCallback.onMerge): accumulators,
   * holds and trigger states merge; pane history does not, so the merged window starts at pane 0.
   */
  #merge(ks: KeyState, hits: Win[], start: number, end: number): Win {
    let acc = hits[0]!.acc;
    for (let i = 1; i < hits.length; i++) acc = this.#combiner.merge(acc, hits[i]!.acc);
    const m = new Win(ks, start, end, acc);
    let hold = NaN;
    for (const h of hits) {
      m.nonEmpty ||= h.nonEmpty;
      // WatermarkHold.onMerge: END_OF_WINDOW holds move to the merged window's end, EARLIEST/LATEST combine.
      if (h.hold !== null) {
        hold = Number.isNaN(hold) ? h.hold : this.#tc === LATEST ? Math.max(hold, h.hold) : Math.min(hold, h.hold);
      }
    }
    if (this.#stateful) {
      const ctx = this.#context(m);
      m.trig = tm.mergeStates(this.#trig, hits.map((h) => h.trig!), ctx);
      if (ctx.timer < Infinity) m.triggerTimer = ctx.timer;
    }
    for (const h of hits) this.#remove(h);
    ks.windows.push(m);
    this.openWindows++;
    // WatermarkHold.onMerge: EARLIEST/LATEST holds combine; an END_OF_WINDOW hold is placed afresh at
    // the merged window's max timestamp, subject to the same checks as an element's.
    if (this.#tc !== EOW && !Number.isNaN(hold)) {
      m.hold = hold;
      this.#holds.push(m);
    }
    this.#onTimeWindow(m);
    if (this.#hasPt && tm.nextDeadline(this.#trig, m.trig!) < Infinity) this.#pt.add(m);
    return m;
  }

  #remove(win: Win): void {
    win.removed = true;
    this.#timers.cancel(win);
    win.timerAt = null;
    this.#clearHold(win);
    this.#pt.delete(win);
    const ws = win.ks.windows;
    const i = ws.indexOf(win);
    if (i >= 0) {
      ws[i] = ws[ws.length - 1]!;
      ws.pop();
    }
    if (win.ks.last === win) win.ks.last = null;
    if (win.closed) win.ks.closed--;
    this.openWindows--;
  }

  #clearHold(win: Win): void {
    if (win.held) {
      win.held = false;
      win.holdGen++;
    } else if (win.hold !== null) {
      win.hold = null;
      win.holdGen++;
    }
  }

  #context(win: Win): tm.TriggerContext {
    const ctx = this.#ctx;
    ctx.wm = this.#wm;
    ctx.pt = this.#now;
    ctx.end = win.end;
    ctx.timer = Infinity;
    return ctx;
  }

  // ---- timers (ReduceFnRunner.onTimers) ----

  /** The window's next event-time timer: its trigger's, or garbage collection at end + lateness. */
  #nextTimer(win: Win): number {
    const gc = win.end + this.#lateness;
    if (win.closed) return gc;
    const tt = this.#defaultTrigger ? (win.eowTimer ? win.end : Infinity) : win.triggerTimer ?? Infinity;
    return tt < gc ? tt : gc;
  }

  #schedule(win: Win): void {
    const t = this.#nextTimer(win);
    if (win.timerAt === null || t < win.timerAt) this.#scheduleAt(win, t);
  }

  #scheduleAt(win: Win, t: number): void {
    if (t < this.#nextDue) this.#nextDue = t;
    win.timerAt = t;
    this.#timers.schedule(win, t);
  }

  /** The input watermark rises to `W`: every window with a timer now due is activated once. */
  #advance(W: number): void {
    // the output watermark as of the old input watermark: what this batch's panes see
    this.#updateOutputWatermark();
    const ow = this.#outWm, ew = this.#emittedWm;
    const before = ow > ew ? ow : ew;
    this.#wm = W;
    this.#stepWm = NaN;
    if (!(W >= this.#nextDue)) return;
    this.#advanceWm = before;
    const due = this.#due;
    for (;;) {
      const win = this.#timers.popDue(W);
      if (win === undefined) break;
      win.timerAt = null;
      const next = this.#nextTimer(win);
      if (next > W) this.#schedule(win); // the window grew (or its trigger moved on) since the timer was set
      else due.push(win);
    }
    // Panes of one activation batch see the output watermark from before it (Beam's timers of one
    // bundle are pending while it runs, holding the output watermark where it was).
    for (let i = 0; i < due.length; i++) {
      const win = due[i]!;
      if (!win.removed) this.#activate(win);
    }
    due.length = 0;
    this.#nextDue = this.#timers.nextTime();
    this.#advanceWm = null;
    this.#updateOutputWatermark();
    // the panes of the element whose watermark this was see the output watermark from after it
    this.#stepWm = NaN;
  }

  /**
   * ReduceFnRunner.onTimers with WindowActivation: what happens depends on the window's state, not on
   * which timer fired, so an advance past both end and end + lateness collects the window in one
   * step with a single final pane, without asking the trigger.
   */
  #activate(win: Win): void {
    const W = this.#wm;
    if (this.#defaultTrigger) {
      if (win.eowTimer && win.end <= W) win.eowTimer = false;
    } else if (win.triggerTimer !== null && win.triggerTimer <= W) win.triggerTimer = null;
    if (W >= win.end + this.#lateness) {
      if (!win.closed) this.#onTrigger(win, true);
      this.#remove(win);
      this.#idleKeys.collected();
      if (win.ks.windows.length === 0 && win.ks.held === 0) this.#idleKeys.idle(win.ks);
      return;
    }
    if (!win.closed && this.#shouldFire(win)) this.#emit(win);
    if (!win.removed) this.#schedule(win);
  }

  #firePt(): void {
    if (this.#pt.size === 0) return;
    this.#updateOutputWatermark();
    let fired = false;
    for (const win of this.#pt) {
      if (win.closed || win.removed || win.trig === null) {
        this.#pt.delete(win);
        continue;
      }
      if (this.#shouldFire(win)) {
        this.#emit(win);
        this.#schedule(win);
        fired = true;
      }
      if (win.closed || win.trig === null || tm.nextDeadline(this.#trig, win.trig) === Infinity) this.#pt.delete(win);
    }
    if (fired) this.#updateOutputWatermark();
  }

  // ---- firing ----

  /** The end of a bundle: every window that took an element and is open may fire (processElements). */
  #endBundle(): void {
    if (this.#held > 0) this.#addHeldSessions();
    const keys = this.#touchedKeys;
    if (keys.length === 0) return;
    this.#updateOutputWatermark();
    this.#bundle++;
    let fired = false;
    for (let k = 0; k < keys.length; k++) {
      const ts = keys[k]!.touched!;
      if (ts.length > 1) ts.sort(byStart);
      for (let i = 0; i < ts.length; i++) {
        const win = ts[i]!;
        if (win.closed || win.removed) continue;
        if (this.#shouldFire(win)) {
          this.#emit(win);
          this.#schedule(win);
          fired = true;
        }
      }
      // (emptied by pop: `length = 0` is a call into the runtime, which a bundle of one element paid
      // twice, a sixth of an early-firing job's time)
      while (ts.length > 0) ts.pop();
    }
    while (keys.length > 0) keys.pop();
    if (fired) this.#updateOutputWatermark();
  }

  #shouldFire(win: Win): boolean {
    if (!this.#stateful) return this.#defaultTrigger && this.#wm >= win.end;
    return tm.shouldFire(this.#trig, win.trig!, this.#context(win));
  }

  /** ReduceFnRunner.emit: the trigger fired. */
  #emit(win: Win): void {
    let finished = false;
    if (this.#stateful) {
      const ctx = this.#context(win);
      tm.onFire(this.#trig, win.trig!, ctx);
      if (ctx.timer < (win.triggerTimer ?? Infinity)) win.triggerTimer = ctx.timer;
      finished = win.trig!.finished;
    }
    this.#onTrigger(win, finished);
  }

  #emitAll(): void {
    for (const ks of this.#keys.values()) {
      const ws = ks.windows.slice().sort(byStart);
      for (const win of ws) {
        if (win.closed) continue;
        win.nonEmpty = true;
        this.#onTrigger(win, false);
      }
    }
  }

  /**
   * The output watermark a result produced now was produced under: inside an advance, the one from
   * before it; otherwise the one at the start of the current element's step, computed before any pane
   * of the step releases its hold (holds added since are at or above it, so they do not change it).
   */
  #resultWatermark(): number {
    if (this.#advanceWm !== null) return this.#advanceWm;
    if (Number.isNaN(this.#stepWm)) {
      // (computed without raising #outWm: the step's later panes must still see it as it was)
      let w = this.#heldInputWatermark();
      if (this.#outWm > w) w = this.#outWm;
      const ew = this.#emittedWm;
      this.#stepWm = w > ew ? w : ew;
    }
    return this.#stepWm;
  }

  /** Emits a pane (ReduceFnRunner.onTrigger) and resets or closes the window. */
  #onTrigger(win: Win, isFinished: boolean): void {
    const resultWm = this.#resultWatermark();
    // WatermarkHold.extractAndRelease: the pane's timestamp is the hold, or the window's max timestamp.
    const timestamp = win.held || win.hold === null ? maxTimestamp(win) : win.hold;
    this.#clearHold(win);
    const c = this.#c;
    // PaneInfoTracker.describePane
    let timing: number;
    if (this.#outWm >= win.end || win.lastTiming === ON_TIME || win.lastTiming === LATE) timing = LATE;
    else if (this.#wm < win.end) timing = EARLY;
    else timing = ON_TIME;
    // ReduceFnRunner.needToEmit
    if (win.nonEmpty || (isFinished && c.closingAlways) || (timing === ON_TIME && c.onTimeAlways)) {
      const nonSpec = timing === EARLY ? -1 : win.panes === 0 ? 0 : win.nonSpeculativeIndex + 1;
      noteWatermarks(this.#resultWms, 1, resultWm);
      this.#results.push(
        new ResultObject(
          win.ks.key,
          new WindowObject(win.start, win.end),
          this.#combiner.result(win.acc),
          timestamp,
          new PaneObject(win.panes, nonSpec, TIMING[timing]!, win.panes === 0, isFinished),
        ),
      );
      win.panes++;
      win.nonSpeculativeIndex = nonSpec;
      win.lastTiming = timing;
    }
    win.nonEmpty = false;
    if (isFinished) {
      // The window stays, closed, until garbage collection (so later elements for it are dropped).
      win.closed = true;
      win.ks.closed++;
      win.acc = undefined;
      win.trig = null;
      win.triggerTimer = null;
      win.eowTimer = false;
      this.#pt.delete(win);
    } else if (!c.accumulating) {
      win.acc = this.#combiner.create();
    }
  }

  #currentOutputWatermark(): number {
    this.#updateOutputWatermark();
    return this.#outWm;
  }

  /**
   * Output watermark: the input watermark held back by the holds of panes still to come. It is
   * brought up to date where it is read (pane timing, hold checks, flush), not at every rise of the
   * input watermark: holds only appear at or above it and only go at firings, so the value is the same.
   */
  #updateOutputWatermark(): void {
    const w = this.#heldInputWatermark();
    if (w > this.#outWm) this.#outWm = w;
  }

  /** The input watermark held back by the holds of panes still to come (what #updateOutputWatermark raises to). */
  #heldInputWatermark(): number {
    let w = this.#holds.below(this.#wm) ? this.#holds.min() : this.#wm;
    // Holds kept by their end-of-window timers (see #holdsByTimer) are at or above the earliest timer
    // minus one: only a watermark within that last unit needs a look at them.
    if (this.#holdsByTimer && this.#nextDue - 1 < w) {
      const h = this.#minTimerHeldHold();
      if (h < w) w = h;
    }
    return w;
  }

  #minTimerHeldHold(): number {
    let min = Infinity;
    for (const ks of this.#keys.values()) {
      for (const win of ks.windows) if (win.held && maxTimestamp(win) < min) min = maxTimestamp(win);
    }
    return min;
  }

  #flush(out: Output): void {
    this.#updateOutputWatermark();
    const prevOut = this.#emittedWm;
    this.#stepWm = NaN;
    if (this.#results.length > 0) {
      const batch = resultBatch(this.#results, this.#resultWms, prevOut, this.#now);
      this.#results = [];
      this.#resultWms = [];
      out.data(batch);
    }
    if (this.#outWm > prevOut) {
      this.#emittedWm = this.#outWm;
      out.watermark(this.#outWm, this.#now);
    }
  }

  // ---- checkpoints ----

  snapshot(): unknown {
    const keys: Snapshot["keys"] = [];
    for (const ks of this.#keys.values()) {
      if (ks.windows.length === 0) continue;
      keys.push({
        key: ks.key,
        windows: ks.windows.map((w): WindowSnapshot => ({
          start: w.start,
          end: w.end,
          acc: w.acc ?? null,
          trigger: w.trig,
          closed: w.closed,
          nonEmpty: w.nonEmpty,
          panes: w.panes,
          nonSpeculativeIndex: w.nonSpeculativeIndex,
          lastTiming: w.lastTiming === NONE ? "none" : TIMING[w.lastTiming]!,
          hold: w.held ? maxTimestamp(w) : w.hold,
          triggerTimer: w.eowTimer ? w.end : w.triggerTimer,
        })),
      });
    }
    const s: Snapshot = {
      v: 2,
      watermark: this.#wm,
      outputWatermark: this.#outWm,
      emittedWatermark: this.#emittedWm,
      late: this.#late.count,
      keys,
    };
    return s;
  }

  restore(state: unknown): void {
    const s = state as Snapshot;
    if (s?.v !== 2) {
      throw new TypeError(
        `Cannot restore window operator "${this.id}": unknown snapshot version ${
          String(s?.v)
        } (this version of weir reads version 2)`,
      );
    }
    this.#keys = new Map();
    this.#denseKeys = [];
    this.#idleKeys.reset();
    this.#timers.clear();
    this.#nextDue = Infinity;
    this.#holds.clear();
    this.#pt.clear();
    this.#touchedKeys = [];
    this.openWindows = 0;
    this.#wm = s.watermark;
    this.#outWm = s.outputWatermark;
    this.#emittedWm = s.emittedWatermark;
    this.#late.count = s.late;
    for (const { key, windows } of s.keys) {
      const nk = groupingKey(key);
      const ks = new KeyState(key, nk);
      this.#keys.set(nk, ks);
      if (isDenseKey(nk)) this.#setDenseKey(nk, ks);
      for (const r of windows) {
        const win = new Win(ks, r.start, r.end, r.closed ? undefined : r.acc);
        win.trig = r.trigger;
        win.closed = r.closed;
        if (r.closed) ks.closed++;
        win.nonEmpty = r.nonEmpty;
        win.panes = r.panes;
        win.nonSpeculativeIndex = r.nonSpeculativeIndex;
        win.lastTiming = TIMING_CODE[r.lastTiming] ?? NONE;
        if (this.#defaultTrigger) win.eowTimer = r.triggerTimer !== null;
        else win.triggerTimer = r.triggerTimer;
        ks.windows.push(win);
        this.openWindows++;
        if (r.hold !== null) {
          if (this.#tc === EOW) win.held = true;
          else win.hold = r.hold;
          if (!(this.#holdsByTimer && win.held)) this.#holds.push(win);
        }
        this.#schedule(win);
        if (this.#hasPt && win.trig && !win.closed && tm.nextDeadline(this.#trig, win.trig) < Infinity) {
          this.#pt.add(win);
        }
      }
    }
  }
}

/** Beam's `BoundedWindow.maxTimestamp()` of a window. */
function maxTimestamp(win: Win): number {
  return windowMaxTimestamp(win.start, win.end);
}

function byStart(a: Win, b: Win): number {
  return a.start - b.start;
}
