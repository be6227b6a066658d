/**
 * Apache Beam's windowing tests, ported to weir scenarios.
 *
 * Sources (apache/beam, the revisions stored in the code index):
 * - runners/core-java/src/test/java/org/apache/beam/runners/core/ReduceFnRunnerTest.java (010272b0)
 *   with ReduceFnTester.java (02d60355) for the tester's defaults;
 * - runners/core-java/src/test/java/org/apache/beam/runners/core/triggers/*StateMachineTest.java
 *   (AfterWatermark beb3039a, AfterEach 197823b8, AfterAll c1a491ad, AfterFirst 8a4a43a5,
 *   AfterPane 44fba3a5, Repeatedly 9f621535, OrFinally and DefaultTrigger f1abd75d,
 *   AfterProcessingTime 9068b66b, Never 89aa38d5) with TriggerStateMachineTester.java (7a823af3);
 * - sdks/python/apache_beam/transforms/trigger_transcripts.yaml (20687e83), only where Java agrees.
 * Every scenario names the Beam test it comes from; inputs and expected panes are Beam's.
 *
 * Translation conventions
 * - `tester.injectElements(...)` (and `injectElement(tester, n)`, i.e. value n at time n) is one
 *   bundle, so one `TestStream.addElements(...)` chunk. `advanceInputWatermark(t)` is
 *   `advanceWatermarkTo(t)`. Beam's `advanceProcessingTime(t)` is absolute; weir's is a delta from
 *   the virtual clock, which starts at 0, so `advanceProcessingTime(new Instant(0))` is omitted.
 * - Windows: Beam's maxTimestamp is end - 1. Beam fires the end-of-window timer when the input
 *   watermark is past maxTimestamp (weir: W >= end) and drops as too late when maxTimestamp +
 *   allowedLateness < W (weir: W >= end + allowedLateness). Beam tests use integer ms, so the
 *   numbers carry over unchanged.
 * - Processing time: Beam's `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(d)` fires when
 *   processing time is strictly after first + d (`isAfter`, and InMemoryTimerInternals fires timers
 *   only when the time is strictly after them); so does weir's `afterProcessingTime(d)`.
 * - `ReduceFnTester.nonCombining(windowFn, trigger, mode, lateness, closing)` uses
 *   TimestampCombiner.EARLIEST; the strategy-based testers use the strategy's combiner.
 * - Beam's `PaneInfo.createPane(isFirst = true, ...)` ignores its index arguments: a first pane has
 *   index 0 and nonSpeculativeIndex -1 if EARLY, else 0. Panes are written
 *   `value timing#index(nonSpeculativeIndex)[ first][ final] @timestamp [start,end)`, keeping only the
 *   parts the Beam test asserts. Non-combining (Iterable) outputs are compared as sorted arrays
 *   (Beam uses containsInAnyOrder).
 * - Mocked triggers: where a ReduceFnRunnerTest drives a mock trigger, the mock is replaced by a real
 *   trigger that fires (and finishes) at exactly the same steps; each such scenario says which. Tests
 *   whose outcome depends on the mock's no-op merge or on explicit timer firing are not ported.
 * - Trigger state machine tests: the TriggerStateMachineTester fires only when the test calls
 *   fireIfShouldFire, while weir fires as soon as a trigger is ready after each step; so
 *   "shouldFire true, then fireIfShouldFire" is a pane at that step, "shouldFire false" is no pane,
 *   and `isMarkedFinished(window)` after a firing is that pane's isFinal. The tester never
 *   garbage-collects windows, so these scenarios use a large allowedLateness (`NO_GC`). The tester
 *   merges session windows only on `mergeWindows()`, weir on arrival: only tests where that makes no
 *   difference are ported.
 * - Python transcripts: that revision's runner compares only window, values and timestamp, and its
 *   end-of-window timestamp was window.end; Java's is end - 1 (ReduceFnRunnerTest asserts 9 for
 *   [0, 10)), so end-of-window timestamps are written the Java way.
 * - The panes that one firing produces for several windows come out by ascending window start.
 */
import {
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  collect as gather,
  count,
  defaultTrigger,
  global,
  type LateInfo,
  never,
  orFinally,
  repeatedly,
  session,
  sliding,
  stream,
  sum,
  type Trigger,
  tumbling,
  type WindowAssigner,
  type WindowOptions,
  type WindowResult,
} from "../../mod.ts";
import { readAll, TestStream } from "../../src/testing/mod.ts";
import { assertEquals } from "../_assert.ts";
import type { Scenario } from "./_scenario.ts";

// ---------------------------------------------------------------------------------------------
// Script and pipeline helpers

/** An element: a number `n` is value n at time n (Beam's `injectElement(tester, n)`); a pair is `[timestamp, value]`. */
type In = number | readonly [timestamp: number, value: number];
type Step = { readonly add: readonly In[] } | { readonly wm: number } | { readonly pt: number };

/** One bundle (`tester.injectElements(...)`). */
const add = (...xs: In[]): Step => ({ add: xs });
/** `tester.advanceInputWatermark(t)`; `Infinity` ends the script (`BoundedWindow.TIMESTAMP_MAX_VALUE`). */
const wm = (t: number): Step => ({ wm: t });
/** Advances processing time by `ms` (a delta). */
const pt = (ms: number): Step => ({ pt: ms });

/** Beam's `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(d)` (fires when pt > first + d). */
const beamDelay = (d: number): Trigger => afterProcessingTime(d);

