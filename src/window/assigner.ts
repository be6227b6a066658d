/** Fixed-size, non-overlapping windows `[start, start + size)` with start ≡ offset (mod size). */
export interface TumblingWindows {
  /** Tumbling windows. */
  readonly kind: "tumbling";
  /** Window length (ms). */
  readonly size: number;
  /** Window starts are `offset` plus a multiple of `size` (ms, in `[0, size)`). */
  readonly offset: number;
}

/** Windows of length `size` starting every `slide`, at start ≡ offset (mod slide). */
export interface SlidingWindows {
  /** Sliding windows. */
  readonly kind: "sliding";
  /** Window length (ms). */
  readonly size: number;
  /** Distance between window starts (ms). */
  readonly slide: number;
  /** Window starts are `offset` plus a multiple of `slide` (ms, in `[0, slide)`). */
  readonly offset: number;
}

/** Per-key sessions: each element opens `[t, t + gap)`; overlapping windows merge. */
export interface SessionWindows {
  /** Session windows. */
  readonly kind: "session";
  /** Inactivity (ms) that closes a session: elements closer than this share one. */
  readonly gap: number;
}

/** One window per key spanning all time. */
export interface GlobalWindows {
  /** The global window: one window for all time. */
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
