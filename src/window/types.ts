/** A half-open event-time interval `[start, end)` in epoch milliseconds. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** When a pane fired relative to the watermark (Beam's `PaneInfo.Timing`). */
export type PaneTiming = "early" | "on-time" | "late";

/** Describes one firing (pane) of a window, as in Beam's `PaneInfo`. */
export interface PaneInfo {
  /** 0 for the first pane of the window, then 1, 2, ... */
  readonly index: number;
  /** -1 for early panes; 0 for the on-time pane (or the first late one), then 1, 2, ... */
  readonly nonSpeculativeIndex: number;
  readonly timing: PaneTiming;
  readonly isFirst: boolean;
  /** True for the last pane the window will ever produce. */
  readonly isFinal: boolean;
}

/** One firing of one (key, window): the aggregate value and where it sits in event time. */
export interface WindowResult<K = unknown, V = unknown> {
  readonly key: K;
  readonly window: Window;
  readonly value: V;
  /** Event time of the result (default `window.end - 1`), so results can be windowed again. */
  readonly timestamp: number;
  readonly pane: PaneInfo;
}
