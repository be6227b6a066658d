// The trigger state machine (src/trigger/state_machine.ts) driven directly, without a pipeline: ports of
// the essential cases of Beam Java's trigger state machine tests (runners/core-java,
// org.apache.beam.runners.core.triggers.*StateMachineTest). Each test names the Beam test method it
// ports; tests of weir's own rules name the Beam source they follow, or say they are weir's own.
//
// `TriggerTester` plays Beam's TriggerStateMachineTester: it assigns elements to windows, keeps one
// trigger state per window, merges overlapping session windows only when asked (`mergeWindows`),
// probes `shouldFire` and fires with `fireIfShouldFire`, which logs every firing so that each test
// can assert the exact sequence of panes and finishes. Mockito's once-trigger mocks in Beam's tests
// become real triggers (afterCount, afterProcessingTime) whose readiness the test controls.
import { describe, expect, it } from "vitest";
import {
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  afterWatermarkProgress,
  defaultTrigger,
  never,
  orFinally,
  repeatedly,
  type TriggerSpec,
} from "../../src/trigger/trigger.ts";
import * as tm from "../../src/trigger/state_machine.ts";

type Bounds = readonly [start: number, end: number];

/** How elements map to windows, as Beam's WindowFn; `merging` is true for sessions. */
interface WindowFn {
  readonly merging: boolean;
  assign(ts: number): Bounds[];
}

const fixed = (size: number): WindowFn => ({
  merging: false,
  assign: (ts) => {
    const start = Math.floor(ts / size) * size;
    return [[start, start + size]];
  },
});

const slidingWindows = (size: number, period: number): WindowFn => ({
  merging: false,
  assign: (ts) => {
    const out: Bounds[] = [];
    for (let start = Math.floor(ts / period) * period; start > ts - size; start -= period) {
      out.push([start, start + size]);
    }
    return out;
  },
});

const sessions = (gap: number): WindowFn => ({ merging: true, assign: (ts) => [[ts, ts + gap]] });

const globalWindows = (): WindowFn => ({ merging: false, assign: () => [[-Infinity, Infinity]] });

const GLOBAL = [-Infinity, Infinity] as const;

const keyOf = (b: Bounds): string => `[${b[0]}, ${b[1]})`;

class TriggerTester {
  /** Input watermark. */
  wm = -Infinity;
  /** Processing time. */
  pt = 0;
  /** Every firing, in order: "fire [s, e)" or "fire+finish [s, e)". */
  readonly log: string[] = [];
  readonly #spec: TriggerSpec;
  readonly #windows: WindowFn;
  readonly #states = new Map<string, tm.TriggerState>();
  readonly #active = new Map<string, Bounds>();
  /** Event-time timers the trigger asked for, per window. */
  readonly #timers = new Map<string, number>();
  /** Where the last `mergeWindows` sent each merged-away window (Beam's windowToMergeResult). */
  readonly #mergedInto = new Map<string, Bounds>();

  constructor(spec: TriggerSpec, windows: WindowFn) {
    this.#spec = spec;
    this.#windows = windows;
  }

  #ctx(b: Bounds, ts = NaN): tm.TriggerContext {
    return { wm: this.wm, pt: this.pt, end: b[1], ts, merging: this.#windows.merging, timer: Infinity };
  }

  #state(b: Bounds): tm.TriggerState {
    let st = this.#states.get(keyOf(b));
    if (st === undefined) {
      st = tm.initState(this.#spec);
      this.#states.set(keyOf(b), st);
    }
    return st;
  }

