import type { Clock } from "./clock.ts";

/**
 * A clock that moves only when told to: virtual processing time. A job on a manual clock never waits
 * for the wall clock; its processing-time timers fire when `processing-time` source events (such as
 * `TestStream.advanceProcessingTime`) advance the clock.
 *
 * @example Time moves only when told
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ManualClock } from "weirjs/testing";
 *
 * const clock = new ManualClock(1_000);
 * clock.advance(500);
 * assertEquals(clock.now(), 1_500);
 * ```
 */
export class ManualClock implements Clock {
  #now: number;

  /** Starts at `start` ms (default 0). */
  constructor(start = 0) {
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new RangeError(
        `Cannot create ManualClock as start must be a finite number: current value is ${String(start)}`,
      );
    }
    this.#now = start;
  }

  /** The current virtual time. */
  now(): number {
    return this.#now;
  }

  /** Moves the clock forward by `ms` (a finite number >= 0). */
  advance(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot advance processing time by ${String(ms)}: it must be a finite number >= 0`);
    }
    this.#now += ms;
  }

  /** Moves the clock forward to `time`; a time before now leaves it where it is (time never goes back). */
  advanceTo(time: number): void {
    if (typeof time !== "number" || Number.isNaN(time)) {
      throw new RangeError(`Cannot advance processing time to ${String(time)}: it must be a number`);
    }
    if (time > this.#now) this.#now = time;
  }
}
