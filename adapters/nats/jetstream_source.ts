import type { ConsumerInfo, JetStreamClient as NatsJetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import type { Source, SourceEvent } from "../../mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";
import { partitionOf, partitionSubject } from "./partition.ts";
import { listConsumers, openConsumer, type Reader } from "./_source_consumer.ts";
import { combinedWatermark, MessageQueue, type PartitionPosition, PartitionState } from "./_source_partition.ts";

/** A JetStream client as `jetstream(nc)` from `@nats-io/jetstream` returns it (that package's `JetStreamClient`). */
export type JetStreamClient = NatsJetStreamClient;

/** The header of an in-band watermark message (see {@linkcode publishWatermark}). */
export const WATERMARK_HEADER = "Weir-Watermark";

/** Where a {@linkcode jetStreamSource} resumes: per partition subject, the last stream sequence read. */
export type JetStreamOffset = { readonly [subject: string]: PartitionPosition };

/** Options of {@linkcode jetStreamSource}: one `subject`, or `prefix`, `job` and the `partitions` to read. */
export interface JetStreamSourceOptions<T> {
  /** A JetStream client (`jetstream(nc)` from `@nats-io/jetstream`). */
  js: JetStreamClient;
  /** The stream holding the subjects. */
  stream: string;
  /** One subject to read (instead of prefix, job and partitions). */
  subject?: string;
  /** Subject prefix of a partitioned job (`<prefix>.<job>.<partition>`). */
  prefix?: string;
  /** The partitioned job's name. */
  job?: string;
  /** The partitions to read, e.g. `[0, 3, 6, 9]`. */
  partitions?: readonly number[];
  /**
   * Durable consumer name prefix (default `"weir"`): each `open` reads each subject with a new durable
   * consumer `<consumer>-<subject with . as _>-<unique id>` and deletes the ones earlier opens left.
   */
  consumer?: string;
  /**
   * Event time of an element: the source then stamps elements with it and tracks each partition's
   * watermark (max event time - `maxOutOfOrderness`), combined as the rule in {@linkcode jetStreamSource} says.
   */
  eventTime?: (element: T) => number | Date;
  /** The bound on disorder within a partition (ms, default 0), with `eventTime`. */
  maxOutOfOrderness?: number;
  /** A partition caught up and silent for this many ms of wall time is idle (default: never). */
  idleTimeout?: number;
  /**
   * Receives each message that is not valid JSON (or whose `eventTime` is not a finite number); it is
   * skipped. Without it, such a message fails the job with a `TypeError` naming its sequence.
   */
  onInvalid?: (payload: string, info: { subject: string; sequence: number; reason: string }) => void;
  /** Most messages per chunk (default 1024). */
  maxChunk?: number;
  /** Ack wait of the consumers (ms, default 5 minutes): longer than the time between checkpoints. */
  ackWait?: number;
}

const OPTIONS = [
  "js",
  "stream",
  "subject",
  "prefix",
  "job",
  "partitions",
  "consumer",
  "eventTime",
  "maxOutOfOrderness",
  "idleTimeout",
  "onInvalid",
  "maxChunk",
  "ackWait",
];

function positive(name: string, v: unknown, fallback: number, integer = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v > 0) || (integer && !Number.isSafeInteger(v))) {
    throw new RangeError(
      `Cannot create jetStreamSource as ${name} must be ${integer ? "an integer" : "a number"} > 0: current value is ${
        String(v)
      }`,
    );
  }
  return v;
}

function subjectsOf(o: JetStreamSourceOptions<unknown>): string[] {
  if (o.subject !== undefined) {
    if (o.prefix !== undefined || o.job !== undefined || o.partitions !== undefined) {
      throw new TypeError("Cannot create jetStreamSource with both subject and prefix/job/partitions: pass one");
    }
    if (typeof o.subject !== "string" || o.subject.length === 0) {
      throw new TypeError(
        `Cannot create jetStreamSource as subject must be a non-empty string: current value is ${String(o.subject)}`,
      );
    }
    return [o.subject];
  }
  const ps = o.partitions;
  if (!Array.isArray(ps) || ps.length === 0 || new Set(ps).size !== ps.length) {
    throw new TypeError(
      `Cannot create jetStreamSource as partitions must be a non-empty array of distinct partition indexes (or pass subject): current value is ${
        JSON.stringify(ps)
      }`,
    );
  }
  return ps.map((p) => partitionSubject(o.prefix as string, o.job as string, p));
}

