import { type DBSchema, type IDBPDatabase, wrap } from "idb";
import { BackedStateStore, type StateStoreBackend, StateStoreError, UNLIMITED_BATCH } from "../../src/state/mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";

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
 * @example A store in the browser
 * ```ts ignore
 * import { IdbStateStore } from "weirjs/adapters/idb";
 *
 * const store = await IdbStateStore.open("weir-job-1");
 * await store.put("ckpt/1/manifest", new Uint8Array([1]));
 * console.log(await store.list("ckpt/")); // ["ckpt/1/manifest"]
 * await store.close();
 * ```
 */
export class IdbStateStore extends BackedStateStore {
  /** The IndexedDB database name. */
  readonly name: string;

  private constructor(name: string, db: IDBPDatabase<StateDb>) {
    super(idbBackend(name, db));
    this.name = name;
  }

  /** Opens (creating it if needed) the database `name`. */
  static async open(name: string, options: IdbStateStoreOptions = {}): Promise<IdbStateStore> {
    if (typeof name !== "string") {
      throw new TypeError(`Cannot open IndexedDB state store as name must be a string: current type is ${typeof name}`);
    }
    checkOptionNames("open IndexedDB state store", options ?? {}, ["indexedDB"]);
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
}

function idbBackend(name: string, db: IDBPDatabase<StateDb>): StateStoreBackend {
  const pending = new Set<Promise<unknown>>();
  const io = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (cause) {
      throw new StateStoreError(`Cannot ${action} in IndexedDB database ${JSON.stringify(name)}`, { cause });
    }
  };
  return {
    name: `IndexedDB state store ${JSON.stringify(name)}`,
    limits: UNLIMITED_BATCH,
    // Each write creates its transaction at once, and IndexedDB runs them in creation order.
    queueWrites: false,
    get: (key) => io(`get ${JSON.stringify(key)}`, () => db.get(STORE, key)),
    list(range) {
      const keyRange = range.upper === undefined
        ? IDBKeyRange.lowerBound(range.lower)
        : IDBKeyRange.bound(range.lower, range.upper, false, true);
      return io("list", () => db.getAllKeys(STORE, keyRange, range.limit === Infinity ? undefined : range.limit));
    },
    write(effect, action) {
      if (effect.size === 0) return Promise.resolve();
      const done = io(action, () => {
        const tx = db.transaction(STORE, "readwrite", { durability: "strict" });
        for (const [key, value] of effect) {
          // Request errors surface through tx.done (the transaction aborts); do not report them twice.
          (value === undefined ? tx.store.delete(key) : tx.store.put(value, key)).catch(() => undefined);
        }
        return tx.done;
      });
      pending.add(done);
      done.finally(() => pending.delete(done)).catch(() => undefined);
      return done;
    },
    async close() {
      await Promise.allSettled(pending);
      db.close();
    },
  };
}
