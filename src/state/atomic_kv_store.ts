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
 * @example
 * ```ts
 * import { AtomicKvStateStore, type AtomicKvBackend } from "weirjs";
 * declare const backend: AtomicKvBackend; // supplied by an adapter
 * const store = await AtomicKvStateStore.open(backend);
 * await store.batch([{ type: "put", key: "k", value: new Uint8Array(1_000_000) }]);
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
