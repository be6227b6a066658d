// POST /events: authenticate, refuse early what can be refused without reading (415, 429, 413 by
// Content-Length), then stream-read (paced, decoded, bounded) and validate the whole batch, and only
// then append it to the log (an AppendLog: one atomic write for an IngestLog). A reused idempotency key
// is compared by the SHA-256 of the body: the same body gets the first answer again, another body 422.
// Any refusal leaves the log untouched.
import type { Context } from "hono";
import { StateStoreError } from "../../mod.ts";
import {
  type AppendLog,
  type BatchRules,
  bodyFormat,
  IdempotencyConflictError,
  IngestLog,
  readBatch,
} from "../../src/live/mod.ts";
import type { BearerCheck } from "./_bearer.ts";
import { IngestSlots } from "./_ingest_slots.ts";

/** Why batches were refused, as `reason` labels of `weir_batches_rejected_total`. */
export type RejectReason =
  | "unauthorized"
  | "unsupported_media_type"
  | "malformed"
  | "invalid"
  | "too_large"
  | "too_slow"
  | "overloaded"
  | "conflict"
  | "store_failed";

export class IngestCounters {
  acceptedEvents = 0;
  acceptedBatches = 0;
  duplicateBatches = 0;
  rejectedEvents = 0;
  readonly rejectedBatches: Record<RejectReason, number> = {
    unauthorized: 0,
    unsupported_media_type: 0,
    malformed: 0,
    invalid: 0,
    too_large: 0,
    too_slow: 0,
    overloaded: 0,
    conflict: 0,
    store_failed: 0,
  };
  /** Request bodies being read now. */
  receiving = 0;
}

export interface IngestConfig {
  log: AppendLog<unknown>;
  bearer: BearerCheck | undefined;
  rules: BatchRules;
  maxPending: number;
  maxConcurrent: number;
  retryAfterSeconds: number;
  counters: IngestCounters;
}

function discard(c: Context): void {
  c.req.raw.body?.cancel().catch(() => {});
}

export function ingestHandler(cfg: IngestConfig): (c: Context) => Promise<Response> {
  const { log, counters } = cfg;
  const slots = new IngestSlots(cfg.maxConcurrent);
  const refuse = (
    c: Context,
    status: 400 | 401 | 408 | 413 | 415 | 422 | 429 | 503,
    reason: RejectReason,
    body: object,
    events = 0,
  ): Response => {
    counters.rejectedBatches[reason]++;
    counters.rejectedEvents += events;
    if (status === 429) c.header("Retry-After", String(cfg.retryAfterSeconds));
    if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="weir"');
    return c.json(body, status);
  };

  return async (c) => {
    if (cfg.bearer !== undefined) {
      const problem = await cfg.bearer.problem(c.req.header("authorization"));
      if (problem !== undefined) {
        discard(c);
        return refuse(c, 401, "unauthorized", { error: problem });
      }
    }
    const format = bodyFormat(c.req.header("content-type"));
    if (format === undefined) {
      discard(c);
      return refuse(c, 415, "unsupported_media_type", {
        error: `Unsupported Content-Type ${
          JSON.stringify(c.req.header("content-type") ?? "")
        }: send application/json (an array of events) or application/x-ndjson (one event per line)`,
      });
    }
    const key = c.req.header("idempotency-key");
    if (key !== undefined) {
      if (key.length === 0 || key.length > IngestLog.maxIdempotencyKeyLength) {
        discard(c);
        return refuse(c, 400, "malformed", {
          error: `Idempotency-Key must be 1 to ${IngestLog.maxIdempotencyKeyLength} characters`,
        });
      }
    }
    // A retry of an acknowledged batch adds nothing, so it is not refused for the events waiting;
    // its body is still read, to tell a retry from another batch under the same key.
    const known = key !== undefined && log.lookup(key) !== undefined;
    if (!known && log.pending >= cfg.maxPending) {
      discard(c);
      return refuse(c, 429, "overloaded", {
        error: `Overloaded: ${log.pending} events are waiting to be processed (limit ${cfg.maxPending}); retry later`,
      });
    }
    const length = Number(c.req.header("content-length"));
    if (length > cfg.rules.maxBodyBytes) {
      discard(c);
      return refuse(c, 413, "too_large", {
        error: `Request body is larger than the limit of ${cfg.rules.maxBodyBytes} bytes`,
      });
    }
    const body = c.req.raw.body;
    if (body === null) return refuse(c, 400, "malformed", { error: "The request has no body: send a batch of events" });
    const slot = slots.take();
    if (slot === undefined) {
      discard(c);
      return refuse(c, 429, "overloaded", {
        error: `Overloaded: ${slots.size} batches are being received (limit ${cfg.maxConcurrent}); retry later`,
      });
    }
    counters.receiving = slots.size;
    let outcome;
    try {
      outcome = await readBatch(body, format, cfg.rules, {
        contentEncoding: c.req.header("content-encoding"),
        fingerprint: key !== undefined,
        signal: slot.cut.signal,
      });
    } finally {
      slots.release(slot);
      counters.receiving = slots.size;
    }
    if (!outcome.ok) {
      const reason: RejectReason = outcome.status === 413
        ? "too_large"
        : outcome.status === 408
        ? "too_slow"
        : outcome.status === 415
        ? "unsupported_media_type"
        : outcome.problems !== undefined
        ? "invalid"
        : "malformed";
      return refuse(
        c,
        outcome.status,
        reason,
        outcome.problems === undefined
          ? { error: outcome.error }
          : { error: outcome.error, problems: outcome.problems },
        outcome.parsed,
      );
    }
    const n = outcome.events.length;
    if (!known && log.pending + n > cfg.maxPending) {
      return refuse(c, 429, "overloaded", {
        error:
          `Overloaded: ${log.pending} events are waiting to be processed and this batch has ${n} (limit ${cfg.maxPending}); retry later`,
      }, n);
    }
    try {
      const r = await log.append(
        outcome.events,
        key === undefined ? {} : { idempotencyKey: key, fingerprint: outcome.fingerprint },
      );
      if (r.duplicate) {
        counters.duplicateBatches++;
        c.header("Idempotent-Replayed", "true");
        return c.json({ offsets: [r.first, r.last], count: r.count, duplicate: true }, 202);
      }
      counters.acceptedEvents += n;
      counters.acceptedBatches++;
      return c.json({ offsets: [r.first, r.last], count: r.count }, 202);
    } catch (error) {
      if (error instanceof IdempotencyConflictError) return refuse(c, 422, "conflict", { error: error.message }, n);
      if (error instanceof RangeError) return refuse(c, 413, "too_large", { error: error.message }, n);
      if (error instanceof StateStoreError) {
        // An IngestLog writes a batch atomically; another log's error says itself what may be stored.
        const atomic = log instanceof IngestLog ? ", nothing was appended" : "";
        return refuse(c, 503, "store_failed", {
          error: `The batch could not be stored${atomic}: ${error.message}`,
        }, n);
      }
      throw error;
    }
  };
}
