import {
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  global,
  never,
  orFinally,
  repeatedly,
  stream,
  tumbling,
  type WindowAssigner,
  type WindowOptions,
} from "../../mod.ts";
import { count } from "../../src/aggregate/count.ts";
import { ManualClock, readAll, TestStream } from "../../src/testing/mod.ts";
import { assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { el, panes } from "./_panes.ts";
import type { Scenario } from "./_scenario.ts";

function run(script: TestStream<string>, assigner: WindowAssigner, options: WindowOptions<string> = {}) {
  return readAll(stream(script).window(assigner, options).aggregate(count()));
}

export default [
  {
    name: "afterWatermark early afterCount, accumulating: early pane, then on-time with everything",
    async run() {
      const s = TestStream.create<string>().addElements(el(1), el(2)).addElements(el(3)).advanceWatermarkTo(10);
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark({ early: afterCount(2) }),
        accumulation: "accumulating",
      });
      assertEquals(panes(rs), ["2 early#0(-1) first", "3 on-time#1(0) final"]);
    },
  },
  {
    name: "afterWatermark early afterCount, discarding: panes carry only what is new",
    async run() {
      const s = TestStream.create<string>().addElements(el(1), el(2)).addElements(el(3)).advanceWatermarkTo(10);
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark({ early: afterCount(2) }),
        accumulation: "discarding",
      });
      assertEquals(panes(rs), ["2 early#0(-1) first", "1 on-time#1(0) final"]);
    },
  },
  {
    name: "the on-time pane fires even when empty unless onTime is fire-if-non-empty",
    async run() {
      const s = () => TestStream.create<string>().addElements(el(1), el(2)).advanceWatermarkTo(10);
      const t = afterWatermark({ early: afterCount(2) });
      assertEquals(panes(await run(s(), tumbling(10), { trigger: t })), [
        "2 early#0(-1) first",
        "0 on-time#1(0) final",
      ]);
      assertEquals(panes(await run(s(), tumbling(10), { trigger: t, onTime: "fire-if-non-empty" })), [
        "2 early#0(-1) first",
      ]);
    },
  },
  {
    name: "afterWatermark late afterCount within allowed lateness, then expiry drops",
    async run() {
      const late: number[] = [];
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).addElements(el(2))
        .advanceWatermarkTo(20).addElements(el(3));
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark({ late: afterCount(1) }),
        allowedLateness: 10,
        accumulation: "accumulating",
        onLate: (_e, info) => late.push(info.timestamp),
      });
      assertEquals(panes(rs), ["1 on-time#0(0) first", "2 late#1(1)"]);
      assertEquals(late, [3]);
    },
  },
  {
    name: "afterWatermark without late firings finishes at the on-time pane; later data is dropped as window-closed",
    async run() {
      const reasons: string[] = [];
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).addElements(el(2));
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark(),
        allowedLateness: 10,
        onLate: (_e, i) => reasons.push(i.reason),
      });
      assertEquals(panes(rs), ["1 on-time#0(0) first final"]);
      assertEquals(reasons, ["window-closed"]);
    },
  },
  {
    name: "default trigger: on time, then one late pane per chunk of late data (discarding by default)",
    async run() {
      const s = TestStream.create<string>().addElements(el(1), el(4)).advanceWatermarkTo(12)
        .addElements(el(2)).addElements(el(3), el(5)).advanceWatermarkToInfinity();
      const rs = await run(s, tumbling(10), { allowedLateness: 5 });
      assertEquals(panes(rs), ["2 on-time#0(0) first", "1 late#1(1)", "2 late#2(2)"]);
    },
  },
  {
    name: "allowed lateness boundary: accepted while W < end + lateness, dropped at W = end + lateness",
    async run() {
      //  window [0,10), lateness 5: W=14 accepts t=2, W=15 drops t=3
      const late: number[] = [];
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).advanceWatermarkTo(14)
        .addElements(el(2)).advanceWatermarkTo(15).addElements(el(3));
      const rs = await run(s, tumbling(10), { allowedLateness: 5, onLate: (_e, i) => late.push(i.timestamp) });
      assertEquals(panes(rs), ["1 on-time#0(0) first", "1 late#1(1)"]);
      assertEquals(late, [3]);
    },
  },
  {
    name: "with zero lateness an element at W = end is late, one at W = end - 1 is not",
    async run() {
      const late: number[] = [];
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(9).addElements(el(8))
        .advanceWatermarkTo(10).addElements(el(9));
      const rs = await run(s, tumbling(10), { onLate: (_e, i) => late.push(i.timestamp) });
      assertEquals(panes(rs), ["2 on-time#0(0) first final"]);
      assertEquals(late, [9]);
    },
  },
  {
    name: "early, on-time and late pane metadata (accumulating)",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).addElements(el(2))
        .advanceWatermarkToInfinity();
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark({ early: afterCount(1), late: afterCount(1) }),
        allowedLateness: 100,
        accumulation: "accumulating",
      });
      assertEquals(panes(rs), ["1 early#0(-1) first", "1 on-time#1(0)", "2 late#2(1)"]);
    },
  },
  {
    name: "afterProcessingTime early firings run on the TestStream's virtual clock",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).advanceProcessingTime(3).advanceProcessingTime(3)
        .addElements(el(2)).advanceProcessingTime(10).advanceWatermarkTo(10);
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark({ early: afterProcessingTime(5) }),
        accumulation: "accumulating",
      });
      assertEquals(panes(rs), ["1 early#0(-1) first", "2 early#1(-1)", "2 on-time#2(0) final"]);
    },
  },
  {
    name: "an injected ManualClock drives processing-time triggers of any source",
    async run() {
      // The clock moves between two chunks of a source: the early pane is due at the second chunk's
      // step (processing time 6 > 0 + 5), not on the wall clock.
      const clock = new ManualClock(0);
      const events = {
        kind: "source" as const,
        replayable: false,
        *open() {
          yield { type: "elements" as const, values: [{ ts: 1 }] };
          clock.advance(6);
          yield { type: "elements" as const, values: [{ ts: 2 }] };
        },
      };
      const rs = await stream(events, { clock }).withEventTime((e) => e.ts, { maxOutOfOrderness: 100 })
        .window(tumbling(10), { trigger: afterWatermark({ early: afterProcessingTime(5) }) }).aggregate(count())
        .toArray();
      assertEquals(rs.map((r) => `${r.value} ${r.pane.timing}`), ["2 early", "0 on-time"]);
      assertThrows(() => clock.advance(-1), RangeError, "advance processing time");
      assertThrows(() => stream([1], { clock: {} as never }), TypeError, "now()");
    },
  },
  {
    name: "processing-time events on the wall clock are refused with the reason",
    async run() {
      const source = {
        kind: "source" as const,
        replayable: false,
        *open() {
          yield { type: "processing-time" as const, advanceBy: 5 };
        },
      };
      await assertRejects(() => stream(source).toArray(), TypeError, "ManualClock");
    },
  },
  {
    name: "repeatedly(afterCount) in the global window fires once per chunk that reaches the count",
    async run() {
      const s = TestStream.create<string>().addElements(el(1), el(2)).addElements(el(3)).addElements(
        el(4),
        el(5),
        el(6),
      ).advanceWatermarkToInfinity();
      const rs = await run(s, global(), { trigger: repeatedly(afterCount(2)) });
      // the second pane holds 3, 4, 5, 6: element 3 was not emitted yet (discarding)
      assertEquals(panes(rs), ["2 early#0(-1) first", "4 early#1(-1)", "0 on-time#2(0) final"]);
    },
  },
  {
    name: "orFinally fires with its trigger and finishes when until fires",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(2)).addElements(el(3)).addElements(el(4))
        .advanceWatermarkToInfinity();
      const rs = await run(s, global(), {
        trigger: orFinally(repeatedly(afterCount(1)), afterCount(3)),
        accumulation: "accumulating",
        onLate: () => {},
      });
      assertEquals(panes(rs), ["1 early#0(-1) first", "2 early#1(-1)", "3 early#2(-1) final"]);
    },
  },
  {
    name: "afterEach runs its triggers in sequence",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(2)).addElements(el(3)).addElements(el(4))
        .advanceWatermarkToInfinity();
      const rs = await run(s, global(), {
        trigger: afterEach(afterCount(1), afterCount(2)),
        accumulation: "accumulating",
        onLate: () => {},
      });
      assertEquals(panes(rs), ["1 early#0(-1) first", "3 early#1(-1) final"]);
    },
  },
  {
    name: "afterAll waits for every trigger; afterAny for the first",
    async run() {
      const all = TestStream.create<string>().addElements(el(1)).addElements(el(2)).advanceProcessingTime(6)
        .advanceWatermarkToInfinity();
      assertEquals(panes(await run(all, global(), { trigger: afterAll(afterCount(2), afterProcessingTime(5)) })), [
        "2 early#0(-1) first final",
      ]);
      const any = TestStream.create<string>().addElements(el(1)).advanceProcessingTime(6).advanceWatermarkToInfinity();
      assertEquals(panes(await run(any, global(), { trigger: afterAny(afterCount(3), afterProcessingTime(5)) })), [
        "1 early#0(-1) first final",
      ]);
    },
  },
  {
    name: "never() emits only the final pane when the window expires",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(2)).advanceWatermarkTo(10);
      assertEquals(panes(await run(s, tumbling(10), { trigger: never() })), ["2 on-time#0(0) first final"]);
    },
  },
  {
    name: "closing fire-always emits an empty final pane",
    async run() {
      const s = () => TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10);
      const base = { trigger: repeatedly(afterCount(1)), onTime: "fire-if-non-empty" } as const;
      assertEquals(panes(await run(s(), tumbling(10), base)), ["1 early#0(-1) first"]);
      assertEquals(panes(await run(s(), tumbling(10), { ...base, closing: "fire-always" })), [
        "1 early#0(-1) first",
        "0 on-time#1(0) final",
      ]);
    },
  },
  {
    name: "outputMode update emits changed windows after each chunk, accumulating",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(2)).advanceWatermarkTo(10);
      assertEquals(panes(await run(s, tumbling(10), { outputMode: "update" })), [
        "1 early#0(-1) first",
        "2 early#1(-1)",
      ]);
    },
  },
  {
    name: "outputMode append emits one final pane per window",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(2)).advanceWatermarkTo(10);
      assertEquals(panes(await run(s, tumbling(10), { outputMode: "append" })), ["2 on-time#0(0) first final"]);
    },
  },
  {
    name: "outputMode complete emits the whole table after each chunk",
    async run() {
      const s = TestStream.create<string>().addElements(el(1), el(12)).addElements(el(3));
      const rs = await run(s, tumbling(10), { outputMode: "complete" });
      assertEquals(rs.map((r) => `${r.window.start}=${r.value}`).sort(), ["0=1", "0=2", "10=1", "10=1"]);
    },
  },
  {
    name: "timestampCombiner earliest and latest",
    async run() {
      const s = () => TestStream.create<string>().addElements(el(3), el(7), el(5)).advanceWatermarkTo(10);
      assertEquals((await run(s(), tumbling(10), { timestampCombiner: "earliest" })).map((r) => r.timestamp), [3]);
      assertEquals((await run(s(), tumbling(10), { timestampCombiner: "latest" })).map((r) => r.timestamp), [7]);
      assertEquals((await run(s(), tumbling(10))).map((r) => r.timestamp), [9]);
    },
  },
  {
    name: "outputMode and an explicit trigger cannot be combined",
    run() {
      let err: unknown;
      try {
        stream([1]).window(tumbling(10), { outputMode: "update", trigger: never() });
      } catch (e) {
        err = e;
      }
      assertEquals(err instanceof TypeError, true);
    },
  },
] satisfies Scenario[];
