// Hand-written event-time windowing, as a good engineer would write it for exactly one job: per key
// per window count & sum, watermark = max ts seen - bound, a window fires once when end <= watermark,
// everything left fires at end of input. The plain loop calls these directly; the RxJS and Node
// stream baselines wrap the same code in their operators, so those rows measure framework overhead.
import type { BenchEvent } from "./_data.ts";

/** One fired window, in the shape every implementation is compared in. */
export interface Row {
  key: number;
  start: number;
  end: number;
  count: number;
  sum: number;
}

interface Acc {
  count: number;
  sum: number;
}

/** The interface the baselines drive: add events, then flush at end of input; rows land in `out`. */
export interface Windower {
  out: Row[];
  /** Events dropped because all their windows had fired (always 0 for the bench workloads). */
  late: number;
  add(e: BenchEvent): void;
  flush(): void;
}

function floorTo(t: number, step: number): number {
  const r = t % step;
  return t - (r < 0 ? r + step : r);
}

/**
 * Tumbling (slide = size) or per-event sliding windows: each event is added to every window that
 * contains it. State: window start -> (key -> accumulator), so firing a window is one map walk.
 */
export class PerWindow implements Windower {
  out: Row[] = [];
  late = 0;
  readonly #open = new Map<number, Map<number, Acc>>();
  /** Open window starts, ascending (a handful at a time). */
  readonly #starts: number[] = [];
  #maxTs = -Infinity;
  #nextEnd = Infinity;
  readonly #size: number;
  readonly #slide: number;
  readonly #bound: number;

  constructor(size: number, slide: number, bound: number) {
    this.#size = size;
    this.#slide = slide;
    this.#bound = bound;
  }

  add(e: BenchEvent): void {
    const t = e.ts;
    const wm = this.#maxTs - this.#bound;
    const size = this.#size;
    let added = false;
    for (let start = floorTo(t, this.#slide); start > t - size; start -= this.#slide) {
      if (start + size <= wm) break;
      let m = this.#open.get(start);
      if (m === undefined) {
        m = new Map();
        this.#open.set(start, m);
        this.#insertStart(start);
      }
      const acc = m.get(e.key);
      if (acc === undefined) m.set(e.key, { count: 1, sum: e.value });
      else {
        acc.count++;
        acc.sum += e.value;
      }
      added = true;
    }
    if (!added) this.late++;
    if (t > this.#maxTs) {
      this.#maxTs = t;
      if (t - this.#bound >= this.#nextEnd) this.#fire(t - this.#bound);
    }
  }

  flush(): void {
    this.#fire(Infinity);
  }

  #insertStart(start: number): void {
    const s = this.#starts;
    let i = s.length;
    s.push(start);
    while (i > 0 && s[i - 1]! > start) {
      s[i] = s[i - 1]!;
      i--;
    }
    s[i] = start;
    this.#nextEnd = s[0]! + this.#size;
  }

  #fire(wm: number): void {
    const s = this.#starts;
    const size = this.#size;
    let n = 0;
    while (n < s.length && s[n]! + size <= wm) {
      const start = s[n++]!;
      const m = this.#open.get(start)!;
      this.#open.delete(start);
      for (const [key, acc] of m) this.out.push({ key, start, end: start + size, count: acc.count, sum: acc.sum });
    }
    s.splice(0, n);
    this.#nextEnd = s.length > 0 ? s[0]! + size : Infinity;
  }
}

/**
 * Sliding windows sharing work between overlapping windows: events are counted once into
 * slide-sized slices (start -> key -> accumulator); a firing window combines its size/slide slices.
 * A slice is dropped when the last window containing it has fired.
 */
export class SlicedSliding implements Windower {
  out: Row[] = [];
  late = 0;
  readonly #slices = new Map<number, Map<number, Acc>>();
  readonly #sliceStarts: number[] = [];
  #maxTs = -Infinity;
  /** End of the last window fired (-Infinity before the first). */
  #firedEnd = -Infinity;
  #nextEnd = Infinity;
  readonly #size: number;
  readonly #slide: number;
  readonly #bound: number;

  constructor(size: number, slide: number, bound: number) {
    if (size % slide !== 0) throw new RangeError("SlicedSliding needs size to be a multiple of slide");
    this.#size = size;
    this.#slide = slide;
    this.#bound = bound;
  }

