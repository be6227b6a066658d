// The built-in combiners on every runtime: exactness, event-time semantics, and accumulators that
// survive JSON and structuredClone (what checkpoints do to them) and merge like sequential adds.
import {
  collect,
  type Combiner,
  composeCombiners,
  count,
  distinctCount,
  first,
  last,
  max,
  mean,
  min,
  quantiles,
  sum,
  topK,
} from "../../src/aggregate/mod.ts";
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import type { Scenario } from "./_scenario.ts";

function fold<I, A, O>(
  c: Combiner<I, A, O>,
  items: ReadonlyArray<readonly [element: I, time: number]>,
  acc: A = c.create(),
): A {
  for (const [element, time] of items) acc = c.add(acc, element, time);
  return acc;
}

const at0 = <I>(elements: readonly I[]) => elements.map((e) => [e, 0] as const);

interface Reading {
  sensor: string;
  celsius: number;
}

export default [
  {
    name: "sum() and mean() are exact and do not depend on order",
    run() {
      const s = sum();
      assertEquals(s.result(fold(s, at0([0.1, 0.2, 0.3]))), 0.6);
      assertEquals(s.result(fold(s, at0([0.3, 0.2, 0.1]))), 0.6);
      assertEquals(s.result(fold(s, at0([1e16, 1, -1e16]))), 1);
      const m = mean();
      assertEquals(m.result(m.create()), undefined);
      assertEquals(m.result(fold(m, at0([1, 2, 6]))), 3);
    },
  },
  {
    name: "first(), last() and collect() follow event time, not arrival",
    run() {
      //  arrival:     b@20   a@10   c@30   a2@10
      //  event time:  10: a, a2 (tie: arrival order)   20: b   30: c
      const input = [["b", 20], ["a", 10], ["c", 30], ["a2", 10]] as const;
      const f = first<string>();
      const l = last<string>();
      const all = collect<string>();
      assertEquals(f.result(fold(f, input)), "a");
      assertEquals(l.result(fold(l, input)), "c");
      assertEquals(all.result(fold(all, input)), ["a", "a2", "b", "c"]);
    },
  },
  {
    name: "min() and max() keep NaN, Infinity and -0 through JSON",
    run() {
      const lo = min();
      const hi = max();
      const json = <A>(acc: A): A => JSON.parse(JSON.stringify(acc));
      assertEquals(Object.is(lo.result(json(fold(lo, at0([0, -0, 3])))), -0), true);
      assertEquals(hi.result(json(fold(hi, at0([1, Infinity])))), Infinity);
      assertEquals(Number.isNaN(hi.result(json(fold(hi, at0([1, NaN, 2]))))), true);
      assertThrows(() => fold(min<number | string>(), at0([1, "a"])), TypeError, "Cannot compare");
    },
  },
  {
    name: "composed accumulators survive JSON and structuredClone and merge like sequential adds",
    run() {
      const stats = composeCombiners({
        n: count(),
        total: sum((r: Reading) => r.celsius),
        avg: mean((r: Reading) => r.celsius),
        coldest: min((r: Reading) => r.celsius),
        opening: first((r: Reading) => r.celsius),
        sensors: distinctCount((r: Reading) => r.sensor),
        busiest: topK(1, (r: Reading) => r.sensor),
        median: quantiles(0.5, (r: Reading) => r.celsius),
      });
      const input = Array.from(
        { length: 300 },
        (_, i) => [{ sensor: `s${i % 7}`, celsius: ((i * 37) % 100) / 10 }, 1000 - i] as const,
      );
      const sequential = stats.result(fold(stats, input));
      const parts = [input.slice(0, 100), input.slice(100, 250), input.slice(250)].map((chunk) => fold(stats, chunk));
      const merged = stats.merge(
        stats.merge(JSON.parse(JSON.stringify(parts[0])), structuredClone(parts[1]!)),
        JSON.parse(JSON.stringify(parts[2])),
      );
      assertEquals(stats.result(merged), sequential);
      assertEquals(sequential.n, 300);
      assertEquals(sequential.sensors, 7);
      assertEquals(sequential.busiest, [{ value: "s0", count: 43 }]);
      assertEquals(sequential.opening, input.at(-1)![0].celsius);
    },
  },
  {
    name: "distinctCount() estimates 50 000 distinct values within 3 standard errors",
    run() {
      const precision = 12;
      const c = distinctCount<string>(undefined, { precision });
      let acc = c.create();
      for (let i = 0; i < 50_000; i++) acc = c.add(acc, `visitor-${i}`, 0);
      const error = Math.abs(c.result(acc) - 50_000) / 50_000;
      assert(error <= (3 * 1.04) / Math.sqrt(2 ** precision), `relative error ${error} exceeds 3 standard errors`);
      assertEquals(c.result(fold(c, at0(["a", "b", "a", 1, "1"]))), 4);
    },
  },
  {
    name: "quantiles() stays within its rank accuracy on 100 000 values",
    run() {
      const accuracy = 0.01;
      const c = quantiles([0.5, 0.9, 0.99], undefined, { accuracy });
      let acc = c.create();
      // A permutation of 0..99 999 (37 is coprime with 100 000): the q-quantile is q·100 000 - 1.
      for (let i = 0; i < 100_000; i++) acc = c.add(acc, (i * 37) % 100_000, 0);
      const [p50, p90, p99] = c.result(acc)!;
      for (const [value, q] of [[p50!, 0.5], [p90!, 0.9], [p99!, 0.99]] as const) {
        assert(Math.abs((value + 1) / 100_000 - q) <= accuracy, `q=${q} gave ${value}, rank error above ${accuracy}`);
      }
    },
  },
] satisfies Scenario[];
