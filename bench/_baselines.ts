// Hand-written event-time windowing for exactly one job: per key per window count & sum, with weir's
// semantics (Beam's): watermark = largest event time seen before the event - bound; an event goes to
// every window it belongs to whose end is above the watermark and is late (counted, dropped) when
// there is none; a window fires once, when the watermark reaches its end (end <= watermark); end of
// input fires everything left. Sessions merge proto-windows [t, t + gap) that overlap (touching does
// not merge).
//
// Two forms of each algorithm:
// - `loop*`: the plain loop, a function over an array of events (`for (let i = 0; ...)`), all state in
//   local variables, integer window math, the current window's Map cached, no closure per event.
//   This is the ceiling the bench's ratios refer to.
// - `Windower` classes: the same algorithms pushed one event at a time (`add(e)`), for the RxJS,
//   @most/core and Node stream rows, so those rows measure what each framework adds.
import type { BenchEvent } from "./_data.ts";

/** Receives one fired window. */
export type Emit = (key: number, start: number, end: number, count: number, sum: number) => void;

interface Acc {
  count: number;
  sum: number;
}

/** `t` rounded down to a multiple of `step` (epoch ms are integers beyond 2^31: plain `%` on doubles). */
function floorTo(t: number, step: number): number {
  const r = t % step;
  return t - (r < 0 ? r + step : r);
}

/** Fires (emits and removes) the windows of `open` whose end is <= wm; `starts` is ascending. */
function fireWindows(
  open: Map<number, Map<number, Acc>>,
  starts: number[],
  size: number,
  wm: number,
  emit: Emit,
): void {
  let n = 0;
  while (n < starts.length && starts[n]! + size <= wm) {
    const start = starts[n++]!, end = start + size;
    const m = open.get(start)!;
    open.delete(start);
    for (const [key, a] of m) emit(key, start, end, a.count, a.sum);
  }
  if (n > 0) starts.splice(0, n);
}

/** Inserts `x` into the ascending array `a` (a handful of entries: insertion from the back). */
function insertSorted(a: number[], x: number): void {
  let i = a.length;
  a.push(x);
  while (i > 0 && a[i - 1]! > x) {
    a[i] = a[i - 1]!;
    i--;
  }
  a[i] = x;
}

// ---------------------------------------------------------------------------------------------
// Plain loops. Each returns the number of late events.

/** Tumbling windows: window start -> (key -> {count, sum}); the window of the previous event is cached. */
export function loopTumbling(events: readonly BenchEvent[], size: number, bound: number, emit: Emit): number {
  const open = new Map<number, Map<number, Acc>>();
  const starts: number[] = [];
  let maxTs = -Infinity, wm = -Infinity, nextEnd = Infinity, late = 0;
  let curStart = NaN, curEnd = NaN;
  let cur = new Map<number, Acc>();
  for (let i = 0, n = events.length; i < n; i++) {
    const e = events[i]!;
    const t = e.ts;
    let m = cur;
    if (!(t >= curStart && t < curEnd)) {
      const r = t % size;
      const start = t - (r < 0 ? r + size : r);
      if (start + size <= wm) {
        late++;
        continue;
      }
      let w = open.get(start);
      if (w === undefined) {
        w = new Map();
        open.set(start, w);
        insertSorted(starts, start);
        nextEnd = starts[0]! + size;
      }
      m = cur = w;
      curStart = start;
      curEnd = start + size;
    }
    const acc = m.get(e.key);
    if (acc === undefined) m.set(e.key, { count: 1, sum: e.value });
    else {
      acc.count++;
      acc.sum += e.value;
    }
    if (t > maxTs) {
      maxTs = t;
      wm = t - bound;
      if (wm >= nextEnd) {
        fireWindows(open, starts, size, wm, emit);
        nextEnd = starts.length > 0 ? starts[0]! + size : Infinity;
        if (curEnd <= wm) curStart = curEnd = NaN;
      }
    }
  }
  fireWindows(open, starts, size, Infinity, emit);
  return late;
}

/** Receives one fired window of loopTumblingStats. */
export type EmitStats = (key: number, start: number, end: number, acc: Stats) => void;

