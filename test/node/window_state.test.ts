// Internal state checks: windows that fired and expired leave nothing behind.
import { describe, expect, it } from "vitest";
import { count, session, sliding, stream, sum, tumbling, type WindowAssigner } from "../../mod.ts";
import { startJob } from "../../src/pipeline/stream.ts";
import { GeneralWindowOperator } from "../../src/operators/general_window_operator.ts";
import { SlicedWindowOperator } from "../../src/operators/sliced_window_operator.ts";
import { type SessionsById, SessionWindowOperator } from "../../src/operators/session_window_operator.ts";
import type { WindowEngine } from "../../src/operators/operator.ts";
import { resolveWindowConfig } from "../../src/operators/window_config.ts";

type Ev = { k: unknown; ts: number };

/** The results an engine fires when the watermark reaches 100. */
function fire(engine: WindowEngine): unknown[] {
  const out: unknown[] = [];
  engine.watermark(100, 0, { data: (b) => out.push(...b.values), watermark: () => {} });
  return out;
}

function* rolling(n: number, keys: number) {
  for (let i = 0; i < n; i++) yield { k: i % keys, ts: i * 3 };
}

describe("window state lifecycle", () => {
  const cases: Record<string, WindowAssigner> = {
    tumbling: tumbling(1_000),
    sliding: sliding(3_000, 1_000),
    session: session(50),
  };
  for (const [name, a] of Object.entries(cases)) {
    it(`${name}: open state stays bounded during a long run and is empty at the end`, async () => {
      const { job, batches } = startJob(
        stream(rolling(200_000, 100), { chunkSize: 512 }).withEventTime((e) => e.ts, {
          maxOutOfOrderness: 100,
        })
          .keyBy((e) => e.k).window(a).aggregate(count()),
      );
      const op = job.ops.find((o) =>
        o instanceof GeneralWindowOperator || o instanceof SlicedWindowOperator || o instanceof SessionWindowOperator
      ) as GeneralWindowOperator | SlicedWindowOperator | SessionWindowOperator;
      let maxOpen = 0;
      let results = 0;
      for await (const batch of batches) {
        results += batch.length;
        maxOpen = Math.max(maxOpen, op.openWindows);
        expect(job.stats().openWindows).toBe(op.openWindows);
      }
      expect(results).toBeGreaterThan(0);
      // 100 keys, each with at most a few windows (or slices) open at any time
      expect(maxOpen).toBeLessThanOrEqual(100 * 6);
      expect(op.openWindows).toBe(0);
      const snap = op.snapshot() as { keys?: unknown[]; slices?: unknown[] };
      expect(snap.keys ?? snap.slices).toEqual([]);
    });
  }
});

describe("keys the general engine sweeps while idle", () => {
  // A key with no window left is kept a while, then swept once idle keys are half of all; integer
  // keys are also found in an array by key (GeneralWindowOperator.#denseKeys). A swept key that comes
  // back must be a new key in both, so that snapshots (which list the Map's keys) keep its windows.
  for (const key of [5, 70_000, "k5"]) {
    it(`a key swept and back later is in the next snapshot (${typeof key === "string" ? "string" : key} key)`, () => {
      const config = resolveWindowConfig(tumbling(10), { allowedLateness: 5 }, (e) => (e as Ev).k, count(), "w");
      const make = () => new GeneralWindowOperator(config);
      const steps: [Ev[], number][] = [
        // ten keys in [0, 10)
        [Array.from({ length: 10 }, (_, i) => ({ k: i === 5 ? key : i, ts: i })), -Infinity],
      ];
      // then only key 0, window after window: the other keys idle, then swept
      for (let r = 1; r <= 12; r++) steps.push([[{ k: 0, ts: 10 * r }], 10 * r - 1]);
      // the swept key comes back
      steps.push([[{ k: key, ts: 200 }, { k: key, ts: 201 }], 199]);
      const run = (restoreAtEnd: boolean) => {
        let engine = make();
        const out: unknown[] = [];
        const sink = { data: (b: { values: unknown[] }) => out.push(...b.values), watermark: () => {} };
        for (const [events, wm] of steps) {
          engine.data({ values: events, ts: Float64Array.from(events.map((e) => e.ts)), wm, pt: 0 }, sink);
        }
        if (restoreAtEnd) {
          const snap = structuredClone(engine.snapshot());
          engine = make();
          engine.restore(snap);
        }
        engine.watermark(Infinity, 0, sink);
        return out.map((r) => {
          const { key, window, value } = r as { key: unknown; window: { start: number }; value: number };
          return `${String(key)}@${window.start}=${value}`;
        });
      };
      const whole = run(false);
      expect(whole).toContain(`${String(key)}@200=2`);
      expect(run(true)).toEqual(whole);
    });
  }
});

