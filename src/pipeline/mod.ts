/**
 * The fluent pipeline: `stream(input)` and the steps it chains, the `Source` contract, and running
 * jobs (`stream.run()`, `RunningJob`, `JobStats`).
 *
 * @module
 */
export {
  type AggregateValue,
  type CombinerMap,
  KeyedStream,
  type MapAsyncOptions,
  RunningJob,
  Stream,
  stream,
  type StreamOptions,
  WindowedStream,
} from "./stream.ts";
export type { JobStats } from "./job.ts";
export type { StreamInput, Subscribable } from "./from_input.ts";
export type { Source, SourceEvent } from "./source.ts";
