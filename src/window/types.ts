/** A half-open event-time interval `[start, end)` in epoch milliseconds. */
export interface Window {
  /** First millisecond in the window. */
  readonly start: number;
  /** First millisecond after the window. */
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
  /** Whether the pane fired before, when or after the watermark passed the end of the window. */
  readonly timing: PaneTiming;
  /** True for the first pane of the window. */
  readonly isFirst: boolean;
  /** True for the last pane the window will ever produce. */
  readonly isFinal: boolean;
}

/** One firing of one (key, window): the aggregate value and where it sits in event time. */
export interface WindowResult<K = unknown, V = unknown> {
  /** The key (`null` without `keyBy`). */
  readonly key: K;
  /** The window the pane belongs to. */
  readonly window: Window;
  /** The aggregate of the pane: of the whole window when accumulating, of what is new when discarding. */
  readonly value: V;
  /** Event time of the result (default `window.end - 1`), so results can be windowed again. */
  readonly timestamp: number;
  /** Which firing of the window this is. */
  readonly pane: PaneInfo;
}
