import type { AnyCombiner } from "../aggregate/combiner.ts";
import type { EventTimeOptions } from "../time/event_time_options.ts";
import type { WindowOptions } from "../window/window_options.ts";
import type { AggregateValue, WindowedStream } from "../pipeline/stream.ts";
import type { WindowAssigner } from "../window/assigner.ts";
import type { WindowResult } from "../window/types.ts";
import { pipelineTransform } from "./pipeline_transform.ts";

/** Options of `WindowStream`: event time, key, window, aggregation and window options in one object. */
export interface WindowStreamOptions<T, K, C> extends EventTimeOptions<T>, WindowOptions<T> {
  /** The event time of an element (ms or Date). */
  eventTime: (value: T) => number | Date;
  /** The key of an element (default: one key, `null`). */
  key?: (value: T) => K;
  /** The windows, such as `tumbling(60_000)`. */
  window: WindowAssigner;
  /** A combiner, or an object of combiners. */
  aggregate: C;
}

/**
 * The windowing operator as a stand-alone transform for `pipeThrough`: elements in, `WindowResult`s
 * out. Closing the input fires every open window.
 *
 * @example Windowed counts as a TransformStream
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, tumbling, WindowStream } from "weirjs";
 *
 * const results = ReadableStream.from([{ user: "a", ts: 1 }, { user: "a", ts: 15 }]).pipeThrough(
 *   new WindowStream({
 *     eventTime: (e) => e.ts,
 *     maxOutOfOrderness: 0,
 *     key: (e) => e.user,
 *     window: tumbling(10),
 *     aggregate: count(),
 *   }),
 * );
 * assertEquals((await Array.fromAsync(results)).map((r) => [r.key, r.window, r.value]), [
 *   ["a", { start: 0, end: 10 }, 1],
 *   ["a", { start: 10, end: 20 }, 1],
 * ]);
 * ```
 */
export class WindowStream<T, K = null, C extends AnyCombiner<T> | Record<string, AnyCombiner<T>> = AnyCombiner<T>> {
  /** Where elements are written. */
  readonly writable: WritableStream<T>;
  /** Where the window results are read. */
  readonly readable: ReadableStream<WindowResult<K, AggregateValue<C>>>;

  /** Creates the stream from the pipeline `options` describe. */
  constructor(options: WindowStreamOptions<T, K, C>) {
    const { eventTime, key, window, aggregate, maxOutOfOrderness, idleTimeout, onInvalid, ...windowOptions } = options;
    const timeOptions: EventTimeOptions<T> = { maxOutOfOrderness };
    if (idleTimeout !== undefined) timeOptions.idleTimeout = idleTimeout;
    if (onInvalid !== undefined) timeOptions.onInvalid = onInvalid;
    const pair = pipelineTransform<T, WindowResult<K, AggregateValue<C>>>((s) => {
      const timed = s.withEventTime(eventTime, timeOptions);
      const windowed: WindowedStream<T, unknown> = key
        ? timed.keyBy(key).window(window, windowOptions)
        : timed.window(window, windowOptions);
      return windowed.aggregate(aggregate) as never;
    });
    this.writable = pair.writable;
    this.readable = pair.readable;
  }
}
