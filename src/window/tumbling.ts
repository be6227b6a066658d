import { checkOffset, checkSize, mod, type TumblingWindows } from "./assigner.ts";
import { checkOptionNames } from "../option_names.ts";

/**
 * Tumbling (fixed) windows: `[start, start + size)` with `start = t - mod(t - offset, size)`.
 * An element exactly at a boundary belongs to the window that starts there.
 *
 * ```
 *   size 10:  [0 ........ 10)[10 ....... 20)[20 ...
 *   t = 10 ─────────────────▲ goes to [10, 20)
 * ```
 *
 * @example An element at a boundary goes to the next window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, stream, tumbling } from "weirjs";
 *
 * const results = await stream([{ ts: 3 }, { ts: 10 }, { ts: 12 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10))
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(results.map((r) => [r.window, r.value]), [[{ start: 0, end: 10 }, 1], [{ start: 10, end: 20 }, 2]]);
 * ```
 */
export function tumbling(size: number, options: { offset?: number } = {}): TumblingWindows {
  checkSize("tumbling window", "size", size);
  checkOptionNames("create tumbling window", options ?? {}, ["offset"]);
  const offset = options?.offset ?? 0;
  checkOffset("tumbling window", offset);
  return { kind: "tumbling", size, offset: mod(offset, size) };
}