/** A window's `{ count, sum, min, max }` (loopTumblingStats). */
export interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** loopTumbling with `{ count, sum, min, max }` per key (`bench/aggregates.ts`: a mean is sum / count). */
export function loopTumblingStats(events: readonly BenchEvent[], size: number, bound: number, emit: EmitStats): number {
  const open = new Map<number, Map<number, Stats>>();
  const starts: number[] = [];
  let maxTs = -Infinity, wm = -Infinity, nextEnd = Infinity, late = 0;
  let curStart = NaN, curEnd = NaN;
  let cur = new Map<number, Stats>();
  for (let i = 0, n = events.length; i < n; i++) {
    const e = events[i]!;
    const t = e.ts;
    let m = cur;
    if (!(t >= curStart && t < curEnd)) {
      const r = t % size;
      const start = t - (r < 0 ? r + size : r);
      if (start + size <= wm) {
        late++;
        continue;
      }
      let w = open.get(start);
      if (w === undefined) {
        w = new Map();
        open.set(start, w);
        insertSorted(starts, start);
        nextEnd = starts[0]! + size;
      }
      m = cur = w;
      curStart = start;
      curEnd = start + size;
    }
    const v = e.value;
    const acc = m.get(e.key);
    if (acc === undefined) m.set(e.key, { count: 1, sum: v, min: v, max: v });
    else {
      acc.count++;
      acc.sum += v;
      if (v < acc.min) acc.min = v;
      if (v > acc.max) acc.max = v;
    }
    if (t > maxTs) {
      maxTs = t;
      wm = t - bound;
      if (wm >= nextEnd) {
        fireStats(open, starts, size, wm, emit);
        nextEnd = starts.length > 0 ? starts[0]! + size : Infinity;
        if (curEnd <= wm) curStart = curEnd = NaN;
      }
    }
  }
  fireStats(open, starts, size, Infinity, emit);
  return late;
}

/** fireWindows for loopTumblingStats. */
function fireStats(open: Map<number, Map<number, Stats>>, starts: number[], size: number, wm: number, emit: EmitStats) {
  let n = 0;
  while (n < starts.length && starts[n]! + size <= wm) {
    const start = starts[n++]!;
    const m = open.get(start)!;
    open.delete(start);
    for (const [key, a] of m) emit(key, start, start + size, a);
  }
  if (n > 0) starts.splice(0, n);
}

/**
 * Sliding windows with `{ count, sum, min, max }` per key, each event added to each of its size/slide
 * windows whose end is above the watermark (min and max cannot be taken back out of a running window,
 * so a hand-written loop keeps every window: `bench/aggregates.ts`).
 */
export function loopSlidingStats(
  events: readonly BenchEvent[],
  size: number,
  slide: number,
  bound: number,
  emit: EmitStats,
): number {
  const open = new Map<number, Map<number, Stats>>();
  const starts: number[] = [];
  let maxTs = -Infinity, wm = -Infinity, nextEnd = Infinity, late = 0;
  for (let i = 0, n = events.length; i < n; i++) {
    const e = events[i]!;
    const t = e.ts, key = e.key, v = e.value;
    const r = t % slide;
    let start = t - (r < 0 ? r + slide : r);
    if (start + size <= wm) {
      late++;
      continue;
    }
    for (; start > t - size && start + size > wm; start -= slide) {
      let m = open.get(start);
      if (m === undefined) {
        m = new Map();
        open.set(start, m);
        insertSorted(starts, start);
        nextEnd = starts[0]! + size;
      }
      const acc = m.get(key);
      if (acc === undefined) m.set(key, { count: 1, sum: v, min: v, max: v });
      else {
        acc.count++;
        acc.sum += v;
        if (v < acc.min) acc.min = v;
        if (v > acc.max) acc.max = v;
      }
    }
    if (t > maxTs) {
      maxTs = t;
      wm = t - bound;
      if (wm >= nextEnd) {
        fireStats(open, starts, size, wm, emit);
        nextEnd = starts.length > 0 ? starts[0]! + size : Infinity;
      }
    }
  }
  fireStats(open, starts, size, Infinity, emit);
  return late;
}

/**
 * Sliding windows, each event added to each of its size/slide windows whose end is above the
 * watermark (the per-event variant of W2): window start -> (key -> {count, sum}).
 */
