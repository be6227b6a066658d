import {
  type AtomicKvBackend,
  BackedStateStore,
  type KvMutation,
  openAtomicKv,
  type StateStoreBackend,
  utf8ByteLength,
} from "../../src/state/mod.ts";
import type { DurableObjectStorageLike } from "./durable_object_types.ts";
import { checkOptionNames } from "../../src/state/mod.ts";

/** Options of {@linkcode DurableObjectStateStore.open}. */
export interface DurableObjectStateStoreOptions {
  /** Key prefix of the store's entries, so the object's storage can hold other data too. Default `"weir/"`. */
  prefix?: string;
}

// Durable Object storage limits (KV-backed objects; SQLite-backed ones allow more, and the smaller
// limits keep one layout valid for both): 128 KiB per value, 2 KiB per key, 128 keys per get/put/delete.
const MAX_VALUE_BYTES = 128 * 1024;
const MAX_KEY_BYTES = 2_048;
const KEYS_PER_CALL = 128;

/**
 * A {@linkcode StateStore} in a Durable Object's storage (`ctx.storage`), for jobs running in Cloudflare
 * Workers: one store per object, used from inside it.
 *
 * Values above 8 KiB are kept in 128 KiB chunks (a value is limited to 128 KiB), via the core's chunked
 * layout (`openAtomicKv`). Every write, a batch of any size included, is ONE
 * `storage.transaction`, inside which the adapter respects the per-call limit of 128 keys; a transaction
 * commits atomically or not at all, so `limits` are `Infinity`. Its real bounds are the object's storage
 * and the Worker's memory and CPU time for one request; a failure there rejects with `StateStoreError`
 * having applied nothing. Keys are the prefix plus a mapped key whose code-point order (the order of the
 * storage) is the contract's code-unit order.
 *
 * @example Inside a Durable Object
 * ```ts ignore
 * import { DurableObject } from "cloudflare:workers";
 * import { DurableObjectStateStore } from "weirjs/adapters/cloudflare";
 *
 * export class JobObject extends DurableObject {
 *   async run(): Promise<void> {
 *     const store = await DurableObjectStateStore.open(this.ctx.storage);
 *     await store.put("ckpt/1/manifest", new Uint8Array([1]));
 *   }
 * }
 * ```
 */
export class DurableObjectStateStore extends BackedStateStore {
  private constructor(backend: StateStoreBackend) {
    super(backend);
  }

  /** A store in `storage`; `close` only stops this object using it (the storage belongs to the object). */
  static async open(
    storage: DurableObjectStorageLike,
    options: DurableObjectStateStoreOptions = {},
  ): Promise<DurableObjectStateStore> {
    checkOptionNames("open Durable Object state store", options ?? {}, ["prefix"]);
    if (typeof storage !== "object" || storage === null || typeof storage.transaction !== "function") {
      throw new TypeError(
        `Cannot open Durable Object state store as storage must be ctx.storage: current type is ${typeof storage}`,
      );
    }
    const prefix = options.prefix ?? "weir/";
    if (typeof prefix !== "string" || utf8ByteLength(prefix) < 0) {
      throw new TypeError(
        `Cannot open Durable Object state store as prefix must be a well-formed string: current value is ${
          String(prefix)
        }`,
      );
    }
    return new DurableObjectStateStore(
      await openAtomicKv(storageBackend(storage, prefix), "Durable Object state store"),
    );
  }
}

function storageBackend(storage: DurableObjectStorageLike, prefix: string): AtomicKvBackend {
  return {
    maxValueBytes: MAX_VALUE_BYTES,
    maxCommitMutations: Infinity,
    maxCommitBytes: Infinity,
    maxCommitKeyBytes: Infinity,
    maxKeyBytes: MAX_KEY_BYTES,
    keyBytes: (k) => utf8ByteLength(prefix + k),
    async get(keys) {
      const out: Array<Uint8Array | undefined> = [];
      for (let i = 0; i < keys.length; i += KEYS_PER_CALL) {
        const part = keys.slice(i, i + KEYS_PER_CALL);
        const found = await storage.get(part.map((k) => prefix + k));
        for (const k of part) out.push(bytesOf(found.get(prefix + k)));
      }
      return out;
    },
    async list(start, end, limit) {
      const found = await storage.list({
        start: prefix + start,
        end: prefix + end,
        ...(limit === Infinity ? {} : { limit }),
      });
      return [...found].map(([k, v]): [string, Uint8Array] => [k.slice(prefix.length), bytesOf(v)!]);
    },
    async commit(mutations: readonly KvMutation[]) {
      const puts = mutations.filter((m) => m.value !== undefined);
      const deletes = mutations.filter((m) => m.value === undefined).map((m) => prefix + m.key);
      await storage.transaction(async (txn) => {
        for (let i = 0; i < deletes.length; i += KEYS_PER_CALL) await txn.delete(deletes.slice(i, i + KEYS_PER_CALL));
        for (let i = 0; i < puts.length; i += KEYS_PER_CALL) {
          await txn.put(Object.fromEntries(puts.slice(i, i + KEYS_PER_CALL).map((m) => [prefix + m.key, m.value])));
        }
      });
    },
    close: () => Promise.resolve(),
  };
}

/** Entries this store wrote are Uint8Arrays; anything else under its prefix is foreign data. */
function bytesOf(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) return value;
  throw new TypeError(
    `found a ${typeof value} where the state store keeps bytes: is other code writing under its prefix?`,
  );
}
