/**
 * The filesystem state store: `node:fs/promises` only, so it runs on Node, Deno and Bun.
 *
 * @example A store in a directory
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { FsStateStore } from "weirjs/adapters/fs";
 *
 * const store = await FsStateStore.open(await mkdtemp(join(tmpdir(), "weir-")));
 * await store.put("a", new Uint8Array([1]));
 * assertEquals(await store.get("a"), new Uint8Array([1]));
 * await store.close();
 * ```
 *
 * @module
 */
export { FsStateStore } from "./fs_state_store.ts";
export { type NdjsonFileOffset, ndjsonFileSource, type NdjsonFileSourceOptions } from "./ndjson_file_source.ts";
export {
  type CsvCast,
  type CsvCastContext,
  type FileRecordPosition,
  fileSource,
  type FileSourceOffset,
  type FileSourceOptions,
} from "./file_source.ts";
export { fileSink } from "./file_sink.ts";