export function loopSlidingPerEvent(
  events: readonly BenchEvent[],
  size: number,
  slide: number,
  bound: number,
  emit: Emit,
): number {
  const open = new Map<number, Map<number, Acc>>();
  const starts: number[] = [];
  let maxTs = -Infinity, wm = -Infinity, nextEnd = Infinity, late = 0;
  for (let i = 0, n = events.length; i < n; i++) {
    const e = events[i]!;
    const t = e.ts, key = e.key, value = e.value;
    const r = t % slide;
    let start = t - (r < 0 ? r + slide : r);
    if (start + size <= wm) {
      late++;
      continue;
    }
    for (; start > t - size && start + size > wm; start -= slide) {
      let m = open.get(start);
      if (m === undefined) {
        m = new Map();
        open.set(start, m);
        insertSorted(starts, start);
        nextEnd = starts[0]! + size;
      }
      const acc = m.get(key);
      if (acc === undefined) m.set(key, { count: 1, sum: value });
      else {
        acc.count++;
        acc.sum += value;
      }
    }
    if (t > maxTs) {
      maxTs = t;
      wm = t - bound;
      if (wm >= nextEnd) {
        fireWindows(open, starts, size, wm, emit);
        nextEnd = starts.length > 0 ? starts[0]! + size : Infinity;
      }
    }
  }
  fireWindows(open, starts, size, Infinity, emit);
  return late;
}

/**
 * Fires the sliding windows whose end is in (closedEnd, wm] and hold data. `running` holds the
 * window that ends at closedEnd (key -> {count, sum} over its size/slide slices); each step to the
 * next window adds the newest slice and subtracts the slice that left (count and sum are invertible),
 * so a window costs two slices and its output, not size/slide slices. Returns the new closedEnd: the
 * watermark rounded down to the slide (windows up to there have fired or were empty).
 */
function fireSliced(
  slices: Map<number, Map<number, Acc>>,
  starts: number[],
  running: Map<number, Acc>,
  size: number,
  slide: number,
  closedEnd: number,
  wm: number,
  emit: Emit,
): number {
  let end = closedEnd + slide;
  for (;;) {
    if (running.size === 0) {
      // No data in the window ending at closedEnd, so no slice before closedEnd: skip to the first slice.
      if (starts.length === 0) break;
      if (starts[0]! + slide > end) end = starts[0]! + slide;
    }
    if (end > wm) break;
    const incoming = slices.get(end - slide);
    if (incoming !== undefined) {
      for (const [key, a] of incoming) {
        const r = running.get(key);
        if (r === undefined) running.set(key, { count: a.count, sum: a.sum });
        else {
          r.count += a.count;
          r.sum += a.sum;
        }
      }
    }
    const gone = end - size - slide;
    const outgoing = slices.get(gone);
    if (outgoing !== undefined) {
      for (const [key, a] of outgoing) {
        const r = running.get(key)!;
        r.count -= a.count;
        r.sum -= a.sum;
        if (r.count === 0) running.delete(key);
      }
      slices.delete(gone);
      starts.shift();
    }
    const start = end - size;
    for (const [key, r] of running) emit(key, start, end, r.count, r.sum);
    end += slide;
  }
  return wm === Infinity ? Infinity : floorTo(wm, slide);
}

/**
 * Sliding windows sharing work between overlapping windows (the W2 reference): each event is
 * counted once into its slide-sized slice (slice start -> key -> {count, sum}); windows fire from a
 * running window that gains the newest slice and loses the oldest (see fireSliced). Windows with
 * end <= closedEnd (the watermark rounded down to the slide) have fired or were empty, so an event
 * only reaches the windows after it, as in weir: if its slice is already in the running window, the
 * event is added there too.
 */