function startPositions(offset: unknown, subjects: readonly string[]): JetStreamOffset {
  if (offset === undefined) return {};
  const o = offset as JetStreamOffset;
  const ok = typeof o === "object" && o !== null &&
    Object.values(o).every((p) => typeof p === "object" && p !== null && Number.isSafeInteger(p.seq) && p.seq >= 0);
  if (!ok) {
    throw new RangeError(
      `Cannot replay ${subjects.join(", ")} from offset ${JSON.stringify(offset)}: expected { [subject]: { seq } }`,
    );
  }
  return o;
}

/**
 * A replayable weir `Source` over JetStream: one durable pull consumer per subject (one subject, or the
 * partitions `<prefix>.<job>.<p>` of a partitioned job, see `partitionSubject`). Elements are the
 * JSON-decoded payloads. The offset is, per subject, the stream sequence of the last message read;
 * `open({ offset })` replaces each subject's consumer by a new one that starts right after it, whatever
 * the old one had acknowledged, so a restore replays exactly what followed the checkpoint (and a reader
 * whose consumer a successor replaced fails instead of sharing its messages). A delivery the source did not
 * receive (lost in flight when a server or connection failed: a gap in the consumer's delivery sequence)
 * would otherwise be skipped for good, so the source then reads the subject again after the last message it
 * read, with a new consumer, and warns. Messages are acknowledged
 * (AckAll) only in `commit(offset)`, once a checkpoint covering them is durable; on a stream with interest
 * retention, JetStream then drops them. With limits retention (`max_msgs`, `max_bytes`, `max_age`) the
 * stream may drop messages a restore still needs: the source then warns, naming the subject and the
 * sequences that are gone.
 *
 * Watermarks. Each partition has its own: the largest in-band watermark published to it
 * ({@linkcode publishWatermark}, a message with the `Weir-Watermark` header, replayed like any message)
 * and, with `eventTime`, its largest event time - `maxOutOfOrderness`. The source's watermark is the
 * minimum over the partitions that are not idle; a partition is idle once it is caught up (the consumer
 * reported nothing pending) and has delivered nothing for `idleTimeout` ms of wall time, and is active
 * again with its next message. When every partition is idle the watermark is the maximum of theirs: all
 * the input there is has been read. So an idle partition never holds the others back; an event it then
 * delivers may be late (Flink's idleness, with the same trade-off). The watermark never goes back.
 * A source of one partition (as `runWorker` opens) has no other partition to follow: its idle windows
 * close with the pipeline's `withEventTime({ idleTimeout })` (processing time) or a `publishWatermark`.
 * An element's lateness is judged against the watermark before its chunk. With `withEventTime` in the
 * pipeline, the job's watermark is the larger of the source's and its own.
 *
 * @example Counting a partition's events per window (needs a nats-server)
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream, jetstreamManager } from "@nats-io/jetstream";
 * import { count, stream, tumbling } from "weirjs";
 * import { jetStreamSource, publishEvents, publishWatermark } from "weirjs/adapters/nats";
 *
 * const nc = await connect({ servers: "127.0.0.1:4222" });
 * await (await jetstreamManager(nc)).streams.add({ name: "EVENTS", subjects: ["events.>"] });
 * const js = jetstream(nc);
 * const where = { prefix: "events", job: "clicks", partitions: 1, key: (e: { user: string }) => e.user };
 * await publishEvents(js, where, [{ user: "a", ts: 1 }, { user: "a", ts: 2 }]);
 * await publishWatermark(js, where, Infinity); // closes every window
 * const controller = new AbortController();
 * const counts = [];
 * for await (const r of stream(jetStreamSource({ js, stream: "EVENTS", prefix: "events", job: "clicks", partitions: [0] }))
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count())) {
 *   counts.push(r.value);
 *   break;
 * }
 * assertEquals(counts, [2]);
 * await nc.close();
 * ```
 */
