/**
 * Triggers decide when a window emits a pane. They compose as in Apache Beam; every trigger is
 * plain data (a `TriggerSpec`), evaluated by weir after each bundle of input (each element, or each
 * chunk of a source whose chunks are bundles, such as TestStream's `addElements`), after each watermark
 * advance and when processing-time timers are due.
 *
 * @module
 */

/** The serializable description of a trigger; build one with the functions in this module. */
export type TriggerSpec =
  | { readonly kind: "default" }
  | { readonly kind: "watermark"; readonly early?: TriggerSpec; readonly late?: TriggerSpec }
  | { readonly kind: "count"; readonly n: number }
  | { readonly kind: "processing-time"; readonly delay: number }
  | { readonly kind: "watermark-progress"; readonly interval: number }
  | { readonly kind: "repeatedly"; readonly trigger: TriggerSpec }
  | { readonly kind: "any" | "all" | "each"; readonly triggers: readonly TriggerSpec[] }
  | { readonly kind: "or-finally"; readonly trigger: TriggerSpec; readonly until: TriggerSpec }
  | { readonly kind: "never" };

/** A trigger: an immutable value that window options accept as `trigger`. */
export type Trigger = TriggerSpec;

function checkTrigger(t: unknown, what: string): TriggerSpec {
  if (typeof t !== "object" || t === null || typeof (t as { kind?: unknown }).kind !== "string") {
    throw new TypeError(`Cannot create ${what} as its argument is not a trigger: current value is ${String(t)}`);
  }
  return t as TriggerSpec;
}

/**
 * Beam's default trigger: fires once when the watermark passes the end of the window, then once for
 * every bundle that brings late data within the allowed lateness. Never finishes.
 *
 * @example An on-time pane, then a late pane per bundle of late data
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, defaultTrigger, stream, tumbling } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 *
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 }, { value: "b", timestamp: 2 })
 *   .advanceWatermarkTo(10) // passes the end of [0, 10)
 *   .addElements({ value: "c", timestamp: 3 }, { value: "d", timestamp: 4 }) // late, within the allowed lateness
 *   .advanceWatermarkToInfinity();
 * const panes = await stream(events)
 *   .window(tumbling(10), { trigger: defaultTrigger(), allowedLateness: 100 })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => [p.pane.timing, p.value]), [["on-time", 2], ["late", 2]]);
 * ```
 */
export function defaultTrigger(): Trigger {
  return { kind: "default" };
}

/**
 * Fires when the watermark passes the end of the window (the on-time pane). With `early`, fires
 * speculatively before that whenever `early` fires (repeatedly); with `late`, fires after it whenever
 * `late` fires (repeatedly) for data within the allowed lateness. Without `late` the trigger finishes
 * at the on-time pane and later data for the window is dropped (to `onLate`).
 *
 * @example Early, on-time and late panes
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterCount, afterWatermark, count, stream, tumbling } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 *
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 }, { value: "b", timestamp: 2 }) // early: 2 elements
 *   .addElements({ value: "c", timestamp: 3 })
 *   .advanceWatermarkTo(10) // on time
 *   .addElements({ value: "d", timestamp: 4 }) // late
 *   .advanceWatermarkToInfinity();
 * const panes = await stream(events)
 *   .window(tumbling(10), {
 *     trigger: afterWatermark({ early: afterCount(2), late: afterCount(1) }),
 *     allowedLateness: 100,
 *   })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => [p.pane.timing, p.value]), [["early", 2], ["on-time", 1], ["late", 1]]);
 * ```
 */
export function afterWatermark(options: { early?: Trigger; late?: Trigger } = {}): Trigger {
  const spec: { kind: "watermark"; early?: TriggerSpec; late?: TriggerSpec } = { kind: "watermark" };
  if (options.early !== undefined) spec.early = checkTrigger(options.early, "afterWatermark early trigger");
  if (options.late !== undefined) spec.late = checkTrigger(options.late, "afterWatermark late trigger");
  return spec;
}

