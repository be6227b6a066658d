import type { PubAck } from "@nats-io/jetstream";
import { resultId, TwoPhaseCommitSink, WeirError, type WindowResult } from "../../mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";
import type { JetStreamClient } from "./jetstream_source.ts";

/** Options of {@linkcode jetStreamSink}. */
export interface JetStreamSinkOptions<K = unknown, V = unknown> {
  /** A JetStream client (`jetstream(nc)` of `@nats-io/jetstream`) on a connection you opened. */
  js: JetStreamClient;
  /** The subject to publish every result to, or a function choosing one per result. A stream must capture it. */
  subject: string | ((result: WindowResult<K, V>) => string);
  /** The job's id: with the result's key, window and pane it makes the `Nats-Msg-Id` (see `resultId`). */
  job: string;
  /** The message body of a result. Default: `JSON.stringify(result)`. */
  encode?: (result: WindowResult<K, V>) => string | Uint8Array;
  /** Publishes awaiting their ack at once; a write waits while this many are in flight. Default 256. */
  maxInFlight?: number;
}

const OPTION_NAMES = ["js", "subject", "job", "encode", "maxInFlight"];

/**
 * A `WritableStream` of window results that publishes each to NATS JetStream with the header
 * `Nats-Msg-Id` = {@linkcode resultId}`(job, result)`, so that JetStream drops a result a replay publishes
 * again: a checkpointed job restarted after a crash re-emits the results computed since its last
 * checkpoint, and the stream keeps each of them once.
 *
 * **The duplicate window.** JetStream remembers message ids for the stream's `duplicate_window` (2 minutes
 * by default). The guarantee holds when a result's replay is published within that window of its first
 * publication: the window must exceed the checkpoint interval plus the longest time a job takes to restart
 * and replay (detection, restart, restore). With checkpoints every 10 s and restarts within a minute, the
 * default 2 minutes suffice; set `duplicate_window` on the stream (for example `nanos(15 * 60_000)`) for
 * slower recovery. A replay outside the window publishes a result a second time, with the same id, so
 * consumers can still drop it themselves.
 *
 * **Checkpoints.** The sink is a `TwoPhaseCommitSink` whose prepare step waits for every pending
 * acknowledgement: a checkpointed job takes a checkpoint only once JetStream stored every result before
 * it, so a crash right after a checkpoint cannot lose a result whose publish was still in flight (the
 * job, restarted from that checkpoint, would never emit it again). A checkpoint restored into a job whose
 * sink was not of this kind (or the reverse) is refused like a changed pipeline (`discardState` starts
 * afresh). One sink serves one run: create a new one for each `pipeTo`.
 *
 * **Backpressure and errors.** Up to `maxInFlight` publishes await their acknowledgement at once; a write
 * waits while that many are pending, and checkpoints and `close` wait for all. A failed publish (no stream
 * captures the subject, a timeout, a rejected message) fails the run with a `WeirError` naming the result
 * id and the subject; results written before it may or may not be stored, which a restart from the last
 * checkpoint repairs. Results keep their order in the stream unless a publish fails.
 *
 * `published` and `duplicates` count the acknowledgements: stored, and dropped as duplicates.
 *
 * @example Publish a job's results exactly once (needs a nats-server with JetStream)
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream, jetstreamManager } from "@nats-io/jetstream";
 * import { count, stream, tumbling } from "weirjs";
 * import { jetStreamSink } from "weirjs/adapters/nats";
 *
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * await (await jetstreamManager(nc)).streams.add({ name: "results", subjects: ["results.>"] });
 * const events = [{ user: "a", ts: 1 }, { user: "b", ts: 2 }];
 * const job = () =>
 *   stream(events)
 *     .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *     .keyBy((e) => e.user)
 *     .window(tumbling(10))
 *     .aggregate(count());
 * const sink = jetStreamSink({ js: jetstream(nc), subject: "results.clicks", job: "clicks" });
 * await job().pipeTo(sink);
 * const again = jetStreamSink({ js: jetstream(nc), subject: "results.clicks", job: "clicks" });
 * await job().pipeTo(again); // a replay: JetStream drops both results as duplicates
 * assertEquals([sink.published, again.duplicates], [2, 2]);
 * await nc.close();
 * ```
 */
export function jetStreamSink<K = unknown, V = unknown>(options: JetStreamSinkOptions<K, V>): JetStreamSink<K, V> {
  return new JetStreamSink(options);
}

