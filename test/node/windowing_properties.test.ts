// Invariants of the windowing engine (design.md §3): chunking and arrival order within the
// out-of-orderness bound do not change results; batch and stream agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { brief, chunked, split } from "./_chunks.ts";
import {
  afterWatermark,
  count,
  session,
  sliding,
  type Source,
  stream,
  sum,
  tumbling,
  type WindowAssigner,
} from "../../mod.ts";
import { sortedResults } from "../../src/testing/mod.ts";
import { composeCombiners } from "../../src/aggregate/mod.ts";

type Ev = { k: string; ts: number; v: number };
const BOUND = 50;

const assigners: Record<string, WindowAssigner> = {
  tumbling: tumbling(40),
  sliding: sliding(60, 20),
  session: session(15),
};

const run = (src: Ev[] | Source<Ev>, a: WindowAssigner, onLate?: () => void) =>
  sortedResults(
    stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND }).keyBy((e) => e.k)
      .window(a, onLate ? { onLate } : {}).aggregate({ n: count(), s: sum((e: Ev) => e.v) }),
  );

const events = fc.array(
  fc.record({
    k: fc.constantFrom("a", "b", "c"),
    ts: fc.integer({ min: 0, max: 600 }),
    v: fc.integer({ min: -5, max: 5 }),
  }),
  { maxLength: 80 },
);

/** Orders events by ts + u with u ∈ [0, BOUND]: no event arrives more than BOUND behind one before it. */
function withinBound(evs: Ev[], jitter: number[]): Ev[] {
  return evs.map((e, i) => ({ e, key: e.ts + (jitter[i % Math.max(1, jitter.length)] ?? 0) }))
    .sort((x, y) => x.key - y.key).map((x) => x.e);
}

