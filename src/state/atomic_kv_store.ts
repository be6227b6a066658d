import type { AtomicKvBackend } from "./atomic_kv_backend.ts";
import { BackedStateStore } from "./backed_state_store.ts";
import { openAtomicKv } from "./open_atomic_kv.ts";
import type { StateStoreBackend } from "./state_store_backend.ts";

/**
 * A {@linkcode StateStore} on any {@linkcode AtomicKvBackend}, in weir's chunked layout (see
 * {@linkcode openAtomicKv}): values of any size in chunks, every batch atomic, crash recovery on open.
 *
 * Limits: `limits.maxBatchOps` is the backend's commit size minus two marker entries; `maxBatchKeyBytes`
 * assumes the worst key encoding (2 backend bytes per UTF-8 byte). Beyond them a batch may still fit when
 * keys encode shorter; if not it rejects with `StateStoreError` and applies nothing. Value sizes are
 * limited only by memory.
 *
 * @example One batch, larger than a commit
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type AtomicKvBackend, AtomicKvStateStore } from "weirjs/state";
 *
 * const data = new Map<string, Uint8Array>(); // a stand-in for a key-value database
 * const backend: AtomicKvBackend = {
 *   maxValueBytes: 1024, maxCommitMutations: 100, maxCommitBytes: 64 * 1024, maxCommitKeyBytes: 8 * 1024,
 *   keyBytes: (key) => new TextEncoder().encode(key).length,
 *   get: async (keys) => keys.map((k) => data.get(k)),
 *   list: async (start, end, limit) =>
 *     [...data].filter(([k]) => k >= start && k < end).sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, limit),
 *   commit: async (mutations) => {
 *     for (const m of mutations) m.value === undefined ? data.delete(m.key) : data.set(m.key, m.value);
 *   },
 *   close: async () => {},
 * };
 * const store = await AtomicKvStateStore.open(backend);
 * assertEquals(store.limits.maxBatchOps, 98); // the backend's commit size minus two marker entries
 * await store.batch([{ type: "put", key: "k", value: new Uint8Array(100_000) }]); // 98 chunks, published at once
 * assertEquals((await store.get("k"))?.length, 100_000);
 * await store.close();
 * ```
 */
export class AtomicKvStateStore extends BackedStateStore {
  private constructor(backend: StateStoreBackend) {
    super(backend);
  }

  /**
   * Wraps `backend` and first completes or discards whatever a crash interrupted (blobs of a batch that
   * was never published, blobs replaced by one that was). `name` appears in error messages.
   */
  static async open(backend: AtomicKvBackend, name = "key-value state store"): Promise<AtomicKvStateStore> {
    return new AtomicKvStateStore(await openAtomicKv(backend, name));
  }
}
