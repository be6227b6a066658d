// Drives checkpoints for one run of a job: restore on start, then a checkpoint whenever one is due.
// A checkpoint has a synchronous phase (a snapshot and a copy of its mutable parts, between two input
// steps, so it is consistent) and an asynchronous one (encoding and checksums in slices of a few
// milliseconds, store writes, pruning, source commit) that overlaps further processing, as Flink's
// asynchronous snapshots do. At most one checkpoint is in flight; waiting for it finishes its encoding
// without turns of the event loop. A two-phase-commit sink is prepared at the barrier (its description
// is stored in the checkpoint as the state of a pseudo operator, SINK_ID) and committed once the
// checkpoint is durable, before the next one begins.
import { CheckpointError } from "../errors.ts";
import type { StateStoreOp } from "../state/state_store.ts";
import type { CheckpointConfig, CheckpointInfo } from "./checkpoint_options.ts";
import type { CheckpointedJob, CheckpointedSink, CheckpointedSource } from "./checkpointed_job.ts";
import { incompatibilities } from "./_compat.ts";
import { Layout } from "./_layout.ts";
import { describe, type LoadedCheckpoint } from "./_load.ts";
import type { Manifest } from "./_manifest.ts";
import { discardAll, recover } from "./_recover.ts";
import { copyState } from "./_copy_state.ts";
import { runInSlices, type Urgency } from "./_slices.ts";
import { applyInBatches, deleteKeys, listAll } from "./_store_ops.ts";
import { prepareCheckpoint, type PreparedCheckpoint, StagedResults } from "./_writer.ts";

const warnedSources = new WeakSet<object>();

/** The pseudo operator whose state is what a two-phase-commit sink prepared: chunked and checked like state. */
const SINK_ID = "sink";
const SINK_SIGNATURE = JSON.stringify({ sink: "two-phase-commit" });

function showOffset(offset: unknown): string {
  try {
    return JSON.stringify(offset) ?? String(offset);
  } catch {
    return String(offset);
  }
}

export class Checkpointer {
  readonly #job: CheckpointedJob;
  readonly #source: CheckpointedSource;
  readonly #cfg: CheckpointConfig;
  readonly #layout: Layout;
  readonly #sink: CheckpointedSink | undefined;
  readonly staged = new StagedResults();
  #nextSeq = 0;
  #live: number[] = [];
  /** The manifest of the last checkpoint written or restored: the next one continues it. */
  #previous: Manifest | null = null;
  #lastTime = 0;
  #lastElements = 0;
  /** afterStep calls, and their count when the last checkpoint was taken. */
  #steps = 0;
  #stepsAtCheckpoint = -1;
  #inFlight: Promise<void> | null = null;
  /** The operator states the last checkpoint copied (and encoded): the next copy refills them. */
  #copies: Record<string, unknown> = {};
  /** Of the checkpoint in flight: set once something waits for it. */
  #urgency: Urgency = { now: false };
  #failure: unknown = undefined;

  constructor(job: CheckpointedJob, source: CheckpointedSource, cfg: CheckpointConfig, sink?: CheckpointedSink) {
    this.#job = job;
    this.#sink = sink;
    this.#source = source;
    this.#cfg = cfg;
    this.#layout = new Layout(cfg.id);
  }

