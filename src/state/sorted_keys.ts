import type { StateKeyRange } from "./state_store_args.ts";

/**
 * The keys of a store held in ascending code-unit order, for stores whose backend cannot list by
 * range itself (the memory and filesystem stores): binary-search insertion and removal, and the slice
 * that a `StateStore.list` range selects.
 *
 * @example Keys in order, listed by range
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { SortedKeys, stateKeyRange } from "weirjs/state";
 *
 * const keys = new SortedKeys(["b/2", "a/1"]);
 * keys.insert("b/1");
 * assertEquals(keys.list(stateKeyRange("b/")), ["b/1", "b/2"]);
 * ```
 */
export class SortedKeys {
  readonly #keys: string[];

  /** Creates the set with `keys`. */
  constructor(keys: Iterable<string> = []) {
    this.#keys = [...keys].sort();
  }

  /** Adds `key`, which must not be present yet. */
  insert(key: string): void {
    this.#keys.splice(this.#lowerBound(key), 0, key);
  }

  /** Removes `key`, which must be present. */
  remove(key: string): void {
    this.#keys.splice(this.#lowerBound(key), 1);
  }

  /** The keys `range` selects, in order. */
  list(range: StateKeyRange): string[] {
    if (range.empty) return [];
    const from = this.#lowerBound(range.lower);
    const to = range.upper === undefined ? this.#keys.length : this.#lowerBound(range.upper);
    return this.#keys.slice(from, Math.min(to, from + range.limit));
  }

  /** Index of the first key that is `>= key`. */
  #lowerBound(key: string): number {
    const keys = this.#keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