/**
 * Fires once the pane holds at least `n` elements, then finishes (wrap it in `repeatedly` to keep firing).
 *
 * @example One early pane, after two elements
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterCount, count, global, stream } from "weirjs";
 *
 * const dropped: string[] = [];
 * const panes = await stream(["a", "b", "c"])
 *   .withEventTime(() => 0, { maxOutOfOrderness: 0 })
 *   .window(global(), { trigger: afterCount(2), onLate: (e) => dropped.push(e) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => p.value), [2]);
 * assertEquals(dropped, ["c"]); // the trigger finished with its pane
 * ```
 */
export function afterCount(n: number): Trigger {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`Cannot create afterCount trigger as n must be an integer >= 1: current value is ${n}`);
  }
  return { kind: "count", n };
}

/**
 * Fires once more than `delay` ms of processing time have passed since the first element of the pane
 * (strictly after, as Beam's `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay)`), then
 * finishes.
 *
 * @example An early pane a second after the first element
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterProcessingTime, afterWatermark, count, stream, tumbling } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 *
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 })
 *   .advanceProcessingTime(1_001) // more than a second later: an early pane
 *   .addElements({ value: "b", timestamp: 2 })
 *   .advanceWatermarkToInfinity();
 * const panes = await stream(events)
 *   .window(tumbling(10), { trigger: afterWatermark({ early: afterProcessingTime(1_000) }) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => [p.pane.timing, p.value]), [["early", 1], ["on-time", 1]]);
 * ```
 */
export function afterProcessingTime(delay: number): Trigger {
  if (!Number.isFinite(delay) || delay < 0) {
    throw new RangeError(
      `Cannot create afterProcessingTime trigger as delay must be a finite number >= 0: current value is ${delay}`,
    );
  }
  return { kind: "processing-time", delay };
}

/**
 * Fires every time `trigger` fires, resetting it after each firing. Never finishes.
 *
 * @example A pane every two elements
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterCount, count, global, repeatedly, stream } from "weirjs";
 *
 * const panes = await stream(["a", "b", "c", "d"])
 *   .withEventTime(() => 0, { maxOutOfOrderness: 0 })
 *   .window(global(), { trigger: repeatedly(afterCount(2)) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => p.value), [2, 2, 0]); // and the on-time pane when the input ends
 * ```
 */
export function repeatedly(trigger: Trigger): Trigger {
  return { kind: "repeatedly", trigger: checkTrigger(trigger, "repeatedly trigger") };
}

function composite(kind: "any" | "all" | "each", name: string, triggers: Trigger[]): Trigger {
  if (triggers.length === 0) {
    throw new RangeError(`Cannot create ${name} trigger as it needs at least one trigger: current count is 0`);
  }
  return { kind, triggers: triggers.map((t) => checkTrigger(t, `${name} trigger`)) };
}

/**
 * Fires as soon as any of `triggers` fires, then finishes (Beam's `AfterFirst`).
 *
 * @example Whichever comes first: three elements or the end of the window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterAny, afterCount, afterWatermark, count, repeatedly, stream, tumbling } from "weirjs";
 *
 * const panes = await stream([1, 2, 3, 4, 11])
 *   .withEventTime((ts) => ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10), { trigger: repeatedly(afterAny(afterCount(3), afterWatermark())) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => [p.window.start, p.value]), [[0, 3], [0, 1], [10, 1]]);
 * ```
 */
export function afterAny(...triggers: Trigger[]): Trigger {
  return composite("any", "afterAny", triggers);
}

/**
 * Fires once every one of `triggers` is ready at the same evaluation, then finishes (Beam's `AfterAll`).
 *
 * @example Only once both are ready
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterAll, afterCount, afterProcessingTime, count, global, stream } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 *
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 }, { value: "b", timestamp: 2 }) // two elements, but no time yet
 *   .advanceProcessingTime(1_001) // now both conditions hold: a pane
 *   .addElements({ value: "c", timestamp: 3 }) // the trigger has finished: dropped
 *   .advanceWatermarkToInfinity();
 * const dropped: string[] = [];
 * const panes = await stream(events)
 *   .window(global(), {
 *     trigger: afterAll(afterCount(2), afterProcessingTime(1_000)),
 *     onLate: (e) => dropped.push(e),
 *   })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => p.value), [2]);
 * assertEquals(dropped, ["c"]);
 * ```
 */
