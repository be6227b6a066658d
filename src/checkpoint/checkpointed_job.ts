// The port the checkpointer needs from a running job. The pipeline implements it and calls the
// checkpointer (restore on start, afterStep after each input step), so this folder never imports
// the pipeline: checkpoints sit below it.
import type { CheckpointInfo } from "./checkpoint_options.ts";

/** Between two input steps every operator is quiescent: a snapshot taken then is consistent. */
export interface JobSnapshot {
  /** Source offset after the last step whose effects the snapshot includes. */
  offset: unknown;
  /** Operator states by operator id. */
  operators: Record<string, unknown>;
  /** Operator configurations by id, to detect restores into a changed pipeline. */
  signatures: Record<string, string>;
  /** Processing time (manual clocks; 0 on the wall clock) and source watermark. */
  clock: { now: number; sourceWatermark: number };
}

/** A running job as the checkpointer sees it. */
export interface CheckpointedJob {
  /** Stateful steps, in pipeline order: their ids key the snapshot, their signatures guard restores. */
  readonly ops: readonly { readonly id: string; readonly signature: string }[];
  /** Elements read from the source so far (checkpoints every N events count these). */
  readonly elementsIn: number;
  /** False while asynchronous steps (mapAsync) have calls in flight: no checkpoint is taken then. */
  readonly quiescent?: boolean;
  /** The job's processing time (checkpoints every N ms measure it). */
  now(): number;
  /** Operator states may alias live structures: the checkpointer copies them before the next step. */
  snapshot(): JobSnapshot;
  restore(snapshot: JobSnapshot): void;
  /** Called once each checkpoint is durable (before the user's `onCheckpoint`). */
  checkpointed?(info: CheckpointInfo): void;
}

/** What the checkpointer needs from the job's source: whether it replays, and where to acknowledge. */
export interface CheckpointedSource {
  readonly replayable: boolean;
  commit?(offset: unknown): Promise<void> | void;
}

/**
 * What the checkpointer needs from a two-phase-commit sink: what it prepared for checkpoint `seq`
 * (stored in that checkpoint), the commit once the checkpoint is durable, and the recovery on start.
 */
export interface CheckpointedSink {
  prepare(seq: number): Promise<unknown>;
  commit(pending: unknown): Promise<void>;
  recover(restored: { seq: number; pending: unknown } | null): Promise<void>;
}