  /** Each timestamp is an element; like Beam's tester, a finished window sees no more elements. */
  inject(...timestamps: number[]): void {
    for (const ts of timestamps) {
      for (const proto of this.#windows.assign(ts)) {
        const b = this.#mergedInto.get(keyOf(proto)) ?? proto;
        this.#active.set(keyOf(b), b);
        const st = this.#state(b);
        if (st.finished) continue;
        const ctx = this.#ctx(b, ts);
        tm.onElement(this.#spec, st, ctx);
        if (ctx.timer < (this.#timers.get(keyOf(b)) ?? Infinity)) this.#timers.set(keyOf(b), ctx.timer);
      }
    }
  }

  shouldFire(b: Bounds): boolean {
    return tm.shouldFire(this.#spec, this.#state(b), this.#ctx(b));
  }

  fireIfShouldFire(b: Bounds): void {
    const st = this.#state(b);
    const ctx = this.#ctx(b);
    if (!tm.shouldFire(this.#spec, st, ctx)) return;
    tm.onFire(this.#spec, st, ctx);
    this.log.push(`${st.finished ? "fire+finish" : "fire"} ${keyOf(b)}`);
    if (st.finished) this.#active.delete(keyOf(b));
  }

  isFinished(b: Bounds): boolean {
    return this.#states.get(keyOf(b))?.finished ?? false;
  }

  /** The processing time at which to look again for a firing of the window (Infinity: none). */
  nextDeadline(b: Bounds): number {
    return tm.nextDeadline(this.#spec, this.#state(b));
  }

  /** The earliest event-time timer the trigger asked for while taking the window's elements. */
  timer(b: Bounds): number {
    return this.#timers.get(keyOf(b)) ?? Infinity;
  }

  /** Merges every group of overlapping active windows once, as Beam's tester.mergeWindows. */
  mergeWindows(): void {
    this.#mergedInto.clear();
    const ws = [...this.#active.values()].sort((a, b) => a[0] - b[0]);
    let group: Bounds[] = [];
    const flush = () => {
      if (group.length > 1) {
        const merged: Bounds = [Math.min(...group.map((g) => g[0])), Math.max(...group.map((g) => g[1]))];
        const st = tm.mergeStates(this.#spec, group.map((g) => this.#state(g)), this.#ctx(merged));
        for (const g of group) {
          this.#active.delete(keyOf(g));
          this.#mergedInto.set(keyOf(g), merged);
        }
        this.#states.set(keyOf(merged), st);
        this.#active.set(keyOf(merged), merged);
      }
      group = [];
    };
    for (const w of ws) {
      if (group.length > 0 && w[0] >= Math.max(...group.map((g) => g[1]))) flush();
      group.push(w);
    }
    flush();
  }
}

describe("afterCount (AfterPaneStateMachineTest)", () => {
  it("fires and finishes once its window holds n elements, leaving other windows alone", () => {
    // testAfterPaneElementCountFixedWindows
    const t = new TriggerTester(afterCount(2), fixed(10));
    t.inject(1); // [0, 10)
    expect(t.shouldFire([0, 10])).toBe(false);
    t.inject(2); // [0, 10)
    t.inject(11); // [10, 20)
    expect(t.shouldFire([0, 10])).toBe(true);
    t.fireIfShouldFire([0, 10]);
    expect(t.isFinished([0, 10])).toBe(true);
    expect(t.isFinished([10, 20])).toBe(false);
    expect(t.shouldFire([10, 20])).toBe(false);
    expect(t.log).toEqual(["fire+finish [0, 10)"]);
  });

  it("adds up the counts of merging session windows", () => {
    // testAfterPaneElementCountSessions
    //   1 |----------|           [1, 11)
    //   2  |----------|          [2, 12)   merge: [1, 12) holds 2 elements
    //   7       |----------|     [7, 17)   (after [1, 12) finished and closed)
    //   9         |----------|   [9, 19)   merge: [7, 19) holds 2 elements
    const t = new TriggerTester(afterCount(2), sessions(10));
    t.inject(1, 2);
    expect(t.shouldFire([1, 11])).toBe(false);
    expect(t.shouldFire([2, 12])).toBe(false);
    t.mergeWindows();
    expect(t.shouldFire([1, 12])).toBe(true);
    t.fireIfShouldFire([1, 12]);
    expect(t.isFinished([1, 12])).toBe(true);

    // The finished window is closed, so it does not merge with the new ones.
    t.inject(7, 9);
    t.mergeWindows();
    expect(t.shouldFire([7, 19])).toBe(true);
    t.fireIfShouldFire([7, 19]);
    expect(t.isFinished([7, 19])).toBe(true);
    expect(t.log).toEqual(["fire+finish [1, 12)", "fire+finish [7, 19)"]);
  });

  it("is finished in a merged window when it finished in any of the merging ones", () => {
    // AfterPaneStateMachine.onMerge (finishedInAnyMergingWindow); counts add up otherwise
    const spec = afterCount(3);
    const ctx: tm.TriggerContext = { wm: 0, pt: 0, end: 20, ts: NaN, merging: true, timer: Infinity };
    const done = { ...tm.initState(spec), finished: true };
    const two = { ...tm.initState(spec), count: 2 };
    const one = { ...tm.initState(spec), count: 1 };
    expect(tm.mergeStates(spec, [done, two], ctx).finished).toBe(true);
    const merged = tm.mergeStates(spec, [two, one], ctx);
    expect(merged).toEqual({ finished: false, count: 3 });
    expect(tm.shouldFire(spec, merged, ctx)).toBe(true);
  });
});

describe("afterWatermark (AfterWatermarkStateMachineTest)", () => {
  it("fires once when the watermark passes the end of the window, then finishes", () => {
    // AfterWatermarkStateMachine.FromEndOfWindow: end of window reached when wm > maxTimestamp = end - 1
    const t = new TriggerTester(afterWatermark(), fixed(100));
    t.inject(1);
    t.wm = 99;
    expect(t.shouldFire([0, 100])).toBe(false);
    t.wm = 100;
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(true);
    expect(t.log).toEqual(["fire+finish [0, 100)"]);
  });

  it("asks for an event-time timer at the end of the window, unless the watermark is already there", () => {
    // AfterWatermarkStateMachine.FromEndOfWindow.onElement / AfterWatermarkEarlyAndLate.onElement
    const t = new TriggerTester(afterWatermark({ early: afterCount(5) }), fixed(100));
    t.inject(1);
    expect(t.timer([0, 100])).toBe(100);
    t.wm = 250;
    t.inject(120); // [100, 200) is already past its end: no timer
    expect(t.timer([100, 200])).toBe(Infinity);
  });

  it("fires early panes repeatedly until the end of the window, then the on-time pane finishes it", () => {
    // testEarlyAndAtWatermark (the mocked early once-trigger is afterCount(2))
    const t = new TriggerTester(afterWatermark({ early: afterCount(2) }), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);

    // The early trigger repeats: it starts over after each early pane.
    t.inject(3);
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(4);
    t.fireIfShouldFire([0, 100]);

    t.inject(5); // the early trigger is not ready, the watermark is
    t.wm = 100;
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(true);
    expect(t.log).toEqual(["fire [0, 100)", "fire [0, 100)", "fire+finish [0, 100)"]);
  });

  it("with late firings: nothing before the end, the on-time pane, then a pane per late firing, never finishing", () => {
    // testAtWatermarkAndLate (the mocked late once-trigger is afterCount(1))
    const t = new TriggerTester(afterWatermark({ late: afterCount(1) }), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false); // no early firings
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);

    t.wm = 100;
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);

    // Running as the late trigger.
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(50);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);
    t.inject(60);
    t.fireIfShouldFire([0, 100]);
    expect(t.log).toEqual(["fire [0, 100)", "fire [0, 100)", "fire [0, 100)"]);
  });

  it("with early and late firings: early panes, the on-time pane, late panes", () => {
    // testEarlyAndAtWatermarkAndLate
    const t = new TriggerTester(afterWatermark({ early: afterCount(2), late: afterCount(1) }), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);

    t.inject(3); // early count 1: not ready, but the watermark passes the end
    t.wm = 100;
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);

    // The late trigger did not see the early elements.
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(4);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);
    expect(t.log).toEqual(["fire [0, 100)", "fire [0, 100)", "fire [0, 100)"]);
  });

  it("starts the late trigger from nothing at the on-time pane, though it ran in parallel while windows could merge", () => {
    // AfterWatermarkEarlyAndLate.onNonLateFiring: "clear out the late trigger's state because it was
    // run in parallel"
    const t = new TriggerTester(afterWatermark({ late: afterCount(2) }), sessions(10));
    t.inject(1, 1); // [1, 11): the late trigger counts 2 in parallel
    t.wm = 11;
    t.fireIfShouldFire([1, 11]); // on time
    expect(t.shouldFire([1, 11])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(true);
    t.fireIfShouldFire([1, 11]);
    expect(t.log).toEqual(["fire [1, 11)", "fire [1, 11)"]);
  });

  it("stays finished in a merged window when it finished in every merging window and the watermark is past the end", () => {
    // testOnMergeAlreadyFinished
    //   1 |----------|       [1, 11)
    //   5     |----------|   [5, 15)   merged: [1, 15); watermark 15
    const t = new TriggerTester(afterEach(afterWatermark(), repeatedly(afterCount(1))), sessions(10));
    t.inject(1);
    t.inject(5);
    t.wm = 15;
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(true);
    t.fireIfShouldFire([1, 11]);
    t.fireIfShouldFire([5, 15]);

    // Both are on the second trigger.
    expect(t.shouldFire([1, 11])).toBe(false);
    expect(t.shouldFire([5, 15])).toBe(false);
    t.inject(1);
    t.inject(5);
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(true);
    t.fireIfShouldFire([1, 11]);
    t.fireIfShouldFire([5, 15]);

    // Merging leaves the watermark trigger finished: the merged window is on the second trigger.
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 15])).toBe(true);
    expect(t.log).toEqual(["fire [1, 11)", "fire [5, 15)", "fire [1, 11)", "fire [5, 15)"]);
  });

  it("becomes unfinished again in a merged window whose end the watermark has not passed", () => {
    // testOnMergeRewinds
    //   1 |----------|       [1, 11)   on time at watermark 11
    //   5     |----------|   [5, 15)   not yet; merged [1, 15) is not on time before 15
    const t = new TriggerTester(afterEach(afterWatermark(), repeatedly(afterCount(1))), sessions(10));
    t.inject(1);
    t.inject(5);
    t.wm = 11;
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(false);
    t.fireIfShouldFire([1, 11]);

    // [1, 11) is on the second trigger.
    expect(t.shouldFire([1, 11])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(true);
    t.fireIfShouldFire([1, 11]);

    // Merging re-activates the watermark trigger.
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 15])).toBe(false);
    t.wm = 15;
    expect(t.shouldFire([1, 15])).toBe(true);
    t.fireIfShouldFire([1, 15]);
    expect(t.log).toEqual(["fire [1, 11)", "fire [1, 11)", "fire [1, 15)"]);
  });

  it("stays on its early trigger in a merged window when any merging window has not had its on-time pane", () => {
    // AfterWatermarkEarlyAndLate.onMerge: "If the early trigger is still active in any merging window
    // then it is still active in the new merged window, because even if the merged window is 'done'
    // some pending elements haven't had a chance to fire."
    //   1 |----------|       [1, 11)   on time at watermark 15, then late
    //   5     |----------|   [5, 15)   not yet fired when the windows merge at watermark 15
    const t = new TriggerTester(afterWatermark({ late: afterCount(2) }), sessions(10));
    t.inject(1);
    t.inject(5); // the late trigger of [5, 15) counts 1 in parallel
    t.wm = 15;
    t.fireIfShouldFire([1, 11]);
    t.mergeWindows();
    // The merged window owes its on-time pane, and the late trigger starts from nothing after it.
    expect(t.shouldFire([1, 15])).toBe(true);
    t.fireIfShouldFire([1, 15]);
    t.inject(1);
    expect(t.shouldFire([1, 15])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 15])).toBe(true);
    expect(t.log).toEqual(["fire [1, 11)", "fire [1, 15)"]);
  });

