import type { WindowResult } from "../window/types.ts";
import { readAll } from "./read_all.ts";

/**
 * Runs a stream of window results and returns them in a canonical order (by window end, start, key,
 * pane index), so tests do not depend on the order in which one step's firings are emitted.
 *
 * @example Results in window order
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, stream, tumbling } from "weirjs";
 * import { sortedResults } from "weirjs/testing";
 *
 * const results = await sortedResults(
 *   stream([{ ts: 12 }, { ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 20 }).window(tumbling(10))
 *     .aggregate(count()),
 * );
 * assertEquals(results.map((r) => r.window.start), [0, 10]);
 * ```
 */
export async function sortedResults<K, V>(source: AsyncIterable<WindowResult<K, V>>): Promise<WindowResult<K, V>[]> {
  const out = await readAll(source);
  return out.sort((a, b) =>
    a.window.end - b.window.end || a.window.start - b.window.start ||
    (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : JSON.stringify(a.key) > JSON.stringify(b.key) ? 1 : 0) ||
    a.pane.index - b.pane.index
  );
}
