// Event-time timers ordered by (time, seq): the order they were scheduled in breaks ties. Entries are
// invalidated lazily: an entry whose `gen` no longer matches its target's current `timerGen` is
// skipped when reached.
//
// Timers scheduled one after another at the same time share a bucket, and the binary min-heap orders
// buckets by (time, order created): the windows of one end (every key's window [s, e), then their
// garbage collection at e + lateness) are scheduled in runs at one time, so most timers are appended
// to the bucket of the one before (no comparison, no object per timer). A timer at another time than
// the one before starts a bucket of its own (no lookup of an earlier bucket of that time: a session's
// timers are at times of their own, and a Map of buckets by time cost them more than it saved). A
// bucket takes timers only while it is the newest, so every timer of an earlier bucket of the same
// time was scheduled before those of a later one, and popping buckets in (time, order created) order,
// each in the order its timers came, gives the (time, seq) order.

export interface TimerTarget {
  timerGen: number;
}

class Bucket<T extends TimerTarget> {
  /** Its first timer's target and generation (a bucket of one timer needs no arrays). */
  t0: T | null;
  g0: number;
  /** Its later timers, once it has any. */
  targets: T[] | null = null;
  gens: number[] | null = null;
  /** Timers before this one were popped (0 is the first timer, i > 0 is targets[i - 1]). */
  next = 0;
  constructor(readonly time: number, readonly seq: number, target: T, gen: number) {
    this.t0 = target;
    this.g0 = gen;
  }

  get length(): number {
    return this.targets === null ? 1 : 1 + this.targets.length;
  }

  /** Whether the timer at `i` (< length) is still its target's current one. */
  valid(i: number): boolean {
    return i === 0 ? this.g0 === this.t0!.timerGen : this.gens![i - 1] === this.targets![i - 1]!.timerGen;
  }

  /** The target of the timer at `next`, which is then popped (its reference dropped). */
  take(): T {
    const i = this.next++;
    if (i === 0) {
      const t = this.t0!;
      this.t0 = null;
      return t;
    }
    const t = this.targets![i - 1]!;
    this.targets![i - 1] = undefined as unknown as T;
    return t;
  }
}

export class TimerHeap<T extends TimerTarget> {
  #heap: Bucket<T>[] = [];
  /** The bucket created last: a timer at its time joins it while it has not been popped from the heap. */
  #last: Bucket<T> | null = null;
  #seq = 0;

  /** Schedules `target` at `time`, replacing any timer it had. */
  schedule(target: T, time: number): void {
    const gen = ++target.timerGen;
    const b = this.#last;
    if (b !== null && b.time === time) {
      (b.targets ??= []).push(target);
      (b.gens ??= []).push(gen);
      return;
    }
    this.#add(new Bucket<T>(time, this.#seq++, target, gen));
  }

  /** Cancels the timer of `target`, if any. */
  cancel(target: T): void {
    target.timerGen++;
  }

  /** The time of the earliest valid timer, or Infinity when there is none. */
  nextTime(): number {
    const b = this.#top();
    return b === null ? Infinity : b.time;
  }

  /** Pops the earliest valid timer with time ≤ `limit` and returns its target, or returns undefined. */
  popDue(limit: number): T | undefined {
    const b = this.#top();
    if (b === null || !(b.time <= limit)) return undefined;
    return b.take();
  }

  clear(): void {
    this.#heap = [];
    this.#last = null;
  }

  /** The earliest bucket, its next timer valid (invalid timers and empty buckets are dropped), or null. */
  #top(): Bucket<T> | null {
    const heap = this.#heap;
    while (heap.length > 0) {
      const b = heap[0]!;
      while (b.next < b.length && !b.valid(b.next)) b.take();
      if (b.next < b.length) return b;
      this.#removeTop();
    }
    return null;
  }

  #add(b: Bucket<T>): void {
    this.#last = b;
    const a = this.#heap;
    a.push(b);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(b, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = b;
  }

  #removeTop(): void {
    const a = this.#heap;
    if (this.#last === a[0]) this.#last = null;
    const last = a.pop()!;
    if (a.length === 0) return;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(a[r]!, a[l]!) ? r : l;
      if (!less(a[c]!, last)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
  }
}

function less<T extends TimerTarget>(x: Bucket<T>, y: Bucket<T>): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}
