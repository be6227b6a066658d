import type { PubAck } from "@nats-io/jetstream";
import { StateStoreError } from "../../mod.ts";
import {
  type AppendLog,
  type AppendOptions,
  type AppendResult,
  IdempotencyConflictError,
  IngestLog,
} from "../../src/live/mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";
import type { JetStreamClient } from "./jetstream_source.ts";
import { partitionOf, partitionSubject } from "./partition.ts";

/** Options of {@linkcode jetStreamIngestLog}. */
export interface JetStreamIngestLogOptions<T> {
  /** A JetStream client (`jetstream(nc)` of `@nats-io/jetstream`) on a connection you opened. */
  js: JetStreamClient;
  /** The stream that captures the job's subjects: a publish stored anywhere else is refused. */
  stream: string;
  /** Subject prefix: events go to `<prefix>.<job>.<partition>` (see `partitionSubject`). */
  prefix: string;
  /** The job's name, one subject token; also the log's `name`. */
  job: string;
  /** The job's number of partitions P. */
  partitions: number;
  /** The grouping key of an event: it goes to partition `partitionOf(key(event), partitions)`. */
  key: (event: T) => unknown;
  /** How long to wait for each publish acknowledgement (ms, default 5 000); beyond it the batch fails (`503`). */
  ackTimeout?: number;
  /** How many idempotency keys this log remembers to compare bodies (default 10 000); the oldest go first. */
  maxIdempotencyKeys?: number;
}

const OPTIONS = ["js", "stream", "prefix", "job", "partitions", "key", "ackTimeout", "maxIdempotencyKeys"];

interface KnownBatch {
  readonly first: number;
  readonly last: number;
  readonly count: number;
  readonly fingerprint: string | undefined;
}

