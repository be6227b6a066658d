// Combiner lifting: partial() in several first stages, mergePartials() in a final stage, gives
// exactly the single-stage results (the two-stage aggregation a scaled-out job runs across partitions).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  collect,
  count,
  distinctCount,
  first,
  last,
  max,
  mean,
  mergePartials,
  min,
  partial,
  stream,
  sum,
  topK,
  tumbling,
  type WindowResult,
} from "../../mod.ts";

type Ev = { k: string; ts: number; v: number; p: number };

const combiners = () => ({
  n: count(),
  total: sum((e: Ev) => e.v),
  avg: mean((e: Ev) => e.v),
  lo: min((e: Ev) => e.v),
  hi: max((e: Ev) => e.v),
  firstV: first((e: Ev) => e.v),
  lastV: last((e: Ev) => e.v),
  distinct: distinctCount((e: Ev) => e.v),
  top: topK(2, (e: Ev) => String(e.v)),
  all: collect((e: Ev) => e.v),
});

const brief = (rs: WindowResult<unknown, unknown>[]) =>
  rs.map((r) => JSON.stringify([r.key, r.window, r.value])).sort();

describe("partial() and mergePartials()", () => {
  it("several first stages and a final stage equal one stage (keyed and unkeyed, any partitioning)", async () => {
    // Distinct event times: first()/last() break ties between equal event times by arrival, and
    // elements of different partitions have no arrival order between them.
    const events = fc.uniqueArray(
      fc.record({
        k: fc.constantFrom("a", "b", "c"),
        ts: fc.integer({ min: 0, max: 300 }),
        v: fc.integer({ min: -20, max: 20 }),
        p: fc.integer({ min: 0, max: 2 }),
      }),
      { maxLength: 60, selector: (e) => e.ts },
    );
    await fc.assert(
      fc.asyncProperty(events, fc.boolean(), async (evs, keyed) => {
        // In event-time order, so that nothing is late with maxOutOfOrderness 0.
        const sorted = evs.map((e, i) => ({ e, i })).sort((x, y) => x.e.ts - y.e.ts || x.i - y.i).map((x) => x.e);
        const keyOf = keyed ? (e: { k: string }) => e.k : () => null;
        const single = await stream(sorted).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy(keyOf)
          .window(tumbling(40)).aggregate(combiners()).toArray();
        const partials: WindowResult<unknown, unknown[]>[] = [];
        for (const p of [0, 1, 2]) {
          const mine = sorted.filter((e) => e.p === p);
          partials.push(
            ...(await stream(mine).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy(keyOf)
              .window(tumbling(40)).aggregate(partial(combiners())).toArray()),
          );
        }
        // The final stage sees partials in event-time order, as a source combining the partitions'
        // watermarks delivers them.
        partials.sort((a, b) => a.timestamp - b.timestamp);
        const merged = await stream(JSON.parse(JSON.stringify(partials)) as typeof partials)
          .withEventTime((r) => r.timestamp, { maxOutOfOrderness: 0 })
          .keyBy((r) => r.key)
          .window(tumbling(40))
          .aggregate(mergePartials(combiners()))
          .toArray();
        const norm = (rs: WindowResult<unknown, unknown>[]) =>
          brief(
            rs.map((r) => ({
              ...r,
              value: { ...(r.value as object), all: [...(r.value as { all: number[] }).all].sort() },
            })),
          );
        expect(norm(merged)).toEqual(norm(single));
      }),
      { numRuns: 80 },
    );
  });

  it("a partial result is a copy: the first stage folding on does not change what it emitted", () => {
    const c = partial(sum((e: { v: number }) => e.v));
    let acc = c.create();
    acc = c.add(acc, { v: 2 ** 53 }, 0);
    const out = c.result(acc);
    acc = c.add(acc, { v: 0.5 }, 0);
    expect(mergePartials(sum((e: { v: number }) => e.v)).result(out as never)).toBe(2 ** 53);
  });

  it("says what is wrong with its argument", () => {
    expect(() => partial(42 as never)).toThrow(/Cannot create partial\(\) as its argument must be a combiner/);
    expect(() => mergePartials(null as never)).toThrow(/Cannot create mergePartials\(\)/);
  });
});
