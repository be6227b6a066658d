import { type DBSchema, type IDBPDatabase, wrap } from "idb";
import {
  checkStateKey,
  copyStateValue,
  normalizeStateBatch,
  stateKeyRange,
  type StateStore,
  StateStoreError,
  type StateStoreLimits,
  type StateStoreListOptions,
  type StateStoreOp,
  UNLIMITED_BATCH,
} from "../../mod.ts";

/** The database's one object store: out-of-line string keys, `Uint8Array` values. */
interface StateDb extends DBSchema {
  entries: { key: string; value: Uint8Array };
}

/** Options of {@linkcode IdbStateStore.open}. */
export interface IdbStateStoreOptions {
  /** The factory to open the database with; default the global `indexedDB`. */
  indexedDB?: IDBFactory;
}

const STORE = "entries";

/**
 * A {@linkcode StateStore} in an IndexedDB database (with `idb`), for jobs running in a browser or a
 * browser worker. Each write is one `readwrite` transaction with `durability: "strict"` (flushed before it
 * completes), so `batch` is atomic by IndexedDB's own rules: one failing request aborts all. IndexedDB
 * orders string keys by code unit, and runs transactions on one store in creation order, which gives the
 * contract's ordering directly; values are structured-cloned in and out, so never aliased.
 *
 * Limits: no entry or batch limits of its own (`limits` are `Infinity`); the origin's storage quota
 * applies, and a write beyond it rejects with `StateStoreError` (cause: `QuotaExceededError`) having
 * applied nothing. Nothing touches IndexedDB globals until `open`; outside browsers install them first
 * (`import "fake-indexeddb/auto"`), as `idb` needs the `IDB*` classes.
 *
 * @example
 * ```ts
 * import { IdbStateStore } from "weirjs/adapters/idb";
 * const store = await IdbStateStore.open("weir-job-1");
 * await store.put("ckpt/1/manifest", new Uint8Array([1]));
 * await store.close();
 * ```
 */
export class IdbStateStore implements StateStore {
  readonly limits: StateStoreLimits = UNLIMITED_BATCH;
  readonly name: string;
  #db: IDBPDatabase<StateDb>;
  #pending = new Set<Promise<unknown>>();
  #closed = false;

  private constructor(name: string, db: IDBPDatabase<StateDb>) {
    this.name = name;
    this.#db = db;
  }

  /** Opens (creating it if needed) the database `name`. */
  static async open(name: string, options: IdbStateStoreOptions = {}): Promise<IdbStateStore> {
    if (typeof name !== "string") {
      throw new TypeError(`Cannot open IndexedDB state store as name must be a string: current type is ${typeof name}`);
    }
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (factory === undefined) {
      throw new StateStoreError(
        "Cannot open IndexedDB state store as there is no indexedDB here: pass options.indexedDB",
      );
    }
    try {
      const request = factory.open(name, 1);
      request.addEventListener("upgradeneeded", () => request.result.createObjectStore(STORE));
      const db = (await wrap(request)) as IDBPDatabase<StateDb>;
      // Another tab deleting or upgrading the database must not wait for us: let go, later calls fail.
      db.addEventListener("versionchange", () => db.close());
      return new IdbStateStore(name, db);
    } catch (cause) {
      throw new StateStoreError(`Cannot open IndexedDB database ${JSON.stringify(name)}`, { cause });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStateKey(key, "get");
    this.#checkOpen("get");
    return await this.#io(`get ${JSON.stringify(key)}`, () => this.#db.get(STORE, key));
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
    const keyRange = range.upper === undefined
      ? IDBKeyRange.lowerBound(range.lower)
      : IDBKeyRange.bound(range.lower, range.upper, false, true);
    return await this.#io(
      "list",
      () => this.#db.getAllKeys(STORE, keyRange, range.limit === Infinity ? undefined : range.limit),
    );
  }

  async batch(ops: readonly StateStoreOp[]): Promise<void> {
    return await this.#write("apply batch", normalizeStateBatch(ops));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#pending);
    this.#db.close();
  }

  /** Creates the transaction synchronously, so transactions (and so writes) keep the order of calls. */
  #write(action: string, effect: Map<string, Uint8Array | undefined>): Promise<void> {
    this.#checkOpen(action);
    if (effect.size === 0) return Promise.resolve();
    const done = this.#io(action, () => {
      const tx = this.#db.transaction(STORE, "readwrite", { durability: "strict" });
      for (const [key, value] of effect) {
        // Request errors surface through tx.done (the transaction aborts); do not report them twice.
        (value === undefined ? tx.store.delete(key) : tx.store.put(value, key)).catch(() => undefined);
      }
      return tx.done;
    });
    this.#pending.add(done);
    done.finally(() => this.#pending.delete(done)).catch(() => undefined);
    return done;
  }

  #checkOpen(action: string): void {
    if (this.#closed) {
      throw new StateStoreError(`Cannot ${action} as the IndexedDB state store ${JSON.stringify(this.name)} is closed`);
    }
  }

  async #io<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new StateStoreError(`Cannot ${action} in IndexedDB database ${JSON.stringify(this.name)}`, { cause });
    }
  }
}