  it("with early and late firings stays on the late trigger when every merging window is late and the watermark is past the end", () => {
    // testEarlyAndLateOnMergeAlreadyFinished
    const t = new TriggerTester(afterWatermark({ early: afterCount(100), late: afterCount(1) }), sessions(10));
    t.inject(1);
    t.inject(5);
    t.wm = 15;
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(true);
    t.fireIfShouldFire([1, 11]);
    t.fireIfShouldFire([5, 15]);

    // On the late trigger.
    expect(t.shouldFire([1, 11])).toBe(false);
    expect(t.shouldFire([5, 15])).toBe(false);
    t.inject(1);
    t.inject(5);
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(true);
    t.fireIfShouldFire([1, 11]);
    t.fireIfShouldFire([5, 15]);

    // Merging leaves it on the late trigger.
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 15])).toBe(true);
    expect(t.log).toEqual(["fire [1, 11)", "fire [5, 15)", "fire [1, 11)", "fire [5, 15)"]);
  });

  it("with early and late firings returns to the early trigger when a merged window is not yet on time", () => {
    // testEarlyAndLateOnMergeRewinds
    const t = new TriggerTester(afterWatermark({ early: afterCount(100), late: afterCount(1) }), sessions(10));
    t.inject(1);
    t.inject(5);
    t.wm = 11;
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(false);
    t.fireIfShouldFire([1, 11]);

    // [1, 11) is on the late trigger.
    expect(t.shouldFire([1, 11])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(true);
    t.fireIfShouldFire([1, 11]);

    // Merging re-activates the early trigger.
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);
    t.inject(1);
    expect(t.shouldFire([1, 15])).toBe(false);
    t.wm = 15;
    expect(t.shouldFire([1, 15])).toBe(true);
    expect(t.log).toEqual(["fire [1, 11)", "fire [1, 11)"]);
  });
});

