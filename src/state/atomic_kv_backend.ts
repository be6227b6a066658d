/**
 * What a key-value database must offer so that {@linkcode AtomicKvStateStore} can build a full
 * {@linkcode StateStore} on it: point reads, ordered range reads, and atomic commits of bounded size.
 * Adapters supply one (Deno KV, Durable Object storage); the chunked layout, atomic batches of any size,
 * crash recovery and key ordering are the core's.
 *
 * Backend keys are well-formed strings and must be ordered by code point (equivalently by their UTF-8
 * bytes), which is how Deno KV and Durable Object storage order string keys. The three commit limits are
 * either all finite or all `Infinity` (a backend whose transactions are unbounded).
 *
 * @example A backend over a `Map` (memory only, for illustration)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type AtomicKvBackend, AtomicKvStateStore, type KvMutation } from "weirjs/state";
 *
 * const data = new Map<string, Uint8Array>();
 * const backend: AtomicKvBackend = {
 *   maxValueBytes: 1024, maxCommitMutations: 100, maxCommitBytes: 64 * 1024, maxCommitKeyBytes: 8 * 1024,
 *   keyBytes: (key) => new TextEncoder().encode(key).length,
 *   get: async (keys) => keys.map((k) => data.get(k)),
 *   list: async (start, end, limit) =>
 *     [...data.entries()]
 *       .filter(([k]) => k >= start && k < end)
 *       .sort(([a], [b]) => (a < b ? -1 : 1)) // code units order like code points below U+D800
 *       .slice(0, limit),
 *   commit: async (mutations: readonly KvMutation[]) => {
 *     for (const m of mutations) m.value === undefined ? data.delete(m.key) : data.set(m.key, m.value);
 *   },
 *   close: async () => {},
 * };
 * const store = await AtomicKvStateStore.open(backend);
 * await store.put("big", new Uint8Array(10_000)); // stored as 10 chunks of 1 KiB
 * assertEquals((await store.get("big"))?.length, 10_000);
 * ```
 */
export interface AtomicKvBackend {
  /** Largest value one entry may hold, in bytes (Deno KV: 65536). */
  readonly maxValueBytes: number;
  /** Most mutations one `commit` may carry (Deno KV: 1000); `Infinity` when unbounded. */
  readonly maxCommitMutations: number;
  /**
   * Most bytes one `commit` may carry (Deno KV: 819200), counted as Deno KV counts them: a set weighs
   * its key (as `keyBytes` counts it) twice plus its value, a delete its key once.
   */
  readonly maxCommitBytes: number;
  /** Most key bytes (as `keyBytes` counts them, over every mutation) one `commit` may carry (Deno KV: 81920). */
  readonly maxCommitKeyBytes: number;
  /**
   * Longest key the backend accepts, as `keyBytes` counts it (Deno KV: 2048). When given, opening a store
   * checks that every key the contract allows fits (a long prefix may not leave room).
   */
  readonly maxKeyBytes?: number;
  /** The size the backend charges for `key` against the commit limits. */
  keyBytes(key: string): number;
  /** The values of `keys`, in order, `undefined` where there is none. */
  get(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>;
  /** Entries with `start <= key < end` in ascending code-point order, at most `limit` (maybe `Infinity`). */
  list(start: string, end: string, limit: number): Promise<Array<[key: string, value: Uint8Array]>>;
  /** Applies every mutation or none; throws when it applied none. */
  commit(mutations: readonly KvMutation[]): Promise<void>;
  /** Releases what the backend holds (a database handle it opened). */
  close(): Promise<void>;
}

/** One mutation of an {@linkcode AtomicKvBackend} commit: a set, or a delete when `value` is `undefined`. */
export interface KvMutation {
  /** The key to set or delete. */
  readonly key: string;
  /** The value to set, or `undefined` to delete the key. */
  readonly value: Uint8Array | undefined;
}
