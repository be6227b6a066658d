/**
 * Time: the options of `.withEventTime()` (event time and watermarks), the {@linkcode Clock} a job
 * reads processing time from, and a {@linkcode ManualClock} for virtual time.
 *
 * @module
 */
export { type Clock, systemClock } from "./clock.ts";
export { ManualClock } from "./manual_clock.ts";
export type { EventTimeOptions } from "./event_time_options.ts";
