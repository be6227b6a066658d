import { StateStoreError } from "../errors.ts";
import type { StateStore, StateStoreLimits, StateStoreListOptions, StateStoreOp } from "./state_store.ts";
import { checkStateKey, copyStateValue, normalizeStateBatch, stateKeyRange } from "./state_store_args.ts";
import type { StateStoreBackend } from "./state_store_backend.ts";

/**
 * A {@linkcode StateStore} over a {@linkcode StateStoreBackend}: the part every store shares, so that
 * an adapter supplies only its backend (the filesystem, IndexedDB, Deno KV and Durable Object stores
 * all extend it). It checks arguments before anything else, copies values, folds a batch into its
 * effect before the backend sees it, refuses every call but `close` once closed (`StateStoreError`:
 * "Cannot put as the `name` is closed"), runs writes in call order, and lets `close` finish the writes
 * issued before it.
 *
 * @example The backend sees each batch's effect; a closed store refuses calls
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { BackedStateStore, type StateStoreBackend, StateStoreError, UNLIMITED_BATCH } from "weirjs/state";
 *
 * const writes: Map<string, Uint8Array | undefined>[] = [];
 * const backend: StateStoreBackend = {
 *   name: "logging store",
 *   limits: UNLIMITED_BATCH,
 *   queueWrites: true,
 *   get: async () => undefined,
 *   list: async () => [],
 *   write: async (effect) => void writes.push(effect),
 *   close: async () => {},
 * };
 * const store = new BackedStateStore(backend);
 * await store.batch([
 *   { type: "put", key: "a", value: new Uint8Array([1]) },
 *   { type: "delete", key: "a" },
 * ]);
 * assertEquals(writes, [new Map([["a", undefined]])]);
 * await store.close();
 * await assertRejects(() => store.get("a"), StateStoreError, "Cannot get as the logging store is closed");
 * ```
 */
export class BackedStateStore implements StateStore {
  readonly limits: StateStoreLimits;
  readonly #backend: StateStoreBackend;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Creates the store over `backend`. */
  constructor(backend: StateStoreBackend) {
    this.#backend = backend;
    this.limits = backend.limits;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStateKey(key, "get");
    this.#checkUsable("get");
    return await this.#backend.get(key);
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
    this.#checkUsable("list");
    if (range.empty) return [];
    return await this.#backend.list(range);
  }

  async batch(ops: readonly StateStoreOp[]): Promise<void> {
    return await this.#write("apply batch", normalizeStateBatch(ops));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#backend.close();
  }

  /** Starts or queues a write; throws at once when the store refuses writes. */
  #write(action: string, effect: Map<string, Uint8Array | undefined>): Promise<void> {
    this.#checkUsable(action);
    const backend = this.#backend;
    if (!backend.queueWrites) return backend.write(effect, action);
    const run = this.#tail.then(() => {
      // A store closed meanwhile still completes the writes issued before; a backend that now refuses
      // calls refuses them too (reporting the close first, as a call would).
      if (backend.checkUsable !== undefined) {
        try {
          backend.checkUsable(action);
        } catch (error) {
          this.#checkOpen(action);
          throw error;
        }
      }
      return backend.write(effect, action);
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #checkUsable(action: string): void {
    this.#checkOpen(action);
    this.#backend.checkUsable?.(action);
  }

  #checkOpen(action: string): void {
    if (this.#closed) throw new StateStoreError(`Cannot ${action} as the ${this.#backend.name} is closed`);
  }
}
