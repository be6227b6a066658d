import {
  type AtomicKvBackend,
  BackedStateStore,
  type KvMutation,
  openAtomicKv,
  type StateStoreBackend,
  StateStoreError,
  utf8ByteLength,
} from "../../src/state/mod.ts";
import type { DenoKvKey, DenoKvLike } from "./deno_kv_types.ts";
import { checkOptionNames } from "../../src/state/mod.ts";

/** Options of {@linkcode DenoKvStateStore}. */
export interface DenoKvStateStoreOptions {
  /**
   * Key prefix under which the store keeps its entries, so that one database can hold other data and
   * several stores (one per job). Default `["weir"]`.
   */
  prefix?: readonly string[];
}

// Deno KV's limits (denokv_proto limits.rs, Deno's ext/kv; enforced by Deno, and by `checkCommit` here for
// @deno/kv too, which enforces none, so that a store written under Node stays usable from Deno and Deploy).
const MAX_VALUE_BYTES = 65_536;
const MAX_KEY_BYTES = 2_048;
const MAX_MUTATIONS = 1_000;
const MAX_COMMIT_BYTES = 819_200;
const MAX_COMMIT_KEY_BYTES = 81_920;

/**
 * A {@linkcode StateStore} in Deno KV: `Deno.openKv` under Deno, the npm package `@deno/kv` (the same
 * engine and file format) under Node.
 *
 * Deno KV limits a value to 64 KiB and an atomic commit to 1,000 mutations, 800 KiB and 80 KiB of keys.
 * Values above 8 KiB are therefore kept in 64 KiB chunks, and batches that do not fit one commit are made
 * atomic by the core's chunk protocol (see `openAtomicKv`): value sizes are bounded only by
 * memory. What one batch can hold is bounded by the last commit, which writes one small entry per key:
 * `limits.maxBatchOps` is 998 and `limits.maxBatchKeyBytes` 36,444 with the default prefix (it shrinks
 * with a longer prefix). Beyond that a batch rejects with `StateStoreError` and applies nothing.
 *
 * Keys are the tuple `[...prefix, mapped key]`, so entries of one store are contiguous and listing by
 * prefix is one range read. One store object must be the only writer of its prefix.
 *
 * @example Under Deno (`deno run --unstable-kv`)
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DenoKvStateStore } from "weirjs/adapters/deno-kv";
 *
 * const store = await DenoKvStateStore.open(":memory:"); // or a file: "./state.sqlite"
 * await store.put("a", new Uint8Array([1]));
 * assertEquals(await store.get("a"), new Uint8Array([1]));
 * await store.close(); // also closes the database it opened
 * ```
 *
 * @example Under Node, with `@deno/kv`
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { openKv } from "@deno/kv";
 * import { DenoKvStateStore } from "weirjs/adapters/deno-kv";
 *
 * const kv = await openKv(":memory:"); // or a file: "./state.sqlite"
 * const store = await DenoKvStateStore.wrap(kv, { prefix: ["weir", "job-1"] });
 * await store.put("a", new Uint8Array([1]));
 * assertEquals(await store.list(""), ["a"]);
 * await store.close();
 * kv.close(); // wrap leaves the database to its owner
 * ```
 */
export class DenoKvStateStore extends BackedStateStore {
  private constructor(backend: StateStoreBackend) {
    super(backend);
  }

  /**
   * Opens the database at `path` with `Deno.openKv` (in memory for `":memory:"`, Deno's default database
   * when omitted) and a store in it; `close` closes the database too. Rejects with `StateStoreError`
   * where `Deno.openKv` does not exist: under Node use {@linkcode DenoKvStateStore.wrap} with `@deno/kv`.
   */
  static async open(path?: string, options?: DenoKvStateStoreOptions): Promise<DenoKvStateStore> {
    checkOptionNames("open Deno KV state store", options ?? {}, ["prefix"]);
    const deno = (globalThis as { Deno?: { openKv?: (path?: string) => Promise<DenoKvLike> } }).Deno;
    if (typeof deno?.openKv !== "function") {
      throw new StateStoreError(
        "Cannot open a Deno KV state store as Deno.openKv is not available (not Deno, or KV not enabled with " +
          "--unstable-kv): under Node, pass `await openKv(path)` from @deno/kv to DenoKvStateStore.wrap",
      );
    }
    let kv: DenoKvLike;
    try {
      kv = await deno.openKv(path);
    } catch (cause) {
      throw new StateStoreError(`Cannot open Deno KV database ${path ?? "(default)"}`, { cause });
    }
    try {
      return await DenoKvStateStore.#create(kv, options, true);
    } catch (e) {
      kv.close();
      throw e;
    }
  }