describe("afterProcessingTime (AfterProcessingTimeStateMachineTest)", () => {
  it("waits for processing time to pass the first element's arrival plus the delay, per window", () => {
    // testAfterProcessingTimeFixedWindows
    const t = new TriggerTester(afterProcessingTime(5), fixed(10));
    t.pt = 10;
    t.inject(1); // [0, 10): deadline 15
    t.pt = 12;
    expect(t.shouldFire([0, 10])).toBe(false);

    t.inject(11, 12, 13); // [10, 20): deadline 17
    expect(t.shouldFire([10, 20])).toBe(false);

    t.pt = 14;
    expect(t.shouldFire([0, 10])).toBe(false);
    expect(t.shouldFire([10, 20])).toBe(false);

    t.inject(2, 3); // later elements of [0, 10) keep its deadline at 15
    expect(t.nextDeadline([0, 10])).toBe(16);

    t.pt = 16;
    expect(t.shouldFire([0, 10])).toBe(true);
    expect(t.shouldFire([10, 20])).toBe(false);
    t.fireIfShouldFire([0, 10]);
    expect(t.isFinished([0, 10])).toBe(true);

    t.pt = 18;
    expect(t.shouldFire([10, 20])).toBe(true);
    t.fireIfShouldFire([10, 20]);
    expect(t.isFinished([10, 20])).toBe(true);
    expect(t.log).toEqual(["fire+finish [0, 10)", "fire+finish [10, 20)"]);
  });

  it("fires strictly after its deadline, so the next look on a millisecond clock is deadline + 1", () => {
    // AfterDelayFromFirstElementStateMachine.shouldFire: currentTime.isAfter(delayedUntil)
    const t = new TriggerTester(afterProcessingTime(5), fixed(10));
    expect(t.nextDeadline([0, 10])).toBe(Infinity); // no element, no deadline
    t.pt = 10;
    t.inject(1);
    expect(t.nextDeadline([0, 10])).toBe(16);
    t.pt = 15;
    expect(t.shouldFire([0, 10])).toBe(false);
    t.pt = 16;
    expect(t.shouldFire([0, 10])).toBe(true);
    t.fireIfShouldFire([0, 10]);
    expect(t.nextDeadline([0, 10])).toBe(Infinity);
    expect(t.log).toEqual(["fire+finish [0, 10)"]);
  });

  it("keeps the earliest deadline of merging session windows", () => {
    // testAfterProcessingTimeWithMergingWindow
    const t = new TriggerTester(afterProcessingTime(5), sessions(10));
    t.pt = 10;
    t.inject(1); // [1, 11): deadline 15
    expect(t.shouldFire([1, 11])).toBe(false);
    t.pt = 12;
    t.inject(3); // [3, 13): deadline 17
    expect(t.shouldFire([3, 13])).toBe(false);
    t.mergeWindows();
    expect(t.nextDeadline([1, 13])).toBe(16);
    t.pt = 16;
    expect(t.shouldFire([1, 13])).toBe(true);
  });
});

describe("repeatedly (RepeatedlyStateMachineTest)", () => {
  it("fires every time its trigger fires, resetting it, and never finishes", () => {
    // testRepeatedlyElementCount
    const t = new TriggerTester(repeatedly(afterCount(5)), globalWindows());
    t.inject(1);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.inject(2, 3, 4, 5);
    expect(t.shouldFire(GLOBAL)).toBe(true);
    t.fireIfShouldFire(GLOBAL);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.inject(6, 7, 8, 9);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.inject(10);
    t.fireIfShouldFire(GLOBAL);
    expect(t.isFinished(GLOBAL)).toBe(false);
    expect(t.log).toEqual(["fire [-Infinity, Infinity)", "fire [-Infinity, Infinity)"]);
  });

  it("repeats a processing-time trigger, which waits for a new first element after each firing", () => {
    // testRepeatedlyProcessingTime
    const minutes15 = 15 * 60_000;
    const t = new TriggerTester(repeatedly(afterProcessingTime(minutes15)), globalWindows());
    t.inject(1);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.pt = minutes15 + 1;
    expect(t.shouldFire(GLOBAL)).toBe(true);
    t.fireIfShouldFire(GLOBAL);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    expect(t.nextDeadline(GLOBAL)).toBe(Infinity);
    t.inject(2);
    expect(t.nextDeadline(GLOBAL)).toBe(2 * minutes15 + 2);
    expect(t.log).toEqual(["fire [-Infinity, Infinity)"]);
  });

  it("repeats afterAny(processing time, count) when the count is reached first", () => {
    // testRepeatedlyAfterFirstElementCount
    const t = new TriggerTester(
      repeatedly(afterAny(afterProcessingTime(15 * 60_000), afterCount(5))),
      globalWindows(),
    );
    t.inject(1);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.inject(2, 3, 4, 5);
    expect(t.shouldFire(GLOBAL)).toBe(true);
    t.fireIfShouldFire(GLOBAL);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    // The processing-time sub-trigger was reset too: no deadline left from the first pane.
    expect(t.nextDeadline(GLOBAL)).toBe(Infinity);
    expect(t.log).toEqual(["fire [-Infinity, Infinity)"]);
  });

  it("repeats afterAny(processing time, count) when the processing time is reached first", () => {
    // testRepeatedlyAfterFirstProcessingTime
    const minutes15 = 15 * 60_000;
    const t = new TriggerTester(repeatedly(afterAny(afterProcessingTime(minutes15), afterCount(5))), globalWindows());
    t.inject(1);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.pt = minutes15 + 1;
    expect(t.shouldFire(GLOBAL)).toBe(true);
    t.fireIfShouldFire(GLOBAL);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    // The count sub-trigger was reset too: four more elements are not enough.
    t.inject(2, 3, 4, 5);
    expect(t.shouldFire(GLOBAL)).toBe(false);
    expect(t.log).toEqual(["fire [-Infinity, Infinity)"]);
  });

  it("is ready after a merge that brings its trigger's count up", () => {
    // testShouldFireAfterMerge
    const t = new TriggerTester(repeatedly(afterCount(2)), sessions(10));
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(false);
    t.inject(5);
    expect(t.shouldFire([5, 15])).toBe(false);
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(true);
    t.fireIfShouldFire([1, 15]);
    expect(t.isFinished([1, 15])).toBe(false);
    expect(t.log).toEqual(["fire [1, 15)"]);
  });
});