export function loopSliced(
  events: readonly BenchEvent[],
  size: number,
  slide: number,
  bound: number,
  emit: Emit,
): number {
  if (size % slide !== 0) throw new RangeError("loopSliced needs size to be a multiple of slide");
  const slices = new Map<number, Map<number, Acc>>();
  const starts: number[] = [];
  const running = new Map<number, Acc>();
  let maxTs = -Infinity, closedEnd = -Infinity, nextEnd = -Infinity, late = 0;
  let curStart = NaN, curEnd = NaN;
  let cur = new Map<number, Acc>();
  for (let i = 0, n = events.length; i < n; i++) {
    const e = events[i]!;
    const t = e.ts;
    let m = cur;
    if (!(t >= curStart && t < curEnd)) {
      const r = t % slide;
      const start = t - (r < 0 ? r + slide : r);
      if (start + size <= closedEnd) {
        late++;
        continue;
      }
      let s = slices.get(start);
      if (s === undefined) {
        s = new Map();
        slices.set(start, s);
        insertSorted(starts, start);
      }
      m = cur = s;
      curStart = start;
      curEnd = start + slide;
    }
    const acc = m.get(e.key);
    if (acc === undefined) m.set(e.key, { count: 1, sum: e.value });
    else {
      acc.count++;
      acc.sum += e.value;
    }
    if (curStart < closedEnd) {
      const r = running.get(e.key);
      if (r === undefined) running.set(e.key, { count: 1, sum: e.value });
      else {
        r.count++;
        r.sum += e.value;
      }
    }
    if (t > maxTs) {
      maxTs = t;
      const wm = t - bound;
      if (wm >= nextEnd) {
        closedEnd = fireSliced(slices, starts, running, size, slide, closedEnd, wm, emit);
        nextEnd = closedEnd + slide;
        if (!slices.has(curStart)) curStart = curEnd = NaN;
      }
    }
  }
  fireSliced(slices, starts, running, size, slide, closedEnd, Infinity, emit);
  return late;
}

/** An open session of one key; a key's open sessions (rarely more than one) form a linked list. */
interface Session {
  key: number;
  start: number;
  end: number;
  count: number;
  sum: number;
  dead: boolean;
  next: Session | null;
}

/** Min-heap of sessions by end (parallel arrays); an entry whose session grew is re-queued lazily. */
function heapPush(h: Session[], he: number[], s: Session, end: number): void {
  let i = h.length;
  h.push(s);
  he.push(end);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (he[p]! <= end) break;
    h[i] = h[p]!;
    he[i] = he[p]!;
    i = p;
  }
  h[i] = s;
  he[i] = end;
}

function heapPop(h: Session[], he: number[]): Session {
  const top = h[0]!;
  const last = h.pop()!, lastEnd = he.pop()!;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && he[l + 1]! < he[l]! ? l + 1 : l;
      if (he[c]! >= lastEnd) break;
      h[i] = h[c]!;
      he[i] = he[c]!;
      i = c;
    }
    h[i] = last;
    he[i] = lastEnd;
  }
  return top;
}

/** Fires the sessions whose end is <= wm and unlinks them from their key's list. */
function fireSessions(byKey: Map<number, Session>, h: Session[], he: number[], wm: number, emit: Emit): void {
  while (h.length > 0 && he[0]! <= wm) {
    const s = heapPop(h, he);
    if (s.dead) continue;
    if (s.end > wm) {
      heapPush(h, he, s, s.end);
      continue;
    }
    s.dead = true;
    emit(s.key, s.start, s.end, s.count, s.sum);
    const head = byKey.get(s.key)!;
    if (head === s) {
      if (s.next === null) byKey.delete(s.key);
      else byKey.set(s.key, s.next);
    } else {
      let p = head;
      while (p.next !== s) p = p.next!;
      p.next = s.next;
    }
  }
}

/**
 * Adds event (t, value) of `key` to the open sessions listed from `head`: extends the session it
 * overlaps, merges the sessions it bridges, or opens a new one (returned, to be queued); null if none
 * was opened.
 */
function addToSessions(
  byKey: Map<number, Session>,
  head: Session | undefined,
  key: number,
  t: number,
  pEnd: number,
  value: number,
): Session | null {
  let target: Session | null = null;
  let prev: Session | null = null;
  for (let x = head ?? null; x !== null; x = x.next) {
    if (x.start < pEnd && t < x.end) {
      if (target === null) {
        target = x;
        if (t < x.start) x.start = t;
        if (pEnd > x.end) x.end = pEnd;
        prev = x;
      } else {
        // The event bridges two sessions: fold x into target and unlink x.
        if (x.start < target.start) target.start = x.start;
        if (x.end > target.end) target.end = x.end;
        target.count += x.count;
        target.sum += x.sum;
        x.dead = true;
        prev!.next = x.next;
      }
    } else prev = x;
  }
  if (target !== null) {
    target.count++;
    target.sum += value;
    return null;
  }
  const s: Session = { key, start: t, end: pEnd, count: 1, sum: value, dead: false, next: head ?? null };
  byKey.set(key, s);
  return s;
}

