// Event-time timers ordered by (time, seq): the order they were scheduled in breaks ties. Entries are
// invalidated lazily: an entry whose `gen` no longer matches its target's current `timerGen` is
// skipped when reached.
//
// Timers are kept in buckets, one per distinct time, in a binary min-heap of buckets by time: the
// windows of one end (every key's window [s, e), then their garbage collection at e + lateness) share
// a time, so scheduling one appends to the bucket of the last time used (no comparison, no object per
// timer) and the heap only orders the few distinct times. A bucket's entries are in the order they
// were scheduled, which is their seq order, so popping bucket by bucket gives the (time, seq) order.

export interface TimerTarget {
  timerGen: number;
}

class Bucket<T extends TimerTarget> {
  targets: T[] = [];
  gens: number[] = [];
  /** Entries before this one were popped. */
  next = 0;
  constructor(readonly time: number) {}
}

export class TimerHeap<T extends TimerTarget> {
  #heap: Bucket<T>[] = [];
  /** The buckets in the heap, by time. */
  #byTime = new Map<number, Bucket<T>>();
  /** The bucket of the last schedule (most schedules go to the same time as the one before). */
  #last: Bucket<T> | null = null;

  /** Schedules `target` at `time`, replacing any timer it had. */
  schedule(target: T, time: number): void {
    let b = this.#last;
    if (b === null || b.time !== time) {
      b = this.#byTime.get(time) ?? this.#add(time);
      this.#last = b;
    }
    b.targets.push(target);
    b.gens.push(++target.timerGen);
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
    const target = b.targets[b.next]!;
    b.targets[b.next++] = undefined as unknown as T;
    return target;
  }

  clear(): void {
    this.#heap = [];
    this.#byTime = new Map();
    this.#last = null;
  }

  /** The earliest bucket, its next entry valid (invalid entries and empty buckets are dropped), or null. */
  #top(): Bucket<T> | null {
    const heap = this.#heap;
    while (heap.length > 0) {
      const b = heap[0]!;
      const targets = b.targets, gens = b.gens;
      while (b.next < targets.length && gens[b.next] !== targets[b.next]!.timerGen) {
        targets[b.next++] = undefined as unknown as T;
      }
      if (b.next < targets.length) return b;
      this.#removeTop();
    }
    return null;
  }

  #add(time: number): Bucket<T> {
    const b = new Bucket<T>(time);
    this.#byTime.set(time, b);
    const a = this.#heap;
    a.push(b);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(time < a[p]!.time)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = b;
    return b;
  }

  #removeTop(): void {
    const a = this.#heap;
    const top = a[0]!;
    this.#byTime.delete(top.time);
    if (this.#last === top) this.#last = null;
    const last = a.pop()!;
    if (a.length === 0) return;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && a[r]!.time < a[l]!.time ? r : l;
      if (!(a[c]!.time < last.time)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
  }
}
