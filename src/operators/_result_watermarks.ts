// The `wm` of a batch of window results: per result, the output watermark it was produced under.
// A run with one element per step emits the output watermark after every step, so the results of a
// later step are judged by a following step (a second window, withEventTime) against a later
// watermark than the results of an earlier one. A window engine that takes many elements in one
// step records, for each result, the watermark such a run would have emitted before the step that
// produced it, so that results do not depend on how the input was chunked.
import type { WindowResult } from "../window/types.ts";
import type { Batch } from "./operator.ts";

/** `wms` (one per result, none below `emitted`) as a batch's `wm`: a number when they are all `emitted`. */
export function resultWatermarks(wms: readonly number[], emitted: number): number | Float64Array {
  let same = true;
  for (let i = 0; i < wms.length; i++) {
    if (wms[i] !== emitted) {
      same = false;
      break;
    }
  }
  return same ? emitted : Float64Array.from(wms);
}

/**
 * The batch of pending window results, each with its event time and the output watermark it was
 * produced under (`wms`, one per result, none below `emitted`, the watermark emitted before them).
 */
export function resultBatch(
  results: WindowResult[],
  wms: readonly number[],
  emitted: number,
  pt: number,
): Batch {
  const ts = new Float64Array(results.length);
  for (let i = 0; i < results.length; i++) ts[i] = results[i]!.timestamp;
  return { values: results, ts, wm: resultWatermarks(wms, emitted), pt };
}