/** Session windows: key -> linked list of open sessions; a min-heap of session ends fires them. */
export function loopSessions(events: readonly BenchEvent[], gap: number, bound: number, emit: Emit): number {
  const byKey = new Map<number, Session>();
  const h: Session[] = [], he: number[] = [];
  let maxTs = -Infinity, wm = -Infinity, late = 0;
  for (let i = 0, n = events.length; i < n; i++) {
    const e = events[i]!;
    const t = e.ts, pEnd = t + gap;
    if (pEnd <= wm) {
      late++;
      continue;
    }
    const key = e.key;
    const head = byKey.get(key);
    if (head !== undefined && head.next === null && head.start < pEnd && t < head.end) {
      // The common case: the key's one open session absorbs the event.
      if (t < head.start) head.start = t;
      if (pEnd > head.end) head.end = pEnd;
      head.count++;
      head.sum += e.value;
    } else {
      const opened = addToSessions(byKey, head, key, t, pEnd, e.value);
      if (opened !== null) heapPush(h, he, opened, pEnd);
    }
    if (t > maxTs) {
      maxTs = t;
      wm = t - bound;
      if (h.length > 0 && he[0]! <= wm) fireSessions(byKey, h, he, wm, emit);
    }
  }
  fireSessions(byKey, h, he, Infinity, emit);
  return late;
}

// ---------------------------------------------------------------------------------------------
// The same algorithms, one event at a time, for the framework rows.

/** What the framework rows drive: add events, then flush at end of input; windows go to `emit`. */
export interface Windower {
  /** Events dropped because all their windows had fired. */
  late: number;
  add(e: BenchEvent): void;
  flush(): void;
}

/** Tumbling windows (loopTumbling, one event at a time). */
export class Tumbling implements Windower {
  late = 0;
  readonly #emit: Emit;
  readonly #size: number;
  readonly #bound: number;
  readonly #open = new Map<number, Map<number, Acc>>();
  readonly #starts: number[] = [];
  #maxTs = -Infinity;
  #wm = -Infinity;
  #nextEnd = Infinity;
  #curStart = NaN;
  #curEnd = NaN;
  #cur = new Map<number, Acc>();

  constructor(size: number, bound: number, emit: Emit) {
    this.#size = size;
    this.#bound = bound;
    this.#emit = emit;
  }