export function afterAll(...triggers: Trigger[]): Trigger {
  return composite("all", "afterAll", triggers);
}

/**
 * Fires each trigger in sequence: the first until it finishes, then the second, and so on; finishes
 * after the last one finishes.
 *
 * @example A first pane after one element, the next after two more
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterCount, afterEach, count, global, stream } from "weirjs";
 *
 * const dropped: string[] = [];
 * const panes = await stream(["a", "b", "c", "d"])
 *   .withEventTime(() => 0, { maxOutOfOrderness: 0 })
 *   .window(global(), { trigger: afterEach(afterCount(1), afterCount(2)), onLate: (e) => dropped.push(e) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => p.value), [1, 2]);
 * assertEquals(dropped, ["d"]); // after the last trigger finished
 * ```
 */
export function afterEach(...triggers: Trigger[]): Trigger {
  return composite("each", "afterEach", triggers);
}

/**
 * Fires whenever `trigger` fires, and finishes (firing a final pane) as soon as `until` fires.
 *
 * @example A pane per element, until the third
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterCount, count, global, orFinally, repeatedly, stream } from "weirjs";
 *
 * const dropped: string[] = [];
 * const panes = await stream(["a", "b", "c", "d"])
 *   .withEventTime(() => 0, { maxOutOfOrderness: 0 })
 *   .window(global(), {
 *     trigger: orFinally(repeatedly(afterCount(1)), afterCount(3)),
 *     accumulation: "accumulating",
 *     onLate: (e) => dropped.push(e),
 *   })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => [p.value, p.pane.isFinal]), [[1, false], [2, false], [3, true]]);
 * assertEquals(dropped, ["d"]);
 * ```
 */
export function orFinally(trigger: Trigger, until: Trigger): Trigger {
  return {
    kind: "or-finally",
    trigger: checkTrigger(trigger, "orFinally trigger"),
    until: checkTrigger(until, "orFinally until trigger"),
  };
}

/**
 * Never fires: the window emits only its final pane when it expires (end of window + allowed
 * lateness, or the end of a bounded input).
 *
 * @example Only the final pane
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, never, stream, tumbling } from "weirjs";
 *
 * const panes = await stream([1, 2, 15])
 *   .withEventTime((ts) => ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10), { trigger: never() })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => [p.window.start, p.value, p.pane.isFinal]), [[0, 2, true], [10, 1, true]]);
 * ```
 */
export function never(): Trigger {
  return { kind: "never" };
}

/**
 * Fires every `interval` ms of watermark progress (Flink's `ContinuousEventTimeTrigger`): once a
 * window has data, each time the watermark passes the next multiple of `interval`, and again at every
 * multiple after that. Never finishes, so it suits the global window and long windows, where the final
 * pane comes when the window expires (or at the end of a bounded input). Combine it with
 * `afterWatermark` through `afterAny` to also fire at the end of the window.
 *
 * @example A pane every 10 ms of watermark progress
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterWatermarkProgress, count, global, stream } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 *
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 }, { value: "b", timestamp: 5 })
 *   .advanceWatermarkTo(10) // passes 10: a pane with 2
 *   .addElements({ value: "c", timestamp: 12 })
 *   .advanceWatermarkTo(25) // passes 20: a pane with 1 (discarding)
 *   .advanceWatermarkToInfinity(); // the window expires: its final, on-time pane (empty)
 * const panes = await stream(events)
 *   .window(global(), { trigger: afterWatermarkProgress(10) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(panes.map((p) => p.value), [2, 1, 0]);
 * ```
 */
export function afterWatermarkProgress(interval: number): Trigger {
  if (!Number.isFinite(interval) || interval <= 0) {
    throw new RangeError(
      `Cannot create afterWatermarkProgress trigger as interval must be a finite number > 0: current value is ${interval}`,
    );
  }
  return { kind: "watermark-progress", interval };
}
