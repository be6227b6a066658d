// Column kernels (src/aggregate/column_kernel.ts): the sliced engine keeps the accumulators of count, sum,
// min, max and objects of them in Float64Array slots, and moves a (key, window) to the combiner's own
// accumulator when an element cannot be stored there (a sum leaving the safe integers, a float, NaN,
// a string for min/max). Results, per-result watermarks and late counts must be exactly those of the
// same combiners without kernels and of the general engine, under any chunking and with snapshots
// restored into a new engine at any point.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { composeCombiners, count, max, mean, min, stream, sum } from "../../mod.ts";
import type { Combiner } from "../../src/aggregate/combiner.ts";
import { columnKernelOf } from "../../src/aggregate/column_kernel.ts";
import { GeneralWindowOperator } from "../../src/operators/general_window_operator.ts";
import { SlicedWindowOperator } from "../../src/operators/sliced_window_operator.ts";
import { resolveWindowConfig } from "../../src/operators/window_config.ts";
import type { WindowEngine } from "../../src/operators/operator.ts";
import type { WindowAssigner } from "../../src/window/assigner.ts";
import { session, sliding, tumbling } from "../../mod.ts";
import { windowEngineFor } from "../../src/operators/window_engine.ts";
import { denseAllowed, denseLimits } from "../../src/operators/_hot_loop.ts";
import { split } from "./_chunks.ts";

type Ev = { k: number; ts: number; v: unknown };
const BOUND = 30;

/** The same combiner without hidden properties (no kernel, no retraction): the engines' object path. */
function plain<C extends Combiner<unknown, unknown, unknown>>(c: C): C {
  return { create: c.create, add: c.add, merge: c.merge, result: c.result } as C;
}

const v = (e: unknown) => (e as Ev).v as number;
/** Combiner specs: each a name and a factory (kernels on, or every part without kernel). */
const specs: [string, (bare: boolean) => Combiner<unknown, unknown, unknown>][] = [
  ["sum", (bare) => (bare ? plain(sum(v)) : sum(v)) as never],
  ["min", (bare) => (bare ? plain(min(v)) : min(v)) as never],
  ["count+sum", (bare) => {
    const parts = { n: count(), s: sum(v) };
    return composeCombiners(bare ? { n: plain(parts.n), s: plain(parts.s) } : parts) as never;
  }],
  ["sum+min+max+count", (bare) => {
    const parts = { s: sum(v), lo: min(v), hi: max(v), n: count() };
    return composeCombiners(
      bare ? { s: plain(parts.s), lo: plain(parts.lo), hi: plain(parts.hi), n: plain(parts.n) } : parts,
    ) as never;
  }],
  ["mean", (bare) => (bare ? plain(mean(v)) : mean(v)) as never],
  // five parts in eight slots: the engines' loop over slots (more than four)
  ["count+sum+min+max+mean", (bare) => {
    const parts = { n: count(), s: sum(v), lo: min(v), hi: max(v), avg: mean(v) };
    const p = bare ? Object.fromEntries(Object.entries(parts).map(([k, c]) => [k, plain(c)])) : parts;
    return composeCombiners(p) as never;
  }],
];

/**
 * Values that fit the slots and values that do not (each forces the columns to hand over to the
 * combiner): small integers, fractions (exact sums of them fit a pair of doubles), and doubles of any
 * magnitude (sums of 1e300 and 1e-300 do not).
 */
const numbers = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -9, max: 9 }) },
  { weight: 3, arbitrary: fc.integer({ min: -999, max: 999 }).map((x) => x / 100) },
  { weight: 1, arbitrary: fc.double() },
  // -0 against 0: min keeps -0, max keeps 0
  { weight: 1, arbitrary: fc.constantFrom(-0, 0) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 0.1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 60, Infinity, -Infinity, NaN) },
);

/** JSON with -0, NaN and the infinities spelled out (JSON.stringify would turn them into 0 and null). */
const show = (x: unknown) =>
  JSON.stringify(
    x,
    (_k, y) => (typeof y === "number" && (Object.is(y, -0) || !Number.isFinite(y)) ? `#${y === 0 ? "-0" : y}` : y),
  );