describe("afterAny (AfterFirstStateMachineTest)", () => {
  // The mocked once-triggers: afterCount(2) is ready after two elements, afterProcessingTime(10)
  // after processing time 11 (the element arrives at 0).
  const spec = afterAny(afterCount(2), afterProcessingTime(10));

  it("neither sub-trigger ready: no firing, not finished", () => {
    // testNeitherShouldFireFixedWindows
    const t = new TriggerTester(spec, fixed(10));
    t.inject(1);
    expect(t.shouldFire([0, 10])).toBe(false);
    expect(t.isFinished([0, 10])).toBe(false);
  });

  it.each([
    ["only the first", 2, 0], // testOnlyT1ShouldFireFixedWindows
    ["only the second", 1, 11], // testOnlyT2ShouldFireFixedWindows
    ["both", 2, 11], // testBothShouldFireFixedWindows
  ])("%s sub-trigger ready: fires and finishes", (_, elements, pt) => {
    const t = new TriggerTester(spec, fixed(10));
    t.inject(...[1, 2].slice(0, elements));
    t.pt = pt;
    expect(t.shouldFire([0, 10])).toBe(true);
    t.fireIfShouldFire([0, 10]);
    expect(t.isFinished([0, 10])).toBe(true);
    expect(t.log).toEqual(["fire+finish [0, 10)"]);
  });

  it("becomes the current trigger of afterEach again when a merge leaves it unfinished", () => {
    // testShouldFireAfterMerge
    const t = new TriggerTester(
      afterEach(afterAny(afterCount(5), afterWatermark()), repeatedly(afterCount(1))),
      sessions(10),
    );
    // afterAny finishes in the first window.
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(false);
    t.wm = 11;
    expect(t.shouldFire([1, 11])).toBe(true);
    t.fireIfShouldFire([1, 11]);

    // A second window where it is not done.
    t.inject(5);
    expect(t.shouldFire([5, 15])).toBe(false);

    // Merged: were the merged window on the second trigger, it would be ready.
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);

    // Enough elements make afterAny's count ready.
    t.inject(1, 2, 3, 4, 5);
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(true);
    expect(t.log).toEqual(["fire [1, 11)"]);
  });
});

describe("composite triggers on merge", () => {
  // AfterFirstStateMachine.onMerge and OrFinallyStateMachine.onMerge: finished when any sub-trigger is
  // after the sub-triggers merged; AfterAllStateMachine.onMerge: finished when every one is.
  const ctx: tm.TriggerContext = { wm: 0, pt: 0, end: 20, ts: NaN, merging: true, timer: Infinity };
  const count = (n: number, finished = false): tm.TriggerState => ({ finished, count: n });

  it("afterAny and orFinally are finished when a sub-trigger finished in a merging window", () => {
    for (const spec of [afterAny(afterCount(2), afterCount(3)), orFinally(afterCount(2), afterCount(3))]) {
      const a: tm.TriggerState = { finished: false, subs: [count(0, true), count(1)] };
      const b: tm.TriggerState = { finished: false, subs: [count(1), count(1)] };
      expect(tm.mergeStates(spec, [a, b], ctx).finished).toBe(true);
      const merged = tm.mergeStates(spec, [b, b], ctx);
      expect(merged).toEqual({ finished: false, subs: [count(2), count(2)] });
    }
  });

  it("afterAll is finished only when every sub-trigger is", () => {
    const spec = afterAll(afterCount(2), afterCount(3));
    const a: tm.TriggerState = { finished: false, subs: [count(0, true), count(1)] };
    const b: tm.TriggerState = { finished: false, subs: [count(1), count(1)] };
    expect(tm.mergeStates(spec, [a, b], ctx)).toEqual({ finished: false, subs: [count(0, true), count(2)] });
    const c: tm.TriggerState = { finished: false, subs: [count(1), count(0, true)] };
    expect(tm.mergeStates(spec, [a, c], ctx).finished).toBe(true);
  });

  // A variant of AfterWatermarkStateMachineTest.testOnMergeAlreadyFinished with the watermark trigger
  // nested one level deeper (as in AfterFirstStateMachineTest.testShouldFireAfterMerge and
  // OrFinallyStateMachineTest.testShouldFireAfterMerge). In Beam a sub-trigger's finished bit outlives
  // `clear` (finished bits are stored apart from trigger state) and OrFinally.onFire fires `until`, so
  // the nested watermark trigger stays finished in both windows, FromEndOfWindow.onMerge keeps it
  // finished ("done for good") and the merged window is on afterEach's second trigger. weir used to
  // rebuild the cleared sub-tree from scratch and fired the on-time pane a second time.
  it.each([
    ["afterAny", afterAny(afterCount(5), afterWatermark())],
    ["orFinally", orFinally(afterCount(5), afterWatermark())],
  ])(
    "afterEach(%s(count, afterWatermark()), …): a merge after both windows' on-time panes stays on the second trigger",
    (_, first) => {
      const t = new TriggerTester(afterEach(first, repeatedly(afterCount(1))), sessions(10));
      t.inject(1); // [1, 11)
      t.inject(5); // [5, 15)
      t.wm = 15;
      t.fireIfShouldFire([1, 11]);
      t.fireIfShouldFire([5, 15]);
      t.mergeWindows();
      expect(t.shouldFire([1, 15])).toBe(false); // weir: true, the on-time pane again
      t.inject(1);
      expect(t.shouldFire([1, 15])).toBe(true);
      expect(t.log).toEqual(["fire [1, 11)", "fire [5, 15)"]);
    },
  );
});

