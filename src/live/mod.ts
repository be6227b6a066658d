/**
 * Running a job live, without any HTTP framework: a durable ingestion log in any `StateStore`
 * (`IngestLog`, a replayable weir Source), a job runner that publishes its results (`LiveJob`,
 * `ResultFeed`), and the streaming reader and validator of ingestion batches (`readBatch`,
 * Standard Schema). `weirjs/adapters/hono` serves these over HTTP and Server-Sent Events.
 *
 * @example Ingest, run, read the results
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, MemoryStateStore, tumbling } from "weirjs";
 * import { IngestLog, LiveJob } from "weirjs/live";
 *
 * const log = await IngestLog.open<{ ts: number }>(new MemoryStateStore(), { name: "views" });
 * const job = new LiveJob({
 *   id: "views", source: log, eventTime: (e) => e.ts, maxOutOfOrderness: 0,
 *   pipeline: (events, { onLate }) => events.window(tumbling(10_000), { onLate }).aggregate(count()),
 * });
 * const sub = job.feed.subscribe();
 * job.start();
 * await log.append([{ ts: 1_000 }, { ts: 2_000 }, { ts: 20_000 }]);
 * await sub.wait(1_000);
 * assertEquals(sub.take(10).map((item) => item.result.value), [2]);
 * await job.stop();
 * ```
 *
 * @module
 */
export { type BatchRules, batchRules, type BatchRulesOptions } from "./batch_rules.ts";
export { bodyFormat } from "./body_format.ts";
export { IdempotencyConflictError } from "./idempotency_conflict_error.ts";
export type { AppendLog, AppendOptions, AppendResult } from "./append_log.ts";
export { IngestLog, type IngestLogOptions } from "./ingest_log.ts";
export { isStandardSchema } from "./is_standard_schema.ts";
export { LiveJob, type LiveJobContext, type LiveJobOptions, type LiveJobStats } from "./live_job.ts";
export { type BatchOutcome, type BodyOptions, type EventProblem, readBatch } from "./read_batch.ts";
export { type FeedItem, FeedSubscription, ResultFeed, type ResultFeedOptions } from "./result_feed.ts";
export type { ServedJob } from "./served_job.ts";
export type {
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
} from "./standard_schema.ts";
