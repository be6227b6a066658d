/**
 * The contract every weir state store implements: a small, typed, asynchronous key-value store that the
 * checkpoint layer writes snapshots into. It is deliberately minimal (the idb style): byte values, string
 * keys, ranged listing, and one atomic multi-key write. Serialization and checksums belong to the layer
 * above, so stores never interpret values.
 *
 * ## Keys
 * - Any well-formed Unicode string (no lone surrogates), `""` included, whose UTF-8 encoding is at most
 *   {@linkcode MAX_STATE_KEY_BYTES} bytes. By convention keys are `/`-separated paths
 *   (`ckpt/job-1/000042/manifest`), so that {@linkcode StateStore.list} by prefix selects a subtree.
 * - Keys sort in ascending UTF-16 code-unit order, the order of `<` on JavaScript strings (and of
 *   IndexedDB). Stores whose backend orders by UTF-8 bytes (Deno KV, Durable Objects) map keys so that
 *   listing still returns this order.
 * - A key that is not a string, is not well-formed or is too long is a programming error: the call rejects
 *   with `TypeError`/`RangeError` on every store alike, so code tested against the memory store does not
 *   first fail in production.
 *
 * ## Values
 * `Uint8Array`s of any length, `0` included. A store copies a value before the promise of `put`/`batch`
 * is returned, and `get` returns a fresh array: mutating either never changes what is stored. Values
 * larger than a backend's per-entry limit are split over several entries internally and reassembled; the
 * split is invisible to `get`, `list`, `delete` and `batch`.
 *
 * ## Ordering, atomicity, durability
 * - Writes (`put`, `delete`, `batch`) issued on one store object take effect in call order, even when the
 *   caller does not await each one. A read issued after a write's promise resolved observes that write.
 * - `batch` is all-or-nothing, also across a crash of the process: after a restart either every operation
 *   of the batch is visible or none is. Its operations apply in order, so the last one on a key wins.
 * - When a write's promise resolves, the data is as durable as the backend makes it (fsync for the
 *   filesystem store, a committed transaction for IndexedDB, Deno KV and Durable Objects).
 *
 * ## Failures
 * Failures of the backend (disk full, quota exceeded, a lock held by another process, a batch beyond
 * {@linkcode StateStoreLimits}, a closed store) reject with `StateStoreError`, whose `cause` is the
 * underlying error. A failed write applied nothing.
 *
 * ## Ownership
 * One store object is the only writer of its data at a time. The filesystem store enforces it with a lock
 * file; for the other backends two writers on one database (or one key prefix) are a usage error.
 *
 * @example Using any store
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MemoryStateStore, type StateStore } from "weirjs";
 *
 * async function saveCheckpoint(store: StateStore, id: number, state: Uint8Array): Promise<void> {
 *   await store.batch([
 *     { type: "put", key: `ckpt/${id}/state`, value: state },
 *     { type: "put", key: `ckpt/${id}/manifest`, value: new TextEncoder().encode("{}") },
 *     { type: "delete", key: `ckpt/${id - 1}/manifest` },
 *   ]);
 * }
 * const store = new MemoryStateStore();
 * await saveCheckpoint(store, 1, new Uint8Array([1]));
 * assertEquals(await store.list("ckpt/"), ["ckpt/1/manifest", "ckpt/1/state"]);
 * ```
 */
export interface StateStore {
  /** What one `batch` is guaranteed to accept on this store. */
  readonly limits: StateStoreLimits;

  /** The value stored under `key`, or `undefined` when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;

  /** Stores `value` under `key`, replacing any previous value, atomically. */
  put(key: string, value: Uint8Array): Promise<void>;

  /** Removes `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;

  /**
   * The keys that start with `prefix` (`""` for all keys), in ascending code-unit order, restricted by
   * `options`. The result is an array (a snapshot, never a live cursor); page through large key spaces
   * with `limit` and `start` (the last key seen plus `"\0"`).
   */
  list(prefix: string, options?: StateStoreListOptions): Promise<string[]>;

  /** Applies `ops` in order, atomically: all of them or, on any failure, none. `[]` does nothing. */
  batch(ops: readonly StateStoreOp[]): Promise<void>;

  /**
   * Waits for pending writes, then releases the backend (file lock, database connection). Afterwards
   * every method but `close` rejects with `StateStoreError`; closing again does nothing.
   */
  close(): Promise<void>;
}

/** One operation of {@linkcode StateStore.batch}. */
export type StateStoreOp =
  | { readonly type: "put"; readonly key: string; readonly value: Uint8Array }
  | { readonly type: "delete"; readonly key: string };

/** Restricts {@linkcode StateStore.list} beyond the prefix. */
export interface StateStoreListOptions {
  /** Only keys `>= start` (inclusive). */
  start?: string;
  /** Only keys `< end` (exclusive). */
  end?: string;
  /** At most this many keys (a non-negative integer, or `Infinity`); the smallest ones are returned. */
  limit?: number;
}

/**
 * The largest batch a store is guaranteed to apply atomically. A batch beyond either limit may still be
 * accepted where the real keys are short; when it is not, it rejects with `StateStoreError` and applies
 * nothing. `Infinity` means the backend has no such limit (memory, filesystem, IndexedDB, Durable Objects).
 */
export interface StateStoreLimits {
  /** Operations per batch, after later operations on one key replaced earlier ones. */
  readonly maxBatchOps: number;
  /** Sum of the UTF-8 byte lengths of the batch's distinct keys. */
  readonly maxBatchKeyBytes: number;
}

/** Longest key every store accepts, in UTF-8 bytes. Leaves room for the backends' own key overhead. */
export const MAX_STATE_KEY_BYTES = 512;

/** Limits of stores that have none of their own. */
export const UNLIMITED_BATCH: StateStoreLimits = Object.freeze({
  maxBatchOps: Infinity,
  maxBatchKeyBytes: Infinity,
});
