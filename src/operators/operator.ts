// The internal protocol between operators of a job. Operators are synchronous: a job pushes one
// frame through the whole chain before reading the next input, so a snapshot of every operator taken
// between two frames is a consistent checkpoint (Flink's aligned barrier, trivially aligned).

/** A micro-batch of elements with their event times and the watermark each was judged against. */
export interface Batch {
  values: unknown[];
  /**
   * Event time per element; null before event time is assigned. Always a Float64Array, so that the
   * engines' per-element loads stay monomorphic and unboxed.
   */
  ts: Float64Array | null;
  /** Input watermark in force for each element (a number when constant over the batch). */
  wm: number | Float64Array;
  /** Processing time at which the batch arrived. */
  pt: number;
  /**
   * True when the batch is one bundle (Beam's bundle: windows evaluate their triggers once, at its end),
   * as a TestStream's `addElements` call is. Otherwise every element is a bundle of its own, so results
   * do not depend on how the input happened to be chunked.
   */
  bundle?: boolean;
  /**
   * True when `values` is an array made for this batch that its maker no longer uses (a window step's
   * results): the job's sink may keep it as it is instead of copying it.
   */
  owned?: boolean;
  /**
   * Set (with `ts` null) when the step taking the batch assigns event time itself as it reads each
   * element: a withEventTime step followed by a window step that can (`WindowEngine.assignsTime`)
   * hands its batch on this way, so event time, windows and accumulators take one pass instead of
   * two and no per-element arrays are built.
   */
  time?: TimeAssignment;
}

/**
 * Event time to assign while reading a batch, exactly as EventTimeOperator would: element i's time is
 * `get(v)` (a Date as its time in ms), and it is judged against the watermark
 * `max(base, largest event time before it - bound)`. An element whose time is not a finite number in
 * [earliest, latest] is not taken: the reader stops there and leaves it, and what follows, to the
 * event-time step.
 */
export interface TimeAssignment {
  get: (v: unknown) => unknown;
  bound: number;
  base: number;
  earliest: number;
  latest: number;
  /** In: the largest event time before the batch. Out: after the elements taken. */
  maxTs: number;
  /** Out: how many elements were taken (all of them, or up to the first with an invalid time). */
  done: number;
  /** Names the event-time step in the error when `get` throws. */
  label: string;
}

/**
 * A Batch with every field present and in one order, as weir's own steps make them: V8 then gives
 * every batch one hidden class, and a step's compiled code reads any batch through one map check.
 * (Batches written as literals had four shapes, a field more or less each; a compiled step that meets
 * a shape it has not seen is deoptimized and compiled again, as one W1 trace showed for the sliced
 * engine's `data`. Traces of first jobs vary from run to run; no change in their count was measured.)
 */
export function newBatch(
  values: unknown[],
  ts: Float64Array | null,
  wm: number | Float64Array,
  pt: number,
  bundle: boolean | undefined = false,
  owned = false,
  time: TimeAssignment | undefined = undefined,
): Batch {
  return { values, ts, wm, pt, bundle: bundle === true, owned, time };
}

export interface Output {
  data(batch: Batch): void;
  watermark(wm: number, pt: number): void;
  /**
   * The output takes a window firing as one CompactResults entry of a batch's values (built as they
   * are read): the job's sink when its results are pulled one at a time (compact_results.ts).
   */
  readonly compact?: boolean;
}

export interface Operator {
  /** Stable id under which checkpoints store this operator's state. */
  readonly id: string;
  data(batch: Batch, out: Output): void;
  watermark(wm: number, pt: number, out: Output): void;
  /** Processing time has advanced to `pt` (timers may be due). */
  tick(pt: number, out: Output): void;
  /** The next processing time at which `tick` has work to do, or Infinity. */
  nextDeadline(): number;
  snapshot(): unknown;
  restore(state: unknown): void;
  /** A description of the operator's configuration; restoring into a different one fails. */
  readonly signature: string;
}

/** A window step, whichever engine runs it (window_engine.ts): what it reports to the job's stats. */
export interface WindowEngine extends Operator {
  /** Elements dropped as late (or for a closed window) since the job started. */
  readonly lateCount: number;
  /** Open (key, window) pairs: windows that hold state (the sliced engine counts (key, slice) pairs). */
  readonly openWindows: number;
  /** The input watermark this step has seen (-Infinity before any). */
  readonly inputWatermark: number;
  /** Takes batches whose event time it assigns itself (Batch.time). */
  readonly assignsTime?: boolean;
}