export function jetStreamSource<T = unknown>(options: JetStreamSourceOptions<T>): Source<T> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot create jetStreamSource without options: pass { js, stream, subject }");
  }
  checkOptionNames("create jetStreamSource", options, OPTIONS);
  const { js, stream, eventTime, onInvalid } = options;
  if (typeof js !== "object" || js === null || typeof (js as JetStreamClient).jetstreamManager !== "function") {
    throw new TypeError(
      `Cannot create jetStreamSource as js must be a JetStream client: current value is ${String(js)}`,
    );
  }
  if (typeof stream !== "string" || stream.length === 0) {
    throw new TypeError(
      `Cannot create jetStreamSource as stream must be a non-empty string: current value is ${String(stream)}`,
    );
  }
  if (eventTime !== undefined && typeof eventTime !== "function") {
    throw new TypeError(
      `Cannot create jetStreamSource as eventTime must be a function: current value is ${String(eventTime)}`,
    );
  }
  if (onInvalid !== undefined && typeof onInvalid !== "function") {
    throw new TypeError(
      `Cannot create jetStreamSource as onInvalid must be a function: current value is ${String(onInvalid)}`,
    );
  }
  const subjects = subjectsOf(options as JetStreamSourceOptions<unknown>);
  const bound = options.maxOutOfOrderness ?? 0;
  if (typeof bound !== "number" || !(bound >= 0) || bound === Infinity) {
    throw new RangeError(
      `Cannot create jetStreamSource as maxOutOfOrderness must be a finite number >= 0: current value is ${
        String(bound)
      }`,
    );
  }
  const idleTimeout = positive("idleTimeout", options.idleTimeout, Infinity);
  const maxChunk = positive("maxChunk", options.maxChunk, 1024, true);
  const ackWait = positive("ackWait", options.ackWait, 300_000);
  const prefix = options.consumer ?? "weir";
  if (typeof prefix !== "string" || !/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new TypeError(
      `Cannot create jetStreamSource as consumer must be letters, digits, - and _: current value is ${String(prefix)}`,
    );
  }
  let reading: PartitionState[] = [];

  function invalid(part: PartitionState, seq: number, payload: string, reason: string): void {
    if (onInvalid === undefined) {
      throw new TypeError(
        `Cannot read message ${seq} of ${part.subject} in stream ${stream} as ${reason}: ${payload.slice(0, 200)}`,
      );
    }
    onInvalid(payload, { subject: part.subject, sequence: seq, reason });
  }

  async function* open({ offset, signal }: { offset?: unknown; signal?: AbortSignal }): AsyncGenerator<SourceEvent<T>> {
    const start = startPositions(offset, subjects);
    const now = Date.now();
    const parts = subjects.map((s) => new PartitionState(s, start[s], now));
    reading = parts;
    const jsm = await js.jetstreamManager();
    const queue = new MessageQueue(2 * maxChunk);
    // The reader of each partition, and every reader opened (all closed at the end).
    const current = new Map<PartitionState, Reader | null>();
    const readers: Reader[] = [];
    let stopped = false;
    const startReading = async (part: PartitionState, existing: readonly ConsumerInfo[]) => {
      let reader: Reader | undefined = undefined;
      reader = await openConsumer(js, jsm, existing, stream, prefix, part, ackWait, (e) => {
        // (a consumer this source replaced itself is gone on purpose)
        if (reader === undefined || current.get(part) === reader) queue.fail(e);
      });
      readers.push(reader);
      current.set(part, reader);
      if (stopped) {
        await reader.messages.close().catch(() => {});
        return;
      }
      const { messages } = reader, from = reader;
      (async () => {
        for await (const msg of messages) if (queue.push(part, msg, from)) await queue.room();
      })().catch((e) => queue.fail(e));
    };
    // A delivery lost in flight (its server or connection failed with it; another client pulled from the
    // consumer): the consumer counts it as delivered, and a later acknowledgement (AckAll) would
    // acknowledge it unread, so the partition is read again after its last message read, by a new consumer.
    const readAgain = (part: PartitionState, reader: Reader, delivery: number) => {
      current.set(part, null);
      const what = delivery > reader.delivered + 1
        ? `did not receive deliveries ${reader.delivered + 1}..${delivery - 1}`
        : `received delivery ${delivery} after ${reader.delivered}`;
      console.warn(
        `weir: jetStreamSource ${what} of consumer ${reader.name} on ${part.subject} (lost in flight, or a consumer leader that fell behind): reading it again after sequence ${part.seq}`,
      );
      (async () => {
        await reader.messages.close().catch(() => {});
        await jsm.consumers.delete(stream, reader.name).catch(() => false);
        await startReading(part, []);
      })().catch((e) => queue.fail(e));
    };
    try {
      const existing = await listConsumers(jsm, stream);
      // Resuming after a checkpoint assumes the stream still holds what followed it. Limits retention
      // (max_msgs, max_bytes, max_age) removes the oldest messages of the whole stream: once the first
      // one left is past a partition's checkpoint, that partition's messages in between (if it had any)
      // are gone. Whether it had some cannot be told, so this warns instead of failing (a quiet
      // partition on a busy stream must still restart); interest or work-queue retention, which keeps
      // every message until the checkpoint's commit acknowledges it, never gets here.
      if (parts.some((p) => p.seq > 0)) {
        const first = (await jsm.streams.info(stream)).state.first_seq;
        for (const part of parts) {
          if (part.seq > 0 && first > part.seq + 1) {
            console.warn(
              `weir: jetStreamSource resumes ${part.subject} after sequence ${part.seq}, but stream ${stream} now starts at ${first}: ` +
                `messages ${part.seq + 1}..${
                  first - 1
                } were removed by its retention, and those of ${part.subject} among them are lost. ` +
                `Use interest retention (messages stay until a checkpoint acknowledges them) or retain longer than a restart takes.`,
            );
          }
        }
      }
      for (const part of parts) await startReading(part, existing);
      let emitted = -Infinity;
      for (;;) {
        signal?.throwIfAborted();
        const batch = await queue.take(maxChunk, idleWait(parts, Date.now(), idleTimeout), signal);
        signal?.throwIfAborted();
        const values: T[] = [];
        const timestamps: number[] = [];
        const last = new Map<PartitionState, (typeof batch)[number]["msg"]>();
        const at = Date.now();
        for (const { part, msg, from } of batch) {
          const reader = current.get(part);
          if (from !== reader) continue; // read from a consumer since replaced
          const delivery = msg.info.deliverySequence;
          if (delivery !== reader.delivered + 1) {
            readAgain(part, reader, delivery);
            continue;
          }
          reader.delivered = delivery;
          if (msg.seq <= part.seq) continue; // redelivered after ackWait: already read
          part.seq = msg.seq;
          last.set(part, msg);
          const marker = msg.headers?.get(WATERMARK_HEADER);
          if (marker !== undefined && marker !== "") {
            const w = Number(marker);
            if (Number.isNaN(w)) invalid(part, msg.seq, marker, `its ${WATERMARK_HEADER} header is not a number`);
            else if (w > part.marker) part.marker = w;
            continue;
          }
          const text = msg.string();
          let value: T;
          try {
            value = JSON.parse(text) as T;
          } catch (e) {
            invalid(part, msg.seq, text, `its payload is not JSON (${(e as Error).message})`);
            continue;
          }
          if (eventTime !== undefined) {
            const raw = eventTime(value);
            const t = raw instanceof Date ? raw.getTime() : raw;
            if (typeof t !== "number" || !Number.isFinite(t)) {
              invalid(part, msg.seq, text, `its event time is not a finite number (${String(t)})`);
              continue;
            }
            timestamps.push(t);
            if (t > part.maxEventTime) part.maxEventTime = t;
          }
          values.push(value);
        }
        if (last.size > 0) {
          for (const [part, msg] of last) {
            part.hold(msg);
            part.pending = msg.info.pending;
            part.lastDeliveryAt = at;
          }
          const positions: Record<string, PartitionPosition> = {};
          for (const p of parts) positions[p.subject] = p.position();
          yield {
            type: "elements",
            values,
            ...(eventTime === undefined ? {} : { timestamps }),
            offset: positions,
          };
        }
        const w = combinedWatermark(parts, Date.now(), bound, idleTimeout);
        if (w > emitted) {
          emitted = w;
          yield { type: "watermark", watermark: w };
        }
      }
    } finally {
      stopped = true;
      queue.close();
      await Promise.all(readers.map((r) => r.messages.close().catch(() => {})));
    }
  }

  return {
    kind: "source",
    replayable: true,
    open,
    commit(offset: unknown): void {
      const positions = startPositions(offset, subjects);
      for (const part of reading) {
        const p = positions[part.subject];
        if (p !== undefined) part.ackThrough(p.seq);
      }
    },
  };
}

