/**
 * The Deno KV state store: `Deno.openKv` under Deno, `@deno/kv` under Node.
 *
 * @example
 * ```ts
 * import { DenoKvStateStore } from "weirjs/adapters/deno-kv";
 * const store = await DenoKvStateStore.open(":memory:");
 * await store.close();
 * ```
 *
 * @module
 */
export { DenoKvStateStore, type DenoKvStateStoreOptions } from "./deno_kv_state_store.ts";
export type { DenoKvAtomicOperation, DenoKvKey, DenoKvKeyPart, DenoKvLike } from "./deno_kv_types.ts";
