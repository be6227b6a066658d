import type { LiveJobStats } from "./live_job.ts";
import type { ResultFeed } from "./result_feed.ts";

/**
 * What `createWeirApp` (in `weirjs/adapters/hono`) needs from a running job: its event-time
 * function, its result feed and its statistics. {@linkcode LiveJob} is one; any other runner can
 * provide the same.
 *
 * @example A runner of its own
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ResultFeed, type ServedJob } from "weirjs/live";
 *
 * const feed = new ResultFeed({ job: "views" });
 * const job: ServedJob<{ ts: number }> = {
 *   eventTime: (e) => e.ts,
 *   feed,
 *   stats: () => ({
 *     state: "running", eventsIn: 0, maxEventTime: -Infinity, watermark: -Infinity, lateEvents: 0,
 *     invalidEvents: 0, panes: { early: 0, "on-time": 0, late: 0 }, openWindows: 0, lastCheckpointAt: undefined,
 *   }),
 * };
 * assertEquals(job.stats().state, "running");
 * ```
 */
export interface ServedJob<T> {
  /** The event time of an event: the HTTP layer refuses events without a valid one. */
  readonly eventTime: (event: T) => number | Date;
  /** Where the job publishes its results (served as `GET /results`). */
  readonly feed: ResultFeed;
  /** The job's statistics now (for `/health` and `/metrics`). */
  stats(): LiveJobStats;
}
