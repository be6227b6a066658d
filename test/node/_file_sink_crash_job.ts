// What file_sink_crash.test.ts and its child share: the job and the file sink's layout.
import { count, max, type Source, stream, sum, tumbling } from "../../mod.ts";
import { afterCount, afterWatermark } from "../../src/trigger/trigger.ts";
import type { CrashEvent } from "../fixtures/crash_job.ts";

export const JOB_ID = "file-sink-crash";

/**
 * Per-user 2 s windows with early panes every 7 events and late panes: about 1 800 results for 9 000
 * events. One stage only: the two-stage crash job re-windows results with no out-of-orderness, and which
 * of those count as late depends on how the input was cut into steps, which differs between fileSource
 * and the array the uninterrupted run reads.
 */
export function fileSinkCrashPipeline(source: Source<CrashEvent> | CrashEvent[]) {
  return stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 200 })
    .keyBy((e) => e.user)
    .window(tumbling(2_000), {
      trigger: afterWatermark({ early: afterCount(7), late: afterCount(1) }),
      allowedLateness: 150,
      onLate: () => {},
    })
    .aggregate({ n: count(), total: sum((e: CrashEvent) => e.amount), top: max((e: CrashEvent) => e.amount) });
}

/** Small parts, so that a checkpoint commits several and a crash can fall between their renames. */
export const ROLLOVER_BYTES = 2_048;

/** One directory per 12 s of event time: the job writes to several partitions at once. */
export function partitionOf(result: { window: { start: number } }): string {
  return `w=${Math.floor(result.window.start / 12_000)}`;
}
