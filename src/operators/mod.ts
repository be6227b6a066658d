/**
 * The engines behind the pipeline's steps (internal: the package does not export them). The
 * operator protocol is stated in operator.ts; window_engine.ts says which window engine runs when.
 *
 * @module
 */
export type { Batch, Operator, Output, WindowEngine } from "./operator.ts";
export { StatelessOperator, type Step } from "./stateless_operator.ts";
export { checkEventTimeOptions, EventTimeOperator } from "./event_time_operator.ts";
export { type ResolvedWindowConfig, resolveWindowConfig } from "./window_config.ts";
export { windowEngineFor } from "./window_engine.ts";
