import { mod, type SlidingWindows, type TumblingWindows } from "./assigner.ts";
import type { Window } from "./types.ts";
import type { Windower } from "./windower.ts";

/**
 * Tumbling and sliding windows: windows of length `size` starting every `period` ms at
 * start ≡ offset (mod period). Tumbling windows are the case period = size.
 *
 * ```
 *   size 10, period 5:   t = 12 belongs to [5, 15) and [10, 20)
 *   0    5    10   15   20
 *   |----|----|----|----|
 *        [---------)           [5, 15)
 *             [---------)      [10, 20)
 *               ^ t = 12
 * ```
 */
export class AlignedWindower implements Windower {
  readonly merging = false;

  constructor(
    readonly assigner: TumblingWindows | SlidingWindows,
    readonly size: number,
    readonly period: number,
    readonly offset: number,
  ) {}

  /** The start of the period `t` falls in: the start of the last window containing `t`. */
  periodStart(t: number): number {
    return t - mod(t - this.offset, this.period);
  }

  assign(t: number, out: number[]): number {
    const last = this.periodStart(t);
    if (this.period === this.size) {
      out[0] = last;
      out[1] = last + this.size;
      return 1;
    }
    let first = last;
    while (first - this.period > t - this.size) first -= this.period;
    let n = 0;
    for (let start = first; start <= last; start += this.period) {
      // With period > size, times in the gap between windows belong to none.
      if (t < start + this.size) {
        out[2 * n] = start;
        out[2 * n + 1] = start + this.size;
        n++;
      }
    }
    return n;
  }

  windowsOf(t: number): Window[] {
    const pairs: number[] = [];
    const n = this.assign(t, pairs);
    const out: Window[] = [];
    for (let i = 0; i < n; i++) out.push({ start: pairs[2 * i]!, end: pairs[2 * i + 1]! });
    return out;
  }

  lastEnd(t: number): number {
    const end = this.periodStart(t) + this.size;
    return t < end ? end : -Infinity;
  }
}
