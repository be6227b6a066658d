import { Hono } from "hono";
import { BearerCheck } from "./_bearer.ts";
import { IngestCounters, ingestHandler } from "./_ingest_handler.ts";
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "./_prometheus.ts";
import { resultsHandler } from "./_results_handler.ts";
import {
  type AppendLog,
  batchRules,
  isStandardSchema,
  type ServedJob,
  type StandardSchemaV1,
} from "../../src/live/mod.ts";

/** The options of the app beyond the batch rules (which `batchRules` checks). */
const APP_OPTIONS = [
  "log",
  "job",
  "token",
  "maxPending",
  "maxConcurrentIngests",
  "retryAfterSeconds",
  "heartbeatMs",
  "statsMs",
  "retryMs",
] as const;

/** Options of {@linkcode createWeirApp}. */
export interface WeirAppOptions<T> {
  /**
   * The durable log that accepted batches are appended to: an `IngestLog` (a StateStore, the job's
   * source), `jetStreamIngestLog` from `weirjs/adapters/nats` (NATS JetStream, read by workers), or
   * any other {@linkcode AppendLog}.
   */
  log: AppendLog<T>;
  /** The job whose results `GET /results` streams and whose statistics `/metrics` reports. */
  job?: ServedJob<T>;
  /** Event time of an event; events where it is missing or not a finite number are refused. Default: the job's. */
  eventTime?: (event: T) => unknown;
  /** Any Standard Schema (zod, valibot, ArkType, hand-written): each event is validated, and its output is what gets stored. */
  schema?: StandardSchemaV1<unknown, T>;
  /** When set, `POST /events` requires `Authorization: Bearer <token>` (compared in constant time). */
  token?: string;
  /** Largest request body in bytes, as sent and once decoded (default 1 MiB); larger bodies get 413, counted as they stream in. */
  maxBodyBytes?: number;
  /** Longest time a request body may take to arrive, in ms (default 30 000); a slower one gets 408 and frees its slot. */
  bodyTimeoutMs?: number;
  /** Slowest rate a request body may arrive at after its first second, in bytes per second (default 1 024); slower gets 408. */
  minBodyBytesPerSecond?: number;
  /** Deepest nesting of an event (default 64: `{"a":[1]}` is 2); deeper gets 400, found while parsing. */
  maxEventDepth?: number;
  /** How far ahead of the server's clock an event time may be, in ms (default one day; `Infinity` turns it off); beyond it 400. */
  maxFutureSkew?: number;
  /** The earliest event time accepted, epoch ms (default 2000-01-01; `-Infinity` turns it off); earlier gets 400. */
  minEventTime?: number;
  /** Most events in one batch (default 10 000). */
  maxEvents?: number;
  /**
   * Most events appended but not yet read by the job (default 100 000); beyond it batches get 429. For
   * a log whose readers run elsewhere (JetStream), the events being published and not yet acknowledged.
   */
  maxPending?: number;
  /**
   * Most request bodies read at the same time (default 16); beyond it batches get 429, so memory stays
   * bounded. Bodies that take longer than a second may hold at most half of them: a new request cuts
   * the longest-running one (408) rather than be refused, so clients sending at full speed find room.
   */
  maxConcurrentIngests?: number;
  /** `Retry-After` of a 429, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Problems listed in a 400 before reading stops (default 20). */
  maxProblems?: number;
  /** A comment line is sent on an idle SSE stream this often (ms, default 15 000). */
  heartbeatMs?: number;
  /** An `event: stats` is sent on SSE streams this often (ms, default 1 000; 0 turns it off). */
  statsMs?: number;
  /** Reconnection delay suggested to SSE clients (`retry:`, ms, default 1 000). */
  retryMs?: number;
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x < min) {
    throw new RangeError(
      `Cannot create weir app as ${name} must be an integer >= ${min}: current value is ${String(x)}`,
    );
  }
  return x;
}

/**
 * The app `createWeirApp` returns: a Hono app (hono's `Hono` class) with weir's routes. Serve its
 * `fetch` on any runtime (`serve({ fetch: app.fetch })` from `@hono/node-server`, `Deno.serve(app.fetch)`,
 * `export default app` in a Worker, `Bun.serve(app)`), call it in tests with `app.request(path, init)`,
 * or mount it under a prefix with `new Hono().route("/weir", app)`.
 */
export type WeirApp = Hono;

