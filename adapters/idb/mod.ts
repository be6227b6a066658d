/**
 * The IndexedDB state store, built on `idb`.
 *
 * @example
 * ```ts
 * import { IdbStateStore } from "weirjs/adapters/idb";
 * const store = await IdbStateStore.open("weir-job-1");
 * await store.close();
 * ```
 *
 * @module
 */
export { IdbStateStore, type IdbStateStoreOptions } from "./idb_state_store.ts";
