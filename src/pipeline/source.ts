import type { Clock } from "../time/clock.ts";

/** One step of a weir `Source`: a chunk of elements, a watermark, or a processing-time advance. */
export type SourceEvent<T> =
  | {
    readonly type: "elements";
    readonly values: readonly T[];
    /** Event times carried by the source (like Beam's TimestampedValue); otherwise use withEventTime. */
    readonly timestamps?: readonly number[];
    /** Where to resume to read what follows this chunk (stored with checkpoints). */
    readonly offset?: unknown;
  }
  | { readonly type: "watermark"; readonly watermark: number }
  | { readonly type: "processing-time"; readonly advanceBy: number };

/**
 * A source of elements that knows more than a plain stream: timestamps, watermarks, virtual
 * processing time, and offsets to replay from after a restart.
 *
 * @example A replayable source of one's own
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type Source, stream } from "weirjs";
 *
 * const numbers: Source<number> = {
 *   kind: "source",
 *   replayable: true,
 *   async *open({ offset }) {
 *     for (let i = (offset as number | undefined) ?? 0; i < 3; i++) {
 *       yield { type: "elements", values: [i], offset: i + 1 };
 *     }
 *   },
 * };
 * assertEquals(await stream(numbers).toArray(), [0, 1, 2]);
 * ```
 */
export interface Source<T> {
  /** Marks a weir source (as opposed to an iterable or a stream). */
  readonly kind: "source";
  /** True when `open({ offset })` replays exactly what followed that offset (needed for exactly-once). */
  readonly replayable: boolean;
  /**
   * The clock a run of this source reads processing time from, when the source drives time itself:
   * TestStream returns a fresh `ManualClock` per run, advanced by its `processing-time` events.
   * Default: the clock given to `stream(input, { clock })`, else the wall clock.
   */
  createClock?(): Clock;
  /**
   * Whether the end of the source raises the watermark to +Infinity, firing every open window
   * (default true: a bounded input is complete). TestStream sets false.
   */
  readonly flushOnEnd?: boolean;
  /**
   * True when each `elements` event is one bundle, as in Beam: triggers are evaluated once at its end,
   * so `afterCount(2)` fires one pane for a chunk of five elements. Default false: every element is its
   * own bundle and results do not depend on how the source chunks its input. TestStream sets true.
   */
  readonly bundles?: boolean;
  /**
   * Called once a checkpoint that covers everything up to `offset` is durable (Flink's
   * notifyCheckpointComplete): the source may now discard or acknowledge what precedes it (truncate a
   * log, ack messages). Never called for offsets a restore could still need.
   */
  commit?(offset: unknown): Promise<void> | void;
  /** Starts reading, after `offset` when given. */
  open(options: { offset?: unknown; signal?: AbortSignal }): AsyncIterator<SourceEvent<T>> | Iterator<SourceEvent<T>>;
}

export function isSource(x: unknown): x is Source<unknown> {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "source" &&
    typeof (x as { open?: unknown }).open === "function";
}