/**
 * A Hono app that puts an HTTP front on a weir job, on any runtime (`@hono/node-server`, `Deno.serve`,
 * `Bun.serve`, a Workers `fetch` export). Routes:
 *
 * - `POST /events` — a batch as a JSON array (`Content-Type: application/json`) or NDJSON
 *   (`application/x-ndjson`), read as a stream, gzip/deflate/br-encoded or not (`Content-Encoding`,
 *   decoded with `DecompressionStream`; br where the runtime has it). Each event is validated
 *   (`schema`, then `eventTime`, which must lie between `minEventTime` and `maxFutureSkew` ahead of the
 *   server's clock); the whole batch is appended to the log (an `IngestLog` writes it in one atomic
 *   write, a `jetStreamIngestLog` publishes each event) and the answer is
 *   `202 {"offsets":[first,last],"count":n}` once it is durable. Refusals apply nothing:
 *   `400` malformed JSON/NDJSON (naming the line), nesting deeper than `maxEventDepth`, schema problems
 *   or a missing/invalid/out-of-window event time (listed in `problems`, naming each event and line),
 *   `401` missing/wrong token, `408` a body slower than `bodyTimeoutMs` or `minBodyBytesPerSecond`
 *   (its ingest slot is freed for others), `413` body over `maxBodyBytes` (as sent or decoded: a zip
 *   bomb stops at the limit), `415` other content types and encodings, `422` an `Idempotency-Key` reused
 *   with a different body (compared by SHA-256), `429` + `Retry-After` when more than `maxPending`
 *   events wait for the job or `maxConcurrentIngests` bodies are being read (and not more than half of
 *   them slowly), `503` when the log cannot store the batch (its message says whether part of it may be
 *   stored: a retry with the same `Idempotency-Key` then stores the rest, each event once). A request repeating a known `Idempotency-Key` with the same body gets the first answer
 *   again (with `Idempotent-Replayed: true`), and nothing is appended.
 * - `GET /results` — Server-Sent Events: `event: result`, `id:` the result's deterministic id, data the
 *   `WindowResult` as JSON; `Last-Event-ID` (header, or `?lastEventId=`) resumes after that result;
 *   `event: stats` every `statsMs`, `event: gap` when results may have been missed; comment heartbeats.
 * - `GET /health` — JSON status; `503` when the job failed.
 * - `GET /metrics` — Prometheus text: events accepted/rejected, late events, watermark lag, open
 *   windows, checkpoint age, pending events, SSE clients.
 *
 * Mount it under a prefix with `new Hono().route("/weir", app)`.
 *
 * @example Posting events
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, MemoryStateStore, tumbling } from "weirjs";
 * import { IngestLog, LiveJob } from "weirjs/live";
 * import { createWeirApp } from "weirjs/adapters/hono";
 *
 * const log = await IngestLog.open<{ ts: number }>(new MemoryStateStore());
 * const job = new LiveJob({
 *   id: "views", source: log, eventTime: (e) => e.ts, maxOutOfOrderness: 1_000,
 *   pipeline: (events, { onLate }) => events.window(tumbling(10_000), { onLate }).aggregate(count()),
 * });
 * const app = createWeirApp({ log, job, token: "s3cret" });
 * job.start();
 * const res = await app.request("/events", {
 *   method: "POST",
 *   headers: { "content-type": "application/x-ndjson", authorization: "Bearer s3cret" },
 *   body: `{"ts":${Date.now()}}\n{"ts":${Date.now() + 1}}\n`,
 * });
 * assertEquals([res.status, await res.json()], [202, { offsets: [0, 1], count: 2 }]);
 * await job.stop();
 * ```
 */