describe("afterAll (AfterAllStateMachineTest)", () => {
  it("fires and finishes once both are ready, the first having been ready earlier", () => {
    // testT1FiresFirst
    const t = new TriggerTester(afterAll(afterCount(1), afterCount(2)), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(true);
    expect(t.log).toEqual(["fire+finish [0, 100)"]);
  });

  it("fires and finishes once both are ready, the second having been ready earlier", () => {
    // testT2FiresFirst
    const t = new TriggerTester(afterAll(afterCount(2), afterCount(1)), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(true);
    expect(t.log).toEqual(["fire+finish [0, 100)"]);
  });

  it("becomes unfinished again when a merge makes it so", () => {
    // testOnMergeRewinds
    const t = new TriggerTester(
      afterEach(afterAll(afterWatermark(), afterCount(1)), repeatedly(afterCount(1))),
      sessions(10),
    );
    t.inject(1); // [1, 11)
    t.inject(5); // [5, 15)

    // afterAll finishes in the first window.
    t.wm = 11;
    expect(t.shouldFire([1, 11])).toBe(true);
    expect(t.shouldFire([5, 15])).toBe(false);
    t.fireIfShouldFire([1, 11]);

    // Merged, afterAll is not finished.
    t.mergeWindows();
    expect(t.isFinished([1, 15])).toBe(false);

    // Back on afterAll: an element does not make it ready before the end of [1, 15).
    t.inject(3);
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);

    t.wm = 15;
    expect(t.shouldFire([1, 15])).toBe(true);
    t.fireIfShouldFire([1, 15]);

    t.inject(2);
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(true);
    t.fireIfShouldFire([1, 15]);
    t.inject(2);
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(true);
    t.fireIfShouldFire([1, 15]);
    expect(t.log).toEqual(["fire [1, 11)", "fire [1, 15)", "fire [1, 15)", "fire [1, 15)"]);
  });
});

describe("afterEach (AfterEachStateMachineTest)", () => {
  it("fires the first trigger until it finishes, then the second, and finishes with the last", () => {
    // testAfterEachInSequence
    const t = new TriggerTester(
      afterEach(
        orFinally(repeatedly(afterCount(2)), afterCount(3)),
        orFinally(repeatedly(afterCount(5)), afterWatermark()),
      ),
      fixed(10),
    );
    const w = [0, 10] as const;

    t.inject(1); // afterCount(2) not ready
    expect(t.shouldFire(w)).toBe(false);

    t.inject(2); // afterCount(2) ready, not finished
    expect(t.shouldFire(w)).toBe(true);
    t.fireIfShouldFire(w);
    expect(t.isFinished(w)).toBe(false);

    t.inject(1, 2, 3); // the until afterCount(3) is ready and finishes the first
    expect(t.shouldFire(w)).toBe(true);
    t.fireIfShouldFire(w);
    expect(t.isFinished(w)).toBe(false);

    // Now on the second trigger: four elements would have fired the first.
    expect(t.shouldFire(w)).toBe(false);
    t.inject(1, 2, 3, 4);
    expect(t.shouldFire(w)).toBe(false);

    t.inject(5);
    expect(t.shouldFire(w)).toBe(true);
    t.fireIfShouldFire(w);
    expect(t.isFinished(w)).toBe(false);

    // The watermark finishes the whole trigger.
    t.wm = 10;
    expect(t.shouldFire(w)).toBe(true);
    t.fireIfShouldFire(w);
    expect(t.isFinished(w)).toBe(true);
    expect(t.log).toEqual(["fire [0, 10)", "fire [0, 10)", "fire [0, 10)", "fire+finish [0, 10)"]);
  });

  it("without merging, only the current sub-trigger sees elements", () => {
    // AfterEachStateMachine.onElement: firstUnfinishedSubTrigger() when merges are not possible
    const t = new TriggerTester(afterEach(afterCount(1), afterCount(3)), fixed(10));
    t.inject(1);
    t.fireIfShouldFire([0, 10]);
    t.inject(2, 3); // afterCount(3) starts counting only now
    expect(t.shouldFire([0, 10])).toBe(false);
    t.inject(4);
    t.fireIfShouldFire([0, 10]);
    expect(t.log).toEqual(["fire [0, 10)", "fire+finish [0, 10)"]);
  });

  it("looks for processing-time deadlines of the current sub-trigger only", () => {
    // With merging every sub-trigger runs in parallel (AfterEachStateMachine.onElement), but only the
    // current one can fire (shouldFire: firstUnfinishedSubTrigger), so only its deadline counts.
    const t = new TriggerTester(afterEach(afterCount(2), afterProcessingTime(5)), sessions(10));
    t.inject(1); // pt 0: the second sub-trigger's deadline is 5
    expect(t.nextDeadline([1, 11])).toBe(Infinity);
    t.inject(1);
    t.fireIfShouldFire([1, 11]);
    // Firing in a merging context clears every sub-trigger: a new element starts a new deadline.
    t.pt = 3;
    expect(t.nextDeadline([1, 11])).toBe(Infinity);
    t.inject(1);
    expect(t.nextDeadline([1, 11])).toBe(9);
    expect(t.log).toEqual(["fire [1, 11)"]);
  });
});

describe("orFinally (OrFinallyStateMachineTest)", () => {
  it("fires and finishes when its trigger fires and finishes", () => {
    // testActualFiresAndFinishes
    const t = new TriggerTester(orFinally(afterCount(2), afterCount(100)), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false);
    expect(t.isFinished([0, 100])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(true);
    expect(t.log).toEqual(["fire+finish [0, 100)"]);
  });

  it("fires without finishing when its trigger fires without finishing", () => {
    // testActualFiresOnly
    const t = new TriggerTester(orFinally(repeatedly(afterCount(2)), afterCount(100)), fixed(100));
    t.inject(1);
    expect(t.shouldFire([0, 100])).toBe(false);
    expect(t.isFinished([0, 100])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);
    t.inject(3, 4);
    expect(t.shouldFire([0, 100])).toBe(true);
    t.fireIfShouldFire([0, 100]);
    expect(t.isFinished([0, 100])).toBe(false);
    expect(t.log).toEqual(["fire [0, 100)", "fire [0, 100)"]);
  });

  it("fires a final pane and finishes when `until` fires, its count spanning the trigger's firings", () => {
    // testActualFiresButUntilFinishes
    const t = new TriggerTester(orFinally(repeatedly(afterCount(2)), afterCount(3)), fixed(10));
    t.inject(1);
    expect(t.shouldFire([0, 10])).toBe(false);
    expect(t.isFinished([0, 10])).toBe(false);
    t.inject(2);
    expect(t.shouldFire([0, 10])).toBe(true);
    t.fireIfShouldFire([0, 10]);
    expect(t.isFinished([0, 10])).toBe(false);
    t.inject(3); // the trigger has 1 since its firing, `until` has 3
    expect(t.shouldFire([0, 10])).toBe(true);
    t.fireIfShouldFire([0, 10]);
    expect(t.isFinished([0, 10])).toBe(true);
    expect(t.log).toEqual(["fire [0, 10)", "fire+finish [0, 10)"]);
  });

  it("becomes the current trigger of afterEach again when a merge leaves it unfinished", () => {
    // testShouldFireAfterMerge
    const t = new TriggerTester(
      afterEach(orFinally(afterCount(5), afterWatermark()), repeatedly(afterCount(1))),
      sessions(10),
    );
    t.inject(1);
    expect(t.shouldFire([1, 11])).toBe(false);
    t.wm = 11;
    expect(t.shouldFire([1, 11])).toBe(true);
    t.fireIfShouldFire([1, 11]);

    t.inject(5);
    expect(t.shouldFire([5, 15])).toBe(false);

    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(false);

    t.inject(1, 2, 3, 4, 5);
    t.mergeWindows();
    expect(t.shouldFire([1, 15])).toBe(true);
    expect(t.log).toEqual(["fire [1, 11)"]);
  });
});

describe("defaultTrigger (DefaultTriggerStateMachineTest)", () => {
  it("fires each fixed window once the watermark passes its end, again and again, never finishing", () => {
    // testDefaultTriggerFixedWindows
    const t = new TriggerTester(defaultTrigger(), fixed(100));
    t.inject(1, 101); // [0, 100), [100, 200)
    expect(t.timer([0, 100])).toBe(100);
    t.wm = 99;
    expect(t.shouldFire([0, 100])).toBe(false);
    expect(t.shouldFire([100, 200])).toBe(false);
    t.wm = 100;
    expect(t.shouldFire([0, 100])).toBe(true);
    expect(t.shouldFire([100, 200])).toBe(false);
    t.fireIfShouldFire([0, 100]);
    expect(t.shouldFire([0, 100])).toBe(true); // still allowed to fire
    expect(t.shouldFire([100, 200])).toBe(false);
    t.wm = 200;
    expect(t.shouldFire([0, 100])).toBe(true);
    expect(t.shouldFire([100, 200])).toBe(true);
    expect(t.isFinished([0, 100])).toBe(false);
    expect(t.isFinished([100, 200])).toBe(false);
    expect(t.log).toEqual(["fire [0, 100)"]);
  });

  it("fires each sliding window once the watermark passes its end", () => {
    // testDefaultTriggerSlidingWindows
    //  -50        0        50       100      150
    //   |--------[-50, 50)--|
    //             |-------[0, 100)---|
    //                       |------[50, 150)----|
    const t = new TriggerTester(defaultTrigger(), slidingWindows(100, 50));
    t.inject(1, 50);
    const first = [-50, 50] as const, second = [0, 100] as const, third = [50, 150] as const;
    const ready = () => [t.shouldFire(first), t.shouldFire(second), t.shouldFire(third)];
    expect(ready()).toEqual([false, false, false]);
    t.wm = 50;
    expect(ready()).toEqual([true, false, false]);
    t.fireIfShouldFire(first);
    expect(ready()).toEqual([true, false, false]);
    t.wm = 99;
    expect(ready()).toEqual([true, false, false]);
    t.wm = 100;
    expect(ready()).toEqual([true, true, false]);
    t.fireIfShouldFire(first);
    expect([t.isFinished(first), t.isFinished(second), t.isFinished(third)]).toEqual([false, false, false]);
    expect(t.log).toEqual(["fire [-50, 50)", "fire [-50, 50)"]);
  });

  it("fires a merged session window once the watermark passes the merged end, and repeats", () => {
    // testDefaultTriggerSessions
    const t = new TriggerTester(defaultTrigger(), sessions(100));
    t.inject(1, 50); // [1, 101), [50, 150)
    t.mergeWindows(); // [1, 150)
    const first = [1, 101] as const, second = [50, 150] as const, merged = [1, 150] as const;
    const ready = () => [t.shouldFire(first), t.shouldFire(second), t.shouldFire(merged)];
    t.wm = 100;
    expect(ready()).toEqual([false, false, false]);
    // The first window is "ready": the caller knows which windows were merged away.
    t.wm = 149;
    expect(ready()).toEqual([true, false, false]);
    t.wm = 150;
    expect(ready()).toEqual([true, true, true]);
    t.fireIfShouldFire(merged);
    expect(t.shouldFire(merged)).toBe(true);
    expect(t.isFinished(merged)).toBe(false);
    expect(t.log).toEqual(["fire [1, 150)"]);
  });
});

describe("never (NeverStateMachineTest)", () => {
  it("does not fire, even after the end of the window", () => {
    // falseAfterEndOfWindow
    const t = new TriggerTester(never(), fixed(5 * 60_000));
    t.inject(1);
    expect(t.shouldFire([0, 5 * 60_000])).toBe(false);
    t.wm = Infinity;
    expect(t.shouldFire([0, 5 * 60_000])).toBe(false);
    t.fireIfShouldFire([0, 5 * 60_000]);
    expect(t.log).toEqual([]);
  });
});

describe("afterWatermarkProgress (weir's own, after Flink's ContinuousEventTimeTrigger)", () => {
  it("fires each time the watermark passes the next multiple of the interval, never finishing", () => {
    //  0         10        20        30
    //  |-1-------|---------|---------|     fires at 10, then at 20 and 30, never in between
    const t = new TriggerTester(afterWatermarkProgress(10), globalWindows());
    t.inject(1);
    expect(t.timer(GLOBAL)).toBe(10);
    t.wm = 9;
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.wm = 10;
    t.fireIfShouldFire(GLOBAL);
    t.wm = 19;
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.wm = 25;
    t.fireIfShouldFire(GLOBAL);
    t.wm = 29;
    expect(t.shouldFire(GLOBAL)).toBe(false);
    t.wm = 30;
    t.fireIfShouldFire(GLOBAL);
    expect(t.isFinished(GLOBAL)).toBe(false);
    expect(t.log).toEqual(["fire [-Infinity, Infinity)", "fire [-Infinity, Infinity)", "fire [-Infinity, Infinity)"]);
  });

  it("makes a first element behind the watermark wait for the next multiple after the watermark", () => {
    const t = new TriggerTester(afterWatermarkProgress(10), fixed(100));
    t.wm = 25;
    t.inject(3);
    expect(t.timer([0, 100])).toBe(30);
    expect(t.shouldFire([0, 100])).toBe(false);
    t.wm = 30;
    expect(t.shouldFire([0, 100])).toBe(true);
  });

  it("takes the earliest next step of merging windows", () => {
    const t = new TriggerTester(afterWatermarkProgress(10), sessions(30));
    t.inject(12); // next 20
    t.inject(5); // next 10
    t.mergeWindows();
    t.wm = 10;
    expect(t.shouldFire([5, 42])).toBe(true);
  });
});

describe("trigger properties", () => {
  it("only the default trigger and never() keep no per-window state", () => {
    expect(tm.isStateless(defaultTrigger())).toBe(true);
    expect(tm.isStateless(never())).toBe(true);
    expect(tm.isStateless(afterWatermark())).toBe(false);
    expect(tm.isStateless(repeatedly(afterCount(1)))).toBe(false);
  });

  it("a trigger uses processing time when any of its parts does", () => {
    expect(tm.usesProcessingTime(afterProcessingTime(1))).toBe(true);
    expect(tm.usesProcessingTime(afterWatermark({ late: orFinally(afterCount(1), afterProcessingTime(5)) }))).toBe(
      true,
    );
    expect(tm.usesProcessingTime(afterEach(afterCount(1), repeatedly(afterAny(never(), afterProcessingTime(0)))))).toBe(
      true,
    );
    expect(tm.usesProcessingTime(afterWatermark({ early: afterCount(1), late: afterCount(1) }))).toBe(false);
    expect(tm.usesProcessingTime(defaultTrigger())).toBe(false);
  });

  it("afterWatermark's sub-triggers are its early trigger, then its late one", () => {
    const early = afterCount(1), late = afterProcessingTime(2);
    expect(tm.subTriggers(afterWatermark({ early, late }))).toEqual([early, late]);
    expect(tm.subTriggers(afterWatermark({ late }))).toEqual([late]);
    expect(tm.subTriggers(afterWatermark())).toEqual([]);
  });

  it("trigger state is plain data that survives a JSON round trip mid-pane", () => {
    // Checkpoints store the state: a restored state must carry on exactly where it was.
    const spec = afterWatermark({ early: afterAll(afterCount(2), afterProcessingTime(5)), late: afterCount(1) });
    const st = tm.initState(spec);
    const ctx: tm.TriggerContext = { wm: 0, pt: 0, end: 100, ts: 1, merging: false, timer: Infinity };
    tm.onElement(spec, st, ctx);
    const restored = JSON.parse(JSON.stringify(st)) as tm.TriggerState;
    expect(restored).toEqual(st);
    tm.onElement(spec, restored, { ...ctx, ts: 2 });
    expect(tm.shouldFire(spec, restored, { ...ctx, pt: 5 })).toBe(false);
    expect(tm.shouldFire(spec, restored, { ...ctx, pt: 6 })).toBe(true);
  });
});
