/** Fixed-size, non-overlapping windows `[start, start + size)` with start ≡ offset (mod size). */
export interface TumblingWindows {
  readonly kind: "tumbling";
  readonly size: number;
  readonly offset: number;
}

/** Windows of length `size` starting every `slide`, at start ≡ offset (mod slide). */
export interface SlidingWindows {
  readonly kind: "sliding";
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
}

/** Per-key sessions: each element opens `[t, t + gap)`; overlapping windows merge. */
export interface SessionWindows {
  readonly kind: "session";
  readonly gap: number;
}

/** One window per key spanning all time. */
export interface GlobalWindows {
  readonly kind: "global";
}

/** Which windows an element belongs to. Build one with `tumbling`, `sliding`, `session` or `global`. */
export type WindowAssigner = TumblingWindows | SlidingWindows | SessionWindows | GlobalWindows;

/** Floor modulo: the result has the sign of `m`, so negative timestamps are windowed correctly. */
export function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

export function checkSize(what: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot create ${what} as ${name} must be a finite number > 0: current value is ${String(value)}`,
    );
  }
}

export function checkOffset(what: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`Cannot create ${what} as offset must be a finite number: current value is ${String(value)}`);
  }
}

/**
 * Beam's `BoundedWindow.maxTimestamp()` for the window [start, end): its last millisecond, `end - 1`
 * (or `start` for a window narrower than a millisecond).
 */
export function maxTimestamp(start: number, end: number): number {
  return end - 1 >= start ? end - 1 : start;
}
