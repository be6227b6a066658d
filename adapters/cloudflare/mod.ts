/**
 * The Cloudflare Durable Object state store (`ctx.storage`).
 *
 * @example Checkpoints in a Durable Object's storage
 * ```ts ignore
 * import { DurableObject } from "cloudflare:workers";
 * import { count, storeSink, stream, tumbling } from "weirjs";
 * import { DurableObjectStateStore } from "weirjs/adapters/cloudflare";
 *
 * export class ClicksObject extends DurableObject {
 *   async count(clicks: { page: string; ts: number }[]): Promise<void> {
 *     const store = await DurableObjectStateStore.open(this.ctx.storage);
 *     await stream(clicks)
 *       .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *       .keyBy((e) => e.page)
 *       .window(tumbling(60_000))
 *       .aggregate(count())
 *       .checkpoint({ store, id: "clicks", every: { ms: 1_000 } })
 *       .pipeTo(storeSink({ store, job: "clicks" }));
 *   }
 * }
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
