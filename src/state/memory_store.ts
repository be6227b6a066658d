import { StateStoreError } from "../errors.ts";
import {
  type StateStore,
  type StateStoreLimits,
  type StateStoreListOptions,
  type StateStoreOp,
  UNLIMITED_BATCH,
} from "./state_store.ts";
import { SortedKeys } from "./sorted_keys.ts";
import { checkStateKey, copyStateValue, normalizeStateBatch, stateKeyRange } from "./state_store_args.ts";

/**
 * A {@linkcode StateStore} held in memory: for tests, for jobs whose state may be lost with the process, and
 * as the reference the other stores are checked against. Values are copied on `put` and on `get`, so no
 * caller can alias stored bytes. Limits: none beyond the key rules and the memory of the process.
 *
 * @example Put, get and list
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MemoryStateStore } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * await store.put("a/1", new Uint8Array([1, 2]));
 * assertEquals(await store.get("a/1"), new Uint8Array([1, 2]));
 * assertEquals(await store.list("a/"), ["a/1"]);
 * await store.close();
 * ```
 */
export class MemoryStateStore implements StateStore {
  readonly limits: StateStoreLimits = UNLIMITED_BATCH;
  #values = new Map<string, Uint8Array>();
  /** The keys of `#values`, kept sorted so that `list` is a binary search and a slice. */
  #sorted = new SortedKeys();
  #closed = false;

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#run(() => {
      checkStateKey(key, "get");
      this.#checkOpen("get");
      const v = this.#values.get(key);
      return v === undefined ? undefined : new Uint8Array(v);
    });
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.#run(() => {
      checkStateKey(key, "put");
      const copy = copyStateValue(value, "put");
      this.#checkOpen("put");
      this.#set(key, copy);
    });
  }

  delete(key: string): Promise<void> {
    return this.#run(() => {
      checkStateKey(key, "delete");
      this.#checkOpen("delete");
      this.#set(key, undefined);
    });
  }

  list(prefix: string, options?: StateStoreListOptions): Promise<string[]> {
    return this.#run(() => {
      const range = stateKeyRange(prefix, options);
      this.#checkOpen("list");
      return this.#sorted.list(range);
    });
  }

  batch(ops: readonly StateStoreOp[]): Promise<void> {
    return this.#run(() => {
      const effect = normalizeStateBatch(ops);
      this.#checkOpen("apply batch");
      for (const [key, value] of effect) this.#set(key, value);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  /** Runs `fn` now and reports its result or error through a promise, as an I/O-bound store would. */
  #run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #checkOpen(action: string): void {
    if (this.#closed) throw new StateStoreError(`Cannot ${action} as the memory state store is closed`);
  }

  #set(key: string, value: Uint8Array | undefined): void {
    const had = this.#values.has(key);
    if (value === undefined) {
      if (!had) return;
      this.#values.delete(key);
      this.#sorted.remove(key);
      return;
    }
    this.#values.set(key, value);
    if (!had) this.#sorted.insert(key);
  }
}
