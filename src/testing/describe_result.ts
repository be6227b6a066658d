import type { WindowResult } from "../window/types.ts";

/**
 * A compact, comparable form of a result: `"key [start,end) value timing#index final?"`.
 *
 * @example One line per result
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, stream, tumbling } from "weirjs";
 * import { describeResult, readAll } from "weirjs/testing";
 *
 * const results = await readAll(
 *   stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count()),
 * );
 * assertEquals(results.map(describeResult), ["null [0,10) 1 on-time#0 final"]);
 * ```
 */
export function describeResult(r: WindowResult): string {
  const p = r.pane;
  return `${JSON.stringify(r.key)} [${r.window.start},${r.window.end}) ${
    JSON.stringify(r.value)
  } ${p.timing}#${p.index}${p.isFinal ? " final" : ""}`;
}
