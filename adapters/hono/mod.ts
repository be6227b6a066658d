/**
 * HTTP and Server-Sent Events for weir, on Hono: a durable ingestion log in any `StateStore`
 * (`IngestLog`, a replayable weir Source), a job runner that publishes results (`LiveJob`,
 * `ResultFeed`), and the app that serves both on any runtime (`createWeirApp`). Reading a remote SSE
 * feed as a Source is `sseSource` in `weirjs/adapters/sse`, which needs `eventsource-parser` instead of hono.
 *
 * @example Serve a job on Node
 * ```ts
 * import { serve } from "@hono/node-server";
 * import { count, tumbling } from "weirjs";
 * import { FsStateStore } from "weirjs/adapters/fs";
 * import { IngestLog, LiveJob, createWeirApp } from "weirjs/adapters/hono";
 *
 * const store = await FsStateStore.open("./.weir-data");
 * const log = await IngestLog.open(store, { name: "views" });
 * const job = new LiveJob({
 *   id: "views", source: log, eventTime: (e: { ts: number }) => e.ts, maxOutOfOrderness: 2_000,
 *   pipeline: (events, { onLate }) => events.window(tumbling(10_000), { onLate }).aggregate(count()),
 * });
 * job.start();
 * serve({ fetch: createWeirApp({ log, job }).fetch, hostname: "127.0.0.1", port: 8787 });
 * ```
 *
 * @module
 */
export { createWeirApp, type WeirAppOptions } from "./create_weir_app.ts";
export {
  type AppendOptions,
  type AppendResult,
  IdempotencyConflictError,
  IngestLog,
  type IngestLogOptions,
} from "./ingest_log.ts";
export { LiveJob, type LiveJobContext, type LiveJobOptions, type LiveJobStats, type ServedJob } from "./live_job.ts";
export { type FeedItem, FeedSubscription, ResultFeed, type ResultFeedOptions } from "./result_feed.ts";
export {
  isStandardSchema,
  type StandardSchemaIssue,
  type StandardSchemaProps,
  type StandardSchemaResult,
  type StandardSchemaV1,
} from "./standard_schema.ts";
