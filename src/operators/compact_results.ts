// The results of one window firing kept as columns until they are read.
//
// A consumer that pulls results one at a time (`for await`) reads them after the step that fired them
// is over: a window end at a million keys fires tens of thousands of results, which waited in an
// array while the consumer took them one promise at a time. The promises made meanwhile started
// scavenges that copied the waiting results, and promoted them to the old generation (W2 at 1M keys,
// `for await`: 7.2 s of CPU against 0.9 s by `forEach`, most of it in scavenges). An output that says
// so (`Output.compact`: the job's sink when its results are pulled) gets such a firing as one entry:
// the keys in an array, the accumulator slots copied into one Float64Array, and the window, its time
// and pane once. Each result is built when it is read, and dies young.
import type { ColumnKernel } from "../aggregate/column_kernel.ts";
import type { PaneInfo, Window, WindowResult } from "../window/types.ts";
import { ResultObject } from "./_result.ts";

/**
 * `length` results of one window, the `i`th built by `at(i)`: `keys[i]`, the kernel's result of
 * `slots` at `i * kernel.width`, the window, its timestamp and pane. Read-only.
 */
export class CompactResults {
  readonly keys: readonly unknown[];
  readonly slots: Float64Array;
  readonly kernel: ColumnKernel;
  readonly window: Window;
  /** The results' timestamp (every entry of a window step's batch has one: resultBatch). */
  readonly timestamp: number;
  readonly pane: PaneInfo;

  constructor(
    keys: readonly unknown[],
    slots: Float64Array,
    kernel: ColumnKernel,
    window: Window,
    timestamp: number,
    pane: PaneInfo,
  ) {
    this.keys = keys;
    this.slots = slots;
    this.kernel = kernel;
    this.window = window;
    this.timestamp = timestamp;
    this.pane = pane;
  }

  get length(): number {
    return this.keys.length;
  }

  at(i: number): WindowResult {
    const value = this.kernel.result(this.slots, i * this.kernel.width);
    return new ResultObject(this.keys[i], this.window, value, this.timestamp, this.pane);
  }
}
