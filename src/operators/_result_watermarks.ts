// The `wm` of a batch of window results: per result, the output watermark it was produced under.
// A run with one element per step emits the output watermark after every step, so the results of a
// later step are judged by a following step (a second window, withEventTime) against a later
// watermark than the results of an earlier one. A window engine that takes many elements in one
// step records, for each result, the watermark such a run would have emitted before the step that
// produced it, so that results do not depend on how the input was chunked.
import type { WindowResult } from "../window/types.ts";
import { type Batch, newBatch } from "./operator.ts";

/**
 * Records that the `n` results just added were produced under output watermark `wm`. `runs` holds
 * the per-result watermarks run-length encoded, as pairs (count, watermark): results fired together
 * share one, so a firing of many keys costs one entry, not one per result.
 */
export function noteWatermarks(runs: number[], n: number, wm: number): void {
  if (n === 0) return;
  const len = runs.length;
  if (len > 0 && runs[len - 1] === wm) runs[len - 2]! += n;
  else runs.push(n, wm);
}

/** `runs` (see noteWatermarks; none below `emitted`) as a batch's `wm`: a number when they are all `emitted`. */
export function resultWatermarks(runs: readonly number[], emitted: number): number | Float64Array {
  let same = true, n = 0;
  for (let i = 0; i < runs.length; i += 2) {
    n += runs[i]!;
    if (runs[i + 1] !== emitted) same = false;
  }
  if (same) return emitted;
  const wms = new Float64Array(n);
  for (let i = 0, at = 0; i < runs.length; i += 2) {
    wms.fill(runs[i + 1]!, at, at + runs[i]!);
    at += runs[i]!;
  }
  return wms;
}

/**
 * The batch of pending window results, each with its event time and the output watermark it was
 * produced under (`runs`, see noteWatermarks, none below `emitted`, the watermark emitted before them).
 */
export function resultBatch(
  results: WindowResult[],
  runs: readonly number[],
  emitted: number,
  pt: number,
): Batch {
  const ts = new Float64Array(results.length);
  for (let i = 0; i < results.length; i++) ts[i] = results[i]!.timestamp;
  return newBatch(results, ts, resultWatermarks(runs, emitted), pt, false, true);
}
