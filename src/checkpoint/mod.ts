/**
 * Checkpoints and exactly-once results: `.checkpoint({ store, id, every })` on a stream, a
 * `storeSink` that commits results with the checkpoints, `readResults` to read them back, and
 * `TwoPhaseCommitSink` for sinks outside the store that commit once a checkpoint is durable.
 *
 * @module
 */
export type { CheckpointInfo, CheckpointOptions } from "./checkpoint_options.ts";
export { StoreSink, storeSink, type StoreSinkOptions } from "./store_sink.ts";
export {
  type RestoredSinkCheckpoint,
  type SinkCheckpoint,
  TwoPhaseCommitSink,
  type TwoPhaseCommitter,
} from "./two_phase_commit_sink.ts";
export { type DamagedResults, readResults, type ReadResultsOptions } from "./read_results.ts";
