/**
 * The filesystem state store: `node:fs/promises` only, so it runs on Node, Deno and Bun.
 *
 * @example
 * ```ts
 * import { FsStateStore } from "weir/fs";
 * const store = await FsStateStore.open("./.weir-data/job-1");
 * await store.close();
 * ```
 *
 * @module
 */
export { FsStateStore } from "./fs_state_store.ts";
