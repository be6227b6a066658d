import type { Combiner } from "./combiner.ts";
import { canonicalKey } from "../keys/canonical_key.ts";
import {
  addEntry,
  createSketch,
  estimate,
  type HyperLogLogAccumulator,
  mergeSketches,
  sparseEntry,
} from "./_hyperloglog.ts";
import { describe, selectorOrIdentity } from "./_util.ts";
import { checkOptionNames } from "../option_names.ts";

export type { HyperLogLogAccumulator } from "./_hyperloglog.ts";

/** Options of {@linkcode distinctCount}. */
export interface DistinctCountOptions {
  /**
   * HyperLogLog precision p, an integer from 4 to 18 (default 14). The sketch has 2^p registers
   * (16 384 at p = 14) and a standard error of 1.04 / √(2^p): 0.81% at p = 14, 1.6% at 12, 3.3% at 10.
   */
  precision?: number;
}

/**
 * The approximate number of distinct values — the elements themselves, or what `selector` picks
 * from each — with a HyperLogLog sketch of bounded size, so it works for windows with millions of
 * distinct users.
 *
 * - Accuracy: relative standard error 1.04 / √(2^p) (0.81% at the default p = 14); about 99.7% of
 *   estimates fall within three standard errors. Small windows are exact or nearly so: below
 *   min(2^p / 4, 2048) distinct values the sketch is a sparse list at precision 25, estimated by
 *   linear counting (measured: with 1 000 distinct values, 98% of estimates exact, the rest off by 1).
 * - Values are equal when their content is: 1 and "1" differ, `{ a: 1, b: 2 }` equals
 *   `{ b: 2, a: 1 }`, -0 equals 0. Each value is hashed (64-bit, MurmurHash3) from a canonical,
 *   type-prefixed string of it, identically on every runtime.
 * - Merging is exact: the merged sketch equals one built from all the values, in any order.
 * - Memory: up to 2048 numbers while sparse, then 2^p numbers (p = 14: 16 384).
 *
 * @example Distinct users per window
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { distinctCount } from "weirjs";
 *
 * const users = distinctCount((e: { user: string }) => e.user);
 * let acc = users.create();
 * for (const user of ["ann", "bob", "ann", "cy"]) acc = users.add(acc, { user }, 0);
 * assertEquals(users.result(acc), 3);
 * ```
 */
export function distinctCount<I = unknown>(
  selector?: (element: I) => unknown,
  options: DistinctCountOptions = {},
): Combiner<I, HyperLogLogAccumulator, number> {
  const select = selectorOrIdentity<I, unknown>("distinctCount()", selector);
  checkOptionNames("create distinctCount()", options ?? {}, ["precision"]);
  const precision = options.precision ?? 14;
  if (!Number.isInteger(precision) || precision < 4 || precision > 18) {
    throw new RangeError(
      `Cannot create distinctCount() as precision must be an integer from 4 to 18: current value is ${
        describe(precision)
      }`,
    );
  }
  return {
    create: () => createSketch(precision),
    add: (acc, element) => addEntry(acc, sparseEntry(canonicalKey(select(element)))),
    merge: mergeSketches,
    result: estimate,
  };
}
