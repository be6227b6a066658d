import type { StateStore } from "../state/state_store.ts";
import type { CheckpointConfig } from "./checkpoint_options.ts";
import { checkJobId } from "./_layout.ts";
import { checkOptionNames } from "../option_names.ts";

/** Options of {@linkcode storeSink}. */
export interface StoreSinkOptions {
  /** The store of the job's checkpoints (results are committed in the same store, atomically with them). */
  store: StateStore;
  /** The job's id, as given to `.checkpoint({ id })`. */
  job: string;
}

const MISUSE = "storeSink() commits results together with checkpoints, so it must be the destination of pipeTo() " +
  "on a checkpointed weir stream: stream(...)...checkpoint({ store, id, every }).pipeTo(storeSink({ store, job: id }))";

/**
 * The sink {@linkcode storeSink} returns. It is a `WritableStream` only so that `pipeTo` accepts it:
 * writing to it any other way fails, because results must travel with the checkpoints.
 *
 * @example Only a checkpointed job can write to it
 * ```ts
 * import { assertEquals, assertRejects } from "@std/assert";
 * import { MemoryStateStore, type StoreSink, storeSink } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * const sink: StoreSink = storeSink({ store, job: "clicks" });
 * assertEquals(sink.job, "clicks");
 * await assertRejects(() => sink.getWriter().write({ any: "result" }), TypeError);
 * ```
 */
export class StoreSink<T = unknown> extends WritableStream<T> {
  /** The store the results are committed to: the store the job checkpoints into. */
  readonly store: StateStore;
  /** The id of the job whose results these are. */
  readonly job: string;

  /** @internal use `storeSink()` */
  constructor(options: StoreSinkOptions) {
    super({
      write() {
        throw new TypeError(MISUSE);
      },
    });
    this.store = options.store;
    this.job = options.job;
  }
}

const claimed = new WeakSet<StoreSink<unknown>>();

/** Binds `sink` to the run of a checkpointed job, checking that it belongs to it. */
export function claimStoreSink(sink: StoreSink<unknown>, cfg: CheckpointConfig): void {
  if (cfg.store !== sink.store) {
    throw new TypeError(
      `Cannot pipe job ${JSON.stringify(cfg.id)} into storeSink as the sink's store is not the checkpoint store: ` +
        `results are committed in the same atomic writes as checkpoints, so both must be one store`,
    );
  }
  if (cfg.id !== sink.job) {
    throw new TypeError(
      `Cannot pipe job ${JSON.stringify(cfg.id)} into storeSink for job ${
        JSON.stringify(sink.job)
      }: the ids must match`,
    );
  }
  if (claimed.has(sink)) {
    throw new TypeError(`Cannot pipe into this storeSink of job ${JSON.stringify(sink.job)} again: create one per run`);
  }
  claimed.add(sink);
}

/**
 * A sink that commits a checkpointed job's results to the checkpoint store with exactly-once
 * semantics: the results emitted since the last checkpoint are written with the next checkpoint and
 * become visible with its manifest, in one atomic step. After a crash the job restarts from its last
 * checkpoint and emits the lost results again, so whenever the process dies, the store ends up with
 * each result exactly once: the same results as an uninterrupted run (windows that fire at the same
 * watermark have no defined order among themselves, so a restarted run may commit those in another
 * order). Read them with {@linkcode readResults}.
 *
 * Use it as the destination of `pipeTo` on a stream with `.checkpoint(...)` (same store, same job id).
 * Results become visible at checkpoint intervals (and when the input ends), not one by one.
 *
 * Other sinks get at-least-once delivery: when a checkpointed stream is piped into any other
 * `WritableStream`, each checkpoint waits until the sink has accepted every result before it, and after
 * a crash the results emitted since the last checkpoint are emitted again. Give each result a
 * deterministic id with `resultId(job, result)` and let the consumer de-duplicate (an upsert by id, or
 * SSE's `Last-Event-ID`).
 *
 * @example Exactly-once results in the store
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, MemoryStateStore, readResults, storeSink, stream, tumbling } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * const clicks = [{ page: "/", ts: 1_000 }, { page: "/a", ts: 2_000 }, { page: "/", ts: 12_000 }];
 * await stream(clicks)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(10_000))
 *   .aggregate(count())
 *   .checkpoint({ store, id: "clicks", every: { ms: 1_000 } })
 *   .pipeTo(storeSink({ store, job: "clicks" }));
 * const results = await readResults(store, "clicks");
 * assertEquals(results.map((r) => [r.key, r.window.start, r.value]), [["/", 0, 1], ["/a", 0, 1], ["/", 10_000, 1]]);
 * ```
 */
export function storeSink<T = unknown>(options: StoreSinkOptions): StoreSink<T> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot create storeSink without options: pass { store, job }");
  }
  checkOptionNames("create storeSink", options, ["store", "job"]);
  const { store } = options;
  if (typeof store !== "object" || store === null || typeof (store as { batch?: unknown }).batch !== "function") {
    throw new TypeError(`Cannot create storeSink as store must be a StateStore: current value is ${String(store)}`);
  }
  checkJobId(options.job, "create storeSink");
  return new StoreSink<T>(options);
}