/** allowedLateness for ports of trigger state machine tests, whose tester never garbage-collects. */
const NO_GC = 1_000_000;

const MINUTE = 60_000;

function script(steps: readonly Step[]): TestStream<number> {
  const s = TestStream.create<number>();
  for (const st of steps) {
    if ("add" in st) {
      s.addElements(
        ...st.add.map((x) => (typeof x === "number" ? { value: x, timestamp: x } : { value: x[1], timestamp: x[0] })),
      );
    } else if ("wm" in st) {
      if (st.wm === Infinity) s.advanceWatermarkToInfinity();
      else s.advanceWatermarkTo(st.wm);
    } else {
      s.advanceProcessingTime(st.pt);
    }
  }
  return s;
}

/** `values` buffers the elements (Beam's nonCombining tester), `sum` is Sum.ofIntegers(), `count` counts. */
type Agg = "values" | "sum" | "count";
type R = WindowResult<null, unknown>;

async function run(
  steps: readonly Step[],
  assigner: WindowAssigner,
  options: WindowOptions<number>,
  agg: Agg,
): Promise<R[]> {
  const w = stream(script(steps)).window(assigner, options);
  if (agg === "sum") return await readAll(w.aggregate(sum()));
  if (agg === "count") return await readAll(w.aggregate(count()));
  return await readAll(w.aggregate(gather<number>()));
}

/**
 * What each step emitted: runs every prefix of the script (a TestStream that does not end with
 * `advanceWatermarkToInfinity()` fires nothing more at its end) and keeps the new results.
 */
async function stepwise(
  steps: readonly Step[],
  assigner: WindowAssigner,
  options: WindowOptions<number>,
  agg: Agg,
  show: (r: R) => string,
): Promise<string[][]> {
  const out: string[][] = [];
  let before: string[] = [];
  for (let k = 1; k <= steps.length; k++) {
    const all = (await run(steps.slice(0, k), assigner, options, agg)).map(show);
    assertEquals(
      all.slice(0, before.length),
      before,
      `the run of steps 1..${k} should start with what steps 1..${k - 1} emitted`,
    );
    out.push(all.slice(before.length));
    before = all;
  }
  return out;
}

interface Drop {
  value: number;
  reason: LateInfo["reason"];
}

/** Runs the whole script once and returns what went to `onLate`. */
async function drops(
  steps: readonly Step[],
  assigner: WindowAssigner,
  options: WindowOptions<number>,
): Promise<Drop[]> {
  const out: Drop[] = [];
  await run(
    steps,
    assigner,
    { ...options, onLate: (value, info) => out.push({ value, reason: info.reason }) },
    "count",
  );
  return out;
}

// Result descriptions (only the parts a Beam test asserts)
const vals = (
  v: unknown,
): string => (Array.isArray(v) ? `[${[...(v as number[])].sort((a, b) => a - b).join(",")}]` : JSON.stringify(v));
const win = (r: R): string => `[${r.window.start},${r.window.end})`;
const info = (r: R): string =>
  `${r.pane.timing}#${r.pane.index}(${r.pane.nonSpeculativeIndex})${r.pane.isFirst ? " first" : ""}${
    r.pane.isFinal ? " final" : ""
  }`;
/** value, pane info, timestamp, window */
const full = (r: R): string => `${vals(r.value)} ${info(r)} @${r.timestamp} ${win(r)}`;
/** value, timestamp, window (`isSingleWindowedValue(value, timestamp, start, end)`) */
const valTsWin = (r: R): string => `${vals(r.value)} @${r.timestamp} ${win(r)}`;
/** value and pane info */
const valInfo = (r: R): string => `${vals(r.value)} ${info(r)}`;
/** window and whether the trigger finished (isMarkedFinished) */
const winFinal = (r: R): string => `${win(r)}${r.pane.isFinal ? " final" : ""}`;

/** The trigger of ReduceFnRunnerTest's testEmptyOnTime* and testProcessingTime tests. */
const speculativeOnTimeLate = (): Trigger =>
  afterEach(orFinally(repeatedly(beamDelay(5)), afterWatermark()), repeatedly(beamDelay(25)));
/** Four elements of value 1 at times 1, 3, 7, 5 (testEmptyOnTime*, testProcessingTime). */
const fourOnes = add([1, 1], [3, 1], [7, 1], [5, 1]);

// ---------------------------------------------------------------------------------------------

