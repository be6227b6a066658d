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
 * @example
 * ```ts
 * import { stream, tumbling, count, defaultTrigger } from "weirjs";
 * stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10), { trigger: defaultTrigger() }).aggregate(count());
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
 * @example
 * ```ts
 * import { afterWatermark, afterCount, afterProcessingTime } from "weirjs";
 * const t = afterWatermark({ early: afterProcessingTime(60_000), late: afterCount(1) });
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
 * @example
 * ```ts
 * import { repeatedly, afterCount } from "weirjs";
 * const everyHundred = repeatedly(afterCount(100));
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
 * @example
 * ```ts
 * import { afterWatermark, afterProcessingTime } from "weirjs";
 * const t = afterWatermark({ early: afterProcessingTime(1_000) });
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
 * @example
 * ```ts
 * import { repeatedly, afterCount } from "weirjs";
 * const t = repeatedly(afterCount(2));
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
 * @example
 * ```ts
 * import { afterAny, afterCount, afterProcessingTime } from "weirjs";
 * const t = afterAny(afterCount(100), afterProcessingTime(5_000));
 * ```
 */
export function afterAny(...triggers: Trigger[]): Trigger {
  return composite("any", "afterAny", triggers);
}

/**
 * Fires once every one of `triggers` is ready at the same evaluation, then finishes (Beam's `AfterAll`).
 *
 * @example
 * ```ts
 * import { afterAll, afterCount, afterProcessingTime } from "weirjs";
 * const t = afterAll(afterCount(10), afterProcessingTime(1_000));
 * ```
 */
export function afterAll(...triggers: Trigger[]): Trigger {
  return composite("all", "afterAll", triggers);
}

/**
 * Fires each trigger in sequence: the first until it finishes, then the second, and so on; finishes
 * after the last one finishes.
 *
 * @example
 * ```ts
 * import { afterEach, afterCount } from "weirjs";
 * const t = afterEach(afterCount(1), afterCount(10));
 * ```
 */
export function afterEach(...triggers: Trigger[]): Trigger {
  return composite("each", "afterEach", triggers);
}

/**
 * Fires whenever `trigger` fires, and finishes (firing a final pane) as soon as `until` fires.
 *
 * @example
 * ```ts
 * import { orFinally, repeatedly, afterCount } from "weirjs";
 * const t = orFinally(repeatedly(afterCount(1)), afterCount(5));
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
 * @example
 * ```ts
 * import { never } from "weirjs";
 * const onlyAtExpiry = never();
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
 * @example
 * ```ts
 * import { stream, global, count, afterWatermarkProgress } from "weirjs";
 * import { TestStream } from "weirjs/testing";
 * const events = TestStream.create<string>()
 *   .addElements({ value: "a", timestamp: 1 }, { value: "b", timestamp: 5 })
 *   .advanceWatermarkTo(10)                     // passes 10: a pane with 2
 *   .addElements({ value: "c", timestamp: 12 })
 *   .advanceWatermarkTo(25)                     // passes 20: a pane with 1 (discarding)
 *   .advanceWatermarkToInfinity();              // the window expires: its final, on-time pane (empty)
 * const panes = await stream(events)
 *   .window(global(), { trigger: afterWatermarkProgress(10) })
 *   .aggregate(count()).toArray();
 * console.log(panes.map((p) => p.value)); // [2, 1, 0]
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
