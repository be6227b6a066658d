import { retractCount, withRetract } from "./retraction.ts";
import type { Combiner } from "./combiner.ts";
import { COUNT_KERNEL, withPartKernel } from "./column_kernel.ts";

/**
 * Counts the elements of a window. The accumulator is the count itself.
 *
 * @example Counting events per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count } from "weirjs";
 *
 * const c = count();
 * let acc = c.create();
 * for (const e of ["a", "b", "c"]) acc = c.add(acc, e, 0);
 * assertEquals(c.result(acc), 3);
 * ```
 */
export function count<I = unknown>(): Combiner<I, number, number> {
  return withPartKernel(
    withRetract({
      create: () => 0,
      add: (acc: number) => acc + 1,
      merge: (a: number, b: number) => a + b,
      result: (acc: number) => acc,
    }, retractCount),
    COUNT_KERNEL,
  );
}
