// What the sliced and session engines share in their per-element loops: keys that are small
// non-negative integers kept in arrays indexed by the key instead of Maps, and doubles handed to calls
// off the hot path without a heap number per element.

/**
 * Keys that are integers below this (and not negative) are kept in an Int32Array indexed by the key
 * (256 KiB at most) instead of a Map: found without a hash lookup, and added without a Map insertion
 * (a Map of thousands of keys rehashes as it grows: 200 ns per insertion measured at 6,300 keys).
 */
export const DENSE_KEYS = 1 << 16;

/**
 * Integer keys in [DENSE_KEYS, DENSE_MAX) are kept in the array too when memory allows it (see
 * {@linkcode denseAllowed}), else in the Map: a key of [0, DENSE_MAX) is in the array exactly when the
 * array reaches it (the session engine's heads and the running accumulators of sliding windows move the
 * Map's keys into an array they lengthen; a slice refused a length keeps its array short of the keys
 * its Map took, so none of them moves). With 1M keys, W1's slices hold about 9,400 keys each: a Map
 * insertion cost 300 ns there, an array entry 30-50 ns.
 */
export const DENSE_MAX = 1 << 24;

/**
 * How much memory arrays of key entries may take beyond DENSE_KEYS when they hold fewer keys than one
 * in 64 entries: at most `budget` entries (4 bytes each) per engine, and `perKey` entries per key the
 * engine holds (so a job of a few keys with large ids never gets a large array). Guesses at a trade of
 * memory for speed, not measured optima; tests change them to reach these paths with small inputs.
 */
export const denseLimits = { budget: 1 << 22, perKey: 1 << 10 };

/** Whether grouping key `nk` may be kept in an array indexed by it (an integer in [0, DENSE_MAX)). */
export function isDense(nk: unknown): nk is number {
  return typeof nk === "number" && nk >= 0 && nk < DENSE_MAX && (nk | 0) === nk;
}

/** The length {@linkcode grownFor} gives an array of length `old` to reach index `k`. */
export function grownLength(old: number, k: number): number {
  let n = Math.max(64, old * 2);
  while (n <= k) n *= 2;
  return n;
}

/**
 * Whether an engine may grow an array of key entries from `old` to `length` entries when it holds
 * `keys` keys in that array, `allKeys` in all, and `total` entries in all its arrays: always up to
 * DENSE_KEYS; beyond, while the array keeps a key for every 64 entries (256 bytes a key; a Map entry
 * takes about 30), or within {@linkcode denseLimits}.
 */
export function denseAllowed(length: number, old: number, keys: number, total: number, allKeys: number): boolean {
  if (length <= DENSE_KEYS || length <= 64 * keys) return true;
  const after = total - old + length;
  return after <= denseLimits.budget && after <= denseLimits.perKey * allKeys;
}

/** A copy of `old` (zeros when null or empty) long enough for index `k`: its length doubled, from 64, until it is. */
export function grownFor(old: Int32Array | null, k: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(grownLength(old === null ? 0 : old.length, k));
  if (old !== null) grown.set(old);
  return grown;
}

/**
 * Grouping key → a number of the engine's (a session id, a slot): integer keys its array reaches in an
 * Int32Array indexed by the key (the number + 1, 0 for none), the others in a Map. The array grows to
 * reach a key when denseAllowed lets it, taking in the Map's keys it then reaches: a key of
 * [0, DENSE_MAX) is in the array exactly when the array reaches it.
 */
export class KeyIndex {
  /** Integer key k's number + 1, or 0 when it has none (for the keys below its length). */
  dense: Int32Array = new Int32Array(0);
  /** The other keys' numbers. */
  readonly map = new Map<unknown, number>();

  /** Key `nk`'s number, or -1. */
  get(nk: unknown): number {
    if (isDense(nk)) {
      if (nk < this.dense.length) return this.dense[nk]! - 1;
      if (nk < DENSE_KEYS) return -1;
    }
    return this.map.get(nk) ?? -1;
  }

  /**
   * Gives key `nk` number `x` (not negative). `keys`: the keys the index holds with it; `others`: the
   * entries of the engine's other arrays of keys (see denseAllowed).
   */
  set(nk: unknown, x: number, keys: number, others: number): void {
    if (isDense(nk)) {
      if (nk >= this.dense.length) this.#grow(nk, keys, others);
      if (nk < this.dense.length) {
        this.dense[nk] = x + 1;
        return;
      }
    }
    this.map.set(nk, x);
  }

  /** Forgets key `nk`. */
  delete(nk: unknown): void {
    if (isDense(nk) && nk < this.dense.length) this.dense[nk] = 0;
    else this.map.delete(nk);
  }

  /** Lengthens the array to reach key `nk` when memory allows, moving in the keys of the Map it then reaches. */
  #grow(nk: number, keys: number, others: number): void {
    const old = this.dense, length = grownLength(old.length, nk);
    if (!denseAllowed(length, old.length, keys, others + old.length, keys)) return;
    const dense = new Int32Array(length);
    dense.set(old);
    this.dense = dense;
    const from = Math.max(old.length, DENSE_KEYS);
    if (length <= from || this.map.size === 0) return;
    for (const [k, x] of this.map) {
      if (isDense(k) && k >= from && k < length) {
        dense[k] = x + 1;
        this.map.delete(k);
      }
    }
  }
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
