import { checkOptionNames } from "../option_names.ts";
import { checkOffset, checkSize, mod, type SlidingWindows } from "./assigner.ts";

/**
 * Sliding (hopping) windows of length `size`, one starting every `slide` ms at
 * `start ≡ offset (mod slide)`; an element belongs to every such window that contains it
 * (`size / slide` windows when `slide` divides `size`). With `slide > size` some elements fall into
 * no window and are not counted anywhere.
 *
 * ```
 *   size 20, slide 10:  [0 ............ 20)
 *                                [10 ............ 30)
 *   t = 15 belongs to both ──────────▲
 * ```
 *
 * @example Every element is in size / slide windows
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { sliding, stream, sum } from "weirjs";
 *
 * const results = await stream([{ ts: 15, v: 2 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(sliding(20, 10))
 *   .aggregate(sum((e: { v: number }) => e.v))
 *   .toArray();
 * assertEquals(results.map((r) => [r.window, r.value]), [[{ start: 0, end: 20 }, 2], [{ start: 10, end: 30 }, 2]]);
 * ```
 */
export function sliding(size: number, slide: number, options: { offset?: number } = {}): SlidingWindows {
  checkSize("sliding window", "size", size);
  checkSize("sliding window", "slide", slide);
  checkOptionNames("create sliding window", options ?? {}, ["offset"]);
  const offset = options?.offset ?? 0;
  checkOffset("sliding window", offset);
  return { kind: "sliding", size, slide, offset: mod(offset, slide) };
}