  add(e: BenchEvent): void {
    const t = e.ts;
    const s = floorTo(t, this.#slide);
    if (s + this.#size <= this.#firedEnd) {
      this.late++;
    } else {
      let m = this.#slices.get(s);
      if (m === undefined) {
        m = new Map();
        this.#slices.set(s, m);
        this.#insertSlice(s);
      }
      const acc = m.get(e.key);
      if (acc === undefined) m.set(e.key, { count: 1, sum: e.value });
      else {
        acc.count++;
        acc.sum += e.value;
      }
    }
    if (t > this.#maxTs) {
      this.#maxTs = t;
      if (t - this.#bound >= this.#nextEnd) this.#fire(t - this.#bound);
    }
  }

  flush(): void {
    this.#fire(Infinity);
  }

  #insertSlice(start: number): void {
    const s = this.#sliceStarts;
    let i = s.length;
    s.push(start);
    while (i > 0 && s[i - 1]! > start) {
      s[i] = s[i - 1]!;
      i--;
    }
    s[i] = start;
    this.#nextEnd = Math.max(this.#firedEnd + this.#slide, s[0]! + this.#slide);
  }

  #fire(wm: number): void {
    const slide = this.#slide, size = this.#size;
    const starts = this.#sliceStarts;
    for (;;) {
      if (starts.length === 0) {
        this.#nextEnd = Infinity;
        return;
      }
      const end = Math.max(this.#firedEnd + slide, starts[0]! + slide);
      if (end > wm) {
        this.#nextEnd = end;
        return;
      }
      const start = end - size;
      const window = new Map<number, Acc>();
      for (let i = 0; i < starts.length && starts[i]! < end; i++) {
        if (starts[i]! < start) continue;
        for (const [key, a] of this.#slices.get(starts[i]!)!) {
          const w = window.get(key);
          if (w === undefined) window.set(key, { count: a.count, sum: a.sum });
          else {
            w.count += a.count;
            w.sum += a.sum;
          }
        }
      }
      for (const [key, acc] of window) this.out.push({ key, start, end, count: acc.count, sum: acc.sum });
      this.#firedEnd = end;
      while (starts.length > 0 && starts[0]! <= start) this.#slices.delete(starts.shift()!);
    }
  }
}

interface Session {
  key: number;
  start: number;
  end: number;
  count: number;
  sum: number;
  dead: boolean;
}

/**
 * Session windows: per key a short list of open sessions; an event opens [t, t + gap) and merges
 * every session it overlaps (touching does not merge). A min-heap of session ends, checked lazily
 * (a session that grew is re-queued at its new end), fires sessions once the watermark passes.
 */
export class Sessions implements Windower {
  out: Row[] = [];
  late = 0;
  readonly #byKey = new Map<number, Session[]>();
  readonly #heap: Session[] = [];
  readonly #heapEnd: number[] = [];
  #maxTs = -Infinity;
  readonly #gap: number;
  readonly #bound: number;

  constructor(gap: number, bound: number) {
    this.#gap = gap;
    this.#bound = bound;
  }

  add(e: BenchEvent): void {
    const t = e.ts, pEnd = t + this.#gap;
    if (pEnd <= this.#maxTs - this.#bound) {
      this.late++;
    } else {
      let list = this.#byKey.get(e.key);
      if (list === undefined) {
        list = [];
        this.#byKey.set(e.key, list);
      }
      let target: Session | null = null;
      for (let i = 0; i < list.length; i++) {
        const x = list[i]!;
        if (x.start < pEnd && t < x.end) {
          if (target === null) {
            target = x;
            if (t < x.start) x.start = t;
            if (pEnd > x.end) x.end = pEnd;
          } else {
            // The event bridges two sessions: fold x into target.
            if (x.start < target.start) target.start = x.start;
            if (x.end > target.end) target.end = x.end;
            target.count += x.count;
            target.sum += x.sum;
            x.dead = true;
            list[i] = list[list.length - 1]!;
            list.pop();
            i--;
          }
        }
      }
      if (target === null) {
        target = { key: e.key, start: t, end: pEnd, count: 0, sum: 0, dead: false };
        list.push(target);
        this.#push(target, pEnd);
      }
      target.count++;
      target.sum += e.value;
    }
    if (t > this.#maxTs) {
      this.#maxTs = t;
      const wm = t - this.#bound;
      if (this.#heap.length > 0 && this.#heapEnd[0]! <= wm) this.#fire(wm);
    }
  }

  flush(): void {
    this.#fire(Infinity);
  }

  #fire(wm: number): void {
    while (this.#heap.length > 0 && this.#heapEnd[0]! <= wm) {
      const s = this.#pop();
      if (s.dead) continue;
      if (s.end > wm) {
        this.#push(s, s.end);
        continue;
      }
      s.dead = true;
      this.out.push({ key: s.key, start: s.start, end: s.end, count: s.count, sum: s.sum });
      const list = this.#byKey.get(s.key)!;
      if (list.length === 1) this.#byKey.delete(s.key);
      else list.splice(list.indexOf(s), 1);
    }
  }

  #push(s: Session, end: number): void {
    const h = this.#heap, he = this.#heapEnd;
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

  #pop(): Session {
    const h = this.#heap, he = this.#heapEnd;
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
}
