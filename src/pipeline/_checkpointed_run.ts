// Running a checkpointed job: as output batches (for await, toReadableStream, toArray), or piped into
// a WritableStream so that each checkpoint only covers results the sink has accepted (and, for a
// two-phase-commit sink, commits them).
import type { CheckpointConfig } from "../checkpoint/checkpoint_options.ts";
import { Checkpointer } from "../checkpoint/checkpointer.ts";
import type { CheckpointedSink } from "../checkpoint/checkpointed_job.ts";
import { claimStoreSink, StoreSink } from "../checkpoint/store_sink.ts";
import { claimTwoPhaseCommitSink, TwoPhaseCommitSink } from "../checkpoint/two_phase_commit_sink.ts";
import type { JobHooks, JobRun } from "./job.ts";
import type { Source } from "./source.ts";
import { batchWriterOf } from "./_pipe_batches.ts";

interface RunOptions {
  hooks?: JobHooks;
  signal?: AbortSignal;
  /** Stage every output batch to be committed with the next checkpoint (a storeSink). */
  stage?: boolean;
  /** Awaited before each checkpoint: resolves once everything yielded so far is safely delivered. */
  beforeCheckpoint?: () => Promise<void>;
  /** A two-phase-commit sink, prepared at each checkpoint and committed once it is durable. */
  sink?: CheckpointedSink;
}

/**
 * Runs `job` with checkpoints: restores on start, checkpoints after steps when due and at the end of
 * the input. A checkpoint is taken when the consumer asks for more output, so a consumer that finishes
 * handling each batch before asking for the next gets at-least-once delivery.
 */
export async function* runCheckpointed(
  job: JobRun,
  source: Source<unknown>,
  cfg: CheckpointConfig,
  options: RunOptions = {},
): AsyncGenerator<unknown[]> {
  const cp = new Checkpointer(job, source, cfg, options.sink);
  await cp.start();
  const { hooks, signal, stage = false, beforeCheckpoint } = options;
  let completed = false;
  try {
    const run = job.run({
      afterStep: async (j, outputs) => {
        await cp.afterStep(beforeCheckpoint);
        await hooks?.afterStep?.(j, outputs);
      },
      checkpointDue: () => cp.due,
    }, signal);
    for await (const batch of run) {
      if (stage) cp.staged.add(batch);
      yield batch;
    }
    await cp.finish(beforeCheckpoint);
    completed = true;
  } finally {
    // Stopped early (consumer break, abort, failure): the write in flight still completes, so that the
    // store is not closed under it; its own failure must not hide the reason the job stopped.
    if (!completed) await cp.settle().catch(() => {});
  }
}

/** `stream.pipeTo(destination)` for checkpointed streams. */
export async function pipeCheckpointed(
  job: JobRun,
  source: Source<unknown>,
  cfg: CheckpointConfig,
  destination: WritableStream<unknown>,
  options: StreamPipeOptions = {},
): Promise<void> {
  if (destination instanceof StoreSink) {
    claimStoreSink(destination, cfg);
    const run = runCheckpointed(job, source, cfg, { signal: options.signal, stage: true });
    // The run stages each batch for its checkpoints itself: nothing to do with them here.
    for (let r = await run.next(); !r.done; r = await run.next());
    return;
  }
  // A two-phase-commit sink is recovered, prepared and committed by the checkpoints; writes go through
  // the writer as to any sink, so that each checkpoint comes after the sink accepted what precedes it.
  const sink = destination instanceof TwoPhaseCommitSink ? claimTwoPhaseCommitSink(destination, cfg.id) : undefined;
  // A destination that takes arrays (NdjsonEncoderStream) gets a step's outputs as one write.
  const batchWriter = sink === undefined ? batchWriterOf(destination, options) : undefined;
  const writer: WritableStreamDefaultWriter<unknown> = batchWriter ?? destination.getWriter();
  let last: Promise<void> = Promise.resolve();
  try {
    const delivered = () => last;
    for await (
      const batch of runCheckpointed(job, source, cfg, { signal: options.signal, beforeCheckpoint: delivered, sink })
    ) {
      // (a step's outputs are a fresh array: written whole, it is not touched again)
      for (const v of batchWriter === undefined ? batch : batch.length > 0 ? [batch] : []) {
        await writer.ready;
        last = writer.write(v);
        // Observed through `ready` or the final await; this only keeps it from being reported as unhandled.
        last.catch(() => {});
      }
    }
    await last;
    if (options.preventClose !== true) await writer.close();
  } catch (e) {
    if (options.preventAbort !== true) await writer.abort(e).catch(() => {});
    throw e;
  } finally {
    writer.releaseLock();
  }
}
