import type { GlobalWindows } from "./assigner.ts";

/**
 * The global window: one window per key covering all time (`[-Infinity, Infinity)`). It fires on time
 * only when the input ends (the watermark reaches +Infinity), so use it with count or processing-time
 * triggers for live results.
 *
 * @example
 * ```ts
 * import { stream, global, count, repeatedly, afterCount } from "weirjs";
 * const results = stream([1, 2, 3, 4]).withEventTime(() => 0, { maxOutOfOrderness: 0 })
 *   .window(global(), { trigger: repeatedly(afterCount(2)) })
 *   .aggregate(count());
 * ```
 */
export function global(): GlobalWindows {
  return { kind: "global" };
}
