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
