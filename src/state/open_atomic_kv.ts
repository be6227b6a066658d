import { StateStoreError } from "../errors.ts";
import { DamagedValueError } from "./damaged_value_error.ts";
import type { AtomicKvBackend } from "./atomic_kv_backend.ts";
import { applyKvBatch, discardMarker } from "./_kv_batch.ts";
import {
  chunkPrefix,
  chunkPrefixEnd,
  decodeHeader,
  type Header,
  headerKey,
  MAX_BLOB_HEADER_BYTES,
  pendingKey,
  unmapKey,
} from "./_kv_layout.ts";
import { MAX_STATE_KEY_BYTES, type StateStoreLimits } from "./state_store.ts";
import type { StateStoreBackend } from "./state_store_backend.ts";

/**
 * weir's chunked layout in a key-value database, as the {@linkcode StateStoreBackend} of a
 * `BackedStateStore`: the engine of {@linkcode AtomicKvStateStore} and of the Deno KV and Durable Object
 * stores. It maps keys so that the database's code-point order lists them in code-unit order, splits
 * values larger than the database's entry limit into chunks (never one blob), and makes every batch
 * atomic however large its values: a batch that fits one commit is that commit; a larger one writes its
 * chunks first, invisibly, then publishes all headers in one commit (see `_kv_batch.ts`).
 *
 * Opening first completes or discards whatever a crash interrupted (blobs of a batch that was never
 * published, blobs replaced by one that was). `name` names the store in error messages.
 *
 * @example A store of one's own on a key-value database
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type AtomicKvBackend, BackedStateStore, openAtomicKv } from "weirjs/state";
 *
 * class MyKvStore extends BackedStateStore {
 *   static async open(kv: AtomicKvBackend): Promise<MyKvStore> {
 *     return new MyKvStore(await openAtomicKv(kv, "my KV state store"));
 *   }
 * }
 * const data = new Map<string, Uint8Array>(); // a stand-in for the database
 * const store = await MyKvStore.open({
 *   maxValueBytes: 1024, maxCommitMutations: 100, maxCommitBytes: 64 * 1024, maxCommitKeyBytes: 8 * 1024,
 *   keyBytes: (key) => new TextEncoder().encode(key).length,
 *   get: async (keys) => keys.map((k) => data.get(k)),
 *   list: async (start, end, limit) =>
 *     [...data].filter(([k]) => k >= start && k < end).sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, limit),
 *   commit: async (mutations) => {
 *     for (const m of mutations) m.value === undefined ? data.delete(m.key) : data.set(m.key, m.value);
 *   },
 *   close: async () => {},
 * });
 * await store.put("k", new Uint8Array(10_000)); // stored in chunks of maxValueBytes
 * assertEquals((await store.get("k"))?.length, 10_000);
 * await store.close();
 * ```
 */
export async function openAtomicKv(backend: AtomicKvBackend, name: string): Promise<StateStoreBackend> {
  checkKeyRoom(backend, name);
  await recoverKvStore(backend, name);
  const io = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (cause) {
      throw new StateStoreError(`Cannot ${action} in the ${name}`, { cause });
    }
  };
  return {
    name,
    limits: batchLimits(backend),
    // The batch protocol reads headers before it replaces them: writes run one at a time.
    queueWrites: true,
    async get(key) {
      let lastId: string | undefined;
      // A concurrent batch may replace the value and delete its chunks between our two reads: re-read the
      // header, and only a header still naming the same incomplete blob is corruption.
      for (;;) {
        const bytes = await io(`get ${JSON.stringify(key)}`, async () => (await backend.get([headerKey(key)]))[0]);
        if (bytes === undefined) return undefined;
        let header: Header;
        try {
          header = decodeHeader(bytes);
        } catch (cause) {
          throw new DamagedValueError(
            key,
            `Cannot get ${JSON.stringify(key)} from the ${name} as its header is damaged`,
            {
              cause,
            },
          );
        }
        if ("inline" in header) return new Uint8Array(header.inline);
        const { id, n, size } = header.blob;
        const chunks = await io(
          `get ${JSON.stringify(key)}`,
          () => backend.list(chunkPrefix(id), chunkPrefixEnd(id), n),
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
          throw new DamagedValueError(
            key,
            `Cannot get ${JSON.stringify(key)} from the ${name} as its value is incomplete: ` +
              `${chunks.length} of ${n} chunks (${total} of ${size} bytes) of blob ${id} were found`,
          );
        }
        lastId = id;
      }
    },
    async list(range) {
      const end = range.upper === undefined ? "i" : headerKey(range.upper);
      const entries = await io("list", () => backend.list(headerKey(range.lower), end, range.limit));
      return entries.map(([k]) => unmapKey(k.slice(1)));
    },
    write: (effect) => (effect.size === 0 ? Promise.resolve() : applyKvBatch(backend, effect)),
    close: () => io("close", () => backend.close()),
  };
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
  // The publishing commit of a batch: a header set per key plus two markers (a pending one deleted, a
  // garbage one set), weighed as _commit_packing.ts does (a set counts its key twice).
  const marker = b.keyBytes(pendingKey("0000000000000000"));
  const maxBatchOps = Math.max(0, b.maxCommitMutations - 2);
  // Per key: the backend's fixed overhead (keyBytes of the bare namespace) plus up to 2 bytes per key byte.
  const overhead = b.keyBytes(headerKey(""));
  const byKeys = (b.maxCommitKeyBytes - 2 * marker - maxBatchOps * overhead) / 2;
  const byBytes = (b.maxCommitBytes - 3 * marker - b.maxValueBytes -
    maxBatchOps * (2 * overhead + MAX_BLOB_HEADER_BYTES)) / 4;
  const maxBatchKeyBytes = Math.max(0, Math.floor(Math.min(byKeys, byBytes, maxBatchOps * MAX_STATE_KEY_BYTES)));
  return { maxBatchOps, maxBatchKeyBytes };
}

/** Throws RangeError when the longest key the contract allows would not fit the backend's key limit. */
function checkKeyRoom(b: AtomicKvBackend, name: string): void {
  if (b.maxKeyBytes === undefined) return;
  // A key byte maps to at most 2 backend bytes (see mapKey, and escaping such as Deno KV's for "\0").
  const longest = b.keyBytes(headerKey("")) + 2 * MAX_STATE_KEY_BYTES;
  if (longest > b.maxKeyBytes) {
    throw new RangeError(
      `Cannot open the ${name} as its longest key would take ${longest} bytes where the database accepts ` +
        `${b.maxKeyBytes}: shorten the key prefix by ${longest - b.maxKeyBytes} bytes`,
    );
  }
}
