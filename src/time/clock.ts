/**
 * Where a job reads processing time from (epoch milliseconds). Processing-time triggers, idle
 * watermark advance and checkpoint intervals all ask the job's clock, so a test can inject a
 * {@linkcode ManualClock} instead of the wall clock.
 *
 * @example A clock of one's own
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type Clock, stream } from "weirjs";
 *
 * const offsetClock: Clock = { now: () => Date.now() + 60_000 };
 * assertEquals(await stream([1, 2], { clock: offsetClock }).toArray(), [1, 2]);
 * ```
 */
export interface Clock {
  /** The current processing time in epoch milliseconds. */
  now(): number;
}

/** The wall clock (`Date.now()`), every job's default. */
export const systemClock: Clock = { now: () => Date.now() };
