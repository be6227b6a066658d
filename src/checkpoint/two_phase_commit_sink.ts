// The two-phase-commit sink protocol (Flink's TwoPhaseCommitSinkFunction): a sink that writes results
// where nobody sees them yet, seals them at each checkpoint barrier into a small description stored IN the
// checkpoint, and publishes them once that checkpoint is durable. The checkpointer drives it through the
// CheckpointedSink port (checkpointed_job.ts); this file adapts a user's committer to that port and to
// WritableStream, so that `pipeTo` accepts it.
import type { CheckpointedSink } from "./checkpointed_job.ts";

/** The checkpoint a {@linkcode TwoPhaseCommitter} prepares for, or was restored from. */
export interface SinkCheckpoint {
  /** The job's id, as given to `.checkpoint({ id })`. */
  readonly job: string;
  /** The checkpoint's sequence number: increasing, never reused within the job. */
  readonly seq: number;
}

/** The checkpoint a job restored, with what its sink prepared for it. */
export interface RestoredSinkCheckpoint<P> extends SinkCheckpoint {
  /** What `prepare` returned for this checkpoint; `undefined` when it was written without this sink. */
  readonly pending: P | undefined;
}

/**
 * The four steps of a two-phase-commit sink of results `T`, whose prepared-but-uncommitted work is
 * described by `P` (plain data: it is stored in the checkpoint, split over entries like operator state, so
 * it may be large). `write` calls never overlap one another nor `prepare`; `commit` runs while the job
 * goes on writing the results after that checkpoint (so it must leave what `write` is writing alone), and
 * always finishes before the next `prepare`.
 */
export interface TwoPhaseCommitter<T, P> {
  /** Writes one result where readers do not see it yet (a temporary file, an open transaction). */
  write(value: T): void | Promise<void>;
  /**
   * At a checkpoint barrier, after every result before it was written: makes that work durable but still
   * invisible, and describes it. The description is stored in the checkpoint, atomically with the state
   * and the source offset. `checkpoint` is null when the sink runs without checkpoints and closes.
   */
  prepare(checkpoint: SinkCheckpoint | null): P | Promise<P>;
  /**
   * Once the checkpoint holding `pending` is durable (or right after `prepare(null)`): makes that work
   * visible. Must be idempotent: after a crash it runs again for the restored checkpoint's description.
   */
  commit(pending: P): void | Promise<void>;
  /**
   * When a checkpointed job starts, before any write: completes the commit of the restored checkpoint
   * (null when there is none, as on a first start or with `discardState`) and removes everything that
   * checkpoint does not cover: work prepared or written after it, which the job is about to redo.
   */
  recover(restored: RestoredSinkCheckpoint<P> | null): void | Promise<void>;
  /** Releases resources once the run is over (after the last commit). */
  close?(): void | Promise<void>;
  /** The run failed: releases resources; work that a checkpoint describes must survive for `recover`. */
  abort?(reason: unknown): void | Promise<void>;
}

class SinkRun<T, P> {
  claimed = false;
  constructor(readonly committer: TwoPhaseCommitter<T, P>) {}

  underlying(): UnderlyingSink<T> {
    const c = this.committer;
    return {
      write: (value) => c.write(value),
      close: async () => {
        // Without checkpoints, closing is the one commit; a checkpointed run committed already.
        if (!this.claimed) await c.commit(await c.prepare(null));
        await c.close?.();
      },
      abort: async (reason) => {
        await c.abort?.(reason);
      },
    };
  }
}

const runs = new WeakMap<object, SinkRun<unknown, unknown>>();

