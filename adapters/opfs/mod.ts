/**
 * The Origin Private File System: `opfsFileSink`, rolling part files committed with checkpoints in the
 * browser, the same sink as `fileSink` in `weirjs/adapters/fs`.
 *
 * @example A sink into a directory of the private root
 * ```ts ignore
 * import { opfsFileSink } from "weirjs/adapters/opfs";
 *
 * const sink = opfsFileSink("results/clicks", { format: "ndjson", rollover: { maxBytes: 1 << 20 } });
 * ```
 *
 * @module
 */
export { opfsFileSink } from "./opfs_file_sink.ts";
