// A binary min-heap of event-time timers ordered by (time, seq). Entries are invalidated lazily:
// an entry whose `gen` no longer matches its target's current `timerGen` is skipped when popped.

export interface TimerTarget {
  timerGen: number;
}

interface Entry<T extends TimerTarget> {
  time: number;
  seq: number;
  gen: number;
  target: T;
}

export class TimerHeap<T extends TimerTarget> {
  #items: Entry<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  /** Schedules `target` at `time`, replacing any timer it had. */
  schedule(target: T, time: number): void {
    const e: Entry<T> = { time, seq: this.#seq++, gen: ++target.timerGen, target };
    const a = this.#items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = e;
  }

  /** Cancels the timer of `target`, if any. */
  cancel(target: T): void {
    target.timerGen++;
  }

  /** The time of the earliest valid timer, or Infinity when there is none. */
  nextTime(): number {
    const a = this.#items;
    while (a.length > 0) {
      const top = a[0]!;
      if (top.gen === top.target.timerGen) return top.time;
      this.#pop();
    }
    return Infinity;
  }

  /** Pops the earliest valid timer with time ≤ `limit`, or returns undefined. */
  popDue(limit: number): { target: T; time: number } | undefined {
    const a = this.#items;
    while (a.length > 0) {
      const top = a[0]!;
      if (top.gen !== top.target.timerGen) {
        this.#pop();
        continue;
      }
      if (!(top.time <= limit)) return undefined;
      this.#pop();
      return { target: top.target, time: top.time };
    }
    return undefined;
  }

  clear(): void {
    this.#items = [];
  }

  #pop(): void {
    const a = this.#items;
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

function less<T extends TimerTarget>(x: Entry<T>, y: Entry<T>): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}
