/**
 * The Deno KV state store: `Deno.openKv` under Deno, `@deno/kv` under Node.
 *
 * @example A store in Deno KV
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { DenoKvStateStore } from "weirjs/adapters/deno-kv";
 *
 * const store = await DenoKvStateStore.open(":memory:");
 * await store.put("ckpt/1/manifest", new Uint8Array([1]));
 * assertEquals(await store.list("ckpt/"), ["ckpt/1/manifest"]);
 * await store.close();
 * ```
 *
 * @module
 */
export { DenoKvStateStore, type DenoKvStateStoreOptions } from "./deno_kv_state_store.ts";
export type { DenoKvAtomicOperation, DenoKvKey, DenoKvKeyPart, DenoKvLike } from "./deno_kv_types.ts";