const reduceFnRunner: Scenario[] = [
  {
    name:
      "ReduceFnRunnerTest.testProcessingTimeTimerDoesNotGc: a processing-time firing is an early pane, not the end of the window",
    async run() {
      const rs = await run([pt(5000), add(2), add(5), pt(5000)], tumbling(100), {
        timestampCombiner: "earliest",
        accumulation: "accumulating",
        allowedLateness: 0,
        trigger: repeatedly(beamDelay(10)),
      }, "sum");
      assertEquals(rs.map(full), ["7 early#0(-1) first @2 [0,100)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testOnElementBufferingDiscarding: discarding panes, then elements for the finished window are dropped",
    async run() {
      // mock: fires after the 2nd bundle, fires and finishes after the 3rd = afterEach(afterCount(2), afterCount(1))
      const steps = [add(1), add(2), add(3), add(4)];
      const options: WindowOptions<number> = {
        trigger: afterEach(afterCount(2), afterCount(1)),
        accumulation: "discarding",
        allowedLateness: 100,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      };
      assertEquals(await stepwise(steps, tumbling(10), options, "values", valTsWin), [[], ["[1,2] @1 [0,10)"], [
        "[3] @3 [0,10)",
      ], []]);
      // DROPPED_DUE_TO_CLOSED_WINDOW == 1
      assertEquals(await drops(steps, tumbling(10), options), [{ value: 4, reason: "window-closed" }]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testOnElementBufferingAccumulating: accumulating panes; the later pane's timestamp comes from the new element only",
    async run() {
      // mock: fires after the 2nd bundle, fires and finishes after the 3rd = afterEach(afterCount(2), afterCount(1))
      const rs = await run([add(1), add(2), add(3), add(4)], tumbling(10), {
        trigger: afterEach(afterCount(2), afterCount(1)),
        accumulation: "accumulating",
        allowedLateness: 100,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
        onLate: () => {},
      }, "values");
      assertEquals(rs.map(valTsWin), ["[1,2] @1 [0,10)", "[1,2,3] @3 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testSessionEowAndGcTogether: passing end of window and expiry at once gives one final on-time pane",
    async run() {
      const rs = await run([wm(0), add(1), wm(100)], session(10), {
        trigger: defaultTrigger(),
        accumulation: "accumulating",
        allowedLateness: 50,
        closing: "fire-always",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(full), ["[1] on-time#0(0) first final @1 [1,11)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testFixedWindowsEowAndGcTogether: passing end of window and expiry at once gives one final on-time pane",
    async run() {
      const rs = await run([wm(0), add(1), wm(100)], tumbling(10), {
        trigger: defaultTrigger(),
        accumulation: "accumulating",
        allowedLateness: 50,
        closing: "fire-always",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(full), ["[1] on-time#0(0) first final @1 [0,10)"]);
    },
  },
  {
    name: "ReduceFnRunnerTest.testFixedWindowsEowAndGcTogetherFireIfNonEmpty: same with closing fire-if-non-empty",
    async run() {
      const rs = await run([wm(0), add(1), wm(100)], tumbling(10), {
        trigger: defaultTrigger(),
        accumulation: "accumulating",
        allowedLateness: 50,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(full), ["[1] on-time#0(0) first final @1 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testOnlyOneOnTimePane: the default trigger labels the pane for later data late, not on-time",
    async run() {
      const rs = await run([wm(0), add([1, 1]), wm(10), add([3, 3])], tumbling(10), {
        trigger: defaultTrigger(),
        accumulation: "accumulating",
        allowedLateness: 100,
      }, "sum");
      assertEquals(rs.map(valInfo), ["1 on-time#0(0) first", "4 late#1(1)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testOnElementCombiningDiscarding: discarding sums with earliest timestamps; the finished window drops later data",
    async run() {
      // mock: fires after the 2nd bundle, fires and finishes after the 3rd = afterEach(afterCount(2), afterCount(1))
      const rs = await run([add(2), add(3), add(4), add(6)], tumbling(10), {
        trigger: afterEach(afterCount(2), afterCount(1)),
        accumulation: "discarding",
        allowedLateness: 100,
        timestampCombiner: "earliest",
        onLate: () => {},
      }, "sum");
      assertEquals(rs.map(valTsWin), ["5 @2 [0,10)", "4 @4 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testCombiningAccumulatingProcessingTimeSeparateBundles: a processing-time timer after expiry emits nothing",
    async run() {
      const rs = await run([pt(5000), add(2), add(5), wm(100), pt(11)], tumbling(100), {
        timestampCombiner: "earliest",
        accumulation: "accumulating",
        allowedLateness: 0,
        trigger: repeatedly(beamDelay(10)),
      }, "sum");
      assertEquals(rs.map(full), ["7 on-time#0(0) first final @2 [0,100)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testCombiningAccumulatingEventTime: end-of-window and expiry together make the on-time pane final",
    async run() {
      const rs = await run([add(2), add(5), wm(1000)], tumbling(100), {
        timestampCombiner: "earliest",
        accumulation: "accumulating",
        allowedLateness: 1,
        trigger: repeatedly(afterWatermark()),
      }, "sum");
      assertEquals(rs.map(full), ["7 on-time#0(0) first final @2 [0,100)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testOnElementCombiningAccumulating: accumulating sums; the finished window drops later data",
    async run() {
      // mock: fires after the 2nd bundle, fires and finishes after the 3rd = afterEach(afterCount(2), afterCount(1))
      const rs = await run([add(1), add(2), add(3), add(4)], tumbling(10), {
        trigger: afterEach(afterCount(2), afterCount(1)),
        accumulation: "accumulating",
        allowedLateness: 100,
        timestampCombiner: "earliest",
        onLate: () => {},
      }, "sum");
      assertEquals(rs.map(valTsWin), ["3 @1 [0,10)", "6 @3 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testPaneInfoAllStatesAfterWatermark: early, empty on-time and empty final late pane (discarding)",
    async run() {
      const out = await stepwise(
        [wm(0), add(1, 2), wm(50), wm(150)],
        tumbling(10),
        {
          trigger: repeatedly(afterAny(afterCount(2), afterWatermark())),
          accumulation: "discarding",
          allowedLateness: 100,
          timestampCombiner: "earliest",
          closing: "fire-always",
        },
        "values",
        full,
      );
      assertEquals(out, [
        [],
        ["[1,2] early#0(-1) first @1 [0,10)"],
        ["[] on-time#1(0) @9 [0,10)"],
        ["[] late#2(1) final @9 [0,10)"],
      ]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testPaneInfoAllStatesAfterWatermarkAccumulating: early, on-time and final late pane (accumulating)",
    async run() {
      const out = await stepwise(
        [wm(0), add(1, 2), wm(50), wm(150)],
        tumbling(10),
        {
          trigger: repeatedly(afterAny(afterCount(2), afterWatermark())),
          accumulation: "accumulating",
          allowedLateness: 100,
          timestampCombiner: "earliest",
          closing: "fire-always",
        },
        "values",
        full,
      );
      assertEquals(out, [
        [],
        ["[1,2] early#0(-1) first @1 [0,10)"],
        ["[1,2] on-time#1(0) @9 [0,10)"],
        ["[1,2] late#2(1) final @9 [0,10)"],
      ]);
    },
  },
  {
    name: "ReduceFnRunnerTest.noEmptyPanesFinalIfNonEmpty: no final pane at expiry when nothing new arrived",
    async run() {
      const rs = await run([wm(0), add(1, 2), wm(20), wm(250)], tumbling(10), {
        trigger: repeatedly(afterAny(afterCount(2), afterWatermark())),
        accumulation: "accumulating",
        allowedLateness: 100,
        timestampCombiner: "earliest",
        closing: "fire-if-non-empty",
      }, "values");
      assertEquals(rs.map(valTsWin), ["[1,2] @1 [0,10)", "[1,2] @9 [0,10)"]);
    },
  },
  {
    name: "ReduceFnRunnerTest.noEmptyPanesFinalAlways: closing fire-always adds the final pane at expiry",
    async run() {
      const rs = await run([wm(0), add(1, 2), wm(20), wm(250)], tumbling(10), {
        trigger: repeatedly(afterAny(afterCount(2), afterWatermark())),
        accumulation: "accumulating",
        allowedLateness: 100,
        timestampCombiner: "earliest",
        closing: "fire-always",
      }, "values");
      assertEquals(rs.map(valTsWin), ["[1,2] @1 [0,10)", "[1,2] @9 [0,10)", "[1,2] @9 [0,10)"]);
    },
  },
  {
    name: "ReduceFnRunnerTest.testNoWatermarkTriggerNoHold (output part only): a processing-time trigger fires once",
    async run() {
      // the test's watermark-hold assertions are internal; it checks getOutputSize() == 1 after 6 s
      const rs = await run([wm(0), add(1), pt(6000)], tumbling(10), {
        trigger: repeatedly(beamDelay(5000)),
        allowedLateness: 24 * 60 * MINUTE,
      }, "values");
      assertEquals(rs.length, 1);
    },
  },
  {
    name: "ReduceFnRunnerTest.testPaneInfoFinalAndOnTime: orFinally(afterWatermark) makes the on-time pane final",
    async run() {
      const out = await stepwise(
        [wm(0), add(1, 2), wm(150)],
        tumbling(10),
        {
          trigger: orFinally(repeatedly(afterCount(2)), afterWatermark()),
          accumulation: "discarding",
          allowedLateness: 100,
          closing: "fire-always",
        },
        "values",
        info,
      );
      assertEquals(out, [[], ["early#0(-1) first"], ["on-time#1(0) final"]]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testPaneInfoSkipToFinish: a trigger that fires and finishes at once gives an early, first and final pane",
    async run() {
      // mock: fires and finishes on the first bundle = afterCount(1)
      const rs = await run([wm(0), add(1)], tumbling(10), {
        trigger: afterCount(1),
        accumulation: "discarding",
        allowedLateness: 100,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(info), ["early#0(-1) first final"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testPaneInfoSkipToNonSpeculativeAndFinish: the same past the end of the window gives a late, first and final pane",
    async run() {
      // mock: fires and finishes on the first bundle = afterCount(1)
      const rs = await run([wm(15), add(1)], tumbling(10), {
        trigger: afterCount(1),
        accumulation: "discarding",
        allowedLateness: 100,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(info), ["late#0(0) first final"]);
    },
  },
  {
    name: "ReduceFnRunnerTest.testMergeBeforeFinalizing: sessions merge before the pane is produced",
    async run() {
      // mock never fires = never()
      const rs = await run([add(1, 10), wm(100)], session(10), {
        trigger: never(),
        accumulation: "discarding",
        allowedLateness: 0,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(full), ["[1,10] on-time#0(0) first final @1 [1,20)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testMergingWithCloseBeforeGC: a session closed by its trigger emits nothing more at expiry",
    async run() {
      // mock: silent after the bundle, fires and finishes at the end-of-window timer = afterWatermark()
      const rs = await run([add(1, 10), wm(30), wm(100)], session(10), {
        trigger: afterWatermark(),
        accumulation: "discarding",
        allowedLateness: 50,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(full), ["[1,10] on-time#0(0) first final @1 [1,20)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testMergingWithReusedWindow: an element whose session equals a closed session is dropped as window-closed",
    async run() {
      // mock: fires and finishes at the end-of-window timer = afterWatermark()
      const steps = [add(1), wm(15), add(1), wm(100)];
      const options: WindowOptions<number> = {
        trigger: afterWatermark(),
        accumulation: "discarding",
        allowedLateness: 50,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      };
      assertEquals((await run(steps, session(10), { ...options, onLate: () => {} }, "values")).map(full), [
        "[1] on-time#0(0) first final @1 [1,11)",
      ]);
      // "Should be discarded with 'window closed'" (the test's comment; its assertion is the single pane above)
      assertEquals(await drops(steps, session(10), options), [{ value: 1, reason: "window-closed" }]);
    },
  },
  {
    name: "ReduceFnRunnerTest.testMergingWithClosedRepresentative: elements merging into a closed session are dropped",
    async run() {
      // mock: fires and finishes on the first bundle = afterCount(1)
      const steps = [add(1, 8), add(1, 2, 8), wm(100)];
      const options: WindowOptions<number> = {
        trigger: afterCount(1),
        accumulation: "discarding",
        allowedLateness: 50,
        closing: "fire-if-non-empty",
        timestampCombiner: "earliest",
      };
      assertEquals((await run(steps, session(10), { ...options, onLate: () => {} }, "values")).map(full), [
        "[1,8] early#0(-1) first final @1 [1,18)",
      ]);
      // "Should be discarded with 'window closed'" (the test's comment; its assertion is the single pane above)
      assertEquals(await drops(steps, session(10), options), [
        { value: 1, reason: "window-closed" },
        { value: 2, reason: "window-closed" },
        { value: 8, reason: "window-closed" },
      ]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testDropDataMultipleWindowsFinishedTrigger (whole-element part): data for sliding windows that all closed is dropped",
    async run() {
      // Beam counts drops per (element, window): 0, then 1 (14@60 misses only the closed [-30,70)), then 4
      // (16@40 misses its 3 closed windows). weir reports whole elements to onLate, so only 16 maps.
      const late = await drops(
        [add([23, 10], [40, 12]), wm(70), add([60, 14]), wm(130), add([40, 16])],
        sliding(100, 30),
        { trigger: afterWatermark(), allowedLateness: 1000 },
      );
      const reasons = (v: number) => late.filter((d) => d.value === v).map((d) => d.reason);
      assertEquals(reasons(10), []);
      assertEquals(reasons(12), []);
      assertEquals(reasons(16), ["window-closed"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testEmptyOnTimeFromOrFinally: an on-time pane fires even with nothing new since the early pane",
    async run() {
      const rs = await run([wm(0), fourOnes, pt(6), wm(11)], tumbling(10), {
        timestampCombiner: "earliest",
        trigger: speculativeOnTimeLate(),
        accumulation: "accumulating",
        allowedLateness: 100,
      }, "sum");
      assertEquals(rs.map(full), ["4 early#0(-1) first @1 [0,10)", "4 on-time#1(0) @9 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testEmptyOnTimeWithOnTimeBehaviorFireIfNonEmpty: no empty on-time pane; the final pane is late with nonSpeculativeIndex 0",
    async run() {
      const rs = await run([wm(0), fourOnes, pt(6), wm(11), wm(110)], tumbling(10), {
        timestampCombiner: "earliest",
        trigger: speculativeOnTimeLate(),
        accumulation: "accumulating",
        allowedLateness: 100,
        closing: "fire-always",
        onTime: "fire-if-non-empty",
      }, "sum");
      assertEquals(rs.map(full), ["4 early#0(-1) first @1 [0,10)", "4 late#1(0) final @9 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testEmptyOnTimeWithOnTimeBehaviorBackwardCompatibility: empty on-time pane, final, with onTime fire-always",
    async run() {
      const rs = await run([wm(0), add(1), wm(11)], tumbling(10), {
        timestampCombiner: "earliest",
        trigger: afterWatermark({ early: afterCount(1) }),
        accumulation: "accumulating",
        allowedLateness: 0,
        closing: "fire-if-non-empty",
      }, "sum");
      assertEquals(rs.map(info), ["early#0(-1) first", "on-time#1(0) final"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testEmptyOnTimeWithOnTimeBehaviorFireIfNonEmptyAndLateData: the skipped on-time pane takes no index; late data fires late#1(0)",
    async run() {
      const rs = await run([wm(0), fourOnes, pt(6), wm(11), add([9, 1]), pt(26)], tumbling(10), {
        timestampCombiner: "earliest",
        trigger: speculativeOnTimeLate(),
        accumulation: "accumulating",
        allowedLateness: 100,
        onTime: "fire-if-non-empty",
      }, "sum");
      assertEquals(rs.map(full), ["4 early#0(-1) first @1 [0,10)", "5 late#1(0) @9 [0,10)"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.testProcessingTime: speculative, on-time, late and final panes of a processing-time schedule",
    async run() {
      const rs = await run(
        [
          wm(0),
          fourOnes,
          pt(6),
          add([8, 1], [4, 1]),
          wm(11),
          add([8, 1], [4, 1], [5, 1]),
          wm(12),
          add([3, 1]),
          pt(9),
          add([5, 1]),
          pt(17),
          add([3, 1]),
          wm(125),
        ],
        tumbling(10),
        {
          timestampCombiner: "earliest",
          trigger: speculativeOnTimeLate(),
          accumulation: "accumulating",
          allowedLateness: 100,
        },
        "sum",
      );
      assertEquals(rs.map(full), [
        "4 early#0(-1) first @1 [0,10)",
        "6 on-time#1(0) @4 [0,10)",
        "11 late#2(1) @9 [0,10)",
        "12 late#3(2) final @9 [0,10)",
      ]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.fireNonEmptyOnDrainInGlobalWindow: count panes, then the remainder on time at end of input",
    async run() {
      const steps = [wm(0), ...Array.from({ length: 20 }, (_, i) => add(i))];
      const show = (r: R) => `${r.pane.timing}#${r.pane.index} n=${(r.value as number[]).length}`;
      const options: WindowOptions<number> = { trigger: repeatedly(afterCount(3)), accumulation: "discarding" };
      const before = await run(steps, global(), options, "values");
      assertEquals(before.map(show), [0, 1, 2, 3, 4, 5].map((i) => `early#${i} n=3`));
      const all = await run([...steps, wm(Infinity)], global(), options, "values");
      assertEquals(all.slice(before.length).map(show), ["on-time#6 n=2"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.fireEmptyOnDrainInGlobalWindowIfRequested: processing-time panes, then an empty on-time pane at end of input",
    async run() {
      const steps: Step[] = [];
      for (let i = 0; i < 20; i++) {
        if (i > 0) steps.push(pt(1)); // processing time i
        steps.push(add(i));
      }
      steps.push(pt(5)); // processing time 24
      const show = (r: R) => `${r.pane.timing}#${r.pane.index} n=${(r.value as number[]).length}`;
      const options: WindowOptions<number> = { trigger: repeatedly(beamDelay(3)), accumulation: "discarding" };
      const before = await run(steps, global(), options, "values");
      assertEquals(before.map(show), [0, 1, 2, 3, 4].map((i) => `early#${i} n=4`));
      const all = await run([...steps, wm(Infinity)], global(), options, "values");
      assertEquals(all.slice(before.length).map(show), ["on-time#5 n=0"]);
    },
  },
  {
    name:
      "ReduceFnRunnerTest.setGarbageCollectionHoldOnLateElements: a late element below the late trigger's count still makes the final pane",
    async run() {
      // the test asserts the output size; its comments: "ON_TIME pane @ 9 with 1", "final LATE pane @ 9 with 2"
      const rs = await run([wm(0), add(1), wm(109), add(2), wm(110)], tumbling(10), {
        trigger: afterWatermark({ late: afterCount(2) }),
        accumulation: "discarding",
        allowedLateness: 100,
        closing: "fire-if-non-empty",
      }, "values");
      assertEquals(rs.length, 2);
    },
  },
];

// ---------------------------------------------------------------------------------------------

const triggerStateMachines: Scenario[] = [
  {
    name:
      "AfterWatermarkStateMachineTest.testEarlyAndAtWatermark: early firings keep the window open; the watermark firing finishes it",
    async run() {
      // mockEarly (fires when asked after the element) = afterCount(1)
      const out = await stepwise(
        [add(1), wm(100)],
        tumbling(100),
        {
          trigger: afterWatermark({ early: afterCount(1) }),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [["[0,100)"], ["[0,100) final"]]);
    },
  },
  {
    name: "AfterEachStateMachineTest.testAfterEachInSequence: each sub-trigger runs until it finishes, then the next",
    async run() {
      const out = await stepwise(
        [add(1), add(2), add(1, 2, 3), add(1, 2, 3, 4), add(5), wm(10)],
        tumbling(10),
        {
          trigger: afterEach(
            orFinally(repeatedly(afterCount(2)), afterCount(3)),
            orFinally(repeatedly(afterCount(5)), afterWatermark()),
          ),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,10)"], ["[0,10)"], [], ["[0,10)"], ["[0,10) final"]]);
    },
  },
  {
    name: "AfterAllStateMachineTest.testT1FiresFirst: afterAll fires and finishes once every sub-trigger has fired",
    async run() {
      const out = await stepwise(
        [add(1), add(2)],
        tumbling(100),
        {
          trigger: afterAll(afterCount(1), afterCount(2)),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,100) final"]]);
    },
  },
  {
    name: "AfterAllStateMachineTest.testT2FiresFirst: the same with the sub-triggers in the other order",
    async run() {
      const out = await stepwise(
        [add(1), add(2)],
        tumbling(100),
        {
          trigger: afterAll(afterCount(2), afterCount(1)),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,100) final"]]);
    },
  },
  {
    name:
      "AfterFirstStateMachineTest.testShouldFireAfterMerge: merging with an unfinished session rewinds afterEach to afterAny",
    async run() {
      const out = await stepwise(
        [add(1), wm(11), add(5), add(1, 2, 3, 4, 5)],
        session(10),
        {
          trigger: afterEach(afterAny(afterCount(5), afterWatermark()), repeatedly(afterCount(1))),
          accumulation: "accumulating",
          allowedLateness: NO_GC,
        },
        "count",
        win,
      );
      assertEquals(out, [[], ["[1,11)"], [], ["[1,15)"]]);
    },
  },
  {
    name:
      "AfterPaneStateMachineTest.testAfterPaneElementCountFixedWindows: afterCount fires and finishes only its own window",
    async run() {
      const out = await stepwise(
        [add(1), add(2), add(11)],
        tumbling(10),
        {
          trigger: afterCount(2),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,10) final"], []]);
    },
  },
  {
    name:
      "AfterPaneStateMachineTest.testAfterPaneElementCountSessions: counts add up across merged sessions; a closed session is not merged into",
    async run() {
      const out = await stepwise(
        [add(1, 2), add(7, 9)],
        session(10),
        {
          trigger: afterCount(2),
          accumulation: "accumulating",
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [["[1,12) final"], ["[7,19) final"]]);
    },
  },
  {
    name:
      "RepeatedlyStateMachineTest.testShouldFireAfterMerge: a merged session is ready when the summed count is reached",
    async run() {
      const out = await stepwise(
        [add(1), add(5)],
        session(10),
        {
          trigger: repeatedly(afterCount(2)),
          accumulation: "accumulating",
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[1,15)"]]);
    },
  },
  {
    name:
      "RepeatedlyStateMachineTest.testRepeatedlyAfterFirstElementCount: repeatedly(afterAny(processing time, count)) fires on the count",
    async run() {
      const out = await stepwise(
        [add(1), add(2, 3, 4, 5)],
        global(),
        {
          trigger: repeatedly(afterAny(beamDelay(15 * MINUTE), afterCount(5))),
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[-Infinity,Infinity)"]]);
    },
  },
  {
    name:
      "RepeatedlyStateMachineTest.testRepeatedlyAfterFirstProcessingTime: repeatedly(afterAny(processing time, count)) fires on the delay",
    async run() {
      // Beam's tester injects at processing time TIMESTAMP_MIN_VALUE and then moves to 15 min: far past the delay
      const out = await stepwise(
        [add(1), pt(16 * MINUTE)],
        global(),
        {
          trigger: repeatedly(afterAny(beamDelay(15 * MINUTE), afterCount(5))),
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[-Infinity,Infinity)"]]);
    },
  },
  {
    name: "RepeatedlyStateMachineTest.testRepeatedlyElementCount: repeatedly(afterCount(5)) fires at the fifth element",
    async run() {
      const out = await stepwise(
        [add(1), add(2, 3, 4, 5)],
        global(),
        { trigger: repeatedly(afterCount(5)) },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[-Infinity,Infinity)"]]);
    },
  },
  {
    name:
      "RepeatedlyStateMachineTest.testRepeatedlyProcessingTime: repeatedly(afterProcessingTime) fires after the delay",
    async run() {
      // Beam's tester injects at processing time TIMESTAMP_MIN_VALUE and then moves to 15 min: far past the delay
      const out = await stepwise(
        [add(1), pt(16 * MINUTE)],
        global(),
        { trigger: repeatedly(beamDelay(15 * MINUTE)) },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[-Infinity,Infinity)"]]);
    },
  },
  {
    name: "OrFinallyStateMachineTest.testActualFiresAndFinishes: when the main trigger finishes, orFinally finishes",
    async run() {
      const out = await stepwise(
        [add(1), add(2)],
        tumbling(100),
        {
          trigger: orFinally(afterCount(2), afterCount(100)),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,100) final"]]);
    },
  },
  {
    name: "OrFinallyStateMachineTest.testActualFiresOnly: a repeated main trigger keeps orFinally open",
    async run() {
      const out = await stepwise(
        [add(1), add(2), add(3, 4)],
        tumbling(100),
        {
          trigger: orFinally(repeatedly(afterCount(2)), afterCount(100)),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,100)"], ["[0,100)"]]);
    },
  },
  {
    name:
      "OrFinallyStateMachineTest.testShouldFireAfterMerge: merging with an unfinished session rewinds afterEach to orFinally",
    async run() {
      const out = await stepwise(
        [add(1), wm(11), add(5), add(1, 2, 3, 4, 5)],
        session(10),
        {
          trigger: afterEach(orFinally(afterCount(5), afterWatermark()), repeatedly(afterCount(1))),
          accumulation: "accumulating",
          allowedLateness: NO_GC,
        },
        "count",
        win,
      );
      assertEquals(out, [[], ["[1,11)"], [], ["[1,15)"]]);
    },
  },
  {
    name:
      "OrFinallyStateMachineTest.testActualFiresButUntilFinishes: the until trigger finishes orFinally with a final pane",
    async run() {
      const out = await stepwise(
        [add(1), add(2), add(3)],
        tumbling(10),
        {
          trigger: orFinally(repeatedly(afterCount(2)), afterCount(3)),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[0,10)"], ["[0,10) final"]]);
    },
  },
  {
    name:
      "AfterProcessingTimeStateMachineTest.testAfterProcessingTimeFixedWindows: the delay runs from each window's first element",
    async run() {
      const out = await stepwise(
        [pt(10), add(1), pt(2), add(11, 12, 13), pt(2), add(2, 3), pt(2), pt(2)],
        tumbling(10),
        {
          trigger: beamDelay(5),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], [], [], [], [], [], ["[0,10) final"], ["[10,20) final"]]);
    },
  },
  {
    name:
      "AfterProcessingTimeStateMachineTest.testAfterProcessingTimeWithMergingWindow: a merged session keeps the earlier deadline",
    async run() {
      const out = await stepwise(
        [pt(10), add(1), pt(2), add(3), pt(4)],
        session(10),
        {
          trigger: beamDelay(5),
          accumulation: "accumulating",
          allowedLateness: NO_GC,
        },
        "count",
        win,
      );
      assertEquals(out, [[], [], [], [], ["[1,13)"]]);
    },
  },
  {
    name:
      "DefaultTriggerStateMachineTest.testDefaultTriggerFixedWindows: each window fires when the watermark reaches its end, without finishing",
    async run() {
      const out = await stepwise(
        [add(1, 101), wm(99), wm(100), wm(200)],
        tumbling(100),
        {
          trigger: defaultTrigger(),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], [], ["[0,100)"], ["[100,200)"]]);
    },
  },
  {
    name: "DefaultTriggerStateMachineTest.testDefaultTriggerSlidingWindows: overlapping windows fire at their own ends",
    async run() {
      const out = await stepwise(
        [add(1, 50), wm(50), wm(99), wm(100)],
        sliding(100, 50),
        {
          trigger: defaultTrigger(),
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], ["[-50,50)"], [], ["[0,100)"]]);
    },
  },
  {
    name: "DefaultTriggerStateMachineTest.testDefaultTriggerSessions: a merged session fires at the merged end",
    async run() {
      const out = await stepwise(
        [add(1, 50), wm(100), wm(149), wm(150)],
        session(100),
        {
          trigger: defaultTrigger(),
          accumulation: "accumulating",
          allowedLateness: NO_GC,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], [], [], ["[1,150)"]]);
    },
  },
  {
    name:
      "NeverStateMachineTest.falseAfterEndOfWindow: never() does not fire when the watermark passes the end of the window",
    async run() {
      // Beam advances to TIMESTAMP_MAX_VALUE; the trigger tester never expires windows, hence allowedLateness Infinity here
      const out = await stepwise(
        [add(1), wm(Number.MAX_SAFE_INTEGER)],
        tumbling(5 * MINUTE),
        {
          trigger: never(),
          allowedLateness: Infinity,
        },
        "count",
        winFinal,
      );
      assertEquals(out, [[], []]);
    },
  },
];

// ---------------------------------------------------------------------------------------------

const transcripts: Scenario[] = [
  {
    name: "trigger_transcripts.yaml fixed_default: the default trigger fires each window with its elements",
    async run() {
      const rs = await run([add(1, 2, 3, 10, 11), wm(25)], tumbling(10), {}, "values");
      assertEquals(rs.map((r) => `${win(r)} ${vals(r.value)}`), ["[0,10) [1,2,3]", "[10,20) [10,11]"]);
    },
  },
  {
    name: "trigger_transcripts.yaml output_time_fn_earliest: pane timestamps are the earliest element",
    async run() {
      const rs = await run([add(1, 2, 3, 10, 11, 25), wm(100)], tumbling(10), {
        accumulation: "accumulating",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(valTsWin), ["[1,2,3] @1 [0,10)", "[10,11] @10 [10,20)", "[25] @25 [20,30)"]);
    },
  },
  {
    name: "trigger_transcripts.yaml output_time_fn_latest: pane timestamps are the latest element",
    async run() {
      const rs = await run([add(1, 2, 3, 10, 11, 25), wm(100)], tumbling(10), {
        accumulation: "accumulating",
        timestampCombiner: "latest",
      }, "values");
      assertEquals(rs.map(valTsWin), ["[1,2,3] @3 [0,10)", "[10,11] @11 [10,20)", "[25] @25 [20,30)"]);
    },
  },
  {
    name: "trigger_transcripts.yaml early_late_sessions (up to the final pane): early counts across merging sessions",
    async run() {
      // The transcript then feeds [1] and [3, 4] after the watermark passed expiry (allowed lateness 0) and expects
      // a late pane: that runner did not drop late data; Java does, so that part is not ported.
      const out = await stepwise(
        [add(1, 2, 3), add(4), add(5), add(6), wm(100)],
        session(10),
        {
          trigger: afterWatermark({ early: afterCount(2), late: afterCount(3) }),
          accumulation: "accumulating",
          onLate: () => {},
        },
        "values",
        (r) =>
          `${win(r)} ${vals(r.value)}${r.pane.timing === "early" ? " early" : ""}${r.pane.isFinal ? " final" : ""}`,
      );
      assertEquals(out, [["[1,13) [1,2,3] early"], [], ["[1,15) [1,2,3,4,5] early"], [], [
        "[1,16) [1,2,3,4,5,6] final",
      ]]);
    },
  },
  {
    name:
      "trigger_transcripts.yaml garbage_collection (outputs only): afterCount(2) fires the windows that reach two elements",
    async run() {
      // the transcript expects {window, timestamp} only; its timestamps 10 and 20 are end-of-window in that runner's convention
      const rs = await run([add(1, 2, 3, 10, 11, 25)], tumbling(10), {
        trigger: afterCount(2),
        allowedLateness: 10,
        accumulation: "discarding",
      }, "values");
      assertEquals(rs.map((r) => `${win(r)} @${r.timestamp}`), ["[0,10) @9", "[10,20) @19"]);
    },
  },
  {
    name:
      "trigger_transcripts.yaml known_late_data_watermark: elements behind the watermark do not hold the earliest timestamp",
    async run() {
      const rs = await run([wm(5), add(2, 3, 7, 8), wm(11)], tumbling(10), {
        accumulation: "accumulating",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(valTsWin), ["[2,3,7,8] @7 [0,10)"]);
    },
  },
  {
    name:
      "trigger_transcripts.yaml known_late_data_no_watermark_hold_possible: with no hold the timestamp is the end of the window",
    async run() {
      // the transcript says 10 (that runner's end-of-window timestamp was window.end); Java's is end - 1 = 9
      const rs = await run([wm(8), add(2, 3, 7), wm(11)], tumbling(10), {
        accumulation: "accumulating",
        timestampCombiner: "earliest",
      }, "values");
      assertEquals(rs.map(valTsWin), ["[2,3,7] @9 [0,10)"]);
    },
  },
];

export default [...reduceFnRunner, ...triggerStateMachines, ...transcripts] satisfies Scenario[];
