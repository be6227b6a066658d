/**
 * The filesystem state store: `node:fs/promises` only, so it runs on Node, Deno and Bun.
 *
 * @example
 * ```ts
 * import { FsStateStore } from "weirjs/adapters/fs";
 * const store = await FsStateStore.open("./.weir-data/job-1");
 * await store.close();
 * ```
 *
 * @module
 */
export { FsStateStore } from "./fs_state_store.ts";
export { type NdjsonFileOffset, ndjsonFileSource, type NdjsonFileSourceOptions } from "./ndjson_file_source.ts";
