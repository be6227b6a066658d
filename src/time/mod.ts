/**
 * Processing time: the {@linkcode Clock} a job reads, and a {@linkcode ManualClock} for virtual time.
 *
 * @module
 */
export { type Clock, systemClock } from "./clock.ts";
export { ManualClock } from "./manual_clock.ts";
