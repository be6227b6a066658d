/**
 * Results as part files, exactly once with checkpoints: the format, rolling and commit logic over a
 * small `FileSinkBackend` that adapters supply (weirjs/adapters/fs, weirjs/adapters/opfs).
 *
 * @module
 */
export { backedFileSink, type FileSinkOptions, type FileSinkPending, type PartitionBy } from "./backed_file_sink.ts";
export type { FileSinkBackend, FileSinkFile } from "./file_sink_backend.ts";