/**
 * The stream {@linkcode jetStreamSink} returns, with its acknowledgement counts: `published` (stored by
 * JetStream) and `duplicates` (dropped as a replay of a result it already has).
 *
 * @example Counting what a run stored (needs a nats-server with JetStream)
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream, jetstreamManager } from "@nats-io/jetstream";
 * import { count, stream, tumbling } from "weirjs";
 * import { type JetStreamSink, jetStreamSink } from "weirjs/adapters/nats";
 *
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * await (await jetstreamManager(nc)).streams.add({ name: "counts", subjects: ["counts.>"] });
 * const sink: JetStreamSink = jetStreamSink({ js: jetstream(nc), subject: "counts.views", job: "views" });
 * await stream([{ ts: 1 }, { ts: 12 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10))
 *   .aggregate(count())
 *   .pipeTo(sink);
 * assertEquals([sink.published, sink.duplicates], [2, 0]);
 * await nc.close();
 * ```
 */
export class JetStreamSink<K = unknown, V = unknown> extends TwoPhaseCommitSink<WindowResult<K, V>, null> {
  readonly #acks: { published: number; duplicates: number };

  /** See {@linkcode jetStreamSink}. */
  constructor(options: JetStreamSinkOptions<K, V>) {
    const { js, subject, job, encode, maxInFlight } = checkOptions(options);
    const inFlight = new Set<Promise<void>>();
    let failure: WeirError | undefined;
    const acks = { published: 0, duplicates: 0 };
    const counted = (ack: PubAck) => {
      if (ack.duplicate) acks.duplicates++;
      else acks.published++;
    };
    const flush = async (): Promise<null> => {
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      return null;
    };
    super({
      write: async (result) => {
        if (failure !== undefined) throw failure;
        const id = resultId(job, result);
        const to = typeof subject === "string" ? subject : subject(result);
        const body = encode(result);
        const publish = js.publish(to, body, { msgID: id }).then(counted, (cause: unknown) => {
          failure ??= new WeirError(
            `Cannot publish result ${id} to ${to}: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          );
        });
        const tracked = publish.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        while (inFlight.size >= maxInFlight && failure === undefined) await Promise.race(inFlight);
        if (failure !== undefined) throw failure;
      },
      // A checkpoint (or the end of the run) covers only results JetStream acknowledged.
      prepare: flush,
      // Published results are visible already; a replay's copies are dropped by their message ids.
      commit: () => {},
      recover: () => {},
      close: async () => void (await flush()),
    });
    this.#acks = acks;
  }

  /** Results JetStream stored. */
  get published(): number {
    return this.#acks.published;
  }

  /** Results JetStream dropped as duplicates of a message id it had within its duplicate window. */
  get duplicates(): number {
    return this.#acks.duplicates;
  }
}

interface Checked<K, V> {
  js: JetStreamClient;
  subject: string | ((result: WindowResult<K, V>) => string);
  job: string;
  encode: (result: WindowResult<K, V>) => string | Uint8Array;
  maxInFlight: number;
}

function checkOptions<K, V>(options: JetStreamSinkOptions<K, V>): Checked<K, V> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create JetStream sink as options must be an object: current value is ${options}`);
  }
  checkOptionNames("create JetStream sink", options, OPTION_NAMES);
  const { js, subject, job, encode = (r: WindowResult<K, V>) => JSON.stringify(r), maxInFlight = 256 } = options;
  if (typeof js !== "object" || js === null || typeof js.publish !== "function") {
    throw new TypeError(
      `Cannot create JetStream sink as js must be a JetStream client (jetstream(nc)): current type is ${typeof js}`,
    );
  }
  if (typeof subject === "string") {
    if (!/^[^\s.*>]+(\.[^\s.*>]+)*$/.test(subject)) {
      throw new TypeError(
        `Cannot create JetStream sink as subject must be dot-separated tokens without whitespace, * or >: ` +
          `current value is ${JSON.stringify(subject)}`,
      );
    }
  } else if (typeof subject !== "function") {
    throw new TypeError(
      `Cannot create JetStream sink as subject must be a string or a function: current type is ${typeof subject}`,
    );
  }
  if (typeof job !== "string" || job === "") {
    throw new TypeError(
      `Cannot create JetStream sink as job must be a non-empty string: current value is ${JSON.stringify(job)}`,
    );
  }
  if (typeof encode !== "function") {
    throw new TypeError(`Cannot create JetStream sink as encode must be a function: current type is ${typeof encode}`);
  }
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(
      `Cannot create JetStream sink as maxInFlight must be an integer >= 1: current value is ${String(maxInFlight)}`,
    );
  }
  return { js, subject, job, encode, maxInFlight };
}
