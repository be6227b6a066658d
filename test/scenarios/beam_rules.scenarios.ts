// The rules weir takes from Beam Java's runners/core-java (ReduceFnRunner, WatermarkHold, PaneInfoTracker,
// MergingActiveWindowSet, the trigger state machines), one or more scenarios per rule. Each names the
// Beam method the rule comes from. Times are ms; a window [s, e) has Beam's maxTimestamp e - 1.
import {
  afterCount,
  afterEach,
  afterWatermark,
  afterWatermarkProgress,
  count,
  global,
  InvalidElementError,
  never,
  repeatedly,
  session,
  sliding,
  stream,
  sum,
  tumbling,
  type WindowAssigner,
  type WindowOptions,
  type WindowResult,
} from "../../mod.ts";
import { readAll, TestStream } from "../../src/testing/mod.ts";
import { assertEquals, assertRejects } from "../_assert.ts";
import { el, pane, panes } from "./_panes.ts";
import type { Scenario } from "./_scenario.ts";

const withWindow = (rs: WindowResult<unknown, unknown>[]) =>
  rs.map((r) => `[${r.window.start},${r.window.end}) ${pane(r)}`);

function run(script: TestStream<string>, assigner: WindowAssigner, options: WindowOptions<string> = {}) {
  return readAll(stream(script).window(assigner, options).aggregate(count()));
}

