import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "./nats_connection.ts";
import { type CheckpointInfo, type Stream, stream } from "../../mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";
import { jetStreamSource, type JetStreamSourceOptions } from "./jetstream_source.ts";
import { FencedError } from "./fenced_error.ts";
import { fencedSince, openPartitionStore } from "./_worker_store.ts";
import type { NatsKvStateStore } from "./nats_kv_state_store.ts";

/** Options of {@linkcode runWorker}. */
export interface RunWorkerOptions<T, R> {
  /** The connection (JetStream for the input, NATS KV for the checkpoints). */
  nc: NatsConnection;
  /** The job's name: its input subjects are `<prefix>.<job>.<p>`, partition p's checkpoints `<job>-p<p>`. */
  job: string;
  /** The stream holding the input subjects. */
  stream: string;
  /** The input subject prefix. */
  prefix: string;
  /** The job's number of partitions P, fixed when the job is created. */
  partitions: number;
  /** This worker: it owns the partitions p with `p % count === index`. */
  worker: { index: number; count: number };
  /**
   * The job, applied to each partition's input: e.g. `(input) => input.withEventTime(...).keyBy(...)
   * .window(...).aggregate(...)`. It must not configure checkpoints (the worker does).
   */
  pipeline: (input: Stream<T>, partition: number) => Stream<R>;
  /** Where partition p's results go (e.g. a `jetStreamSink` whose ids name the job). */
  sink: (partition: number) => WritableStream<R>;
  /** The NATS KV bucket of the checkpoints (created when missing); partition p's store is its prefix `<job>.p<p>`. */
  bucket: string;
  /** Replicas of the bucket when the worker creates it (1, 3 or 5; default 1): 3 on a cluster. */
  replicas?: number;
  /** How often each partition checkpoints (default `{ ms: 1_000 }`) and how many it keeps (default 3). */
  checkpoint?: { every?: { ms?: number; events?: number }; keep?: number };
  /** Options passed on to each partition's {@linkcode jetStreamSource}. */
  source?: Pick<JetStreamSourceOptions<T>, "consumer" | "onInvalid" | "maxChunk" | "ackWait">;
  /** Called after each durable checkpoint of a partition. */
  onCheckpoint?: (partition: number, info: CheckpointInfo) => void;
}

/** A running worker (see {@linkcode runWorker}). */
export interface WorkerHandle {
  /** The partitions this worker owns. */
  readonly partitions: readonly number[];
  /** Stops every partition's job (what is not checkpointed is replayed by the next owner); resolves when they stopped. */
  stop(): Promise<void>;
  /**
   * Settles when the worker stops: resolves after `stop()`; rejects with the first failure of a
   * partition's job, which stops the others: a `FencedError` when another worker claimed a partition
   * (this one is a zombie and must not write again), else the job's error.
   */
  readonly done: Promise<void>;
}

const OPTIONS = [
  "nc",
  "job",
  "stream",
  "prefix",
  "partitions",
  "worker",
  "pipeline",
  "sink",
  "bucket",
  "replicas",
  "checkpoint",
  "source",
  "onCheckpoint",
];

function checkWorker(o: RunWorkerOptions<unknown, unknown>): number[] {
  const P = o.partitions;
  if (!Number.isSafeInteger(P) || P < 1) {
    throw new RangeError(`Cannot run worker as partitions must be an integer >= 1: current value is ${String(P)}`);
  }
  const w = o.worker;
  if (typeof w !== "object" || w === null) {
    throw new TypeError(`Cannot run worker as worker must be { index, count }: current value is ${String(w)}`);
  }
  checkOptionNames("run worker", w, ["index", "count"]);
  if (!Number.isSafeInteger(w.count) || w.count < 1) {
    throw new RangeError(
      `Cannot run worker as worker.count must be an integer >= 1: current value is ${String(w.count)}`,
    );
  }
  if (!Number.isSafeInteger(w.index) || w.index < 0 || w.index >= w.count) {
    throw new RangeError(
      `Cannot run worker as worker.index must be an integer from 0 to count - 1 (${w.count - 1}): current value is ${
        String(w.index)
      }`,
    );
  }
  for (const name of ["pipeline", "sink"] as const) {
    if (typeof o[name] !== "function") {
      throw new TypeError(`Cannot run worker as ${name} must be a function: current value is ${String(o[name])}`);
    }
  }
  const owned: number[] = [];
  for (let p = w.index; p < P; p += w.count) owned.push(p);
  return owned;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function fencingIn(error: unknown): FencedError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof FencedError) return e;
  }
  return undefined;
}

