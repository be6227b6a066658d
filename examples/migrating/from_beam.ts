// Apache Beam, in weir. The Beam pipeline this mirrors:
//
//   p.apply(TestStream...)                                            -> stream(TestStream.create()...)
//    .apply(Window.into(FixedWindows.of(Duration.standardSeconds(10)))-> .window(tumbling(10_000), {
//       .triggering(AfterWatermark.pastEndOfWindow()                  ->   trigger: afterWatermark({
//          .withEarlyFirings(AfterPane.elementCountAtLeast(2))        ->     early: afterCount(2),
//          .withLateFirings(AfterPane.elementCountAtLeast(1)))        ->     late: afterCount(1) }),
//       .withAllowedLateness(Duration.standardSeconds(30))            ->   allowedLateness: 30_000,
//       .accumulatingFiredPanes())                                    ->   accumulation: "accumulating" })
//    .apply(Combine.perKey(Count.combineFn()))                        -> .keyBy(...).aggregate(count())
// PaneInfo (index, nonSpeculativeIndex, timing, isFirst, isLast) is each result's `pane`.
import { afterCount, afterWatermark, count, stream, tumbling } from "../../mod.ts";
import { TestStream } from "../../src/testing/mod.ts";

/** The panes of one key's window, as "count timing#index". */
export async function panesLikeBeam(): Promise<string[]> {
  const events = TestStream.create<{ user: string }>()
    .addElements({ value: { user: "a" }, timestamp: 1_000 }, { value: { user: "a" }, timestamp: 2_000 })
    .advanceWatermarkTo(10_000)
    .addElements({ value: { user: "a" }, timestamp: 3_000 })
    .advanceWatermarkToInfinity();
  const results = await stream(events)
    .keyBy((e) => e.user)
    .window(tumbling(10_000), {
      trigger: afterWatermark({ early: afterCount(2), late: afterCount(1) }),
      allowedLateness: 30_000,
      accumulation: "accumulating",
    })
    .aggregate(count())
    .toArray();
  return results.map((r) => `${r.value} ${r.pane.timing}#${r.pane.index}`);
}
