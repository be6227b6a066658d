/**
 * Where a job reads processing time from (epoch milliseconds). Processing-time triggers, idle
 * watermark advance and checkpoint intervals all ask the job's clock, so a test can inject a
 * {@linkcode ManualClock} instead of the wall clock.
 *
 * @example
 * ```ts
 * import { type Clock, stream } from "weirjs";
 * const offsetClock: Clock = { now: () => Date.now() + 60_000 };
 * const results = await stream([1, 2], { clock: offsetClock }).toArray();
 * if (results.length !== 2) throw new Error("expected two results");
 * ```
 */
export interface Clock {
  /** The current processing time in epoch milliseconds. */
  now(): number;
}

/** The wall clock (`Date.now()`), every job's default. */
export const systemClock: Clock = { now: () => Date.now() };