/** Milliseconds until the next partition could turn idle (Infinity when none can). */
function idleWait(parts: readonly PartitionState[], now: number, idleTimeout: number): number {
  let wait = Infinity;
  if (idleTimeout === Infinity) return wait;
  for (const p of parts) {
    if (p.pending !== 0) continue;
    const until = p.lastDeliveryAt + idleTimeout - now;
    if (until > 0 && until < wait) wait = until;
  }
  return wait;
}

/** Where {@linkcode publishEvents} and {@linkcode publishWatermark} publish: a partitioned job's subjects. */
export interface PartitionedSubjects<T> {
  /** Subject prefix (`<prefix>.<job>.<partition>`). */
  prefix: string;
  /** The job's name. */
  job: string;
  /** The job's number of partitions P. */
  partitions: number;
  /** The grouping key of an event: it goes to partition `partitionOf(key(event), partitions)`. */
  key?: (event: T) => unknown;
  /** A `Nats-Msg-Id` per event, so that JetStream drops a re-publication within its duplicate window. */
  msgId?: (event: T) => string;
}

/**
 * Publishes `events` as JSON, each to the subject of its key's partition, and waits for every
 * JetStream acknowledgement. Publications are pipelined on the connection, so each partition receives
 * its events in the order given.
 *
 * @returns How many were stored, and how many JetStream dropped as duplicates of a `Nats-Msg-Id`.
 *
 * @example (needs a nats-server)
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream } from "@nats-io/jetstream";
 * import { publishEvents } from "weirjs/adapters/nats";
 *
 * const js = jetstream(await connect({ servers: "127.0.0.1:4222" }));
 * const where = { prefix: "events", job: "clicks", partitions: 12, key: (e: { user: string }) => e.user };
 * assertEquals(await publishEvents(js, where, [{ user: "a", ts: 1 }]), { stored: 1, duplicates: 0 });
 * ```
 */
