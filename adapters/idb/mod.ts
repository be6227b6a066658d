/**
 * The IndexedDB state store, built on `idb`.
 *
 * @example Checkpoints that survive a page reload
 * ```ts ignore
 * import { count, storeSink, stream, tumbling } from "weirjs";
 * import { IdbStateStore } from "weirjs/adapters/idb";
 *
 * const store = await IdbStateStore.open("weir-clicks");
 * await stream([{ page: "/", ts: 1_000 }, { page: "/a", ts: 2_000 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(60_000))
 *   .aggregate(count())
 *   .checkpoint({ store, id: "clicks", every: { ms: 1_000 } })
 *   .pipeTo(storeSink({ store, job: "clicks" }));
 * await store.close();
 * ```
 *
 * @module
 */
export { IdbStateStore, type IdbStateStoreOptions } from "./idb_state_store.ts";