/**
 * Runs one worker of a partitioned job over NATS JetStream, the way Kafka Streams runs over Kafka:
 * the job's input has P partitions (subjects `<prefix>.<job>.<p>`, see `partitionOf` and
 * `publishEvents`), and worker `index` of `count` owns the partitions `p ≡ index (mod count)`. Each owned
 * partition runs `pipeline` as its own checkpointed job (id `<job>-p<p>`): its input is a
 * {@linkcode jetStreamSource} of the partition, its checkpoints go to a `NatsKvStateStore` under the
 * prefix `<job>.p<p>` of `bucket`, its results to `sink(p)`. So changing `count` (2 → 3 workers) moves
 * partitions with their state: the new owner restores the partition's last checkpoint and replays the
 * input after it, nothing is recomputed. Keep the sink idempotent (a `jetStreamSink` de-duplicates by
 * result id) to get each result once across restarts.
 *
 * Fencing: opening a partition's store claims it; a worker that lost a partition to another (a zombie
 * after a network partition, a second process with the same index) has its next checkpoint refused by
 * NATS KV's compare-and-set (or finds its consumer replaced), and stops: `done` rejects with a
 * `FencedError`. Liveness is the deployment's job (systemd, a StatefulSet): restart a worker that stopped.
 *
 * Partitions are independent jobs: a keyed window lives in one partition (its key's), and an idle or
 * slow partition holds back only its own windows. The watermark of each is its pipeline's
 * (`withEventTime`); in-band watermarks (`publishWatermark`) reach every partition.
 *
 * @example Three workers, each in its own process (needs a nats-server)
 * ```ts ignore
 * import { connect } from "@nats-io/transport-node";
 * import { jetstream } from "@nats-io/jetstream";
 * import { count, tumbling } from "weirjs";
 * import { jetStreamSink, runWorker } from "weirjs/adapters/nats";
 *
 * const nc = await connect({ servers: "127.0.0.1:4222" });
 * const worker = await runWorker<{ user: string; ts: number }, unknown>({
 *   nc, job: "clicks", stream: "EVENTS", prefix: "events", partitions: 12, bucket: "weir-checkpoints",
 *   worker: { index: Number(process.env.WORKER_INDEX), count: 3 },
 *   pipeline: (input) => input.withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
 *     .keyBy((e) => e.user).window(tumbling(60_000)).aggregate(count()),
 *   sink: () => jetStreamSink({ js: jetstream(nc), subject: "results.clicks", job: "clicks" }),
 * });
 * await worker.done;
 * ```
 */
export async function runWorker<T, R>(options: RunWorkerOptions<T, R>): Promise<WorkerHandle> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot run worker without options: pass { nc, job, stream, prefix, partitions, worker, ... }");
  }
  checkOptionNames("run worker", options, OPTIONS);
  const owned = checkWorker(options as RunWorkerOptions<unknown, unknown>);
  const { nc, job, pipeline, sink, onCheckpoint } = options;
  const every = options.checkpoint?.every ?? { ms: 1_000 };
  const keep = options.checkpoint?.keep ?? 3;
  const label = `worker ${options.worker.index} of ${options.worker.count} of job ${JSON.stringify(job)}`;
  const owner = `worker-${options.worker.index}-of-${options.worker.count}`;
  const js = jetstream(nc);
  // One controller per partition (not listeners on one shared signal): stopping aborts them all.
  const controllers = owned.map(() => new AbortController());
  let stopped = false;
  const abortAll = (reason: unknown) => {
    stopped = true;
    for (const c of controllers) c.abort(reason);
  };
  const stores: NatsKvStateStore[] = [];
  try {
    // Claim every partition before reading any: a predecessor still running is fenced from here on.
    for (const p of owned) {
      stores.push(await openPartitionStore(nc, options.bucket, options.replicas ?? 1, job, p, owner));
    }
  } catch (error) {
    await Promise.all(stores.map((s) => s.close().catch(() => {})));
    throw error;
  }
  let failure: unknown = undefined;
  const runs = owned.map(async (p, i) => {
    const store = stores[i]!;
    try {
      const source = jetStreamSource<T>({
        ...options.source,
        js,
        stream: options.stream,
        prefix: options.prefix,
        job,
        partitions: [p],
      });
      const partitionJob = pipeline(stream(source), p).checkpoint({
        store,
        id: `${job}-p${p}`,
        every,
        keep,
        ...(onCheckpoint === undefined ? {} : { onCheckpoint: (info: CheckpointInfo) => onCheckpoint(p, info) }),
      });
      await partitionJob.pipeTo(sink(p), { signal: controllers[i]!.signal });
    } catch (error) {
      // Stopped (by stop() or by another partition's failure): this partition's error is the abort's.
      if (stopped) return;
      stopped = true;
      // A partition that failed because its successor took over its consumer was fenced as well.
      const fenced = fencingIn(error) ?? await fencedSince(store);
      failure = fenced !== undefined
        ? new FencedError(
          fenced.owner,
          fenced.claimedBy,
          `${label} stopped: partition ${p} was claimed by another worker${
            fenced.claimedBy === undefined ? "" : ` (${fenced.claimedBy})`
          }, so this one must not write again: ${fenced.message}`,
          { cause: error },
        )
        : new Error(`${label} stopped: the job of partition ${p} failed: ${describe(error)}`, { cause: error });
      abortAll(failure);
    } finally {
      await store.close().catch(() => {});
    }
  });
  const done = Promise.all(runs).then(() => {
    if (failure !== undefined) throw failure;
  });
  done.catch(() => {});
  return {
    partitions: owned,
    async stop() {
      abortAll(new Error(`${label} was stopped`));
      await done.catch(() => {});
    },
    done,
  };
}
