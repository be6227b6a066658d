/**
 * The Cloudflare Durable Object state store (`ctx.storage`).
 *
 * @example
 * ```ts
 * import { DurableObjectStateStore } from "weirjs/adapters/cloudflare";
 * declare const ctx: { storage: import("weirjs/adapters/cloudflare").DurableObjectStorageLike };
 * const store = await DurableObjectStateStore.open(ctx.storage);
 * await store.close();
 * ```
 *
 * @module
 */
export { DurableObjectStateStore, type DurableObjectStateStoreOptions } from "./durable_object_state_store.ts";
export type {
  DurableObjectListOptionsLike,
  DurableObjectStorageLike,
  DurableObjectTransactionLike,
} from "./durable_object_types.ts";
