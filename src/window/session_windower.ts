import type { SessionWindows } from "./assigner.ts";
import type { Window } from "./types.ts";
import type { Windower } from "./windower.ts";

/** A window of a key as merging sees it; `tag` is the caller's, carried through unchanged. */
export interface Span<T> {
  readonly start: number;
  readonly end: number;
  readonly tag: T;
}

/**
 * Session windows (Beam's `Sessions` with `MergeOverlappingIntervalWindows`): an element at `t` opens
 * `[t, t + gap)`, and windows of one key that overlap merge into their union. Windows that only touch
 * (`a.end === b.start`) stay apart.
 *
 * ```
 *   gap 10:   t=0 → [0, 10)   t=5 → [5, 15)   overlap: merged [0, 15)
 *             t=15 → [15, 25)  touches [0, 15): stays apart
 *   0    5    10   15   20   25
 *   [---------)
 *        [---------)
 *                  [---------)
 * ```
 */
export class SessionWindower implements Windower {
  readonly merging = true;
  readonly gap: number;

  constructor(readonly assigner: SessionWindows) {
    this.gap = assigner.gap;
  }

  assign(t: number, out: number[]): number {
    out[0] = t;
    out[1] = t + this.gap;
    return 1;
  }

  windowsOf(t: number): Window[] {
    return [{ start: t, end: t + this.gap }];
  }

  lastEnd(t: number): number {
    return t + this.gap;
  }

  /** Whether the windows `[aStart, aEnd)` and `[bStart, bEnd)` merge: they share at least one instant. */
  overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    return aStart < bEnd && bStart < aEnd;
  }

  /**
   * Groups windows into the clusters that merge (MergeOverlappingIntervalWindows.mergeWindows): sorted
   * by start, a window joins the current cluster while it starts before the cluster's end. Each
   * cluster comes with the union window; clusters are in ascending start order.
   */
  clusters<T>(spans: readonly Span<T>[]): { start: number; end: number; members: Span<T>[] }[] {
    const sorted = [...spans].sort((a, b) => a.start - b.start);
    const out: { start: number; end: number; members: Span<T>[] }[] = [];
    let current: { start: number; end: number; members: Span<T>[] } | null = null;
    for (const s of sorted) {
      if (current !== null && s.start < current.end) {
        current.members.push(s);
        if (s.end > current.end) current.end = s.end;
      } else {
        current = { start: s.start, end: s.end, members: [s] };
        out.push(current);
      }
    }
    return out;
  }
}