export async function publishEvents<T>(
  js: JetStreamClient,
  where: PartitionedSubjects<T>,
  events: Iterable<T>,
): Promise<{ stored: number; duplicates: number }> {
  checkOptionNames("publish events", where, ["prefix", "job", "partitions", "key", "msgId"]);
  const { key, msgId } = where;
  if (typeof key !== "function") {
    throw new TypeError(`Cannot publish events as key must be a function: current value is ${String(key)}`);
  }
  let stored = 0, duplicates = 0;
  let inFlight: Promise<void>[] = [];
  const count = (ack: { duplicate: boolean }) => {
    if (ack.duplicate) duplicates++;
    else stored++;
  };
  for (const e of events) {
    const subject = partitionSubject(where.prefix, where.job, partitionOf(key(e), where.partitions));
    const opts = msgId === undefined ? undefined : { msgID: msgId(e) };
    inFlight.push(js.publish(subject, JSON.stringify(e), opts).then(count));
    if (inFlight.length >= 256) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  return { stored, duplicates };
}

/**
 * Publishes an in-band watermark to every partition of a job: a message with an empty payload and the
 * header `Weir-Watermark: <watermark>`, which {@linkcode jetStreamSource} reads as "no event before this
 * event time will follow on this partition". It is part of the log, so replays see it at the same place;
 * `Infinity` ends the input: every open window fires. A producer that knows its clock can publish one
 * periodically so that partitions without traffic do not hold windows open.
 *
 * @example (needs a nats-server)
 * ```ts ignore
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream } from "@nats-io/jetstream";
 * import { publishWatermark } from "weirjs/adapters/nats";
 *
 * const js = jetstream(await connect({ servers: "127.0.0.1:4222" }));
 * await publishWatermark(js, { prefix: "events", job: "clicks", partitions: 12 }, Infinity);
 * ```
 */
export async function publishWatermark<T>(
  js: JetStreamClient,
  where: PartitionedSubjects<T>,
  watermark: number,
): Promise<void> {
  // key and msgId are allowed (and unused), so that one description of the job serves both publishers.
  checkOptionNames("publish a watermark", where, ["prefix", "job", "partitions", "key", "msgId"]);
  if (typeof watermark !== "number" || Number.isNaN(watermark)) {
    throw new TypeError(`Cannot publish a watermark as it must be a number: current value is ${String(watermark)}`);
  }
  if (!Number.isSafeInteger(where.partitions) || where.partitions < 1) {
    throw new RangeError(
      `Cannot publish a watermark as partitions must be an integer >= 1: current value is ${String(where.partitions)}`,
    );
  }
  await Promise.all(Array.from({ length: where.partitions }, (_, p) => {
    const h = headers();
    h.set(WATERMARK_HEADER, String(watermark));
    return js.publish(partitionSubject(where.prefix, where.job, p), new Uint8Array(0), { headers: h });
  }));
}
