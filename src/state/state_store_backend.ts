import type { StateStoreLimits } from "./state_store.ts";
import type { StateKeyRange } from "./state_store_args.ts";

/**
 * What a storage backend supplies so that {@linkcode BackedStateStore} makes a full `StateStore` of it:
 * reads, one atomic write of a checked batch, and release. The store does the rest, alike for every
 * backend: argument checks (with the contract's `TypeError`/`RangeError` messages), copies of values,
 * folding a batch into its effect, refusing calls once closed, running writes in call order, and `close`
 * waiting for the writes issued before it.
 *
 * The backend is called only with valid arguments, never after `close`, and reports its own failures
 * as `StateStoreError`.
 *
 * @example A backend over a `Map` (memory only, for illustration)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { BackedStateStore, SortedKeys, type StateStoreBackend, UNLIMITED_BATCH } from "weirjs/state";
 *
 * const values = new Map<string, Uint8Array>();
 * const sorted = new SortedKeys();
 * const backend: StateStoreBackend = {
 *   name: "map state store",
 *   limits: UNLIMITED_BATCH,
 *   queueWrites: true,
 *   get: async (key) => values.get(key)?.slice(),
 *   list: async (range) => sorted.list(range),
 *   write: async (effect) => {
 *     for (const [key, value] of effect) {
 *       if (value === undefined) {
 *         if (values.delete(key)) sorted.remove(key);
 *       } else {
 *         if (!values.has(key)) sorted.insert(key);
 *         values.set(key, value);
 *       }
 *     }
 *   },
 *   close: async () => {},
 * };
 * const store = new BackedStateStore(backend);
 * await store.batch([{ type: "put", key: "a/1", value: new Uint8Array([1]) }]);
 * assertEquals(await store.list("a/"), ["a/1"]);
 * ```
 */
export interface StateStoreBackend {
  /** The store as messages name it: "Cannot get as the `name` is closed". */
  readonly name: string;
  /** What one batch is guaranteed to accept (the store's `limits`). */
  readonly limits: StateStoreLimits;
  /**
   * True: the store calls `write` only once the previous write settled, so writes run one at a time in
   * call order. False: `write` is called at once, and the backend keeps call order itself (IndexedDB
   * runs transactions in creation order); `close` must then wait for the writes in flight.
   */
  readonly queueWrites: boolean;
  /** The value under `key` (a copy the caller may keep), or `undefined`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The keys `range` selects, in ascending code-unit order; never called with an empty range. */
  list(range: StateKeyRange): Promise<string[]>;
  /**
   * Applies `effect` (key → value, `undefined` to delete; possibly empty) atomically: all or nothing.
   * `action` names the call for messages (`"put"`, `"delete"`, `"apply batch"`).
   */
  write(effect: Map<string, Uint8Array | undefined>, action: string): Promise<void>;
  /** Releases what the backend holds, once every write issued before settled. */
  close(): Promise<void>;
  /**
   * Throws the `StateStoreError` of a backend that refuses calls though the store is open (the
   * filesystem store after a batch failed midway). Checked at each call, and again before a queued write.
   */
  checkUsable?(action: string): void;
}