  add(e: BenchEvent): void {
    const t = e.ts;
    let m = this.#cur;
    if (!(t >= this.#curStart && t < this.#curEnd)) {
      const size = this.#size;
      const r = t % size;
      const start = t - (r < 0 ? r + size : r);
      if (start + size <= this.#wm) {
        this.late++;
        return;
      }
      let w = this.#open.get(start);
      if (w === undefined) {
        w = new Map();
        this.#open.set(start, w);
        insertSorted(this.#starts, start);
        this.#nextEnd = this.#starts[0]! + size;
      }
      m = this.#cur = w;
      this.#curStart = start;
      this.#curEnd = start + size;
    }
    const acc = m.get(e.key);
    if (acc === undefined) m.set(e.key, { count: 1, sum: e.value });
    else {
      acc.count++;
      acc.sum += e.value;
    }
    if (t > this.#maxTs) {
      this.#maxTs = t;
      const wm = this.#wm = t - this.#bound;
      if (wm >= this.#nextEnd) {
        fireWindows(this.#open, this.#starts, this.#size, wm, this.#emit);
        this.#nextEnd = this.#starts.length > 0 ? this.#starts[0]! + this.#size : Infinity;
        if (this.#curEnd <= wm) this.#curStart = this.#curEnd = NaN;
      }
    }
  }

  flush(): void {
    fireWindows(this.#open, this.#starts, this.#size, Infinity, this.#emit);
  }
}

/** Sliding windows by slices (loopSliced, one event at a time). */
export class SlicedSliding implements Windower {
  late = 0;
  readonly #emit: Emit;
  readonly #size: number;
  readonly #slide: number;
  readonly #bound: number;
  readonly #slices = new Map<number, Map<number, Acc>>();
  readonly #starts: number[] = [];
  readonly #running = new Map<number, Acc>();
  #maxTs = -Infinity;
  #closedEnd = -Infinity;
  #nextEnd = -Infinity;
  #curStart = NaN;
  #curEnd = NaN;
  #cur = new Map<number, Acc>();

  constructor(size: number, slide: number, bound: number, emit: Emit) {
    if (size % slide !== 0) throw new RangeError("SlicedSliding needs size to be a multiple of slide");
    this.#size = size;
    this.#slide = slide;
    this.#bound = bound;
    this.#emit = emit;
  }

  add(e: BenchEvent): void {
    const t = e.ts;
    let m = this.#cur;
    if (!(t >= this.#curStart && t < this.#curEnd)) {
      const slide = this.#slide;
      const r = t % slide;
      const start = t - (r < 0 ? r + slide : r);
      if (start + this.#size <= this.#closedEnd) {
        this.late++;
        return;
      }
      let s = this.#slices.get(start);
      if (s === undefined) {
        s = new Map();
        this.#slices.set(start, s);
        insertSorted(this.#starts, start);
      }
      m = this.#cur = s;
      this.#curStart = start;
      this.#curEnd = start + slide;
    }
    const acc = m.get(e.key);
    if (acc === undefined) m.set(e.key, { count: 1, sum: e.value });
    else {
      acc.count++;
      acc.sum += e.value;
    }
    if (this.#curStart < this.#closedEnd) {
      const r = this.#running.get(e.key);
      if (r === undefined) this.#running.set(e.key, { count: 1, sum: e.value });
      else {
        r.count++;
        r.sum += e.value;
      }
    }
    if (t > this.#maxTs) {
      this.#maxTs = t;
      const wm = t - this.#bound;
      if (wm >= this.#nextEnd) {
        const closed = fireSliced(
          this.#slices,
          this.#starts,
          this.#running,
          this.#size,
          this.#slide,
          this.#closedEnd,
          wm,
          this.#emit,
        );
        this.#closedEnd = closed;
        this.#nextEnd = closed + this.#slide;
        if (!this.#slices.has(this.#curStart)) this.#curStart = this.#curEnd = NaN;
      }
    }
  }

  flush(): void {
    fireSliced(
      this.#slices,
      this.#starts,
      this.#running,
      this.#size,
      this.#slide,
      this.#closedEnd,
      Infinity,
      this.#emit,
    );
  }
}

/** Session windows (loopSessions, one event at a time). */
export class Sessions implements Windower {
  late = 0;
  readonly #emit: Emit;
  readonly #gap: number;
  readonly #bound: number;
  readonly #byKey = new Map<number, Session>();
  readonly #h: Session[] = [];
  readonly #he: number[] = [];
  #maxTs = -Infinity;
  #wm = -Infinity;

  constructor(gap: number, bound: number, emit: Emit) {
    this.#gap = gap;
    this.#bound = bound;
    this.#emit = emit;
  }

  add(e: BenchEvent): void {
    const t = e.ts, pEnd = t + this.#gap;
    if (pEnd <= this.#wm) {
      this.late++;
      return;
    }
    const key = e.key;
    const head = this.#byKey.get(key);
    if (head !== undefined && head.next === null && head.start < pEnd && t < head.end) {
      if (t < head.start) head.start = t;
      if (pEnd > head.end) head.end = pEnd;
      head.count++;
      head.sum += e.value;
    } else {
      const opened = addToSessions(this.#byKey, head, key, t, pEnd, e.value);
      if (opened !== null) heapPush(this.#h, this.#he, opened, pEnd);
    }
    if (t > this.#maxTs) {
      this.#maxTs = t;
      const wm = this.#wm = t - this.#bound;
      if (this.#h.length > 0 && this.#he[0]! <= wm) fireSessions(this.#byKey, this.#h, this.#he, wm, this.#emit);
    }
  }

  flush(): void {
    fireSessions(this.#byKey, this.#h, this.#he, Infinity, this.#emit);
  }
}

/** W1, W2 or W3 (tumbling 10 s, sliding 60/10 s, sessions 30 s; disorder bound 2 s) by its plain loop. */
export function loopWorkload(workload: string, events: readonly BenchEvent[], emit: Emit): number {
  return workload === "w1"
    ? loopTumbling(events, 10_000, 2_000, emit)
    : workload === "w2"
    ? loopSliced(events, 60_000, 10_000, 2_000, emit)
    : loopSessions(events, 30_000, 2_000, emit);
}

/** The one-event-at-a-time windower of W1, W2 or W3 (see loopWorkload), for the framework rows. */
export function windowerFor(workload: string, emit: Emit): Windower {
  return workload === "w1"
    ? new Tumbling(10_000, 2_000, emit)
    : workload === "w2"
    ? new SlicedSliding(60_000, 10_000, 2_000, emit)
    : new Sessions(30_000, 2_000, emit);
}