export function createWeirApp<T = unknown>(options: WeirAppOptions<T>): WeirApp {
  const { log, job } = options ?? {};
  if (typeof log?.append !== "function") {
    throw new TypeError(
      `Cannot create weir app as log must be an AppendLog (an IngestLog, a jetStreamIngestLog, ...): current value is ${
        String(log)
      }`,
    );
  }
  const eventTime = options.eventTime ?? job?.eventTime;
  if (typeof eventTime !== "function") {
    throw new TypeError("Cannot create weir app as eventTime is missing: pass eventTime or a job");
  }
  if (options.schema !== undefined && !isStandardSchema(options.schema)) {
    throw new TypeError(
      "Cannot create weir app as schema is not a Standard Schema: it needs a `~standard.validate` function (zod, valibot, ...)",
    );
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token.length === 0)) {
    throw new TypeError("Cannot create weir app as token must be a non-empty string");
  }
  const rules = batchRules({ ...options, eventTime: eventTime as (e: never) => unknown }, {
    what: "create weir app",
    otherOptions: APP_OPTIONS,
  });
  const counters = new IngestCounters();
  const statsMs = positiveInt("statsMs", options.statsMs, 1_000, 0);
  const app = new Hono();

  app.post(
    "/events",
    ingestHandler({
      // The handler appends what the schema produced, which is a T; it sees the log untyped.
      log: log as unknown as AppendLog<unknown>,
      bearer: options.token === undefined ? undefined : new BearerCheck(options.token),
      rules,
      maxPending: positiveInt("maxPending", options.maxPending, 100_000),
      maxConcurrent: positiveInt("maxConcurrentIngests", options.maxConcurrentIngests, 16),
      retryAfterSeconds: positiveInt("retryAfterSeconds", options.retryAfterSeconds, 1),
      counters,
    }),
  );

  const status = () => {
    const s = job?.stats();
    return {
      now: Date.now(),
      job: s ?? null,
      ingest: {
        acceptedEvents: counters.acceptedEvents,
        rejectedEvents: counters.rejectedEvents,
        pending: log.pending,
      },
    };
  };

  if (job !== undefined) {
    app.get(
      "/results",
      resultsHandler({
        feed: job.feed,
        heartbeatMs: positiveInt("heartbeatMs", options.heartbeatMs, 15_000),
        statsMs,
        retryMs: positiveInt("retryMs", options.retryMs, 1_000),
        stats: status,
      }),
    );
  }

  app.get("/health", (c) => {
    const s = job?.stats();
    const failed = s?.state === "failed";
    return c.json({
      status: failed ? "failed" : "ok",
      ...(s === undefined ? {} : { job: { state: s.state, ...(s.error === undefined ? {} : { error: s.error }) } }),
      log: logStatus(log),
    }, failed ? 503 : 200);
  });

  app.get("/metrics", (c) => {
    c.header("Content-Type", PROMETHEUS_CONTENT_TYPE);
    return c.body(renderPrometheus(metricFamilies(log, job, counters)));
  });

  app.onError((error, c) => c.json({ error: `Internal error: ${error.message}` }, 500));
  app.notFound((c) => c.json({ error: `No route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  return app;
}

/** The log's name, its offsets when it has contiguous ones (`IngestLog`), and its pending events. */
function logStatus(log: AppendLog<unknown>): Record<string, string | number> {
  const status: Record<string, string | number> = { name: log.name };
  for (const k of ["start", "next", "committed"] as const) {
    const v = log[k];
    if (typeof v === "number") status[k] = v;
  }
  status.pending = log.pending;
  return status;
}

function metricFamilies(
  log: AppendLog<unknown>,
  job: ServedJob<never> | undefined,
  k: IngestCounters,
): MetricFamily[] {
  const now = Date.now();
  const families: MetricFamily[] = [
    {
      name: "weir_events_accepted_total",
      help: "Events appended to the ingestion log.",
      type: "counter",
      samples: k.acceptedEvents,
    },
    {
      name: "weir_events_rejected_total",
      help: "Events in refused batches (as far as they were read).",
      type: "counter",
      samples: k.rejectedEvents,
    },
    {
      name: "weir_batches_rejected_total",
      help: "Refused ingestion requests by reason.",
      type: "counter",
      samples: Object.entries(k.rejectedBatches).map(([reason, value]) => ({ labels: { reason }, value })),
    },
    {
      name: "weir_batches_duplicate_total",
      help: "Requests answered from a known Idempotency-Key.",
      type: "counter",
      samples: k.duplicateBatches,
    },
    {
      name: "weir_ingest_receiving_bodies",
      help: "Request bodies of POST /events being read now.",
      type: "gauge",
      samples: k.receiving,
    },
    {
      name: "weir_ingest_pending_events",
      help: "Events appended but not yet read by the job.",
      type: "gauge",
      samples: log.pending,
    },
  ];
  if (typeof log.next === "number" && typeof log.start === "number") {
    families.push(
      { name: "weir_log_next_offset", help: "Offset the next appended event gets.", type: "gauge", samples: log.next },
      {
        name: "weir_log_retained_events",
        help: "Events still stored in the log (not yet truncated by a checkpoint).",
        type: "gauge",
        samples: log.next - log.start,
      },
    );
  }
  if (job === undefined) return families;
  const s = job.stats();
  families.push(
    { name: "weir_job_up", help: "1 while the job runs.", type: "gauge", samples: s.state === "running" ? 1 : 0 },
    {
      name: "weir_late_events_total",
      help: "Events that arrived beyond the allowed lateness (since start).",
      type: "counter",
      samples: s.lateEvents,
    },
    {
      name: "weir_invalid_events_total",
      help: "Events dropped by the job for a missing or invalid event time.",
      type: "counter",
      samples: s.invalidEvents,
    },
    {
      name: "weir_panes_total",
      help: "Window results published, by pane timing.",
      type: "counter",
      samples: (["early", "on-time", "late"] as const).map((timing) => ({
        labels: { timing },
        value: s.panes[timing],
      })),
    },
    {
      name: "weir_open_windows",
      help: "(key, window) pairs holding state in the job's window step.",
      type: "gauge",
      samples: s.openWindows,
    },
    { name: "weir_sse_clients", help: "Connected result streams.", type: "gauge", samples: job.feed.subscribers },
  );
  if (s.watermark > -Infinity) {
    families.push(
      {
        name: "weir_watermark_seconds",
        help: "The job's event-time watermark (epoch seconds).",
        type: "gauge",
        samples: s.watermark / 1000,
      },
      {
        name: "weir_watermark_lag_seconds",
        help: "Wall clock minus the watermark.",
        type: "gauge",
        samples: (now - s.watermark) / 1000,
      },
    );
  }
  if (s.lastCheckpointAt !== undefined) {
    families.push({
      name: "weir_checkpoint_age_seconds",
      help: "Time since the last durable checkpoint.",
      type: "gauge",
      samples: (now - s.lastCheckpointAt) / 1000,
    });
  }
  return families;
}
