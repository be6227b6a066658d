/**
 * HTTP and Server-Sent Events for weir, on Hono: the app (`createWeirApp`) that serves a durable
 * ingestion log and a live job's results on any runtime. The log and the job (`IngestLog`, `LiveJob`,
 * `ResultFeed`) live in `weirjs/live`, and are re-exported here. Reading a remote SSE
 * feed as a Source is `sseSource` in `weirjs/adapters/sse`, which needs `eventsource-parser` instead of hono.
 *
 * @example Serve a job on Node
 * ```ts ignore
 * import { serve } from "@hono/node-server";
 * import { count, tumbling } from "weirjs";
 * import { FsStateStore } from "weirjs/adapters/fs";
 * import { IngestLog, LiveJob } from "weirjs/live";
 * import { createWeirApp } from "weirjs/adapters/hono";
 *
 * const store = await FsStateStore.open("./.weir-data");
 * const log = await IngestLog.open<{ ts: number }>(store, { name: "views" });
 * const job = new LiveJob({
 *   id: "views", source: log, eventTime: (e) => e.ts, maxOutOfOrderness: 2_000,
 *   pipeline: (events, { onLate }) => events.window(tumbling(10_000), { onLate }).aggregate(count()),
 * });
 * job.start();
 * serve({ fetch: createWeirApp({ log, job }).fetch, hostname: "127.0.0.1", port: 8787 });
 * ```
 *
 * @module
 */
export { createWeirApp, type WeirApp, type WeirAppOptions } from "./create_weir_app.ts";
// The live-job pieces moved to weirjs/live; re-exported so imports from weirjs/adapters/hono keep working.
export {
  type AppendLog,
  type AppendOptions,
  type AppendResult,
  type FeedItem,
  FeedSubscription,
  IdempotencyConflictError,
  IngestLog,
  type IngestLogOptions,
  isStandardSchema,
  LiveJob,
  type LiveJobContext,
  type LiveJobOptions,
  type LiveJobStats,
  ResultFeed,
  type ResultFeedOptions,
  type ServedJob,
  type StandardSchemaIssue,
  type StandardSchemaProps,
  type StandardSchemaResult,
  type StandardSchemaV1,
} from "../../src/live/mod.ts";
