import type { Source, SourceEvent } from "../pipeline/source.ts";
import { ManualClock } from "../time/manual_clock.ts";

/** An element with its event time, as `TestStream.addElements` takes it. */
export interface TimestampedValue<T> {
  /** The element. */
  value: T;
  /** Its event time (ms). */
  timestamp: number;
}

/**
 * A scripted, replayable source in the sense of Beam's `TestStream`: elements with explicit event
 * times, watermark advances and virtual processing time, so tests of early, on-time and late panes are
 * deterministic. Each `addElements` call is one chunk (one Beam bundle): triggers are evaluated after it.
 *
 * A TestStream that ends without `advanceWatermarkToInfinity()` closes the output without firing what
 * is still open, so a test can run prefixes of a script and observe exactly what each step emitted.
 *
 * @example An on-time pane, then a late element dropped
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, stream, tumbling } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 *
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 }, { value: "b", timestamp: 2 })
 *   .advanceWatermarkTo(10) // on-time pane for [0, 10): 2
 *   .addElements({ value: "c", timestamp: 3 }) // late: beyond allowed lateness 0
 *   .advanceWatermarkToInfinity();
 * const late: string[] = [];
 * const results = await stream(events)
 *   .window(tumbling(10), { onLate: (e) => late.push(e) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(results.map((r) => r.value), [2]);
 * assertEquals(late, ["c"]);
 * ```
 */
export class TestStream<T> implements Source<T> {
  /** Marks a weir source. */
  readonly kind = "source" as const;
  readonly replayable = true;
  readonly flushOnEnd = false;
  readonly bundles = true;
  readonly #events: SourceEvent<T>[] = [];
  #watermark = -Infinity;
  #sealed = false;

  /** Starts an empty script. */
  static create<T>(): TestStream<T> {
    return new TestStream<T>();
  }

  #push(e: SourceEvent<T>, what: string): this {
    if (this.#sealed) {
      throw new TypeError(`Cannot ${what} after advanceWatermarkToInfinity(): the TestStream is complete`);
    }
    this.#events.push(e);
    return this;
  }

  /** Adds one chunk of elements, each with its event time. */
  addElements(...items: TimestampedValue<T>[]): this {
    if (items.length === 0) {
      throw new RangeError("Cannot add elements as none were given: pass at least one { value, timestamp }");
    }
    const values: T[] = [];
    const timestamps: number[] = [];
    items.forEach((it, i) => {
      if (typeof it !== "object" || it === null || !("value" in it) || !("timestamp" in it)) {
        throw new TypeError(
          `Cannot add element #${i} as it is not a { value, timestamp } object: current value is ${JSON.stringify(it)}`,
        );
      }
      const t = it.timestamp;
      if (typeof t !== "number" || !Number.isFinite(t)) {
        throw new RangeError(
          `Cannot add element #${i} as its timestamp must be a finite number: current value is ${String(t)}`,
        );
      }
      values.push(it.value);
      timestamps.push(t);
    });
    return this.#push({ type: "elements", values, timestamps, offset: this.#events.length + 1 }, "add elements");
  }

  /** Advances the watermark (must not go backwards). */
  advanceWatermarkTo(timestamp: number): this {
    if (typeof timestamp !== "number" || Number.isNaN(timestamp)) {
      throw new RangeError(`Cannot advance the watermark to ${String(timestamp)}: it must be a number`);
    }
    if (timestamp < this.#watermark) {
      throw new RangeError(
        `Cannot advance the watermark to ${timestamp} as it is already at ${this.#watermark}: watermarks never go back`,
      );
    }
    this.#watermark = timestamp;
    return this.#push({ type: "watermark", watermark: timestamp }, "advance the watermark");
  }

  /** Advances virtual processing time by `ms` (relative), firing processing-time triggers that are due. */
  advanceProcessingTime(ms: number): this {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
      throw new RangeError(`Cannot advance processing time by ${String(ms)}: it must be a finite number > 0`);
    }
    return this.#push({ type: "processing-time", advanceBy: ms }, "advance processing time");
  }

  /** Advances the watermark to +Infinity (every window fires) and completes the script. */
  advanceWatermarkToInfinity(): this {
    this.advanceWatermarkTo(Infinity);
    this.#sealed = true;
    return this;
  }

  /** Each run starts its own virtual processing time at 0, moved only by `advanceProcessingTime`. */
  createClock(): ManualClock {
    return new ManualClock(0);
  }

  /** Replays the script, from `offset` (the number of steps already consumed) when given. */
  *open({ offset }: { offset?: unknown } = {}): Iterator<SourceEvent<T>> {
    const from = offset === undefined ? 0 : Number(offset);
    for (let i = from; i < this.#events.length; i++) {
      const e = this.#events[i]!;
      yield e;
    }
  }
}