export default [
  // ---- 1. Garbage collection in one step (ReduceFnRunner.onTimers, WindowActivation) ----
  {
    name: "GC in one step: a watermark jump past end + lateness gives one final on-time pane",
    async run() {
      const s = () => TestStream.create<string>().addElements(el(1), el(2)).advanceWatermarkTo(100);
      const o = { allowedLateness: 5 };
      assertEquals(panes(await run(s(), tumbling(10), o)), ["2 on-time#0(0) first final"]);
      // closing "fire-always" adds no empty late pane after it
      assertEquals(panes(await run(s(), tumbling(10), { ...o, closing: "fire-always" })), [
        "2 on-time#0(0) first final",
      ]);
    },
  },
  {
    name: "GC in one step: every window of a bounded input has exactly one pane, on time and final",
    async run() {
      const rs = await readAll(
        stream([{ ts: 1 }, { ts: 15 }, { ts: 3 }, { ts: 27 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 100 })
          .window(tumbling(10), { allowedLateness: 1_000 }).aggregate(count()),
      );
      assertEquals(withWindow(rs), [
        "[0,10) 2 on-time#0(0) first final",
        "[10,20) 1 on-time#0(0) first final",
        "[20,30) 1 on-time#0(0) first final",
      ]);
    },
  },
  {
    name: "GC in one step after early panes: the final pane is the on-time one, empty or not",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(100);
      const rs = await run(s, tumbling(10), { trigger: afterWatermark({ early: afterCount(1) }), allowedLateness: 5 });
      assertEquals(panes(rs), ["1 early#0(-1) first", "0 on-time#1(0) final"]);
    },
  },
  {
    name:
      "GC after an on-time pane and late data: one late pane per bundle, then an empty final pane only with fire-always",
    async run() {
      const s = () =>
        TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).addElements(el(2)).advanceWatermarkTo(
          100,
        );
      assertEquals(panes(await run(s(), tumbling(10), { allowedLateness: 5 })), [
        "1 on-time#0(0) first",
        "1 late#1(1)",
      ]);
      assertEquals(panes(await run(s(), tumbling(10), { allowedLateness: 5, closing: "fire-always" })), [
        "1 on-time#0(0) first",
        "1 late#1(1)",
        "0 late#2(2) final",
      ]);
    },
  },
  // ---- 2. Output timestamps and watermark holds (WatermarkHold.addElementHold, extractAndRelease) ----
  {
    name: "holds: an element behind the output watermark holds nothing and is not in the pane's timestamp",
    async run() {
      //  W=7 when 2 and 8 arrive in [0,10): 2 is behind the output watermark (7), 8 holds
      const s = () =>
        TestStream.create<string>().advanceWatermarkTo(7).addElements(el(2), el(8)).advanceWatermarkTo(10);
      assertEquals((await run(s(), tumbling(10), { timestampCombiner: "earliest" })).map((r) => r.timestamp), [8]);
      const only = TestStream.create<string>().advanceWatermarkTo(7).addElements(el(2)).advanceWatermarkTo(10);
      assertEquals((await run(only, tumbling(10), { timestampCombiner: "earliest" })).map((r) => r.timestamp), [9]);
    },
  },
  {
    name: "holds: late data holds nothing, so a late pane's timestamp is the window's max timestamp",
    async run() {
      const s = TestStream.create<string>().addElements(el(4)).advanceWatermarkTo(10).addElements(el(2))
        .advanceWatermarkToInfinity();
      const rs = await run(s, tumbling(10), { allowedLateness: 50, timestampCombiner: "earliest" });
      assertEquals(rs.map((r) => `${r.pane.timing} ${r.timestamp}`), ["on-time 4", "late 9"]);
    },
  },
  {
    name: "holds clear at every firing: an on-time pane after an early pane with no new data gets end - 1",
    async run() {
      const s = TestStream.create<string>().addElements(el(3)).advanceWatermarkTo(10);
      const rs = await run(s, tumbling(10), {
        trigger: afterWatermark({ early: afterCount(1) }),
        timestampCombiner: "earliest",
      });
      assertEquals(rs.map((r) => `${r.pane.timing} ${r.timestamp}`), ["early 3", "on-time 9"]);
    },
  },
  {
    name: "holds: results windowed again (10 ms → 100 ms) are never late downstream",
    async run() {
      const late: unknown[] = [];
      const events = Array.from({ length: 60 }, (_, i) => ({ ts: (i * 37) % 300 }));
      const rs = await readAll(
        stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 300 })
          .window(tumbling(10), { timestampCombiner: "earliest" }).aggregate(count())
          .window(tumbling(100), { onLate: (r) => late.push(r) }).aggregate(
            sum((r: WindowResult<null, number>) => r.value),
          ),
      );
      assertEquals(late, []);
      assertEquals(rs.map((r) => `${r.window.start}=${r.value}`), ["0=22", "100=18", "200=20"]);
    },
  },
  // ---- 3. Merged sessions start a new pane history (ReduceFnRunner.OnMergeCallback.onMerge) ----
  {
    name:
      "merged sessions: a merge result that is a new window starts at pane 0; one inside an existing window continues",
    async run() {
      //  [1,11) early → t=5 merges into the new window [1,15): index 0 again → t=3 lies inside [1,15): index 1
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(5)).addElements(el(3)).advanceWatermarkTo(
        100,
      );
      const rs = await run(s, session(10), {
        trigger: afterWatermark({ early: afterCount(1) }),
        accumulation: "accumulating",
      });
      assertEquals(withWindow(rs), [
        "[1,11) 1 early#0(-1) first",
        "[1,15) 2 early#0(-1) first",
        "[1,15) 3 early#1(-1)",
        "[1,15) 3 on-time#2(0) final",
      ]);
    },
  },
  // ---- 4. A closed window stays closed until GC (ReduceFnRunner.processElement, isClosed) ----
  {
    name: "closed windows: after the trigger finished, elements for the window go to onLate as window-closed",
    async run() {
      const reasons: string[] = [];
      const s = TestStream.create<string>().addElements(el(1), el(2)).addElements(el(3)).advanceWatermarkTo(200);
      const rs = await run(s, tumbling(10), {
        trigger: afterCount(2),
        allowedLateness: 100,
        onLate: (_e, i) => reasons.push(i.reason),
      });
      assertEquals(panes(rs), ["2 early#0(-1) first final"]);
      assertEquals(reasons, ["window-closed"]);
    },
  },
  {
    name: "closed sessions poison only an identical window (testMergingWithClosedDoesNotPoison)",
    async run() {
      const reasons: string[] = [];
      //  [1,11) fires and closes; t=1 again is exactly [1,11): dropped; t=5 opens [5,15) beside it
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(1)).addElements(el(5)).advanceWatermarkTo(
        200,
      );
      const rs = await run(s, session(10), {
        trigger: afterCount(1),
        allowedLateness: 100,
        onLate: (_e, i) => reasons.push(i.reason),
      });
      assertEquals(withWindow(rs), ["[1,11) 1 early#0(-1) first final", "[5,15) 1 early#0(-1) first final"]);
      assertEquals(reasons, ["window-closed"]);
    },
  },
  {
    name: "closed windows open again after garbage collection only as new, too-late windows: dropped as late",
    async run() {
      const reasons: string[] = [];
      const s = TestStream.create<string>().addElements(el(1)).addElements(el(2)).advanceWatermarkTo(60).addElements(
        el(3),
      );
      await run(s, tumbling(10), {
        trigger: afterCount(1),
        allowedLateness: 50,
        onLate: (_e, i) => reasons.push(i.reason),
      });
      assertEquals(reasons, ["window-closed", "late"]);
    },
  },
  // ---- 5. End-of-window timers only where a trigger asks (AfterWatermarkStateMachine.onElement) ----
  {
    name:
      "a window created late gets no end-of-window timer: afterEach's afterWatermark fires only on its next element",
    async run() {
      //  W=20 before the first element of [0,10): afterCount(1) fires a late pane; afterWatermark saw no
      //  element, so no timer wakes it at W=30; the next element fires it (and finishes the trigger)
      const s = TestStream.create<string>().advanceWatermarkTo(20).addElements(el(5)).advanceWatermarkTo(30)
        .addElements(el(6))
        .advanceWatermarkTo(40).addElements(el(7)).advanceWatermarkToInfinity();
      const reasons: string[] = [];
      const rs = await run(s, tumbling(10), {
        trigger: afterEach(afterCount(1), afterWatermark()),
        allowedLateness: 100,
        closing: "fire-always",
        onLate: (_e, i) => reasons.push(i.reason),
      });
      assertEquals(panes(rs), ["1 late#0(0) first", "1 late#1(1) final"]);
      assertEquals(reasons, ["window-closed"]);
    },
  },
  {
    name:
      "never(): no end-of-window timer, one final pane at end + lateness, on time while the first element's hold lasts",
    async run() {
      //  t=1 arrives before the end and holds the output watermark at 9 until the window fires at W=15:
      //  the output watermark never passed the window, so its only pane is on time
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).addElements(el(2))
        .advanceWatermarkTo(14)
        .advanceWatermarkTo(15);
      assertEquals(panes(await run(s, tumbling(10), { trigger: never(), allowedLateness: 5 })), [
        "2 on-time#0(0) first final",
      ]);
    },
  },
  // ---- 6. Pane timing follows the output watermark (PaneInfoTracker.describePane) ----
  {
    name:
      "pane timing: a window whose data came after its end is on time while another window's hold keeps the output watermark before it",
    async run() {
      type E = { k: string; ts: number };
      const script = () => TestStream.create<E>();
      const fire = (s: TestStream<E>) =>
        readAll(
          stream(s).keyBy((e) => e.k).window(tumbling(10), {
            trigger: never(),
            allowedLateness: 100,
            timestampCombiner: "earliest",
          }).aggregate(count()),
        );
      //  key a holds the output watermark at 1 until its window expires; key b's [10,20) first sees data at W=50
      const held = await fire(
        script().addElements({ value: { k: "a", ts: 1 }, timestamp: 1 }).advanceWatermarkTo(50)
          .addElements({ value: { k: "b", ts: 15 }, timestamp: 15 }).advanceWatermarkTo(1_000),
      );
      assertEquals(held.map((r) => `${r.key} ${r.pane.timing}`), ["a on-time", "b on-time"]);
      // without key a nothing holds the output watermark: b's pane is late
      const alone = await fire(
        script().advanceWatermarkTo(50).addElements({ value: { k: "b", ts: 15 }, timestamp: 15 }).advanceWatermarkTo(
          1_000,
        ),
      );
      assertEquals(alone.map((r) => `${r.key} ${r.pane.timing}`), ["b late"]);
    },
  },
  // ---- 7. The watermark moves per element, and so do timers ----
  {
    name: "per-element watermark: a session collected earlier in a chunk does not merge with a later element",
    async run() {
      //  bound 0: t=12 raises W to 12, which collects [0,10); t=5 then opens [5,15), merging with [12,22)
      const input = [{ ts: 0 }, { ts: 12 }, { ts: 5 }];
      const go = (chunkSize: number) =>
        readAll(
          stream(input, { chunkSize }).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(session(10), {
            onLate: () => {},
          }).aggregate(count()),
        );
      const expected = ["[0,10) 1 on-time#0(0) first final", "[5,22) 2 on-time#0(0) first final"];
      assertEquals(withWindow(await go(4096)), expected);
      assertEquals(withWindow(await go(1)), expected);
    },
  },
  // ---- 8. Deterministic order ----
  {
    name: "order: the panes of one element's sliding windows come out by ascending window start",
    async run() {
      const s = TestStream.create<string>().addElements(el(25)).advanceWatermarkTo(100);
      const rs = await run(s, sliding(30, 10), { trigger: afterWatermark({ early: afterCount(1) }) });
      assertEquals(rs.map((r) => `${r.window.start} ${r.pane.timing}`), [
        "0 early",
        "10 early",
        "20 early",
        "0 on-time",
        "10 on-time",
        "20 on-time",
      ]);
    },
  },
  // ---- 9. outputMode "complete" ----
  {
    name: "outputMode complete: every window after each chunk, including windows past the watermark",
    async run() {
      const s = TestStream.create<string>().addElements(el(1)).advanceWatermarkTo(10).addElements(el(12)).addElements(
        el(3),
      );
      const rs = await run(s, tumbling(10), { outputMode: "complete" });
      assertEquals(rs.map((r) => `${r.window.start}=${r.value}`), ["0=1", "0=1", "10=1", "0=2", "10=1"]);
    },
  },
  // ---- 10. Keys ----
  {
    name: "keys without a canonical form (Map, Set, function, symbol, class instance) are an InvalidElementError",
    async run() {
      class Point {
        constructor(readonly x: number) {}
      }
      const bad: unknown[] = [new Map([[1, 2]]), new Set([1]), () => 1, Symbol("k"), new Point(1)];
      for (const k of bad) {
        const rs = readAll(
          stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy(() => k).window(tumbling(10))
            .aggregate(count()),
        );
        await assertRejects(() => rs, InvalidElementError, "key");
      }
      // plain objects, arrays, dates and primitives group by value
      const rs = await readAll(
        stream([{ ts: 1, k: { a: 1, b: [2] } }, { ts: 2, k: { b: [2], a: 1 } }]).withEventTime((e) => e.ts, {
          maxOutOfOrderness: 0,
        })
          .keyBy((e) => e.k).window(tumbling(10)).aggregate(count()),
      );
      assertEquals(rs.map((r) => r.value), [2]);
    },
  },
  // ---- 11. afterWatermarkProgress ----
  {
    name: "afterWatermarkProgress fires every interval of watermark progress in the global window",
    async run() {
      const s = TestStream.create<string>().addElements(el(1), el(5)).advanceWatermarkTo(10).addElements(el(12))
        .advanceWatermarkTo(25)
        .advanceWatermarkTo(28).addElements(el(29)).advanceWatermarkToInfinity();
      const rs = await run(s, global(), { trigger: afterWatermarkProgress(10) });
      //  next multiples: 10 (fires with 1, 5), 20 (fires with 12 at W=25), 30 (not reached before the end:
      //  29 comes out in the final pane when the global window expires)
      assertEquals(panes(rs), ["2 early#0(-1) first", "1 early#1(-1)", "1 on-time#2(0) final"]);
    },
  },
  {
    name: "sessions in a bundle: a late element of a key does not orphan the key's held elements",
    async run() {
      // Each bundle holds a@69 for the end of the bundle and drops a@0 as late. The key must stay:
      // before the fix the drop deleted it, a@69 went into a key no longer listed, and the second
      // bundle opened a second [69, 79): every pane came out twice.
      const late: number[] = [];
      const script = TestStream.create<{ k: string; ts: number }>().advanceWatermarkTo(10)
        .addElements({ value: { k: "a", ts: 69 }, timestamp: 69 }, { value: { k: "a", ts: 0 }, timestamp: 0 })
        .addElements({ value: { k: "a", ts: 69 }, timestamp: 69 }, { value: { k: "a", ts: 0 }, timestamp: 0 })
        .advanceWatermarkToInfinity();
      const rs = await readAll(
        stream(script).keyBy((e) => e.k).window(session(10), {
          trigger: repeatedly(afterCount(1)),
          onLate: (e) => void late.push(e.ts),
        }).aggregate(count()),
      );
      assertEquals(withWindow(rs), [
        "[69,79) 1 early#0(-1) first",
        "[69,79) 1 early#1(-1)",
        "[69,79) 0 on-time#2(0) final",
      ]);
      assertEquals(late, [0, 0]);
    },
  },
  // ---- Output watermark per element (WatermarkHold; every element its own bundle) ----
  {
    name:
      "results windowed again: a late pane is judged against the output watermark of its own element's step, however the input is chunked",
    async run() {
      // [390] opens [360, 400); then 320 is late for [320, 360) (within allowedLateness 40) and makes
      // a late pane (timestamp 359) behind the output watermark 360. The second window judges it
      // against the watermark emitted before that element's step (360: late, dropped), whether the
      // two elements arrive in one chunk or two.
      const events = [{ ts: 390 }, { ts: 320 }];
      const out: string[][] = [];
      for (const chunks of chunkingsOf(events)) {
        const late: number[] = [];
        const rs = await readAll(
          stream(sourceOf(chunks))
            .withEventTime((e) => e.ts, { maxOutOfOrderness: 30 })
            .window(tumbling(40), {
              trigger: afterWatermark({ late: afterCount(1) }),
              allowedLateness: 40,
              onLate: () => {},
            })
            .aggregate(count())
            .window(tumbling(120), { onLate: (r) => void late.push(r.timestamp) })
            .aggregate(count()),
        );
        out.push([...rs.map((r) => `[${r.window.start},${r.window.end}) ${r.value}`), `late ${late.join(",")}`]);
      }
      assertEquals(out[0], ["[360,480) 1", "late 359"]);
      assertEquals(out[1], out[0]);
    },
  },
  {
    name:
      "sessions: an open session whose hold (end - 1) is behind the input watermark holds the output watermark back (WatermarkHold.addElementHold)",
    async run() {
      // Session [174.25, 189.25) is still open at input watermark 189, and holds at its max timestamp
      // 188.25: the output watermark stays there, so its result (timestamp 188.25), windowed again, is on
      // time for [185.5, 189). Same with the default trigger and repeatedly(afterWatermark()), in one
      // chunk or one element per chunk.
      const events = [{ ts: 174.25 }, { ts: 194 }];
      for (const chunks of chunkingsOf(events)) {
        for (const trigger of [undefined, repeatedly(afterWatermark())]) {
          const late: number[] = [];
          const rs = await readAll(
            stream(sourceOf(chunks)).withEventTime((e) => e.ts, { maxOutOfOrderness: 5 })
              .window(session(15), { trigger }).aggregate(count())
              .window(tumbling(3.5), { onLate: (r) => void late.push(r.timestamp) }).aggregate(count()),
          );
          assertEquals(rs.map((r) => `[${r.window.start},${r.window.end}) ${r.value}`), [
            "[185.5,189) 1",
            "[206.5,210) 1",
          ]);
          assertEquals(late, []);
        }
      }
    },
  },
  {
    name:
      "results windowed again: a window fired by the watermark after a chunk carries the output watermark of the chunk's last element",
    async run() {
      // maxOutOfOrderness 1: 10.5 opens [10, 20) (holds at 19); 9.6 opens [0, 10) at watermark 9.5, past
      // its max timestamp 9, so it holds nothing; 10.8 and 11.2 raise the watermark to 9.8, then 10.2,
      // which fires [0, 10). A run of one element per step emitted 9.8 before that, so the result
      // (timestamp 9) is late for [0, 9.75) downstream, in one chunk too.
      const events = [{ ts: 10.5 }, { ts: 9.6 }, { ts: 10.8 }, { ts: 11.2 }];
      for (const chunks of chunkingsOf(events)) {
        for (const trigger of [undefined, repeatedly(afterWatermark())]) {
          const late: number[] = [];
          await readAll(
            stream(sourceOf(chunks)).withEventTime((e) => e.ts, { maxOutOfOrderness: 1 })
              .window(tumbling(10), { trigger }).aggregate(count())
              .window(tumbling(9.75), { onLate: (r) => void late.push(r.timestamp) }).aggregate(count()),
          );
          assertEquals(late, [9]);
        }
      }
    },
  },
] satisfies Scenario[];

/** The input in one chunk, and one element per chunk. */
function chunkingsOf<T>(events: T[]): T[][][] {
  return [[events], events.map((e) => [e])];
}

/** A source yielding `chunks` as they are. */
function sourceOf<T>(chunks: T[][]) {
  return {
    kind: "source" as const,
    replayable: false,
    *open() {
      for (const values of chunks) yield { type: "elements" as const, values };
    },
  };
}