describe("windowing invariants", () => {
  for (const [name, a] of Object.entries(assigners)) {
    it(`${name}: chunking does not change results (any arrival order, lateness 0)`, async () => {
      await fc.assert(
        fc.asyncProperty(events, fc.array(fc.nat(), { maxLength: 10 }), async (evs, cuts) => {
          const whole = await run(chunked([evs]), a, () => {});
          const parts = await run(chunked(split(evs, cuts)), a, () => {});
          const single = await run(chunked(evs.map((e) => [e])), a, () => {});
          expect(brief(parts)).toEqual(brief(whole));
          expect(brief(single)).toEqual(brief(whole));
        }),
        { numRuns: 60 },
      );
    });

    it(`${name}: arrival order within the out-of-orderness bound does not change results`, async () => {
      const jitter = fc.array(fc.integer({ min: 0, max: BOUND }), { minLength: 1, maxLength: 20 });
      await fc.assert(
        fc.asyncProperty(events, jitter, jitter, async (evs, j1, j2) => {
          const sorted = [...evs].sort((x, y) => x.ts - y.ts);
          let late = 0;
          const base = await run(sorted, a, () => late++);
          const r1 = await run(withinBound(evs, j1), a, () => late++);
          const r2 = await run(withinBound(evs, j2), a, () => late++);
          expect(late).toBe(0);
          expect(brief(r1)).toEqual(brief(base));
          expect(brief(r2)).toEqual(brief(base));
        }),
        { numRuns: 60 },
      );
    });

    it(`${name}: an array (batch) and a chunked ReadableStream (stream) agree`, async () => {
      await fc.assert(
        fc.asyncProperty(events, fc.integer({ min: 1, max: 7 }), async (evs, per) => {
          const batch = await run(evs, a, () => {});
          const rs = new ReadableStream<Ev>({
            async start(c) {
              for (let i = 0; i < evs.length; i++) {
                c.enqueue(evs[i]!);
                if (i % per === 0) await new Promise((r) => setTimeout(r, 0));
              }
              c.close();
            },
          });
          const streamed = await sortedResults(
            stream(rs).withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND }).keyBy((e) => e.k)
              .window(a, { onLate: () => {} }).aggregate({ n: count(), s: sum((e: Ev) => e.v) }),
          );
          expect(brief(streamed)).toEqual(brief(batch));
        }),
        { numRuns: 25 },
      );
    });
  }

  for (const a of [tumbling(40), sliding(60, 20), sliding(60, 15)]) {
    it(`${JSON.stringify(a)}: the shared-slice engine and the per-window engine agree`, async () => {
      await fc.assert(
        fc.asyncProperty(events, fc.array(fc.nat(), { maxLength: 6 }), async (evs, cuts) => {
          const pipeline = (trigger?: ReturnType<typeof afterWatermark>) =>
            sortedResults(
              stream(chunked(split(evs, cuts))).withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND }).keyBy((e) =>
                e.k
              )
                .window(a, trigger ? { trigger, onLate: () => {} } : { onLate: () => {} }).aggregate({
                  n: count(),
                  s: sum((e: Ev) => e.v),
                }),
            );
          // afterWatermark() needs per-window trigger state, so it runs on GeneralWindowOperator; the default
          // trigger with no lateness runs on SlicedWindowOperator. Both give one final on-time pane.
          expect(brief(await pipeline())).toEqual(brief(await pipeline(afterWatermark())));
        }),
        { numRuns: 60 },
      );
    });
  }

  it("final results equal a brute-force count per (key, window) for in-bound input", async () => {
    await fc.assert(
      fc.asyncProperty(events, async (evs) => {
        const rs = await run([...evs].sort((x, y) => x.ts - y.ts), tumbling(40));
        const expected = new Map<string, number>();
        for (const e of evs) {
          const k = `${e.k}@${Math.floor(e.ts / 40) * 40}`;
          expected.set(k, (expected.get(k) ?? 0) + 1);
        }
        const got = new Map(rs.map((r) => [`${String(r.key)}@${r.window.start}`, (r.value as { n: number }).n]));
        expect(got).toEqual(expected);
      }),
      { numRuns: 80 },
    );
  });

  it("session windows equal a brute-force sessionization for in-bound input", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.array(fc.integer({ min: 0, max: BOUND }), { minLength: 1, maxLength: 20 }),
        async (evs, jitter) => {
          const gap = 15;
          const rs = await run(withinBound(evs, jitter), session(gap));
          const expected: string[] = [];
          for (const k of ["a", "b", "c"]) {
            const ts = evs.filter((e) => e.k === k).map((e) => e.ts).sort((x, y) => x - y);
            let start = NaN, end = NaN, n = 0;
            for (const t of ts) {
              if (n > 0 && t < end) {
                end = Math.max(end, t + gap);
                n++;
                continue;
              }
              if (n > 0) expected.push(`${k}[${start},${end})=${n}`);
              start = t;
              end = t + gap;
              n = 1;
            }
            if (n > 0) expected.push(`${k}[${start},${end})=${n}`);
          }
          const got = rs.map((r) =>
            `${String(r.key)}[${r.window.start},${r.window.end})=${(r.value as { n: number }).n}`
          );
          expect(got.sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("the two window engines, driven directly", () => {
  // Both engines on one configuration (the general one runs anything), fed the same batches with
  // per-element watermarks; the sliced one is snapshotted and restored into a fresh operator at random
  // batch boundaries, as a checkpoint and a restart do. Object keys and timestamp-sensitive combiners
  // (first, last) included.
  // Values that stress exact sums: integers near 2^53, fractions, and now and then an infinity or NaN.
  const value = fc.oneof(
    { weight: 6, arbitrary: fc.integer() },
    { weight: 2, arbitrary: fc.constantFrom(2 ** 53 - 1, -(2 ** 53), 0.1, 0.2, 1e300, -1e300, 5e-324) },
    { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, NaN) },
  );
  const evs = fc.array(
    fc.record({
      k: fc.constantFrom("a", "b", "c", "d"),
      // now and then fractional times: a window can then be open with its hold (end - 1) behind the watermark
      ts: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }) }, {
        weight: 1,
        arbitrary: fc.integer({ min: 0, max: 1600 }).map((x) => x / 4),
      }),
      v: value,
    }),
    { maxLength: 60 },
  );
  const windows = [
    tumbling(40),
    sliding(60, 20),
    sliding(80, 10),
    sliding(30, 30),
    session(15),
    session(40),
    session(2.5),
  ];
  // With first/last the sliding engine merges each window's slices; with count, sum and mean only it
  // keeps running accumulators and retracts the slice that leaves the window.
  for (
    const [a, retractable] of [
      ...windows.map((w) => [w, false] as const),
      [sliding(60, 20), true] as const,
      [sliding(80, 10), true] as const,
    ]
  ) {
    it(`${JSON.stringify(a)}${retractable ? ", count/sum/mean" : ""}: same results, final output watermark and late count, across snapshot and restore`, async () => {
      const { resolveWindowConfig } = await import("../../src/operators/window_config.ts");
      const { GeneralWindowOperator } = await import("../../src/operators/general_window_operator.ts");
      const { windowEngineFor } = await import("../../src/operators/window_engine.ts");
      const { first, last, mean } = await import("../../mod.ts");
      await fc.assert(
        fc.property(
          evs,
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.array(fc.boolean(), { maxLength: 8 }),
          fc.boolean(),
          (input, cuts, restoreAt, bundles) => {
            const config = () =>
              resolveWindowConfig(
                a,
                { onLate: () => {} },
                (e) => ({ name: (e as Ev).k }),
                (composeCombiners(
                  retractable
                    ? { n: count(), s: sum((e: Ev) => e.v), m: mean((e: Ev) => e.v) }
                    : { n: count(), s: sum((e: Ev) => e.v), f: first((e: Ev) => e.v), l: last((e: Ev) => e.v) },
                )) as never,
                "window-0",
              );
            const general = new GeneralWindowOperator(config());
            // the engine the pipeline picks: sliced (tumbling, sliding) or sessions
            let sliced = windowEngineFor(config());
            expect(sliced).not.toBeInstanceOf(GeneralWindowOperator);
            const outputs = { general: [] as string[], sliced: [] as string[] };
            const sinkOf = (into: string[]) => ({
              // each result with the output watermark it was produced under (_result_watermarks.ts)
              data: (b: { values: unknown[]; wm: number | Float64Array }) => {
                b.values.forEach((r, j) =>
                  into.push(`${JSON.stringify(r)} under ${typeof b.wm === "number" ? b.wm : b.wm[j]}`)
                );
              },
              watermark: (w: number) => into.push(`wm ${w}`),
            });
            // the output watermark emitted last, after each chunk's watermark step
            const lastWm = (xs: string[]) => xs.filter((x) => x.startsWith("wm ")).at(-1) ?? "none";
            const afterChunks = { general: [] as string[], sliced: [] as string[] };
            let maxTs = -Infinity;
            const chunks = split(input, cuts);
            chunks.forEach((chunk, c) => {
              const ts = Float64Array.from(chunk.map((e) => e.ts));
              const wm = new Float64Array(chunk.length);
              chunk.forEach((e, i) => {
                wm[i] = maxTs - BOUND;
                maxTs = Math.max(maxTs, e.ts);
              });
              // a bundle (TestStream, micro-batches) is judged at the watermark at its start
              const batch = () => ({
                values: chunk,
                ts,
                wm: bundles ? wm[0] ?? maxTs - BOUND : wm,
                pt: 0,
                bundle: bundles,
              });
              general.data(batch(), sinkOf(outputs.general));
              sliced.data(batch(), sinkOf(outputs.sliced));
              // then the watermark after the chunk, as the event-time step sends it
              general.watermark(maxTs - BOUND, 0, sinkOf(outputs.general));
              sliced.watermark(maxTs - BOUND, 0, sinkOf(outputs.sliced));
              afterChunks.general.push(lastWm(outputs.general));
              afterChunks.sliced.push(lastWm(outputs.sliced));
              if (restoreAt[c % Math.max(1, restoreAt.length)]) {
                const snap = structuredClone(sliced.snapshot());
                sliced = windowEngineFor(config());
                sliced.restore(snap);
              }
            });
            general.watermark(Infinity, 0, sinkOf(outputs.general));
            sliced.watermark(Infinity, 0, sinkOf(outputs.sliced));
            // The same results (in no defined order: windows firing at one watermark have none), each under
            // the same output watermark, and the same output watermark after each chunk's watermark step.
            // Within a step the emitted watermarks may differ: the general engine advances it per element,
            // the sliced one per batch (both hold it at the end of pending windows).
            const results = (xs: string[]) => xs.filter((x) => !x.startsWith("wm ")).sort();
            expect(results(outputs.sliced)).toEqual(results(outputs.general));
            expect(outputs.sliced.at(-1)).toBe(outputs.general.at(-1));
            expect(afterChunks.sliced).toEqual(afterChunks.general);
            expect(sliced.lateCount).toBe(general.lateCount);
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe("results windowed again do not depend on chunking", () => {
  // A first window step with early and late panes, its results windowed again (directly, and after a
  // second withEventTime over the results' timestamps). Late panes come out behind the output
  // watermark, so whether the second step takes them depends on the watermark each result was
  // produced under: every result carries it, so any chunking of the input gives one-element-per-step
  // results.
  const events = fc.array(
    fc.record({
      k: fc.constantFrom("a", "b", "c"),
      ts: fc.integer({ min: 0, max: 600 }),
      v: fc.integer({ min: 0, max: 9 }),
    }),
    { maxLength: 80 },
  );
  const assignersAgain: [string, WindowAssigner][] = [
    ["tumbling", tumbling(40)],
    ["sliding", sliding(60, 20)],
    ["session", session(15)],
  ];
  for (const [name, a] of assignersAgain) {
    for (const reassign of [false, true]) {
      it(`${name}, then tumbling(120)${reassign ? " after withEventTime on the results" : ""}`, async () => {
        const { afterCount } = await import("../../mod.ts");
        const pipeline = (src: Source<Ev>) => {
          const first = stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: 30 }).keyBy((e) => e.k)
            .window(a, {
              trigger: afterWatermark({ early: afterCount(3), late: afterCount(1) }),
              allowedLateness: 40,
              onLate: () => {},
            })
            .aggregate(sum((e: Ev) => e.v))
            .filter((r) => r.pane.timing !== "early");
          const again = reassign ? first.withEventTime((r) => r.timestamp, { maxOutOfOrderness: 0 }) : first;
          return sortedResults(
            again.keyBy((r) => r.key).window(tumbling(120), { onLate: () => {} }).aggregate({
              n: count(),
              total: sum((r: { value: number }) => r.value),
            }),
          );
        };
        await fc.assert(
          fc.asyncProperty(events, fc.array(fc.nat(), { maxLength: 10 }), async (evs, cuts) => {
            const one = await pipeline(chunked(evs.map((e) => [e])));
            const cut = await pipeline(chunked(split(evs, cuts)));
            expect(brief(cut)).toEqual(brief(one));
          }),
          { numRuns: 60 },
        );
      });
    }
  }
});