describe("snapshots with named fields", () => {
  it("the sliced engine restores its older formats (sliced-4, positional sliced-2) to the same state", async () => {
    const { resolveWindowConfig } = await import("../../src/operators/window_config.ts");
    // count() without its column kernel (spread leaves the hidden kernel behind): accumulators as objects, sliced-5
    const config = () =>
      resolveWindowConfig(tumbling(10), {}, (e) => (e as { k: string }).k, { ...count() } as never, "window-0");
    const op = new SlicedWindowOperator(config());
    const sink = { data: () => {}, watermark: () => {} };
    op.data({ values: [{ k: "a" }, { k: "b" }], ts: Float64Array.of(1, 12), wm: 0, pt: 0 }, sink);
    type Snap = {
      v: string;
      sliceCodes: { base: number; period: number } | null;
      watermark: number;
      outputWatermark: number;
      emittedWatermark: number;
      heldEnds: number[];
      late: number;
      keys: { key: unknown; slices: Map<number, unknown> }[];
    };
    // Slices by start, whatever codes a snapshot uses for them.
    const byStart = (x: Snap) =>
      x.keys.map((k) => ({
        key: k.key,
        slices: [...k.slices].map((
          [c, acc],
        ) => [x.sliceCodes === null ? c : x.sliceCodes.base + c * x.sliceCodes.period, acc]),
      }));
    // Today's slice-major snapshot (sliced-5), in the key-major form of the older formats
    const current = op.snapshot() as Omit<Snap, "keys"> & {
      slices: { code: number; keys: unknown[]; accs: unknown[] }[];
    };
    expect(current.v).toBe("sliced-5");
    const keyMajor = new Map<unknown, [number, unknown][]>();
    for (const sl of current.slices) {
      sl.keys.forEach((k, i) => keyMajor.set(k, [...(keyMajor.get(k) ?? []), [sl.code, sl.accs[i]]]));
    }
    const { slices: _slices, ...fields } = current;
    const now: Snap = {
      ...fields,
      v: "sliced-4",
      keys: [...keyMajor].map(([key, slices]) => ({ key, slices: new Map(slices) })),
    };
    expect(byStart(now)).toEqual([{ key: "a", slices: [[0, 1]] }, { key: "b", slices: [[10, 1]] }]);
    const old = {
      v: "sliced-2",
      wm: now.watermark,
      outputWatermark: now.outputWatermark,
      emittedWm: now.emittedWatermark,
      heldEnds: now.heldEnds,
      late: now.late,
      keys: byStart(now).map((k) => [k.key, k.slices]),
    };
    const restored = new SlicedWindowOperator(config());
    restored.restore(structuredClone(old));
    const again = restored.snapshot() as typeof current;
    expect(again.slices.map((sl) => [sl.keys, sl.accs])).toEqual(current.slices.map((sl) => [sl.keys, sl.accs]));
    expect({ ...again, slices: null, sliceCodes: null }).toEqual({ ...current, slices: null, sliceCodes: null });
    // and the key-major sliced-4 of the previous release restores to the same state
    const fromFour = new SlicedWindowOperator(config());
    fromFour.restore(structuredClone({ ...now, keys: now.keys.map((k) => ({ key: k.key, slices: [...k.slices] })) }));
    expect(fromFour.snapshot()).toEqual(current);
  });

  it("an engine with column accumulators snapshots sliced-6 (slots, no object per key) and restores it and sliced-5 alike", async () => {
    const { resolveWindowConfig } = await import("../../src/operators/window_config.ts");
    const { composeCombiners } = await import("../../src/aggregate/compose.ts");
    const agg = () => composeCombiners({ count: count(), sum: sum((e: { k: string; x: number }) => e.x) });
    const config = () => resolveWindowConfig(tumbling(10), {}, (e) => (e as { k: string }).k, agg() as never, "w");
    const sink = { data: () => {}, watermark: () => {} };
    const op = new SlicedWindowOperator(config());
    // "c" gets a NaN: its accumulator leaves the column (spilled) and must survive too
    const values = [{ k: "a", x: 1 }, { k: "b", x: 2 }, { k: "a", x: 3 }, { k: "c", x: NaN }, { k: "a", x: 4 }];
    op.data({ values, ts: Float64Array.of(1, 12, 2, 3, 14), wm: 0, pt: 0 }, sink);
    type Six = {
      v: string;
      width: number;
      slices: { code: number; keys: unknown[]; slots: number[]; col: Float64Array; spilled: unknown[] }[];
    };
    const six = structuredClone(op.snapshot()) as Six;
    expect(six.v).toBe("sliced-6");
    // count, then the sum's pair: its high half, its low half
    expect(six.width).toBe(3);
    expect(six.slices.map((sl) => sl.keys)).toEqual([["a", "c"], ["b", "a"]]);
    expect(six.slices[0]!.slots.some((x) => x < 0)).toBe(true);
    const restored = new SlicedWindowOperator(config());
    restored.restore(structuredClone(six));
    expect(restored.snapshot()).toEqual(six);
    // the same state as sliced-5 (accumulators as the combiner's own) restores to the same snapshot
    const five = {
      ...six,
      v: "sliced-5",
      slices: [
        // "c"'s accumulator as the spill kept it (an exact sum of a NaN)
        { code: six.slices[0]!.code, keys: ["a", "c"], accs: [[2, 4], six.slices[0]!.spilled[0]] },
        { code: six.slices[1]!.code, keys: ["b", "a"], accs: [[1, 2], [1, 4]] },
      ],
    };
    const fromFive = new SlicedWindowOperator(config());
    fromFive.restore(five);
    expect(fromFive.snapshot()).toEqual(six);
    // the same state in columns of one slot per part, as written before sums took two slots
    const narrow = (col: Float64Array) => Float64Array.from(col.filter((_, i) => i % 3 !== 2));
    expect(six.slices.every((sl) => sl.col.every((x, i) => i % 3 !== 2 || x === 0))).toBe(true);
    const legacy = { ...six, width: 2, slices: six.slices.map((sl) => ({ ...sl, col: narrow(sl.col) })) };
    const fromLegacy = new SlicedWindowOperator(config());
    fromLegacy.restore(structuredClone(legacy));
    expect(fromLegacy.snapshot()).toEqual(six);
    // all fire the same results
    const expected = fire(op);
    expect(expected).toHaveLength(4);
    expect(fire(restored)).toEqual(expected);
    expect(fire(fromFive)).toEqual(expected);
    expect(fire(fromLegacy)).toEqual(expected);
    // an aggregate whose accumulators are not columns of that width refuses it, naming why
    const other = new SlicedWindowOperator(
      resolveWindowConfig(tumbling(10), {}, (e) => (e as { k: string }).k, count() as never, "w"),
    );
    expect(() => other.restore(structuredClone(six))).toThrow(/columns of width 3/);
    expect(() => other.restore(structuredClone(legacy))).toThrow(/columns of width 2/);
  });

  it("the session engine snapshots sessions-4 (its arrays id by id) and restores it, sessions-3 and sessions-2 alike", async () => {
    const { resolveWindowConfig } = await import("../../src/operators/window_config.ts");
    const { composeCombiners } = await import("../../src/aggregate/compose.ts");
    type Ev = { k: unknown; x: number };
    const agg = () => composeCombiners({ count: count(), sum: sum((e: Ev) => e.x) });
    const config = () => resolveWindowConfig(session(10), {}, (e) => (e as Ev).k, agg() as never, "w");
    const sink = { data: () => {}, watermark: () => {} };
    // "a" has two open sessions ([1, 13) and [30, 41)), an object key one, "b" one
    const values: Ev[] = [{ k: "a", x: 1 }, { k: { id: 7 }, x: 2 }, { k: "a", x: 3 }, { k: "b", x: 4 }, {
      k: "a",
      x: 5,
    }];
    const op = new SessionWindowOperator(config());
    op.data({ values, ts: Float64Array.of(1, 2, 3, 20, 30), wm: 0, pt: 0 }, sink);
    op.data({ values: [{ k: "a", x: 6 }], ts: Float64Array.of(31), wm: 0, pt: 0 }, sink);
    const four = structuredClone(op.snapshot()) as SessionsById;
    expect(four.v).toBe("sessions-4");
    // count, then the sum's pair: its high half, its low half
    expect(four.width).toBe(3);
    // ids in the order the sessions opened; "a"'s newer session first in its list
    expect(four.keys).toEqual(["a", { id: 7 }, "b", "a"]);
    expect([...four.span]).toEqual([1, 13, 2, 12, 20, 30, 30, 41]);
    expect([...four.next]).toEqual([-1, -1, -1, 0]);
    expect([...four.col!]).toEqual([2, 4, 0, 1, 2, 0, 1, 4, 0, 2, 11, 0]);
    expect([...four.flags]).toEqual([2, 2, 2, 2]);
    expect([...four.free]).toEqual([]);
    // (an entry stays at the end its session had when it opened: "a"'s first grew from [1, 11))
    expect([...four.heapEnds].sort((a, b) => a - b)).toEqual([11, 12, 30, 40]);
    const restored = new SessionWindowOperator(config());
    restored.restore(structuredClone(four));
    // a round trip gives the same arrays, each key's list and the heap included
    expect(restored.snapshot()).toEqual(four);
    // the same state as sessions-3 (key by key, in list order, in columns of one slot per part as
    // written before sums took two slots) and sessions-2 (accumulators as the combiner's own)
    // restores to the same sessions
    const three = {
      v: "sessions-3",
      watermark: -Infinity,
      emittedWatermark: four.emittedWatermark,
      outputWatermark: four.outputWatermark,
      late: 0,
      keys: ["a", "a", { id: 7 }, "b"],
      span: Float64Array.of(30, 41, 1, 13, 2, 12, 20, 30),
      held: Uint8Array.of(1, 1, 1, 1),
      width: 2,
      col: Float64Array.of(2, 11, 2, 4, 1, 2, 1, 4),
      accs: null,
    };
    const fromThree = new SessionWindowOperator(config());
    fromThree.restore(structuredClone(three));
    const two = {
      v: "sessions-2",
      watermark: -Infinity,
      emittedWatermark: three.emittedWatermark,
      outputWatermark: three.outputWatermark,
      late: 0,
      keys: [
        { key: "a", sessions: [[30, 41, [2, 11], 1], [1, 13, [2, 4], 1]] },
        { key: { id: 7 }, sessions: [[2, 12, [1, 2], 1]] },
        { key: "b", sessions: [[20, 30, [1, 4], 1]] },
      ],
    };
    const fromTwo = new SessionWindowOperator(config());
    fromTwo.restore(two);
    expect(fromTwo.snapshot()).toEqual(fromThree.snapshot());
    const expected = fire(op);
    expect(expected).toHaveLength(4);
    expect(fire(restored)).toEqual(expected);
    expect(fire(fromThree)).toEqual(expected);
    expect(fire(fromTwo)).toEqual(expected);
    // sessions that end together fire in the order they would have (ids and heap restored as they were)
    // (keys 6..1 opened in that order: sessions-3, restored key by key, fired them 1, 6, 5, 4, 3, 2)
    const ties = new SessionWindowOperator(config());
    const tied = [6, 5, 4, 3, 2, 1].map((k, i) => ({ k, x: i }));
    ties.data({ values: tied, ts: Float64Array.of(5, 5, 5, 5, 5, 5), wm: 0, pt: 0 }, sink);
    ties.data({ values: [{ k: 4, x: 9 }], ts: Float64Array.of(2), wm: 0, pt: 0 }, sink);
    const tiesBack = new SessionWindowOperator(config());
    tiesBack.restore(structuredClone(ties.snapshot()));
    const tiesOrder = fire(ties) as { key: number }[];
    expect(tiesOrder.map((r) => r.key)).toEqual([6, 1, 2, 3, 4, 5]);
    expect(fire(tiesBack)).toEqual(tiesOrder);
    // with most ids free (their sessions fired), the snapshot renumbers the others and keeps no free id
    const sparse = new SessionWindowOperator(config());
    sparse.data({ values, ts: Float64Array.of(1, 2, 3, 20, 30), wm: 0, pt: 0 }, sink);
    sparse.watermark(35, 0, sink);
    expect(sparse.openWindows).toBe(1);
    const sparseSnap = structuredClone(sparse.snapshot()) as SessionsById;
    expect(sparseSnap.v).toBe("sessions-4");
    expect(sparseSnap.keys).toEqual(["a"]);
    expect([...sparseSnap.heapIds]).toEqual([0]);
    expect([...sparseSnap.free]).toEqual([]);
    const sparseBack = new SessionWindowOperator(config());
    sparseBack.restore(sparseSnap);
    expect(fire(sparseBack)).toEqual(fire(sparse));
    // ... and in the same order for sessions that end together: keys 1..6 opened last to first (with
    // sessions-3, restored key by key, they came out in the other order), half of the ids free
    const many = new SessionWindowOperator(config());
    const early = [7, 8, 9, 10, 11, 12, 13, 14].map((k) => ({ k, x: 1 }));
    many.data({ values: early, ts: Float64Array.of(0, 0, 0, 0, 0, 0, 0, 0), wm: 0, pt: 0 }, sink);
    many.data(
      { values: [6, 5, 4, 3, 2, 1].map((k) => ({ k, x: k })), ts: new Float64Array(6).fill(15), wm: 0, pt: 0 },
      sink,
    );
    many.watermark(12, 0, sink);
    const manySnap = structuredClone(many.snapshot()) as SessionsById;
    expect(manySnap.top).toBe(6);
    const manyBack = new SessionWindowOperator(config());
    manyBack.restore(manySnap);
    const order = fire(many) as { key: number }[];
    expect(order.map((r) => r.key)).not.toEqual([1, 2, 3, 4, 5, 6]);
    expect(fire(manyBack)).toEqual(order);
    // the same sessions-4 in columns of one slot per part (before sums took two slots)
    const legacyFour = { ...four, width: 2, col: Float64Array.from(four.col!.filter((_, i) => i % 3 !== 2)) };
    const fromLegacyFour = new SessionWindowOperator(config());
    fromLegacyFour.restore(structuredClone(legacyFour));
    expect(fromLegacyFour.snapshot()).toEqual(four);
    // accumulators that left the columns (a NaN in a sum) snapshot as the combiner's own, and restore
    const spilled = new SessionWindowOperator(config());
    spilled.data({ values: [{ k: "a", x: NaN }, { k: "b", x: 1 }], ts: Float64Array.of(1, 2), wm: 0, pt: 0 }, sink);
    const accs = structuredClone(spilled.snapshot()) as { col: unknown; accs: unknown[] };
    expect(accs.col).toBe(null);
    expect(accs.accs).toHaveLength(2);
    const fromAccs = new SessionWindowOperator(config());
    fromAccs.restore(structuredClone(accs));
    expect(fire(fromAccs)).toEqual(fire(spilled));
    // an aggregate whose accumulators are not columns of that width refuses it, naming why
    const other = new SessionWindowOperator(
      resolveWindowConfig(session(10), {}, (e) => (e as Ev).k, count() as never, "w"),
    );
    expect(() => other.restore(structuredClone(four))).toThrow(/columns of width 3/);
    expect(() => other.restore(structuredClone(three))).toThrow(/columns of width 2/);
  });
});
