import { checkOptionNames } from "../option_names.ts";
import type { StateStore } from "../state/state_store.ts";
import { checkJobId } from "./_layout.ts";

/** What `onCheckpoint` learns about each checkpoint once it is durable. */
export interface CheckpointInfo {
  /** The job id. */
  job: string;
  /** The checkpoint's sequence number (increasing, never reused within a job). */
  seq: number;
  /** The source offset it covers; a restore reads on from there. */
  offset: unknown;
  /** Bytes written: encoded state, committed results and the manifest. */
  bytes: number;
  /** Store entries written. */
  entries: number;
  /** Results of a `storeSink` committed with it. */
  results: number;
  /** Milliseconds the job was paused to copy its state out (the rest of the write overlaps processing). */
  pauseMs: number;
  /** Milliseconds from the start of the checkpoint until it was durable. */
  durationMs: number;
}

/** Options of `.checkpoint(...)`. */
export interface CheckpointOptions {
  /** Where checkpoints go. A `storeSink` that commits results with them must use this store too. */
  store: StateStore;
  /** The job's stable name: its checkpoints live under `ckpt/<id>/` in the store. */
  id: string;
  /**
   * How often to checkpoint: after `ms` milliseconds of processing time and/or after `events` input
   * elements since the last checkpoint, whichever comes first. A checkpoint is also taken when a
   * bounded input ends. (Processing time is virtual for sources with virtual time, such as TestStream.)
   */
  every: { ms?: number; events?: number };
  /** Complete checkpoints to keep (default 3); older ones are deleted after each new one. */
  keep?: number;
  /**
   * Start from scratch: delete this job's checkpoints, and the results a `storeSink` (or the part files a
   * file sink) committed with them (the fresh run produces them again), instead of restoring. Needed after changing the pipeline in a
   * way its checkpoints cannot follow. Default false.
   */
  discardState?: boolean;
  /** Called after each checkpoint is durable (after the source was told to commit its offset). */
  onCheckpoint?: (info: CheckpointInfo) => void;
}

/** Checked and defaulted checkpoint options. */
export interface CheckpointConfig {
  readonly store: StateStore;
  readonly id: string;
  readonly everyMs: number;
  readonly everyEvents: number;
  readonly keep: number;
  readonly discardState: boolean;
  readonly onCheckpoint: ((info: CheckpointInfo) => void) | undefined;
}

function positive(name: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (typeof v !== "number" || !(v > 0)) {
    throw new RangeError(
      `Cannot configure checkpoints as every.${name} must be a number > 0: current value is ${String(v)}`,
    );
  }
  return v;
}

/** Validates `options` (throwing TypeError/RangeError that say what is wrong) and applies defaults. */
export function resolveCheckpointOptions(options: CheckpointOptions): CheckpointConfig {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot configure checkpoints without options: pass { store, id, every: { ms } }");
  }
  checkOptionNames("configure checkpoints", options, ["store", "id", "every", "keep", "discardState", "onCheckpoint"]);
  const { store, id, every, keep = 3, discardState = false, onCheckpoint } = options;
  const isStore = typeof store === "object" && store !== null &&
    ["get", "put", "delete", "list", "batch"].every((m) =>
      typeof (store as unknown as Record<string, unknown>)[m] === "function"
    );
  if (!isStore) {
    throw new TypeError(
      `Cannot configure checkpoints as store must be a StateStore (such as MemoryStateStore): current value is ${
        String(store)
      }`,
    );
  }
  checkJobId(id, "configure checkpoints");
  if (typeof every !== "object" || every === null) {
    throw new TypeError(
      `Cannot configure checkpoints as every must be { ms } and/or { events }: current value is ${String(every)}`,
    );
  }
  const everyMs = positive("ms", every.ms);
  const everyEvents = positive("events", every.events);
  if (everyMs === Infinity && everyEvents === Infinity) {
    throw new TypeError(
      "Cannot configure checkpoints as every names no interval: pass every: { ms } and/or { events }",
    );
  }
  if (!Number.isInteger(keep) || keep < 1) {
    throw new RangeError(
      `Cannot configure checkpoints as keep must be an integer >= 1: current value is ${String(keep)}`,
    );
  }
  if (typeof discardState !== "boolean") {
    throw new TypeError(
      `Cannot configure checkpoints as discardState must be a boolean: current value is ${String(discardState)}`,
    );
  }
  if (onCheckpoint !== undefined && typeof onCheckpoint !== "function") {
    throw new TypeError(
      `Cannot configure checkpoints as onCheckpoint must be a function: current value is ${String(onCheckpoint)}`,
    );
  }
  return { store, id, everyMs, everyEvents, keep, discardState, onCheckpoint };
}
