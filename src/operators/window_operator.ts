// The windowing engine: assigns elements to windows per key, folds them with a combiner, runs the
// trigger state machine, and emits panes with Beam's PaneInfo. Plain serializable state throughout.
import type { Combiner } from "../aggregate/combiner.ts";
import * as tm from "../trigger/_machine.ts";
import type { TriggerSpec } from "../trigger/trigger.ts";
import { mod } from "../window/assigner.ts";
import type { PaneTiming, WindowResult } from "../window/types.ts";
import { normalizeKey } from "./_keys.ts";
import { TimerHeap } from "./_timer_heap.ts";
import { configSignature, LateElements } from "./_late.ts";
import type { Batch, Operator, Output } from "./operator.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";

const NONE = 0, EARLY = 1, ON_TIME = 2, LATE = 3;
const TIMING: PaneTiming[] = ["early", "early", "on-time", "late"];
const ADDED = 0, DROPPED_LATE = 1, DROPPED_CLOSED = 2, NO_WINDOW = 3;

class KeyState {
  windows: Win[] = [];
  last: Win | null = null;
  constructor(readonly key: unknown, readonly nk: unknown) {}
}

class Win {
  timerGen = 0;
  trig: tm.TriggerState | null = null;
  /** elements arrived since the last pane */
  nonEmpty = false;
  panes = 0;
  nonSpec = -1;
  lastTiming = NONE;
  eowDone = false;
  closed = false;
  removed = false;
  epoch = -1;
  minTs = Infinity;
  maxTs = -Infinity;
  constructor(readonly ks: KeyState, public start: number, public end: number, public createdLate: boolean, public acc: unknown) {}
}

/**
 * The stateful windowing operator behind `.window(...).aggregate(...)`. Usable directly through
 * `WindowStream`; the fluent `stream()` API builds it for you.
 */
export class WindowOperator implements Operator {
  readonly id: string;
  readonly signature: string;
  readonly #c: ResolvedWindowConfig;
  readonly #combiner: Combiner<unknown, unknown, unknown>;
  readonly #trig: TriggerSpec;
  readonly #stateful: boolean;
  readonly #hasPt: boolean;
  readonly #lateness: number;
  #keys = new Map<unknown, KeyState>();
  #heap = new TimerHeap<Win>();
  #pt = new Set<Win>();
  #dirty: Win[] = [];
  #epoch = 0;
  #wm = -Infinity;
  #outWm = -Infinity;
  #now = 0;
  #results: WindowResult[] = [];
  #ctx: tm.TriggerContext = { wm: -Infinity, pt: 0, end: 0 };
  readonly #late: LateElements;
  /** Open (key, window) pairs, including closed windows kept until they expire. */
  openWindows = 0;

  constructor(config: ResolvedWindowConfig) {
    this.#c = config;
    this.id = config.id;
    this.#combiner = config.combiner;
    this.#trig = config.trigger;
    this.#stateful = !tm.isStateless(config.trigger);
    this.#hasPt = JSON.stringify(config.trigger).includes('"processing-time"');
    this.#lateness = config.allowedLateness;
    this.signature = configSignature(config);
    this.#late = new LateElements(config);
  }