function drive(
  make: () => WindowEngine,
  input: Ev[],
  cuts: number[],
  restoreAt: boolean[],
  sorted = true,
): { out: string[]; late: number } {
  let engine = make();
  const out: string[] = [];
  const sink = {
    data: (b: { values: unknown[]; wm: number | Float64Array }) =>
      b.values.forEach((r, j) => out.push(`${show(r)} under ${typeof b.wm === "number" ? b.wm : b.wm[j]}`)),
    watermark: (w: number) => out.push(`wm ${w}`),
  };
  let maxTs = -Infinity;
  split(input, cuts).forEach((chunk, c) => {
    const ts = Float64Array.from(chunk.map((e) => e.ts));
    const wm = new Float64Array(chunk.length);
    chunk.forEach((e, i) => {
      wm[i] = maxTs - BOUND;
      maxTs = Math.max(maxTs, e.ts);
    });
    engine.data({ values: chunk, ts, wm, pt: 0 }, sink);
    engine.watermark(maxTs - BOUND, 0, sink);
    if (restoreAt[c % Math.max(1, restoreAt.length)]) {
      const snap = structuredClone(engine.snapshot());
      engine = make();
      engine.restore(snap);
    }
  });
  engine.watermark(Infinity, 0, sink);
  const results = out.filter((x) => !x.startsWith("wm "));
  return { out: sorted ? results.sort() : results, late: engine.lateCount };
}