/**
 * A `WritableStream` over a {@linkcode TwoPhaseCommitter}: piped into from a checkpointed weir stream,
 * its results become visible exactly once, with the checkpoints that cover them. The job prepares the
 * sink at each checkpoint barrier (after the sink accepted every result before it), stores what
 * `prepare` returns in the checkpoint, commits it once the checkpoint is durable, and on restart hands
 * the restored checkpoint's description to `recover`, which completes its commit and removes
 * everything written after it. A restart from the last checkpoint thus never shows a result twice nor
 * loses one. Written to any other way (`toReadableStream().pipeTo(sink)`), it commits once, when it
 * closes. `fileSink` (from `weirjs/adapters/fs`) is one; a sink for an object store or a message
 * broker fits the same four steps.
 *
 * A checkpoint restored into a job whose sink differs (one with this protocol and one without) is
 * refused like a changed pipeline; `discardState: true` starts from scratch.
 *
 * @example A sink whose results are visible once committed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, MemoryStateStore, stream, tumbling, TwoPhaseCommitSink, type WindowResult } from "weirjs";
 *
 * const visible: string[] = []; // what readers see
 * let buffer: string[] = []; // written, not yet prepared
 * const prepared = new Map<number, string[]>(); // prepared, by checkpoint, not yet committed
 * const sink = new TwoPhaseCommitSink<WindowResult<string, number>, { seq: number }>({
 *   write: (r) => void buffer.push(`${r.key}@${r.window.start}=${r.value}`),
 *   prepare: (checkpoint) => {
 *     const seq = checkpoint?.seq ?? -1;
 *     prepared.set(seq, buffer);
 *     buffer = [];
 *     return { seq };
 *   },
 *   commit: ({ seq }) => {
 *     visible.push(...(prepared.get(seq) ?? [])); // idempotent: a second commit finds nothing
 *     prepared.delete(seq);
 *   },
 *   recover: (restored) => {
 *     if (restored?.pending !== undefined) visible.push(...(prepared.get(restored.pending.seq) ?? []));
 *     prepared.clear();
 *     buffer = [];
 *   },
 * });
 * const clicks = [{ page: "/", ts: 1_000 }, { page: "/a", ts: 2_000 }, { page: "/", ts: 12_000 }];
 * await stream(clicks)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(10_000))
 *   .aggregate(count())
 *   .checkpoint({ store: new MemoryStateStore(), id: "clicks", every: { events: 2 } })
 *   .pipeTo(sink);
 * assertEquals(visible, ["/@0=1", "/a@0=1", "/@10000=1"]);
 * ```
 */
export class TwoPhaseCommitSink<T = unknown, P = unknown> extends WritableStream<T> {
  /** Wraps `committer` (see {@linkcode TwoPhaseCommitter} for what each step must do). */
  constructor(committer: TwoPhaseCommitter<T, P>) {
    if (typeof committer !== "object" || committer === null) {
      throw new TypeError(
        `Cannot create TwoPhaseCommitSink without a committer: pass { write, prepare, commit, recover }, current value is ${
          String(committer)
        }`,
      );
    }
    for (const step of ["write", "prepare", "commit", "recover"] as const) {
      if (typeof committer[step] !== "function") {
        throw new TypeError(
          `Cannot create TwoPhaseCommitSink as committer.${step} must be a function: current value is ${
            String(committer[step])
          }`,
        );
      }
    }
    const run = new SinkRun(committer);
    super(run.underlying());
    runs.set(this, run as SinkRun<unknown, unknown>);
  }
}

/**
 * Binds `sink` to the run of checkpointed job `job`: from now on its checkpoints commit it, and closing
 * it commits nothing more. Returns the port the checkpointer drives.
 */
export function claimTwoPhaseCommitSink(sink: TwoPhaseCommitSink<unknown, unknown>, job: string): CheckpointedSink {
  const run = runs.get(sink);
  if (run === undefined) throw new TypeError("Cannot pipe into a TwoPhaseCommitSink that was not constructed as one");
  if (run.claimed) {
    throw new TypeError(`Cannot pipe job ${JSON.stringify(job)} into a TwoPhaseCommitSink twice: create one per run`);
  }
  run.claimed = true;
  const c = run.committer;
  return {
    prepare: async (seq) => await c.prepare({ job, seq }),
    commit: async (pending) => await c.commit(pending),
    recover: async (restored) => await c.recover(restored === null ? null : { job, ...restored }),
  };
}
