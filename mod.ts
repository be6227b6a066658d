/**
 * weir: event-time stream processing (windows, watermarks, triggers, combiners, checkpoints) on
 * WHATWG streams, for browsers, Deno, Node, Bun and edge workers.
 *
 * @example
 * ```ts
 * import { stream, tumbling, count } from "weirjs";
 * const results = stream([{ user: "a", ts: 1_000 }, { user: "a", ts: 2_500 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
 *   .keyBy((e) => e.user)
 *   .window(tumbling(10_000))
 *   .aggregate(count());
 * for await (const r of results) console.log(r.key, r.window, r.value, r.pane.timing);
 * ```
 *
 * @module
 */
export {
  type AggregateValue,
  KeyedStream,
  RunningJob,
  Stream,
  stream,
  type StreamOptions,
  WindowedStream,
} from "./src/pipeline/stream.ts";
export type { JobStats } from "./src/pipeline/job.ts";
export { type Clock, systemClock } from "./src/time/clock.ts";
export type { StreamInput } from "./src/pipeline/from_input.ts";
export type { Source, SourceEvent } from "./src/pipeline/source.ts";
export type { EventTimeOptions } from "./src/operators/event_time_operator.ts";
export type { LateInfo, WindowOptions } from "./src/operators/window_config.ts";
export type { PaneInfo, PaneTiming, Window, WindowResult } from "./src/window/types.ts";
export { resultId } from "./src/window/result_id.ts";
export type {
  GlobalWindows,
  SessionWindows,
  SlidingWindows,
  TumblingWindows,
  WindowAssigner,
} from "./src/window/assigner.ts";
export { tumbling } from "./src/window/tumbling.ts";
export { sliding } from "./src/window/sliding.ts";
export { session } from "./src/window/session.ts";
export { global } from "./src/window/global.ts";
export {
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  afterWatermarkProgress,
  defaultTrigger,
  never,
  orFinally,
  repeatedly,
  type Trigger,
  type TriggerSpec,
} from "./src/trigger/trigger.ts";
export * from "./src/aggregate/mod.ts";
export * from "./src/io/mod.ts";
export * from "./src/state/mod.ts";
export * from "./src/checkpoint/mod.ts";
export { CheckpointError, DecodeError, InvalidElementError, StateStoreError, WeirError } from "./src/errors.ts";
export { pipelineTransform } from "./src/streams/pipeline_transform.ts";
export { MapStream } from "./src/streams/map_stream.ts";
export { FilterStream } from "./src/streams/filter_stream.ts";
export { FlatMapStream } from "./src/streams/flat_map_stream.ts";
export { WindowStream, type WindowStreamOptions } from "./src/streams/window_stream.ts";