describe("column kernels", () => {
  it("the built-ins and objects of up to sixteen of them have one; other combiners do not", () => {
    expect(columnKernelOf(count())?.width).toBe(1);
    // a sum is an exact pair of doubles, a mean that pair and a count
    expect(columnKernelOf(sum())?.width).toBe(2);
    expect(columnKernelOf(mean())?.width).toBe(3);
    expect(columnKernelOf(composeCombiners({ n: count(), s: sum(), lo: min() }))?.width).toBe(4);
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`s${i}`, sum()]));
    expect(columnKernelOf(composeCombiners(sixteen))?.width).toBe(32);
    expect(columnKernelOf(composeCombiners({ ...sixteen, n: count() }))).toBeNull();
    expect(columnKernelOf(plain(count()))).toBeNull();
    expect(columnKernelOf(composeCombiners({ n: count(), s: plain(sum()) }))).toBeNull();
  });

  // The pair of doubles holds a sum exactly: its high half is the correctly rounded total, the one the
  // combiner's exact partials give, whatever the order of the values.
  it("sums and means of fractions stay in the columns and equal the combiners' exact results", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -99_999, max: 99_999 }).map((x) => x / 100), { minLength: 1, maxLength: 200 }),
        (xs) => {
          const k = columnKernelOf(composeCombiners({ s: sum(), m: mean() }))!;
          const col = new Float64Array(k.width);
          expect(k.first(col, 0, xs[0], 0)).toBe(true);
          for (const x of xs.slice(1)) expect(k.add(col, 0, x, 0)).toBe(true);
          const c = composeCombiners({ s: sum(), m: mean() });
          let acc = c.create();
          for (const x of xs) acc = c.add(acc, x, 0);
          expect(k.result(col, 0)).toEqual(c.result(acc));
          // and its accumulator is the combiner's, which merges and reads back the same
          expect(c.result(k.toAcc(col, 0) as never)).toEqual(c.result(acc));
          const back = new Float64Array(k.width);
          expect(k.fromAcc(back, 0, acc)).toBe(true);
          expect(k.result(back, 0)).toEqual(c.result(acc));
        },
      ),
      { numRuns: 300 },
    );
    // 0.1 + 0.2 + 0.3: the exact total of those three doubles rounds to 0.6, not to 0.6000000000000001 as `+` does
    const k = columnKernelOf(sum())!;
    const col = new Float64Array(2);
    k.first(col, 0, 0.1, 0);
    k.add(col, 0, 0.2, 0);
    k.add(col, 0, 0.3, 0);
    expect(k.result(col, 0)).toBe(0.6);
    // 1e300 + 1e-300 is a pair; adding 1 makes a total two doubles cannot hold: the combiner takes it
    const far = new Float64Array(2);
    expect(k.first(far, 0, 1e300, 0)).toBe(true);
    expect(k.add(far, 0, 1e-300, 0)).toBe(true);
    expect(k.add(far, 0, 1, 0)).toBe(false);
    expect([...far]).toEqual([1e300, 1e-300]);
  });

  for (const [name, make] of specs) {
    for (const assigner of [tumbling(40), sliding(60, 20), session(15)]) {
      const kind = assigner.kind === "tumbling"
        ? "tumbling windows"
        : assigner.kind === "sliding"
        ? "sliding windows (running accumulators, or slices merged in slots)"
        : "sessions (merged in slots)";
      it(`${name}: ${kind} give exactly the results of the combiners without kernels and of the general engine`, () => {
        fc.assert(
          fc.property(
            fc.array(
              fc.record({ k: fc.integer({ min: 0, max: 3 }), ts: fc.integer({ min: 0, max: 300 }), v: numbers }),
              { maxLength: 70 },
            ),
            fc.array(fc.nat(), { maxLength: 6 }),
            fc.array(fc.boolean(), { maxLength: 6 }),
            (input, cuts, restoreAt) => {
              const config = (bare: boolean) =>
                resolveWindowConfig(assigner, { onLate: () => {} }, (e) => (e as Ev).k, make(bare), "window-0");
              expect(columnKernelOf(config(false).combiner)).not.toBeNull();
              expect(windowEngineFor(config(false))).not.toBeInstanceOf(GeneralWindowOperator);
              const columns = drive(() => windowEngineFor(config(false)), input, cuts, restoreAt);
              const objects = drive(() => windowEngineFor(config(true)), input, cuts, restoreAt);
              const general = drive(() => new GeneralWindowOperator(config(false)), input, [], []);
              expect(columns.out).toEqual(objects.out);
              expect(columns.out).toEqual(general.out);
              expect(columns.late).toBe(general.late);
            },
          ),
          { numRuns: 200 },
        );
      });
    }
  }

  // Values the slots always hold (small integers): merges and retractions stay in the columns for the
  // whole job instead of handing over to the combiners at the first value a slot cannot hold, so the
  // kernels' merge and retract of three and four parts are what runs (sliding windows of retractable
  // parts merge and retract running accumulators; sessions merge when an element bridges two).
  const w = (e: unknown) => -((e as Ev).v as number);
  const wide: [string, () => Combiner<unknown, unknown, unknown>][] = [
    ["count+sum+sum", () => composeCombiners({ n: count(), s: sum(v), t: sum(w) }) as never],
    ["count+sum+sum+count", () => composeCombiners({ n: count(), s: sum(v), t: sum(w), m: count() }) as never],
    ["min+max+sum", () => composeCombiners({ lo: min(v), hi: max(v), s: sum(v) }) as never],
  ];
  for (const [name, make] of wide) {
    for (const assigner of [sliding(60, 20), session(15)]) {
      it(`${name}, integer values: ${assigner.kind} merge (and retract) in slots as the general engine`, () => {
        fc.assert(
          fc.property(
            fc.array(
              fc.record({
                k: fc.integer({ min: 0, max: 2 }),
                ts: fc.integer({ min: 0, max: 200 }),
                v: fc.integer({ min: -9, max: 9 }),
              }),
              { maxLength: 80 },
            ),
            fc.array(fc.nat(), { maxLength: 6 }),
            fc.array(fc.boolean(), { maxLength: 6 }),
            (input, cuts, restoreAt) => {
              const config = resolveWindowConfig(
                assigner,
                { onLate: () => {} },
                (e) => (e as Ev).k,
                make(),
                "window-0",
              );
              expect(windowEngineFor(config)).not.toBeInstanceOf(GeneralWindowOperator);
              const fast = drive(() => windowEngineFor(config), input, cuts, restoreAt);
              const general = drive(() => new GeneralWindowOperator(config), input, [], []);
              expect(fast.out).toEqual(general.out);
              expect(fast.late).toBe(general.late);
            },
          ),
          { numRuns: 200 },
        );
      });
    }
  }

  // Sliding windows of parts that cannot be retracted (min, max) keep slices in columns and merge each
  // key's slots when a window fires: keys of every kind (in the slices' arrays or their Maps, objects by
  // their encoding), results in the order of the combiners' own linked entries, values spilled to the
  // combiner (strings, sums a pair cannot hold) merged with the slots of the other slices.
  it("sliding windows without retraction merge slices in slots: keys of every kind, in the linked entries' order", () => {
    // (typed as Ev's number keys: the engines take keys of any type)
    const keys = fc.oneof(
      fc.constantFrom(0, -0, 1, 3, -1, 0.5, 2 ** 16, 2 ** 31, NaN),
      fc.constantFrom("a", "b", "0"),
      fc.constantFrom({ id: 1 }, { id: 2 }, [1, 2]),
    ) as fc.Arbitrary<unknown> as fc.Arbitrary<number>;
    // min and max of a string key's values as strings (a window's values must be all numbers or all
    // strings): the slots cannot hold them, the combiner takes them
    const text = (e: unknown) => (typeof (e as Ev).k === "string" ? String((e as Ev).v) : (e as Ev).v) as number;
    const make = (bare: boolean) => {
      const parts = { lo: min(text), hi: max(text), n: count() };
      const p = bare ? Object.fromEntries(Object.entries(parts).map(([k, c]) => [k, plain(c)])) : parts;
      return composeCombiners(p) as never;
    };
    const withSum = (bare: boolean) => {
      const parts = { s: sum(v), hi: max(text) };
      const p = bare ? Object.fromEntries(Object.entries(parts).map(([k, c]) => [k, plain(c)])) : parts;
      return composeCombiners(p) as never;
    };
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: keys, ts: fc.integer({ min: 0, max: 300 }), v: numbers }), { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { maxLength: 6 }),
        fc.boolean(),
        (input, cuts, restoreAt, summing) => {
          const config = (bare: boolean) =>
            resolveWindowConfig(
              sliding(60, 20),
              { onLate: () => {} },
              (e) => (e as Ev).k,
              (summing ? withSum : make)(bare),
              "window-0",
            );
          expect(windowEngineFor(config(false))).toBeInstanceOf(SlicedWindowOperator);
          const columns = drive(() => windowEngineFor(config(false)), input, cuts, restoreAt, false);
          const linked = drive(() => windowEngineFor(config(true)), input, cuts, restoreAt, false);
          const general = drive(() => new GeneralWindowOperator(config(false)), input, [], []);
          // a snapshot of linked entries (sliced-5, as before slices were merged in slots) restored into columns
          let made = 0;
          const upgraded = drive(() => windowEngineFor(config(made++ === 0)), input, cuts, restoreAt, false);
          expect(columns.out).toEqual(linked.out);
          expect(upgraded.out).toEqual(linked.out);
          expect([...columns.out].sort()).toEqual(general.out);
          expect(columns.late).toBe(general.late);
        },
      ),
      { numRuns: 300 },
    );
  });

  /**
   * `{ count, sum }` under `assigner` in the fast engine, driven by `input` (possibly sorted by time)
   * in any chunking and with restores, gives exactly the general engine's results.
   */
  function matchesGeneral(
    assigner: WindowAssigner,
    keys: fc.Arbitrary<number>,
    size: { minLength?: number; maxLength: number },
    inOrder: boolean,
    numRuns: number,
  ) {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: keys, ts: fc.integer({ min: 0, max: 300 }), v: numbers }), size),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { maxLength: 6 }),
        (events, cuts, restoreAt) => {
          const input = inOrder ? [...events].sort((a, b) => a.ts - b.ts) : events;
          const config = resolveWindowConfig(
            assigner,
            { onLate: () => {} },
            (e) => (e as Ev).k,
            composeCombiners({ n: count(), s: sum(v) }) as never,
            "window-0",
          );
          expect(windowEngineFor(config)).not.toBeInstanceOf(GeneralWindowOperator);
          const fast = drive(() => windowEngineFor(config), input, cuts, restoreAt);
          const general = drive(() => new GeneralWindowOperator(config), input, [], []);
          expect(fast.out).toEqual(general.out);
        },
      ),
      { numRuns },
    );
  }

  for (const assigner of [tumbling(40), sliding(60, 20), session(15)]) {
    // The engines look up an int32 key as `key | 0` (so V8 hashes it inline), and keep a key in
    // [0, 2^16) in arrays indexed by it, grown as larger keys come: every other number must group as
    // before, and -0 with 0, as a Map groups them.
    it(`number keys of every kind group exactly as in the general engine (${assigner.kind})`, () => {
      const keys = fc.constantFrom(
        ...[0, -0, 1, -1, 0.5, -0.5, 63, 64, 1000, 2 ** 16 - 1, 2 ** 16, 2 ** 31 - 1, -(2 ** 31), 2 ** 31],
        ...[2 ** 40, 1e300, NaN],
      );
      matchesGeneral(assigner, keys, { maxLength: 70 }, false, 200);
    });
    // Integer keys past 2^16 are kept in arrays too while memory allows (a 2^22-entry array for one
    // slice, not for two at once), else in the Map, and move from the Map into an array that grows to
    // reach them: in time order, so that slices close and hand their arrays on.
    // (denseLimits.perKey raised so that these few keys may have large arrays at all)
    it(`integer keys past 2^16 group as in the general engine, in arrays or in the Map (${assigner.kind})`, () => {
      const keys = fc.constantFrom(5, 2 ** 16, 70_000, 1e6, 3_000_000, 2 ** 22 - 1, 2 ** 22, 2 ** 24 - 1, 2 ** 24);
      const saved = denseLimits.perKey;
      denseLimits.perKey = 2 ** 24;
      try {
        matchesGeneral(assigner, keys, { minLength: 10, maxLength: 80 }, true, 60);
      } finally {
        denseLimits.perKey = saved;
      }
    });
    // (a collection during the step can only lower the figure: this may miss a large array, never invent one)
    it(`a few keys with large integer ids take no large array (${assigner.kind})`, () => {
      const config = resolveWindowConfig(
        assigner,
        {},
        (e) => (e as Ev).k,
        composeCombiners({ n: count(), s: sum(v) }) as never,
        "window-0",
      );
      const engine = windowEngineFor(config);
      const before = process.memoryUsage().arrayBuffers;
      const values = [3_000_000, 3_000_001, 2_500_000, 70_000].map((k) => ({ k, ts: 1, v: 1 }));
      engine.data({ values, ts: Float64Array.of(1, 1, 1, 1), wm: 0, pt: 0 }, { data: () => {}, watermark: () => {} });
      // (a 2^22-entry array would be 16 MiB)
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 20);
      expect(engine.openWindows).toBe(4);
    });
    // In time order, so that slices (or sessions) fill with many keys and close one after another: the
    // arrays of a closed slice are zeroed and handed to the next one.
    it(`many small integer keys per slice (or session), one after another, as in the general engine (${assigner.kind})`, () => {
      matchesGeneral(assigner, fc.integer({ min: 0, max: 40 }), { minLength: 50, maxLength: 300 }, true, 100);
    });
  }

  it("arrays of key entries grow past 2^16 with a key per 64 entries, or within denseLimits", () => {
    // (length, old length, keys in the array, entries in all arrays, keys in all)
    expect(denseAllowed(2 ** 16, 0, 1, 0, 1)).toBe(true);
    expect(denseAllowed(2 ** 20, 0, 2 ** 14, 0, 2 ** 14)).toBe(true);
    // a few keys with large ids: 4 MiB for 3 keys is refused
    expect(denseAllowed(2 ** 20, 0, 3, 0, 3)).toBe(false);
    // 1M entries for a slice of 9,400 keys while the engine holds 19k: within the budget and 1,024 per key
    expect(denseAllowed(2 ** 20, 0, 9_400, 2 ** 20, 19_000)).toBe(true);
    // ... not past the budget (4M entries)
    expect(denseAllowed(2 ** 20, 0, 9_400, 2 ** 22, 19_000)).toBe(false);
    // growing an array counts only what it adds
    expect(denseAllowed(2 ** 21, 2 ** 20, 9_400, 2 ** 22 - 2 ** 20, 19_000)).toBe(true);
  });

  // A key past 2^22 goes to the Map while its window (or the engine) holds few keys. Then 140k keys
  // make a 2^23-entry array dense enough (denseAllowed): the session engine's array grows to reach it
  // and the key moves in; the slice's array, capped when it was refused, stays short of it. Either
  // way the key's next element must find it, not open a second accumulator (or session) for it.
  for (const assigner of [tumbling(1_000), session(100)]) {
    it(`a key the Map took is found there, or where it moved (${assigner.kind})`, async () => {
      const far = 2 ** 22;
      const events = [{ k: far, ts: 0 }];
      for (let k = 0; k < 140_000; k++) events.push({ k, ts: 1 });
      events.push({ k: far + 1, ts: 2 }, { k: far, ts: 3 });
      const results = await stream(events, { chunkSize: 4096 }).withEventTime((e) => e.ts, { maxOutOfOrderness: 10 })
        .keyBy((e) => e.k)
        .window(assigner).aggregate(count()).toArray();
      expect(results).toHaveLength(140_002);
      expect(results.filter((r) => r.key === far).map((r) => r.value)).toEqual([2]);
      expect(results.every((r) => r.value === (r.key === far ? 2 : 1))).toBe(true);
    });
  }

  // Sliding windows keep each key's running accumulator: a key past 2^22, alone in the first window,
  // goes to the running Map; the next window brings 140k keys and then one past it, which makes the
  // running array grow to reach it (dense enough): the key moves in, and the next window's merge and
  // the retractions after must find it there.
  it("a running accumulator's key moves from the Map into the array that grows to reach it (sliding)", async () => {
    const far = 2 ** 22;
    const events = [{ k: far, ts: 0 }];
    for (let k = 0; k < 140_000; k++) events.push({ k, ts: 1_000 });
    events.push({ k: far + 1, ts: 1_000 }, { k: far, ts: 1_500 });
    const results = await stream(events, { chunkSize: 4096 }).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
      .keyBy((e) => e.k).window(sliding(2_000, 1_000)).aggregate(count()).toArray();
    const of = (start: number) => results.filter((r) => r.window.start === start);
    expect(of(-1_000).map((r) => [r.key, r.value])).toEqual([[far, 1]]);
    for (const start of [0, 1_000]) {
      const w = of(start);
      expect(w).toHaveLength(140_002);
      expect(w.filter((r) => r.key === far).map((r) => r.value)).toEqual([start === 0 ? 2 : 1]);
      expect(w.every((r) => r.value === (r.key === far && start === 0 ? 2 : 1))).toBe(true);
    }
  });

  it("sliding windows leave the columns when a merge or a retraction of running sums leaves the safe integers", () => {
    const M = 2 ** 53 - 1;
    // key 1: slices -M, M, M merge safely (-M, 0, M) but taking -M back out gives 2M;
    // key 2: slices M, M cannot merge in slots
    const retracting: Ev[] = [
      { k: 1, ts: 1, v: -M },
      { k: 1, ts: 11, v: M },
      { k: 1, ts: 21, v: M },
      { k: 1, ts: 31, v: 1 },
      { k: 1, ts: 70, v: 1 },
    ];
    const merging: Ev[] = [{ k: 2, ts: 2, v: M }, { k: 2, ts: 12, v: M }, { k: 2, ts: 40, v: 1 }];
    for (const [name, make] of specs.filter(([name]) => name === "sum" || name === "count+sum")) {
      const config = (bare: boolean) =>
        resolveWindowConfig(sliding(30, 10), { onLate: () => {} }, (e) => (e as Ev).k, make(bare), "window-0");
      for (
        const [input, cuts] of [[retracting, []], [retracting, [1, 1, 1, 1]], [merging, []], [merging, [1, 1]]] as const
      ) {
        const columns = drive(() => new SlicedWindowOperator(config(false)), [...input], [...cuts], []);
        const general = drive(() => new GeneralWindowOperator(config(false)), [...input], [], []);
        expect(columns.out, name).toEqual(general.out);
        // 2M, which no slot holds
        expect(columns.out.some((r) => r.includes("9007199254740992") || r.includes("1801439850948198")), name).toBe(
          true,
        );
      }
    }
  });

  it("sessions leave the columns when a merge of two sessions leaves the safe integers", () => {
    const M = 2 ** 53 - 1;
    // [0, 15) holds M, [20, 35) holds 1; the element at 10 ([10, 25)) bridges them: M + 1 needs exact partials
    const input: Ev[] = [{ k: 3, ts: 0, v: M }, { k: 3, ts: 20, v: 1 }, { k: 3, ts: 10, v: 0 }, { k: 4, ts: 12, v: 2 }];
    for (const [name, make] of specs.filter(([name]) => name === "sum" || name === "count+sum")) {
      const config = () =>
        resolveWindowConfig(session(15), { onLate: () => {} }, (e) => (e as Ev).k, make(false), "window-0");
      for (const cuts of [[], [1, 1, 1]]) {
        const columns = drive(() => windowEngineFor(config()), [...input], [...cuts], []);
        const general = drive(() => new GeneralWindowOperator(config()), [...input], [], []);
        expect(columns.out, name).toEqual(general.out);
        expect(columns.out.some((r) => r.includes("9007199254740992")), name).toBe(true);
      }
    }
  });

  it("a session merged away keeps its place until its queued end comes up, then another session takes it", () => {
    // Key 1: [0, 10) and [15, 25); the element at 9 ([9, 19)) bridges them, and the session that merges
    // away is still queued at 10. Key 2 opens sessions before and after that entry comes up: the
    // session engine keeps sessions as ids into arrays, and an id given out again too early would fire
    // key 2's session at the stale entry, twice, or never.
    const input: Ev[] = [
      { k: 1, ts: 0, v: 1 },
      { k: 1, ts: 15, v: 2 },
      { k: 1, ts: 9, v: 4 },
      { k: 2, ts: 12, v: 8 },
      { k: 3, ts: 16, v: 16 },
      { k: 2, ts: 45, v: 32 },
      { k: 4, ts: 46, v: 64 },
      { k: 1, ts: 47, v: 128 },
      { k: 5, ts: 80, v: 256 },
    ];
    for (const [name, make] of specs) {
      for (const bare of [false, true]) {
        const config = () =>
          resolveWindowConfig(session(10), { onLate: () => {} }, (e) => (e as Ev).k, make(bare), "window-0");
        for (const cuts of [[], [1, 1, 1, 1, 1, 1, 1, 1], [3, 3]]) {
          for (const restoreAt of [[], [true]]) {
            const sessions = drive(() => windowEngineFor(config()), [...input], [...cuts], restoreAt);
            const general = drive(() => new GeneralWindowOperator(config()), [...input], [...cuts], []);
            expect(sessions.out, `${name} ${bare} ${cuts} ${restoreAt}`).toEqual(general.out);
            expect(sessions.out.length).toBe(7);
          }
        }
      }
    }
  });

  it("min and max of strings go to the combiner's own accumulator, with the same results", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ k: fc.integer({ min: 0, max: 2 }), ts: fc.integer({ min: 0, max: 200 }), v: fc.string() }),
          { maxLength: 40 },
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(fc.boolean(), { maxLength: 4 }),
        (input, cuts, restoreAt) => {
          const config = () =>
            resolveWindowConfig(
              tumbling(40),
              { onLate: () => {} },
              (e) => (e as Ev).k,
              composeCombiners({ lo: min(v), hi: max(v), n: count() }) as never,
              "window-0",
            );
          const columns = drive(() => new SlicedWindowOperator(config()), input, cuts, restoreAt);
          const general = drive(() => new GeneralWindowOperator(config()), input, [], []);
          expect(columns.out).toEqual(general.out);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("an element a combiner rejects fails the step with the combiner's own error", () => {
    const config = resolveWindowConfig(
      tumbling(40),
      {},
      (e) => (e as Ev).k,
      composeCombiners({ n: count(), s: sum(v) }) as never,
      "window-0",
    );
    const engine = new SlicedWindowOperator(config);
    const sink = { data: () => {}, watermark: () => {} };
    engine.data({ values: [{ k: 1, ts: 1, v: 2 }], ts: Float64Array.of(1), wm: -Infinity, pt: 0 }, sink);
    expect(() => engine.data({ values: [{ k: 1, ts: 2, v: "x" }], ts: Float64Array.of(2), wm: -Infinity, pt: 0 }, sink))
      .toThrow(/sum\(\)/);
    // (values `+` cannot take: the combiner's message, not the one `+` would throw)
    for (const bad of [1n, Symbol("x"), { valueOf: () => 1 }]) {
      const fresh = new SlicedWindowOperator(config);
      expect(() =>
        fresh.data({ values: [{ k: 1, ts: 2, v: bad }], ts: Float64Array.of(2), wm: -Infinity, pt: 0 }, sink)
      )
        .toThrow(/sum\(\)/);
    }
  });
});