  /** Restores the newest intact checkpoint (or discards state, as configured). */
  async start(): Promise<void> {
    const { store, id } = this.#cfg;
    if (!this.#source.replayable && !warnedSources.has(this.#source)) {
      warnedSources.add(this.#source);
      console.warn(
        `weir: job ${
          JSON.stringify(id)
        } checkpoints a source that cannot replay (replayable: false, such as an iterable, async iterable or ReadableStream). ` +
          `After a restart its operator state is restored, but input it consumed before the crash is not read again: ` +
          `results are at-most-once for that input. Use an array or a replayable Source for exactly-once results.`,
      );
    }
    let restored: { seq: number; pending: unknown } | null = null;
    if (this.#cfg.discardState) {
      this.#nextSeq = await discardAll(store, this.#layout);
    } else {
      const r = await recover(store, this.#layout, (m) => console.warn(m), (c) => this.#check(c));
      this.#nextSeq = r.nextSeq;
      this.#live = r.live;
      if (r.checkpoint !== null) restored = this.#restore(r.checkpoint);
    }
    await this.#sink?.recover(restored);
    this.#lastTime = this.#job.now();
    this.#lastElements = this.#job.elementsIn;
  }

  #check(c: LoadedCheckpoint): void {
    const ops = this.#job.ops.map((o) => ({ id: o.id, signature: o.signature }));
    if (this.#sink !== undefined) ops.push({ id: SINK_ID, signature: SINK_SIGNATURE });
    const diffs = incompatibilities(c.manifest.operators, ops);
    if (diffs.length > 0) {
      throw new CheckpointError(
        `Cannot restore checkpoint ${c.manifest.seq} of job ${JSON.stringify(this.#cfg.id)} into this pipeline: ${
          diffs.join("; ")
        }. ` +
          `Restore it with the pipeline that wrote it, or pass discardState: true to start from scratch (this deletes the job's checkpoints and the results storeSink or a file sink committed with them).`,
      );
    }
  }

  /** Restores the job; returns the checkpoint as the sink sees it. */
  #restore(c: LoadedCheckpoint): { seq: number; pending: unknown } {
    const m = c.manifest;
    const operators: Record<string, unknown> = {};
    const signatures: Record<string, string> = {};
    m.operators.forEach((o, i) => {
      operators[o.id] = c.states[i];
      signatures[o.id] = o.signature;
    });
    try {
      this.#job.restore({ offset: m.offset, operators, signatures, clock: m.clock });
    } catch (cause) {
      throw new CheckpointError(
        `Cannot restore checkpoint ${m.seq} of job ${JSON.stringify(this.#cfg.id)}: ${describe(cause)}`,
        { cause },
      );
    }
    this.#previous = m;
    return { seq: m.seq, pending: operators[SINK_ID] };
  }

  /**
   * After each input step: rethrows a failed write, starts a checkpoint when one is due. When the
   * previous write is still in flight it is awaited first (a job on a source that never yields to the
   * event loop, such as an array, lets store I/O progress only then).
   */
  async afterStep(beforeCheckpoint?: () => Promise<void>): Promise<void> {
    this.#steps++;
    if (this.#failure !== undefined) throw this.#failure;
    if (!this.due || this.#job.quiescent === false) return;
    await this.settle();
    await beforeCheckpoint?.();
    await this.#checkpoint();
  }

  /** Whether a checkpoint is due (every N events or ms since the last one). */
  get due(): boolean {
    const job = this.#job;
    return job.elementsIn - this.#lastElements >= this.#cfg.everyEvents ||
      job.now() - this.#lastTime >= this.#cfg.everyMs;
  }

  /** At the end of the input: waits for the write in flight, then checkpoints the final state. */
  async finish(beforeCheckpoint?: () => Promise<void>): Promise<void> {
    await this.settle();
    if (this.#stepsAtCheckpoint === this.#steps) return;
    await beforeCheckpoint?.();
    await this.#checkpoint();
    await this.settle();
  }

  /** Waits for the write in flight, and rethrows its failure. */
  async settle(): Promise<void> {
    this.#urgency.now = true;
    await this.#inFlight;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Prepares the sink at the barrier (the job waits), then begins the checkpoint. */
  async #checkpoint(): Promise<void> {
    const started = performance.now();
    if (this.#sink === undefined) return this.#begin(started, false, undefined);
    let pending: unknown;
    try {
      pending = await this.#sink.prepare(this.#nextSeq);
    } catch (cause) {
      throw new CheckpointError(
        `Cannot take checkpoint ${this.#nextSeq} of job ${JSON.stringify(this.#cfg.id)}: the sink failed to prepare: ${
          describe(cause)
        }`,
        { cause },
      );
    }
    this.#begin(started, true, pending);
  }

  #begin(started: number, withSink: boolean, pending: unknown): void {
    const job = this.#job;
    const taken = job.snapshot();
    // Operator states may share structures the next step changes: the job waits only for this copy.
    // The previous checkpoint is durable (or failed) by now, so its copies are free to refill.
    const operators: Record<string, unknown> = {};
    for (const [id, state] of Object.entries(taken.operators)) operators[id] = copyState(state, this.#copies[id]);
    this.#copies = operators;
    const snapshot = withSink
      ? {
        ...taken,
        offset: copyState(taken.offset),
        operators: { ...operators, [SINK_ID]: copyState(pending) },
        signatures: { ...taken.signatures, [SINK_ID]: SINK_SIGNATURE },
      }
      : { ...taken, offset: copyState(taken.offset), operators };
    const seq = this.#nextSeq++;
    const results = this.staged.take();
    this.#lastTime = job.now();
    this.#lastElements = job.elementsIn;
    this.#stepsAtCheckpoint = this.#steps;
    const pauseMs = performance.now() - started;
    const urgency: Urgency = { now: false };
    this.#urgency = urgency;
    let prepared: PreparedCheckpoint | undefined;
    const written = (async () => {
      prepared = await runInSlices(prepareCheckpoint(this.#layout, seq, snapshot, results, this.#previous), urgency);
      this.#previous = prepared.manifest;
      await this.#write(seq, prepared.ops, snapshot.offset, withSink, pending);
    })();
    this.#inFlight = written.then(
      () => {
        this.#inFlight = null;
        const info: CheckpointInfo = {
          job: this.#cfg.id,
          seq,
          offset: snapshot.offset,
          bytes: prepared!.bytes,
          entries: prepared!.ops.length,
          results: results.records,
          pauseMs,
          durationMs: performance.now() - started,
        };
        this.#job.checkpointed?.(info);
        try {
          this.#cfg.onCheckpoint?.(info);
        } catch (e) {
          // The callback's own error, reported like a failed write: at the next step or at the end.
          this.#failure = e;
        }
      },
      (cause) => {
        this.#inFlight = null;
        this.#failure = cause instanceof CheckpointError ? cause : new CheckpointError(
          `Cannot write checkpoint ${seq} of job ${JSON.stringify(this.#cfg.id)}: ${describe(cause)}`,
          { cause },
        );
      },
    );
  }

  async #write(
    seq: number,
    ops: readonly StateStoreOp[],
    offset: unknown,
    withSink: boolean,
    pending: unknown,
  ): Promise<void> {
    const store = this.#cfg.store;
    await applyInBatches(store, ops);
    this.#live.push(seq);
    if (withSink) {
      try {
        await this.#sink!.commit(pending);
      } catch (cause) {
        throw new CheckpointError(
          `Checkpoint ${seq} of job ${
            JSON.stringify(this.#cfg.id)
          } is durable, but the sink failed to commit it (a restart commits it again): ${describe(cause)}`,
          { cause },
        );
      }
    }
    await this.#prune();
    if (offset === undefined || this.#source.commit === undefined) return;
    try {
      await this.#source.commit(offset);
    } catch (cause) {
      throw new CheckpointError(
        `Checkpoint ${seq} of job ${
          JSON.stringify(this.#cfg.id)
        } is durable, but the source failed to commit its offset ${showOffset(offset)}: ${describe(cause)}`,
        { cause },
      );
    }
  }

  /** Deletes checkpoints beyond `keep`, each manifest before its entries. */
  async #prune(): Promise<void> {
    const excess = this.#live.length - this.#cfg.keep;
    if (excess <= 0) return;
    const old = this.#live.slice(0, excess);
    const manifests = old.map((s) => this.#layout.manifest(s));
    const entries: string[] = [];
    for (const s of old) for (const k of await listAll(this.#cfg.store, this.#layout.stateDir(s))) entries.push(k);
    await deleteKeys(this.#cfg.store, manifests, entries);
    this.#live = this.#live.slice(excess);
  }
}