  /** A store in an open database; `close` leaves the database open for its owner. */
  static wrap(kv: DenoKvLike, options?: DenoKvStateStoreOptions): Promise<DenoKvStateStore> {
    checkOptionNames("open Deno KV state store", options ?? {}, ["prefix"]);
    return DenoKvStateStore.#create(kv, options, false);
  }

  static async #create(
    kv: DenoKvLike,
    options: DenoKvStateStoreOptions = {},
    owned: boolean,
  ): Promise<DenoKvStateStore> {
    if (typeof kv !== "object" || kv === null || typeof kv.atomic !== "function") {
      throw new TypeError(
        `Cannot wrap Deno KV as kv must be a Deno.Kv or @deno/kv database: current type is ${typeof kv}`,
      );
    }
    const prefix = options.prefix ?? ["weir"];
    if (!Array.isArray(prefix) || !prefix.every((p) => typeof p === "string" && utf8ByteLength(p) >= 0)) {
      throw new TypeError(
        `Cannot create Deno KV state store as prefix must be an array of well-formed strings: current value is ${
          String(prefix)
        }`,
      );
    }
    return new DenoKvStateStore(await openAtomicKv(kvBackend(kv, prefix, owned), "Deno KV state store"));
  }
}

function kvBackend(kv: DenoKvLike, prefix: readonly string[], owned: boolean): AtomicKvBackend {
  const key = (k: string): DenoKvKey => [...prefix, k];
  // Deno KV encodes a string part as 0x02, its UTF-8 bytes with 0x00 escaped to two bytes, and 0x00.
  const partBytes = (s: string): number => utf8ByteLength(s) + 2 + (s.match(/\0/g)?.length ?? 0);
  const prefixBytes = prefix.reduce((n, p) => n + partBytes(p), 0);
  return {
    maxValueBytes: MAX_VALUE_BYTES,
    maxCommitMutations: MAX_MUTATIONS,
    maxCommitBytes: MAX_COMMIT_BYTES,
    maxCommitKeyBytes: MAX_COMMIT_KEY_BYTES,
    maxKeyBytes: MAX_KEY_BYTES,
    keyBytes: (k) => prefixBytes + partBytes(k),
    get: (keys) => Promise.all(keys.map(async (k) => bytesOf((await kv.get(key(k))).value))),
    async list(start, end, limit) {
      const out: Array<[string, Uint8Array]> = [];
      const options = limit === Infinity ? { batchSize: 500 } : { limit, batchSize: Math.min(500, Math.max(1, limit)) };
      for await (const entry of kv.list({ start: key(start), end: key(end) }, options)) {
        out.push([entry.key[prefix.length] as string, bytesOf(entry.value)!]);
      }
      return out;
    },
    async commit(mutations: readonly KvMutation[]) {
      checkCommit(mutations, (k) => prefixBytes + partBytes(k));
      const op = kv.atomic();
      for (const m of mutations) {
        if (m.value === undefined) op.delete(key(m.key));
        else op.set(key(m.key), m.value);
      }
      const result = await op.commit();
      if (!result.ok) throw new Error("Deno KV refused the atomic commit");
    },
    close: () => {
      if (owned) kv.close();
      return Promise.resolve();
    },
  };
}

/**
 * Refuses, with Deno's own messages, a commit that Deno KV would refuse: Deno counts a set as its key twice
 * plus its value and a delete as its key, and (in some versions) every key towards the key total.
 */
function checkCommit(mutations: readonly KvMutation[], keyBytes: (key: string) => number): void {
  if (mutations.length > MAX_MUTATIONS) throw new TypeError(`Too many mutations (max ${MAX_MUTATIONS})`);
  let total = 0;
  let keys = 0;
  for (const m of mutations) {
    const k = keyBytes(m.key);
    if (k > MAX_KEY_BYTES) throw new TypeError(`Key too large for write (max ${MAX_KEY_BYTES} bytes)`);
    keys += k;
    if (m.value === undefined) total += k;
    else {
      if (m.value.length > MAX_VALUE_BYTES) throw new TypeError(`Value too large (max ${MAX_VALUE_BYTES} bytes)`);
      total += 2 * k + m.value.length;
    }
  }
  if (total > MAX_COMMIT_BYTES) throw new TypeError(`Total mutation size too large (max ${MAX_COMMIT_BYTES} bytes)`);
  if (keys > MAX_COMMIT_KEY_BYTES) throw new TypeError(`Total key size too large (max ${MAX_COMMIT_KEY_BYTES} bytes)`);
}

/** Entries this store wrote are Uint8Arrays; anything else under its prefix is foreign data. */
function bytesOf(value: unknown): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Uint8Array) return value;
  throw new TypeError(
    `found a ${typeof value} where the state store keeps bytes: is another program writing under its prefix?`,
  );
}
