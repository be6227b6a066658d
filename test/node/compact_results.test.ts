// A job iterated with `for await` (or `run()`) gets a window firing of the sliced engine's column path
// as one CompactResults entry, each result built as it is read (src/operators/compact_results.ts):
// what the consumer sees must be exactly what `toArray()` and `forEach` see (same results, same
// order), whatever the keys, values (a value a slot cannot hold leaves the columns), chunking and
// assigner, and when the consumer stops early.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, max, session, sliding, stream, sum, tumbling, type WindowAssigner } from "../../mod.ts";
import { CompactResults } from "../../src/operators/compact_results.ts";

interface Ev {
  key: unknown;
  ts: number;
  value: number;
}

const BOUND = 50;

const arbEvents = fc.array(
  fc.record({
    key: fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 70_000, max: 70_010 }),
      fc.constantFrom("a", "b", "c"),
      // keys grouped by their encoding (a slice maps it back to the key)
      fc.constantFrom(["x", 1], ["y", 2], { id: 3 }),
    ),
    // arrival order: time goes forward with jitter inside the bound (and some late events beyond it)
    step: fc.integer({ min: 0, max: 30 }),
    jitter: fc.integer({ min: 0, max: 80 }),
    value: fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: -5, max: 100 }) },
      { weight: 1, arbitrary: fc.constantFrom(2 ** 53, 0.5) },
    ),
  }),
  { maxLength: 400 },
).map((xs) => {
  let t = 0;
  return xs.map(({ key, step, jitter, value }): Ev => {
    t += step;
    return { key, ts: t - jitter, value };
  });
});

const assigners: [string, () => WindowAssigner][] = [
  ["tumbling", () => tumbling(100)],
  ["sliding", () => sliding(300, 100)],
  ["session", () => session(40)],
];

const aggregates = [
  () => ({ n: count(), total: sum((e: Ev) => e.value) }),
  () => count(),
  // max cannot retract: sliding windows leave the columns
  () => ({ n: count(), top: max((e: Ev) => e.value) }),
];

function pipeline(events: Ev[], assigner: WindowAssigner, agg: number, chunkSize: number) {
  return stream(events, { chunkSize })
    .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
    .keyBy((e) => e.key)
    .window(assigner, { onLate: () => {} })
    .aggregate(aggregates[agg]!() as ReturnType<typeof aggregates[0]>);
}

describe("results pulled one at a time", () => {
  for (const [name, assigner] of assigners) {
    it(`${name}: for await and run() give toArray()'s results in its order, also when stopped early`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbEvents,
          fc.integer({ min: 0, max: aggregates.length - 1 }),
          fc.integer({ min: 1, max: 64 }),
          fc.nat(),
          async (events, agg, chunkSize, stopAt) => {
            const expected = await pipeline(events, assigner(), agg, chunkSize).toArray();
            const pulled: unknown[] = [];
            for await (const r of pipeline(events, assigner(), agg, chunkSize)) pulled.push(r);
            expect(pulled).toEqual(expected);
            const fromRun: unknown[] = [];
            for await (const r of pipeline(events, assigner(), agg, chunkSize).run()) fromRun.push(r);
            expect(fromRun).toEqual(expected);
            const eached: unknown[] = [];
            await pipeline(events, assigner(), agg, chunkSize).forEach((r) => eached.push(r));
            expect(eached).toEqual(expected);
            if (expected.length > 0) {
              const n = stopAt % expected.length;
              const first: unknown[] = [];
              for await (const r of pipeline(events, assigner(), agg, chunkSize)) {
                if (first.length === n) break;
                first.push(r);
              }
              expect(first).toEqual(expected.slice(0, n));
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it("next() called again before the previous call settled: every result once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbEvents,
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 8 }),
        async (events, chunkSize, parallel) => {
          const expected = await pipeline(events, tumbling(100), 0, chunkSize).toArray();
          const it = pipeline(events, tumbling(100), 0, chunkSize)[Symbol.asyncIterator]();
          const got: unknown[] = [];
          for (;;) {
            const rs = await Promise.all(Array.from({ length: parallel }, () => it.next()));
            for (const r of rs) if (!r.done) got.push(r.value);
            if (rs.some((r) => r.done)) {
              // a result after a done one would be lost by the consumer
              expect(rs.findIndex((r) => r.done)).toBe(rs.length - rs.filter((r) => r.done).length);
              break;
            }
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
    // plain values too (no window step): a stream of numbers in chunks of 2
    const it = stream([1, 2, 3, 4, 5, 6], { chunkSize: 2 })[Symbol.asyncIterator]();
    const rs = await Promise.all(Array.from({ length: 7 }, () => it.next()));
    expect(rs.map((r) => r.value)).toEqual([1, 2, 3, 4, 5, 6, undefined]);
  });

  it("a firing at many keys is pulled in compact form, and its results are built as they are read", async () => {
    const events: Ev[] = [];
    for (let i = 0; i < 5_000; i++) events.push({ key: i % 2_000, ts: i, value: i % 7 });
    const made: number[] = [];
    const at = CompactResults.prototype.at;
    CompactResults.prototype.at = function (this: CompactResults, i: number) {
      made.push(i);
      return at.call(this, i);
    };
    try {
      const seen: { key: unknown; value: { n: number; total: number } }[] = [];
      for await (const r of pipeline(events, tumbling(1_000), 0, 4_096)) {
        // the result read now was built now: one at() per result read so far
        expect(made.length).toBe(seen.length + 1);
        seen.push(r as (typeof seen)[number]);
      }
      expect(seen.length).toBe(5_000);
      expect(seen.reduce((a, r) => a + r.value.n, 0)).toBe(events.length);
    } finally {
      CompactResults.prototype.at = at;
    }
  });
});
