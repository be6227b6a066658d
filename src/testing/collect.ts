import type { WindowResult } from "../window/types.ts";

/**
 * Runs a stream (or any async iterable) to completion and returns its outputs.
 *
 * @example
 * ```ts
 * import { stream } from "weirjs";
 * import { collect } from "weirjs/testing";
 * console.log(await collect(stream([1, 2]))); // [1, 2]
 * ```
 */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of source) out.push(v);
  return out;
}

/**
 * A compact, comparable form of a result: `"key [start,end) value timing#index final?"`.
 *
 * @example
 * ```ts
 * import { stream, tumbling, count } from "weirjs";
 * import { collect, describeResult } from "weirjs/testing";
 * const rs = await collect(stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count()));
 * console.log(rs.map(describeResult)); // ["null [0,10) 1 on-time#0 final"]
 * ```
 */
export function describeResult(r: WindowResult): string {
  const p = r.pane;
  return `${JSON.stringify(r.key)} [${r.window.start},${r.window.end}) ${
    JSON.stringify(r.value)
  } ${p.timing}#${p.index}${p.isFinal ? " final" : ""}`;
}

/**
 * Runs a stream of window results and returns them in a canonical order (by window end, start, key,
 * pane index), so tests do not depend on the order in which one step's firings are emitted.
 *
 * @example
 * ```ts
 * import { stream, tumbling, count } from "weirjs";
 * import { collectResults } from "weirjs/testing";
 * const rs = await collectResults(stream([{ ts: 12 }, { ts: 1 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 20 }).window(tumbling(10)).aggregate(count()));
 * console.log(rs.map((r) => r.window.start)); // [0, 10]
 * ```
 */
export async function collectResults<K, V>(source: AsyncIterable<WindowResult<K, V>>): Promise<WindowResult<K, V>[]> {
  const out = await collect(source);
  return out.sort((a, b) =>
    a.window.end - b.window.end || a.window.start - b.window.start ||
    (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : JSON.stringify(a.key) > JSON.stringify(b.key) ? 1 : 0) ||
    a.pane.index - b.pane.index
  );
}
