import type { WindowResult } from "../window/types.ts";

/**
 * A compact, comparable form of a result: `"key [start,end) value timing#index final?"`.
 *
 * @example
 * ```ts
 * import { stream, tumbling, count } from "weirjs";
 * import { describeResult, readAll } from "weirjs/testing";
 * const rs = await readAll(stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count()));
 * if (rs.map(describeResult).join() !== "null [0,10) 1 on-time#0 final") throw new Error("unexpected");
 * ```
 */
export function describeResult(r: WindowResult): string {
  const p = r.pane;
  return `${JSON.stringify(r.key)} [${r.window.start},${r.window.end}) ${
    JSON.stringify(r.value)
  } ${p.timing}#${p.index}${p.isFinal ? " final" : ""}`;
}
