/**
 * weir: event-time stream processing (windows, watermarks, triggers, combiners, checkpoints) on
 * WHATWG streams, for browsers, Deno, Node, Bun and edge workers.
 *
 * @example Counting clicks per page
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, stream, tumbling } from "weirjs";
 *
 * const clicks = [
 *   { page: "/", ts: 1_000 },
 *   { page: "/a", ts: 2_500 },
 *   { page: "/", ts: 4_000 },
 *   { page: "/", ts: 12_000 },
 * ];
 * const results = await stream(clicks)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(10_000))
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(results.map((r) => [r.key, r.window.start, r.value]), [["/", 0, 2], ["/a", 0, 1], ["/", 10_000, 1]]);
 * ```
 *
 * @module
 */
export * from "./src/pipeline/mod.ts";
export * from "./src/window/mod.ts";
export * from "./src/trigger/mod.ts";
export * from "./src/aggregate/mod.ts";
export { type Clock, type EventTimeOptions, systemClock } from "./src/time/mod.ts";
export * from "./src/transforms/mod.ts";
export * from "./src/io/mod.ts";
export * from "./src/checkpoint/mod.ts";
export * from "./src/files/mod.ts";
export {
  MemoryStateStore,
  type StateStore,
  type StateStoreLimits,
  type StateStoreListOptions,
  type StateStoreOp,
} from "./src/state/mod.ts";
export {
  CheckpointError,
  DecodeError,
  InvalidElementError,
  StateStoreError,
  StepError,
  WeirError,
} from "./src/errors.ts";
