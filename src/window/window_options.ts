import type { Trigger } from "../trigger/trigger.ts";
import type { Window } from "./types.ts";

/** What `onLate` learns about an element that no window accepted. */
export interface LateInfo {
  /** The element's event time. */
  timestamp: number;
  /** The windows the element belonged to. */
  windows: Window[];
  /** The watermark the element was judged against. */
  watermark: number;
  /** `late`: beyond the allowed lateness; `window-closed`: its window's trigger had finished. */
  reason: "late" | "window-closed";
}

/** Options of `.window(assigner, options)`. */
export interface WindowOptions<T = unknown> {
  /** How long after the watermark passes a window's end late data is still accepted (ms, default 0, may be Infinity). */
  allowedLateness?: number;
  /** When panes fire (default: on time, then once per bundle of late data). */
  trigger?: Trigger;
  /** `accumulating`: every pane carries the whole window; `discarding` (default, as in Beam): only what is new. */
  accumulation?: "accumulating" | "discarding";
  /** Whether the final pane at window expiry fires when nothing new arrived (default "fire-if-non-empty"). */
  closing?: "fire-if-non-empty" | "fire-always";
  /** Whether the on-time pane fires when nothing new arrived since an early pane (default "fire-always", as in Beam). */
  onTime?: "fire-if-non-empty" | "fire-always";
  /**
   * Spark-style presets: `append` = one final pane per window when it expires; `update` = each changed
   * window after each bundle (every element, or every chunk of a source whose chunks are bundles, such as
   * TestStream), accumulating; `complete` = every window after each chunk of input, state kept forever.
   */
  outputMode?: "append" | "update" | "complete";
  /** Event time of results: `end-of-window` (end - 1, default), `earliest` or `latest` element of the pane. */
  timestampCombiner?: "end-of-window" | "earliest" | "latest";
  /** Receives elements that arrive beyond the allowed lateness (or for a window whose trigger finished). */
  onLate?: (element: T, info: LateInfo) => void;
  /** Stable operator id for checkpoints (default: derived from the operator's position in the pipeline). */
  id?: string;
}
