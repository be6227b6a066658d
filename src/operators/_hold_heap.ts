// The minimum of the windows' output watermark holds (Beam's WatermarkHold), as a lazy binary min-heap.
// A window's hold only ever rises while it is held (END_OF_WINDOW: a session grows; LATEST: a later
// element) or is cleared (a pane fired, the window merged away): entries are fixed up or dropped when
// they reach the top, so a hold that rises costs nothing. A hold that falls (EARLIEST) is pushed again.

export interface HoldTarget {
  /** Bumped whenever the hold is cleared, so entries from before are recognised as stale. */
  holdGen: number;
}

interface Entry<T extends HoldTarget> {
  value: number;
  gen: number;
  target: T;
}

export class HoldHeap<T extends HoldTarget> {
  #items: Entry<T>[] = [];
  /** A target's current hold, NaN when it has none. */
  readonly #hold: (target: T) => number;

  constructor(hold: (target: T) => number) {
    this.#hold = hold;
  }

  /** Records that `target` now holds (at its current hold). */
  push(target: T): void {
    const e: Entry<T> = { value: this.#hold(target), gen: target.holdGen, target };
    const a = this.#items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(e.value < a[p]!.value)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = e;
  }

  /** True when some window holds below `limit` (a boolean, so the hot path boxes no number). */
  below(limit: number): boolean {
    const a = this.#items;
    if (a.length === 0) return false;
    const top = a[0]!;
    // the top entry is a lower bound of every hold: only when it is below the limit is a closer look needed
    return top.value < limit && this.min() < limit;
  }

  /** The smallest hold of any window, or Infinity when none holds. */
  min(): number {
    const a = this.#items;
    while (a.length > 0) {
      const top = a[0]!;
      const t = top.target;
      const hold = this.#hold(t);
      if (top.gen !== t.holdGen || Number.isNaN(hold)) {
        this.#pop();
        continue;
      }
      if (hold !== top.value) {
        // the hold rose since this entry was pushed (or fell, and a smaller entry also exists):
        // move the entry down to where its current value belongs
        top.value = hold;
        this.#siftDown(top);
        continue;
      }
      return top.value;
    }
    return Infinity;
  }

  clear(): void {
    this.#items = [];
  }

  #pop(): void {
    const a = this.#items;
    const last = a.pop()!;
    if (a.length === 0) return;
    this.#siftDown(last);
  }

  /** Places `last` at the root position and moves it down to restore heap order. */
  #siftDown(last: Entry<T>): void {
    const a = this.#items;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && a[r]!.value < a[l]!.value ? r : l;
      if (!(a[c]!.value < last.value)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
  }
}
