import type { GlobalWindows } from "./assigner.ts";

/**
 * The global window: one window per key covering all time (`[-Infinity, Infinity)`). It fires on time
 * only when the input ends (the watermark reaches +Infinity), so use it with count or processing-time
 * triggers for live results.
 *
 * @example A count every two elements
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { afterCount, count, global, repeatedly, stream } from "weirjs";
 *
 * const results = await stream(["a", "b", "c", "d", "e"])
 *   .withEventTime(() => 0, { maxOutOfOrderness: 0 })
 *   .window(global(), { trigger: repeatedly(afterCount(2)) })
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(results.map((r) => [r.pane.timing, r.value]), [["early", 2], ["early", 2], ["on-time", 1]]);
 * ```
 */
export function global(): GlobalWindows {
  return { kind: "global" };
}
