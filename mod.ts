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
export * from "./src/pipeline/mod.ts";
export * from "./src/window/mod.ts";
export * from "./src/trigger/mod.ts";
export * from "./src/aggregate/mod.ts";
export { type Clock, type EventTimeOptions, systemClock } from "./src/time/mod.ts";
export * from "./src/transforms/mod.ts";
export * from "./src/io/mod.ts";
export * from "./src/checkpoint/mod.ts";
export {
  MemoryStateStore,
  type StateStore,
  type StateStoreLimits,
  type StateStoreListOptions,
  type StateStoreOp,
} from "./src/state/mod.ts";
export { CheckpointError, DecodeError, InvalidElementError, StateStoreError, WeirError } from "./src/errors.ts";
