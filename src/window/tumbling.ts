import { checkOffset, checkSize, mod, type TumblingWindows } from "./assigner.ts";

/**
 * Tumbling (fixed) windows: `[start, start + size)` with `start = t - mod(t - offset, size)`.
 * An element exactly at a boundary belongs to the window that starts there.
 *
 * ```
 *   size 10:  [0 ........ 10)[10 ....... 20)[20 ...
 *   t = 10 ─────────────────▲ goes to [10, 20)
 * ```
 *
 * @example
 * ```ts
 * import { stream, tumbling, count } from "weirjs";
 * const results = stream([{ ts: 3 }, { ts: 12 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10))
 *   .aggregate(count());
 * for await (const r of results) console.log(r.window, r.value); // {0,10} 1, then {10,20} 1
 * ```
 */
export function tumbling(size: number, options: { offset?: number } = {}): TumblingWindows {
  checkSize("tumbling window", "size", size);
  const offset = options.offset ?? 0;
  checkOffset("tumbling window", offset);
  return { kind: "tumbling", size, offset: mod(offset, size) };
}