function positiveInt(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create JetStream ingestion log as ${name} must be an integer >= 1: current value is ${String(v)}`,
    );
  }
  return v;
}

/**
 * An {@linkcode AppendLog} on NATS JetStream for `createWeirApp`: each accepted event is published to
 * its partition's subject `<prefix>.<job>.<partitionOf(key(event), partitions)>`, and `append` resolves
 * only after every publish was acknowledged by the stream (on an R3 stream, the acknowledgement means
 * replicated to a majority). Workers (`runWorker`, `jetStreamSource`) read the partitions; the app only
 * writes them.
 *
 * **Offsets.** A batch's offsets are the stream sequences of its first and last event; other batches
 * published at the same time may interleave, so they need not be contiguous.
 *
 * **Idempotency.** A request's idempotency key `k` becomes `Nats-Msg-Id: k:<index>` on its events, so
 * JetStream keeps a retried request's events once as long as the retry comes within the stream's
 * `duplicate_window` (2 minutes by default; set it on the stream for clients that retry later). A retry
 * answers the first attempt's sequences with `duplicate: true`; a retry of a batch that failed half-way
 * stores just the events missing. This log also remembers the newest `maxIdempotencyKeys` keys it
 * appended, with the body's fingerprint, so a key reused for another body gets
 * `IdempotencyConflictError` (`422`) as with an `IngestLog`; a key it does not remember (another app
 * instance, a restart) is de-duplicated by JetStream per event index only.
 *
 * **Failures.** When a publish is not acknowledged (the server is down, no quorum, no stream captures
 * the subject, `ackTimeout` passed), `append` rejects with a `StateStoreError` (`503`) that says how
 * many events may be stored; nothing is retried behind the client's back. `pending` counts the events
 * being published and not yet acknowledged.
 *
 * @example Ingest into a partitioned stream (needs a nats-server with JetStream)
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream, jetstreamManager } from "@nats-io/jetstream";
 * import { createWeirApp } from "weirjs/adapters/hono";
 * import { jetStreamIngestLog } from "weirjs/adapters/nats";
 *
 * const nc = await connect({ servers: "127.0.0.1:4222" });
 * await (await jetstreamManager(nc)).streams.add({ name: "EVENTS", subjects: ["events.>"], num_replicas: 1 });
 * const log = jetStreamIngestLog<{ user: string; ts: number }>({
 *   js: jetstream(nc), stream: "EVENTS", prefix: "events", job: "clicks", partitions: 12, key: (e) => e.user,
 * });
 * const app = createWeirApp({ log, eventTime: (e) => e.ts });
 * const res = await app.request("/events", {
 *   method: "POST",
 *   headers: { "content-type": "application/json", "idempotency-key": "batch-1" },
 *   body: JSON.stringify([{ user: "user-1", ts: Date.now() }]),
 * });
 * assertEquals(res.status, 202); // stored on events.clicks.9
 * await nc.close();
 * ```
 */
export function jetStreamIngestLog<T>(options: JetStreamIngestLogOptions<T>): AppendLog<T> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create JetStream ingestion log as options must be an object: current value is ${String(options)}`,
    );
  }
  checkOptionNames("create JetStream ingestion log", options, OPTIONS);
  const { js, stream, prefix, job, partitions, key } = options;
  if (typeof js !== "object" || js === null || typeof js.publish !== "function") {
    throw new TypeError(
      `Cannot create JetStream ingestion log as js must be a JetStream client (jetstream(nc)): current value is ${
        String(js)
      }`,
    );
  }
  if (typeof stream !== "string" || stream.length === 0) {
    throw new TypeError(
      `Cannot create JetStream ingestion log as stream must be a non-empty string: current value is ${String(stream)}`,
    );
  }
  if (typeof key !== "function") {
    throw new TypeError(
      `Cannot create JetStream ingestion log as key must be a function: current value is ${String(key)}`,
    );
  }
  if (typeof partitions !== "number" || !Number.isSafeInteger(partitions) || partitions < 1 || partitions > 2 ** 31) {
    throw new RangeError(
      `Cannot create JetStream ingestion log as partitions must be an integer from 1 to 2^31: current value is ${
        String(partitions)
      }`,
    );
  }
  partitionSubject(prefix, job, 0); // checks prefix and job
  return new JetStreamIngestLog(options, {
    ackTimeout: positiveInt("ackTimeout", options.ackTimeout, 5_000),
    maxKeys: positiveInt("maxIdempotencyKeys", options.maxIdempotencyKeys, 10_000),
  });
}

class JetStreamIngestLog<T> implements AppendLog<T> {
  readonly name: string;
  readonly #o: JetStreamIngestLogOptions<T>;
  readonly #ackTimeout: number;
  readonly #maxKeys: number;
  /** Insertion order is age order: the first entry is the oldest. */
  readonly #known = new Map<string, KnownBatch>();
  readonly #inflight = new Map<string, { done: Promise<AppendResult>; fingerprint: string | undefined }>();
  #pending = 0;

  constructor(o: JetStreamIngestLogOptions<T>, limits: { ackTimeout: number; maxKeys: number }) {
    this.name = o.job;
    this.#o = o;
    this.#ackTimeout = limits.ackTimeout;
    this.#maxKeys = limits.maxKeys;
  }

  get pending(): number {
    return this.#pending;
  }

  lookup(idempotencyKey: string): AppendResult | undefined {
    const r = this.#known.get(idempotencyKey);
    return r === undefined ? undefined : { first: r.first, last: r.last, count: r.count, duplicate: true };
  }

  async append(events: readonly T[], options: AppendOptions = {}): Promise<AppendResult> {
    checkOptionNames(`append to JetStream ingestion log "${this.name}"`, options, ["idempotencyKey", "fingerprint"]);
    if (!Array.isArray(events) || events.length === 0) {
      throw new RangeError(
        `Cannot append to JetStream ingestion log "${this.name}" as the batch must be a non-empty array: it has ${
          Array.isArray(events) ? 0 : "no"
        } events`,
      );
    }
    const { idempotencyKey: id, fingerprint } = options;
    if (id !== undefined) {
      if (typeof id !== "string" || id.length === 0 || id.length > IngestLog.maxIdempotencyKeyLength) {
        throw new TypeError(
          `Cannot append with idempotency key ${
            JSON.stringify(id)
          }: it must be a string of 1 to ${IngestLog.maxIdempotencyKeyLength} characters`,
        );
      }
      // Same tick as the registration below: a concurrent retry sees this attempt in flight.
      const known = this.#known.get(id);
      if (known !== undefined) return this.#replay(id, known, events.length, fingerprint);
      const inflight = this.#inflight.get(id);
      if (inflight !== undefined) {
        const r = await inflight.done;
        return this.#replay(id, { ...r, fingerprint: inflight.fingerprint }, events.length, fingerprint);
      }
    }
    const { partitions, prefix, job, key } = this.#o;
    // Every subject and body before the first publish: an event that cannot be routed publishes nothing.
    const messages = events.map((e) => ({
      subject: partitionSubject(prefix, job, partitionOf(key(e), partitions)),
      body: JSON.stringify(e),
    }));
    const done = this.#publish(messages, id);
    if (id !== undefined) {
      this.#inflight.set(id, { done, fingerprint });
      const forget = () => void this.#inflight.delete(id);
      done.then((r) => {
        forget();
        this.#remember(id, { first: r.first, last: r.last, count: r.count, fingerprint });
      }, forget);
    }
    return done;
  }

  async #publish(messages: { subject: string; body: string }[], id: string | undefined): Promise<AppendResult> {
    const { js, stream } = this.#o;
    const n = messages.length;
    this.#pending += n;
    let outcomes: PromiseSettledResult<PubAck>[];
    try {
      outcomes = await Promise.allSettled(messages.map(({ subject, body }, i) => {
        try {
          return js.publish(subject, body, {
            ...(id === undefined ? {} : { msgID: `${id}:${i}` }),
            expect: { streamName: stream },
            timeout: this.#ackTimeout,
          });
        } catch (error) {
          return Promise.reject(error);
        }
      }));
    } finally {
      this.#pending -= n;
    }
    const failed = outcomes.flatMap((o) => o.status === "rejected" ? [o.reason as unknown] : []);
    if (failed.length > 0) {
      const cause = failed[0];
      const stored = n - failed.length;
      throw new StateStoreError(
        `JetStream stream "${stream}" did not acknowledge ${failed.length} of ${n} events (${
          cause instanceof Error ? cause.message : String(cause)
        }); ${stored === 0 ? "none" : `${stored}`} of the batch ${stored === 1 ? "was" : "were"} stored${
          stored === 0
            ? ""
            : id === undefined
            ? ": without an Idempotency-Key a retry stores those again"
            : `: a retry with Idempotency-Key ${JSON.stringify(id)} stores the rest once`
        }`,
        { cause },
      );
    }
    const acks = outcomes.map((o) => (o as PromiseFulfilledResult<PubAck>).value);
    return {
      first: acks[0]!.seq,
      last: acks[n - 1]!.seq,
      count: n,
      duplicate: acks.every((a) => a.duplicate),
    };
  }

  #remember(id: string, batch: KnownBatch): void {
    this.#known.delete(id);
    this.#known.set(id, batch);
    for (const old of this.#known.keys()) {
      if (this.#known.size <= this.#maxKeys) break;
      this.#known.delete(old);
    }
  }

  #replay(key: string, r: KnownBatch, n: number, fingerprint: string | undefined): AppendResult {
    const differs = r.count !== n ||
      (r.fingerprint !== undefined && fingerprint !== undefined && r.fingerprint !== fingerprint);
    if (differs) {
      throw new IdempotencyConflictError(
        `Idempotency key ${JSON.stringify(key)} was used for a different batch (${r.count} events${
          r.fingerprint === undefined ? "" : `, fingerprint ${r.fingerprint.slice(0, 12)}…`
        }); this batch has ${n} events${fingerprint === undefined ? "" : `, fingerprint ${fingerprint.slice(0, 12)}…`}`,
      );
    }
    return { first: r.first, last: r.last, count: r.count, duplicate: true };
  }
}
