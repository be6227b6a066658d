import { StateStoreError } from "../errors.ts";
import type { AtomicKvBackend } from "./atomic_kv_backend.ts";
import { applyKvBatch, discardMarker } from "./_kv_batch.ts";
import {
  chunkPrefix,
  chunkPrefixEnd,
  decodeHeader,
  headerKey,
  MAX_BLOB_HEADER_BYTES,
  pendingKey,
  unmapKey,
} from "./_kv_layout.ts";
import {
  MAX_STATE_KEY_BYTES,
  type StateStore,
  type StateStoreLimits,
  type StateStoreListOptions,
  type StateStoreOp,
} from "./state_store.ts";
import { checkStateKey, copyStateValue, normalizeStateBatch, stateKeyRange } from "./state_store_args.ts";

/**
 * A {@linkcode StateStore} on any {@linkcode AtomicKvBackend}: the shared engine of the Deno KV and Durable
 * Object stores. It maps keys so that the backend's code-point order lists them in code-unit order, splits
 * values larger than the backend's entry limit into chunks (never one blob), and makes every batch atomic
 * however large its values: a batch that fits one backend commit is that commit; a larger one writes its
 * chunks first, invisibly, then publishes all headers in one commit, and a crash in between is repaired
 * by `open` (see `_kv_batch.ts`).
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
export class AtomicKvStateStore implements StateStore {
  readonly limits: StateStoreLimits;
  #backend: AtomicKvBackend;
  #name: string;
  /** Writes run one at a time, in call order: the batch protocol reads headers before it replaces them. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(backend: AtomicKvBackend, name: string) {
    this.#backend = backend;
    this.#name = name;
    this.limits = batchLimits(backend);
  }

  /**
   * Wraps `backend` and first completes or discards whatever a crash interrupted (blobs of a batch that
   * was never published, blobs replaced by one that was). `name` appears in error messages.
   */
  static async open(backend: AtomicKvBackend, name = "key-value state store"): Promise<AtomicKvStateStore> {
    await recoverKvStore(backend, name);
    return new AtomicKvStateStore(backend, name);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStateKey(key, "get");
    this.#checkOpen("get");
    let lastId: string | undefined;
    // A concurrent batch may replace the value and delete its chunks between our two reads: re-read the
    // header, and only a header still naming the same incomplete blob is corruption.
    for (;;) {
      const header = await this.#io(`get ${JSON.stringify(key)}`, async () => {
        const bytes = (await this.#backend.get([headerKey(key)]))[0];
        return bytes === undefined ? undefined : decodeHeader(bytes);
      });
      if (header === undefined) return undefined;
      if ("inline" in header) return new Uint8Array(header.inline);
      const { id, n, size } = header.blob;
      const chunks = await this.#io(
        `get ${JSON.stringify(key)}`,
        () => this.#backend.list(chunkPrefix(id), chunkPrefixEnd(id), n),
      );
      const total = chunks.reduce((sum, [, v]) => sum + v.length, 0);
      if (chunks.length === n && total === size) {
        const out = new Uint8Array(size);
        let at = 0;
        for (const [, v] of chunks) {
          out.set(v, at);
          at += v.length;
        }
        return out;
      }
      if (lastId === id) {
        throw new StateStoreError(
          `Cannot get ${JSON.stringify(key)} from the ${this.#name} as its value is incomplete: ` +
            `${chunks.length} of ${n} chunks (${total} of ${size} bytes) of blob ${id} were found`,
        );
      }
      lastId = id;
    }
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    checkStateKey(key, "put");
    return await this.#write("put", new Map([[key, copyStateValue(value, "put")]]));
  }

  async delete(key: string): Promise<void> {
    checkStateKey(key, "delete");
    return await this.#write("delete", new Map([[key, undefined]]));
  }

  async list(prefix: string, options?: StateStoreListOptions): Promise<string[]> {
    const range = stateKeyRange(prefix, options);
    this.#checkOpen("list");
    if (range.empty) return [];
    const end = range.upper === undefined ? "i" : headerKey(range.upper);
    const entries = await this.#io("list", () => this.#backend.list(headerKey(range.lower), end, range.limit));
    return entries.map(([k]) => unmapKey(k.slice(1)));
  }

  async batch(ops: readonly StateStoreOp[]): Promise<void> {
    return await this.#write("apply batch", normalizeStateBatch(ops));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#io("close", () => this.#backend.close());
  }

  /** Queues a write behind the earlier ones; throws at once when the store refuses writes. */
  #write(action: string, effect: Map<string, Uint8Array | undefined>): Promise<void> {
    this.#checkOpen(action);
    const run = this.#tail.then(() => (effect.size === 0 ? undefined : applyKvBatch(this.#backend, effect)));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #checkOpen(action: string): void {
    if (this.#closed) throw new StateStoreError(`Cannot ${action} as the ${this.#name} is closed`);
  }

  async #io<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new StateStoreError(`Cannot ${action} in the ${this.#name}`, { cause });
    }
  }
}

/** Deletes the blobs listed by every pending and garbage marker a crash left behind. */
async function recoverKvStore(backend: AtomicKvBackend, name: string): Promise<void> {
  try {
    // "p" < "q" covers the pending markers, "g" < "h" the garbage markers.
    for (const [start, end] of [["p", "q"], ["g", "h"]] as const) {
      for (const [key, value] of await backend.list(start, end, Infinity)) await discardMarker(backend, key, value);
    }
  } catch (cause) {
    throw new StateStoreError(`Cannot open the ${name} as recovering from an interrupted batch failed`, { cause });
  }
}

function batchLimits(b: AtomicKvBackend): StateStoreLimits {
  if (b.maxCommitMutations === Infinity) return { maxBatchOps: Infinity, maxBatchKeyBytes: Infinity };
  const markerKeys = 2 * b.keyBytes(pendingKey("0000000000000000"));
  const markerValues = 2 * b.maxValueBytes;
  const maxBatchOps = Math.max(0, b.maxCommitMutations - 2);
  // Per key: the backend's fixed overhead (keyBytes of the bare namespace) plus up to 2 bytes per key byte.
  const overhead = b.keyBytes(headerKey(""));
  const byKeys = (b.maxCommitKeyBytes - markerKeys - maxBatchOps * overhead) / 2;
  const byBytes = (b.maxCommitBytes - markerKeys - markerValues - maxBatchOps * (overhead + MAX_BLOB_HEADER_BYTES)) / 2;
  const maxBatchKeyBytes = Math.max(0, Math.floor(Math.min(byKeys, byBytes, maxBatchOps * MAX_STATE_KEY_BYTES)));
  return { maxBatchOps, maxBatchKeyBytes };
}
