/**
 * weir's steps as WHATWG `TransformStream`s, for `pipeThrough`: `MapStream`, `FilterStream`,
 * `FlatMapStream`, `WindowStream`, and `pipelineTransform` for a whole pipeline.
 *
 * @module
 */
export { pipelineTransform } from "./pipeline_transform.ts";
export { MapStream } from "./map_stream.ts";
export { FilterStream } from "./filter_stream.ts";
export { FlatMapStream } from "./flat_map_stream.ts";
export { WindowStream, type WindowStreamOptions } from "./window_stream.ts";
