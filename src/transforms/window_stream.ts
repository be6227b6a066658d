import type { AnyCombiner } from "../aggregate/combiner.ts";
import type { EventTimeOptions } from "../time/event_time_options.ts";
import type { WindowOptions } from "../window/window_options.ts";
import type { Source, SourceEvent } from "../pipeline/source.ts";
import { settled } from "../pipeline/from_input.ts";
import { type AggregateValue, stream, type WindowedStream } from "../pipeline/stream.ts";
import type { WindowAssigner } from "../window/assigner.ts";
import type { WindowResult } from "../window/types.ts";

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
    const input = writableSource<T>(MAX_BATCH);
    const timed = stream(input.source).withEventTime(eventTime, timeOptions);
    // Widened by hand: whether WindowedStream<T, K> is assignable to WindowedStream<T, unknown>
    // depends on the order in which the checker meets the types (deno check failed it on a cold cache).
    const windowed =
      (key ? timed.keyBy(key).window(window, windowOptions) : timed.window(window, windowOptions)) as WindowedStream<
        T,
        unknown
      >;
    this.writable = input.writable;
    this.readable = windowed.aggregate(aggregate).toReadableStream() as never;
  }
}

/** Most elements per pipeline step; a write waits while this many are buffered. */
const MAX_BATCH = 4096;

/**
 * A WritableStream whose chunks go to the pipeline in batches, one step per batch: a TransformStream
 * in between would cost a read per chunk, more than windowing it. The source hands on whatever was
 * written while it waited, so a lone chunk goes on at once and a fast writer's chunks together.
 */
function writableSource<T>(max: number): { writable: WritableStream<T>; source: Source<T> } {
  let buffer: T[] = [];
  let ended = false;
  let failure: { reason: unknown } | undefined;
  let wake: (() => void) | undefined; // the source waits for a write
  let room: (() => void) | undefined; // a write waits for the source to take the buffer
  let controller: WritableStreamDefaultController | undefined;
  const wakeSource = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const writable = new WritableStream<T>({
    start: (c) => void (controller = c),
    write(chunk) {
      buffer.push(chunk);
      wakeSource();
      if (buffer.length >= max) return new Promise<void>((resolve) => room = resolve);
    },
    close: () => void (ended = true, wakeSource()),
    abort: (reason) => void (failure = { reason }, wakeSource()),
  });
  const buffered = () => buffer.length;
  const full = () => buffer.length >= max || ended || failure !== undefined;
  let opened = false;
  const source: Source<T> = {
    kind: "source",
    replayable: false,
    async *open({ offset, signal }): AsyncGenerator<SourceEvent<T>> {
      if (opened || offset !== undefined) {
        throw new TypeError("Cannot replay the input of a WindowStream: it is read once, as it is written");
      }
      opened = true;
      // A cancelled readable side stops the job while no write may be coming.
      signal?.addEventListener("abort", wakeSource, { once: true });
      let finished = false;
      try {
        for (;;) {
          if (buffer.length === 0 && !ended && failure === undefined) {
            await new Promise<void>((r) => wake = r);
            signal?.throwIfAborted();
          }
          await settled(buffered, full);
          if (buffer.length > 0) {
            const values = buffer;
            buffer = [];
            const r = room;
            room = undefined;
            r?.();
            yield { type: "elements", values };
          } else if (failure !== undefined) {
            throw failure.reason;
          } else if (ended) {
            finished = true;
            return;
          }
        }
      } finally {
        if (!finished && failure === undefined) {
          // The readable side was cancelled or the pipeline failed: writing on is pointless.
          controller?.error(new TypeError("Cannot write to WindowStream as its readable side was cancelled"));
          room?.();
        }
      }
    },
  };
  return { writable, source };
}
