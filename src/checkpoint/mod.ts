/**
 * Checkpoints and exactly-once results: `.checkpoint({ store, id, every })` on a stream, a
 * `storeSink` that commits results with the checkpoints, and `readResults` to read them back.
 *
 * @module
 */
export type { CheckpointInfo, CheckpointOptions } from "./checkpoint_options.ts";
export { StoreSink, storeSink, type StoreSinkOptions } from "./store_sink.ts";
export { type DamagedResults, readResults, type ReadResultsOptions } from "./read_results.ts";