  data(batch: Batch, out: Output): void {
    this.#now = batch.pt;
    this.#epoch++;
    const { values, ts, wm } = batch;
    if (ts === null) {
      throw new TypeError(`Cannot window elements without event time (operator "${this.id}"): call withEventTime() before window(), or use a source that carries timestamps`);
    }
    const keyFn = this.#c.keyFn;
    const a = this.#c.assigner;
    const constWm = typeof wm === "number" ? wm : 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const t = ts[i]!;
      const w = typeof wm === "number" ? constWm : wm[i]!;
      const key = keyFn === null ? null : keyFn(v);
      const nk = normalizeKey(key);
      let ks = this.#keys.get(nk);
      if (ks === undefined) {
        ks = new KeyState(key, nk);
        this.#keys.set(nk, ks);
      }
      let status: number;
      switch (a.kind) {
        case "tumbling": {
          const start = t - mod(t - a.offset, a.size);
          status = this.#add(ks, start, start + a.size, v, t, w);
          break;
        }
        case "sliding": {
          const last = t - mod(t - a.offset, a.slide);
          status = NO_WINDOW;
          for (let j = 0; ; j++) {
            const start = last - j * a.slide;
            if (!(start > t - a.size)) break;
            const s = this.#add(ks, start, start + a.size, v, t, w);
            if (s < status) status = s;
          }
          break;
        }
        case "session":
          status = this.#addSession(ks, v, t, w, a.gap);
          break;
        case "global":
          status = this.#add(ks, -Infinity, Infinity, v, t, w);
          break;
      }
      if (ks.windows.length === 0) this.#keys.delete(nk);
      if (status === DROPPED_LATE || status === DROPPED_CLOSED) this.#late.drop(v, t, w, status === DROPPED_LATE ? "late" : "window-closed");
    }
    const dirty = this.#dirty;
    for (let i = 0; i < dirty.length; i++) {
      const win = dirty[i]!;
      if (!win.closed && !win.removed && this.#shouldFire(win)) this.#fire(win);
    }
    dirty.length = 0;
    if (this.#c.complete && values.length > 0) this.#emitAll();
    this.#firePt();
    this.#advance();
    this.#flush(out);
  }

  watermark(wm: number, pt: number, out: Output): void {
    this.#now = pt;
    if (wm > this.#wm) {
      this.#wm = wm;
      this.#advance();
    }
    this.#firePt();
    this.#flush(out);
  }

  tick(pt: number, out: Output): void {
    this.#now = pt;
    this.#firePt();
    this.#flush(out);
  }

  nextDeadline(): number {
    let min = Infinity;
    for (const win of this.#pt) {
      const d = tm.nextDeadline(this.#trig, win.trig!);
      if (d < min) min = d;
    }
    return min;
  }

  #add(ks: KeyState, start: number, end: number, v: unknown, t: number, w: number): number {
    if (w >= end + this.#lateness) return DROPPED_LATE;
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
      if (win === null) win = this.#open(ks, start, end, w >= end);
    }
    if (win.closed) return DROPPED_CLOSED;
    ks.last = win;
    this.#addTo(win, v, t);
    return ADDED;
  }

  #open(ks: KeyState, start: number, end: number, createdLate: boolean): Win {
    const win = new Win(ks, start, end, createdLate, this.#combiner.create());
    if (this.#stateful) win.trig = tm.initState(this.#trig);
    ks.windows.push(win);
    this.openWindows++;
    this.#heap.schedule(win, end);
    return win;
  }

  #addTo(win: Win, v: unknown, t: number): void {
    win.acc = this.#combiner.add(win.acc, v, t);
    win.nonEmpty = true;
    if (t < win.minTs) win.minTs = t;
    if (t > win.maxTs) win.maxTs = t;
    if (this.#stateful) {
      const ctx = this.#context(win);
      tm.onElement(this.#trig, win.trig!, ctx);
      if (this.#hasPt && tm.nextDeadline(this.#trig, win.trig!) < Infinity) this.#pt.add(win);
    }
    if (win.epoch !== this.#epoch) {
      win.epoch = this.#epoch;
      // Triggers are evaluated after the chunk; the default trigger can only fire for a window whose
      // end the watermark has passed, `never()` not at all.
      const k = this.#trig.kind;
      if (k === "default" ? win.end <= this.#wm : k !== "never") this.#dirty.push(win);
    }
  }

  #addSession(ks: KeyState, v: unknown, t: number, w: number, gap: number): number {
    const pEnd = t + gap;
    if (w >= pEnd + this.#lateness) return DROPPED_LATE;
    let first: Win | null = null;
    let hits: Win[] | null = null;
    const ws = ks.windows;
    for (let i = 0; i < ws.length; i++) {
      const x = ws[i]!;
      if (x.closed || !(x.start < pEnd && t < x.end)) continue;
      if (first === null) first = x;
      else (hits ??= [first]).push(x);
    }
    let target: Win;
    if (first === null) target = this.#open(ks, t, pEnd, w >= pEnd);
    else if (hits === null && first.start <= t && pEnd <= first.end) target = first;
    else if (hits === null && !this.#stateful && !first.eowDone && !first.createdLate) {
      // Extending one open session: the same result as merging it with [t, t + gap), without a new
      // window. Its end-of-window timer still sits at the old end and is moved when it comes due.
      if (t < first.start) first.start = t;
      if (pEnd > first.end) first.end = pEnd;
      target = first;
    } else target = this.#merge(ks, hits ?? [first], t, pEnd, w);
    this.#addTo(target, v, t);
    return ADDED;
  }

  #merge(ks: KeyState, hits: Win[], t: number, pEnd: number, w: number): Win {
    let start = t, end = pEnd;
    for (const h of hits) {
      if (h.start < start) start = h.start;
      if (h.end > end) end = h.end;
    }
    let acc = hits[0]!.acc;
    for (let i = 1; i < hits.length; i++) acc = this.#combiner.merge(acc, hits[i]!.acc);
    const m = new Win(ks, start, end, w >= end && hits.every((h) => h.createdLate), acc);
    for (const h of hits) {
      m.nonEmpty ||= h.nonEmpty;
      m.panes = Math.max(m.panes, h.panes);
      m.nonSpec = Math.max(m.nonSpec, h.nonSpec);
      m.lastTiming = Math.max(m.lastTiming, h.lastTiming);
      m.minTs = Math.min(m.minTs, h.minTs);
      m.maxTs = Math.max(m.maxTs, h.maxTs);
      this.#remove(h);
    }
    if (this.#stateful) {
      m.trig = tm.mergeStates(this.#trig, hits.map((h) => h.trig!), { wm: this.#wm, pt: this.#now, end });
      if (this.#hasPt && tm.nextDeadline(this.#trig, m.trig) < Infinity) this.#pt.add(m);
    }
    m.eowDone = end <= this.#wm && hits.every((h) => h.eowDone);
    ks.windows.push(m);
    this.openWindows++;
    this.#heap.schedule(m, m.eowDone ? end + this.#lateness : end);
    return m;
  }

  #remove(win: Win): void {
    win.removed = true;
    this.#heap.cancel(win);
    this.#pt.delete(win);
    const ws = win.ks.windows;
    const i = ws.indexOf(win);
    if (i >= 0) {
      ws[i] = ws[ws.length - 1]!;
      ws.pop();
    }
    if (win.ks.last === win) win.ks.last = null;
    this.openWindows--;
  }

  #context(win: Win): tm.TriggerContext {
    const ctx = this.#ctx;
    ctx.wm = this.#wm;
    ctx.pt = this.#now;
    ctx.end = win.end;
    return ctx;
  }

  #shouldFire(win: Win): boolean {
    if (!this.#stateful) return this.#trig.kind === "default" && this.#wm >= win.end;
    return tm.shouldFire(this.#trig, win.trig!, this.#context(win));
  }

  /** A firing requested by the trigger. */
  #fire(win: Win): void {
    if (this.#stateful) tm.onFire(this.#trig, win.trig!, this.#context(win));
    this.#onTrigger(win, this.#stateful && win.trig!.f);
  }

  /** Event-time timers: end of window, then garbage collection at end + allowed lateness. */
  #advance(): void {
    const W = this.#wm;
    const L = this.#lateness;
    for (;;) {
      const due = this.#heap.popDue(W);
      if (due === undefined) break;
      const win = due.target;
      const expected = win.eowDone ? win.end + L : win.end;
      if (due.time < expected) {
        // a session grew after its timer was set
        this.#heap.schedule(win, expected);
        continue;
      }
      if (!win.eowDone) {
        win.eowDone = true;
        if (L > 0 && !win.closed && this.#shouldFire(win)) this.#fire(win);
        if (win.end + L <= W) this.#gc(win);
        else this.#heap.schedule(win, win.end + L);
      } else {
        this.#gc(win);
      }
    }
    this.#outWm = this.#holdWatermark(W);
  }

  #gc(win: Win): void {
    if (!win.closed) this.#onTrigger(win, true);
    this.#remove(win);
    if (win.ks.windows.length === 0) this.#keys.delete(win.ks.nk);
  }

  #firePt(): void {
    if (this.#pt.size === 0) return;
    for (const win of this.#pt) {
      if (win.closed || win.removed) {
        this.#pt.delete(win);
        continue;
      }
      if (tm.nextDeadline(this.#trig, win.trig!) <= this.#now && this.#shouldFire(win)) this.#fire(win);
      if (!win.closed && tm.nextDeadline(this.#trig, win.trig!) === Infinity) this.#pt.delete(win);
    }
  }

  #emitAll(): void {
    for (const ks of this.#keys.values()) {
      for (const win of ks.windows) {
        if (win.closed) continue;
        win.nonEmpty = true;
        this.#onTrigger(win, false);
      }
    }
  }

  /** Emits a pane (Beam's ReduceFnRunner.onTrigger) and resets or closes the window. */
  #onTrigger(win: Win, isFinished: boolean): void {
    const timing = win.createdLate || win.lastTiming >= ON_TIME ? LATE : this.#wm < win.end ? EARLY : ON_TIME;
    const c = this.#c;
    if (win.nonEmpty || (isFinished && c.closingAlways) || (timing === ON_TIME && c.onTimeAlways)) {
      const nonSpec = timing === EARLY ? -1 : win.nonSpec + 1;
      this.#results.push({
        key: win.ks.key,
        window: { start: win.start, end: win.end },
        value: this.#combiner.result(win.acc),
        timestamp: this.#timestamp(win),
        pane: { index: win.panes, nonSpeculativeIndex: nonSpec, timing: TIMING[timing]!, isFirst: win.panes === 0, isFinal: isFinished },
      });
      win.panes++;
      win.nonSpec = nonSpec;
      win.lastTiming = timing;
    }
    win.nonEmpty = false;
    win.minTs = Infinity;
    win.maxTs = -Infinity;
    if (isFinished) {
      win.closed = true;
      win.acc = undefined;
      win.trig = null;
      this.#pt.delete(win);
    } else if (!c.accumulating) {
      win.acc = this.#combiner.create();
    }
  }

  #timestamp(win: Win): number {
    const eow = win.end - 1 >= win.start ? win.end - 1 : win.start;
    switch (this.#c.timestampCombiner) {
      case "earliest":
        return win.minTs === Infinity ? eow : win.minTs;
      case "latest":
        return win.maxTs === -Infinity ? eow : win.maxTs;
      default:
        return eow;
    }
  }

  /** Output watermark: the input watermark, held back by results still to come (Beam's holds). */
  #holdWatermark(W: number): number {
    let hold = W;
    if (this.#c.timestampCombiner !== "end-of-window") {
      for (const ks of this.#keys.values()) {
        for (const win of ks.windows) if (!win.eowDone && win.nonEmpty && win.minTs < hold) hold = win.minTs;
      }
    }
    return Math.max(this.#outWm, hold);
  }

  #flush(out: Output): void {
    const prevOut = this.#lastEmittedWm;
    if (this.#results.length > 0) {
      const rs = this.#results;
      this.#results = [];
      const ts = new Array<number>(rs.length);
      for (let i = 0; i < rs.length; i++) ts[i] = rs[i]!.timestamp;
      out.data({ values: rs, ts, wm: prevOut, pt: this.#now });
    }
    if (this.#outWm > prevOut) {
      this.#lastEmittedWm = this.#outWm;
      out.watermark(this.#outWm, this.#now);
    }
  }
  #lastEmittedWm = -Infinity;

  snapshot(): unknown {
    const keys: unknown[] = [];
    for (const ks of this.#keys.values()) {
      keys.push([ks.key, ks.windows.map((w) => [
        w.start, w.end, w.acc ?? null, w.trig,
        (w.nonEmpty ? 1 : 0) | (w.eowDone ? 2 : 0) | (w.closed ? 4 : 0) | (w.createdLate ? 8 : 0),
        w.panes, w.nonSpec, w.lastTiming, w.minTs, w.maxTs,
      ])]);
    }
    return { v: 1, wm: this.#wm, outWm: this.#outWm, emittedWm: this.#lastEmittedWm, late: this.#late.count, keys };
  }

  restore(state: unknown): void {
    const s = state as { v: number; wm: number; outWm: number; emittedWm: number; late: number; keys: [unknown, unknown[][]][] };
    if (s?.v !== 1) throw new TypeError(`Cannot restore window operator "${this.id}": unknown snapshot version ${String(s?.v)}`);
    this.#keys = new Map();
    this.#heap.clear();
    this.#pt.clear();
    this.openWindows = 0;
    this.#wm = s.wm;
    this.#outWm = s.outWm;
    this.#lastEmittedWm = s.emittedWm;
    this.#late.count = s.late;
    for (const [key, wins] of s.keys) {
      const nk = normalizeKey(key);
      const ks = new KeyState(key, nk);
      this.#keys.set(nk, ks);
      for (const r of wins) {
        const flags = r[4] as number;
        const win = new Win(ks, r[0] as number, r[1] as number, (flags & 8) !== 0, flags & 4 ? undefined : r[2]);
        win.trig = r[3] as tm.TriggerState | null;
        win.nonEmpty = (flags & 1) !== 0;
        win.eowDone = (flags & 2) !== 0;
        win.closed = (flags & 4) !== 0;
        win.panes = r[5] as number;
        win.nonSpec = r[6] as number;
        win.lastTiming = r[7] as number;
        win.minTs = r[8] as number;
        win.maxTs = r[9] as number;
        ks.windows.push(win);
        this.openWindows++;
        this.#heap.schedule(win, win.eowDone ? win.end + this.#lateness : win.end);
        if (this.#hasPt && win.trig && tm.nextDeadline(this.#trig, win.trig) < Infinity) this.#pt.add(win);
      }
    }
  }
}
