// What the sliced and session engines share in their per-element loops: keys that are small
// non-negative integers kept in arrays indexed by the key instead of Maps, and doubles handed to calls
// off the hot path without a heap number per element.

/**
 * Keys that are integers below this (and not negative) are kept in an Int32Array indexed by the key
 * (256 KiB at most) instead of a Map: found without a hash lookup, and added without a Map insertion
 * (a Map of thousands of keys rehashes as it grows: 200 ns per insertion measured at 6,300 keys).
 */
export const DENSE_KEYS = 1 << 16;

/** Whether grouping key `nk` is kept in an array indexed by it (an integer in [0, DENSE_KEYS)). */
export function isDense(nk: unknown): nk is number {
  return typeof nk === "number" && nk >= 0 && nk < DENSE_KEYS && (nk | 0) === nk;
}

/** A copy of `old` (zeros when null or empty) long enough for index `k`: its length doubled, from 64, until it is. */
export function grownFor(old: Int32Array | null, k: number): Int32Array<ArrayBuffer> {
  let n = Math.max(64, old === null ? 0 : old.length * 2);
  while (n <= k) n *= 2;
  const grown = new Int32Array(n);
  if (old !== null) grown.set(old);
  return grown;
}

const ARG = new Float64Array(1);

/**
 * `x` (an element's time, or a watermark a loop carries from element to element) as an argument of a
 * call off the hot path. Passed directly, V8 (TurboFan, Node 20) converts a double to a heap number
 * once for all the calls it is passed to, at the point that dominates them all: in the loop, on every
 * element (16 bytes each; measured on W1 with epoch-ms times: 33 bytes per element, none after).
 * Stored into a Float64Array slot and loaded back, the value is a new one at each call (V8 forwards a
 * store to a field to the next load of it, not a store to a typed array), so each call converts its
 * own, only when it runs. A call made on most elements still converts on each: take such calls off
 * the common case (see the session engine's #fold).
 */
export function arg(x: number): number {
  ARG[0] = x;
  return ARG[0]!;
}
