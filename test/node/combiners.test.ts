import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type AnyCombiner,
  collect,
  type Combiner,
  composeCombiners,
  count,
  distinctCount,
  first,
  isCombiner,
  last,
  max,
  mean,
  min,
  quantiles,
  sum,
  topK,
} from "../../src/aggregate/mod.ts";

// ---------------------------------------------------------------------------------------------
// Helpers: folding, splitting into chunks, merging, JSON round trips.

interface Item<I> {
  e: I;
  t: number;
}

function fold<I, A, O>(c: Combiner<I, A, O>, items: readonly Item<I>[], acc: A = c.create()): A {
  for (const { e, t } of items) acc = c.add(acc, e, t);
  return acc;
}

function values<I>(c: Combiner<I, unknown, unknown>, elements: readonly I[]): unknown {
  return c.result(fold(c, elements.map((e) => ({ e, t: 0 }))));
}

const roundTrip = <A>(acc: A): A => JSON.parse(JSON.stringify(acc));

/** Splits `items` at `cuts` into chunks (some empty), folds each, round-trips each through JSON. */
function chunkAccumulators<I, A>(c: Combiner<I, A, unknown>, items: readonly Item<I>[], cuts: readonly number[]): A[] {
  const bounds = [...cuts.map((x) => x % (items.length + 1)), items.length].sort((a, b) => a - b);
  let start = 0;
  return bounds.map((end) => {
    const acc = roundTrip(fold(c, items.slice(start, end)));
    start = end;
    return acc;
  });
}

/** Merges adjacent accumulators (keeping their order) in the order `picks` chooses: any merge tree. */
function mergeTree<A>(c: Combiner<never, A, unknown>, accs: A[], picks: readonly number[]): A {
  const list = [...accs];
  let p = 0;
  while (list.length > 1) {
    const i = (picks[p++ % Math.max(picks.length, 1)] ?? 0) % (list.length - 1);
    const b = list[i + 1]!;
    const before = JSON.stringify(b);
    list.splice(i, 2, c.merge(list[i]!, b));
    expect(JSON.stringify(b), "merge must not mutate its second argument").toBe(before);
  }
  return list[0]!;
}

const splits = { cuts: fc.array(fc.nat(), { maxLength: 6 }), picks: fc.array(fc.nat(), { maxLength: 6 }) };
const time = fc.integer({ min: 0, max: 20 }); // few distinct times: many ties
const items = <I>(element: fc.Arbitrary<I>, maxLength = 60) =>
  fc.array(fc.record({ e: element, t: time }), { maxLength });

const sumSafeDouble = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e300, max: 1e300, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.1, 0.2, 0.3, 1e16, -1e16) },
);
const jsonValue = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.string({ maxLength: 3 }),
  fc.record({ a: fc.integer({ min: 0, max: 3 }) }),
);

// ---------------------------------------------------------------------------------------------
// The contract, for every exact combiner: merge over any split (with JSON round trips) equals
// sequential add; merge leaves its second argument alone; results never alias the accumulator.

interface ExactCase {
  name: string;
  make: () => AnyCombiner<unknown>;
  element: fc.Arbitrary<unknown>;
}

const exactCases: ExactCase[] = [
  { name: "count()", make: () => count(), element: jsonValue },
  { name: "sum()", make: () => sum() as AnyCombiner<unknown>, element: sumSafeDouble },
  { name: "mean()", make: () => mean() as AnyCombiner<unknown>, element: sumSafeDouble },
  { name: "min() of numbers", make: () => min() as AnyCombiner<unknown>, element: fc.double() },
  { name: "max() of numbers", make: () => max() as AnyCombiner<unknown>, element: fc.double() },
  { name: "min() of strings", make: () => min<string>() as AnyCombiner<unknown>, element: fc.string() },
  { name: "max() of strings", make: () => max<string>() as AnyCombiner<unknown>, element: fc.string() },
  { name: "first()", make: () => first(), element: jsonValue },
  { name: "last()", make: () => last(), element: jsonValue },
  { name: "collect()", make: () => collect(), element: jsonValue },
  {
    name: "distinctCount({ precision: 4 })",
    make: () => distinctCount(undefined, { precision: 4 }),
    element: jsonValue,
  },
  { name: "distinctCount() (sparse)", make: () => distinctCount(), element: fc.integer() },
  { name: "topK(3) while exact", make: () => topK(3), element: jsonValue },
  {
    name: "composeCombiners(...)",
    make: () =>
      composeCombiners({ n: count(), total: sum(), avg: mean(), lo: min(), hi: max(), all: collect() }) as AnyCombiner<
        unknown
      >,
    element: fc.integer({ min: -50, max: 50 }),
  },
];

describe("every exact combiner", () => {
  for (const { name, make, element } of exactCases) {
    test(`${name}: merging accumulators of any split (JSON round-tripped) equals sequential add`, () => {
      fc.assert(
        fc.property(items(element), splits.cuts, splits.picks, (input, cuts, picks) => {
          const c = make();
          const sequential = c.result(fold(c, input));
          const merged = c.result(mergeTree(c, chunkAccumulators(c, input, cuts), picks));
          expect(merged).toEqual(sequential);
        }),
      );
    });

    test(`${name}: a result shares nothing with the accumulator`, () => {
      fc.assert(
        fc.property(items(element, 20), items(element, 5), (input, more) => {
          const c = make();
          const acc = fold(c, input);
          const r1 = c.result(acc);
          const snapshot = structuredClone(r1);
          vandalize(r1);
          expect(c.result(acc)).toEqual(snapshot);
          const r2 = c.result(acc);
          fold(c, more, acc);
          expect(r2).toEqual(snapshot);
        }),
      );
    });

    test(`${name}: adding to b after merge(a, b) does not change a`, () => {
      fc.assert(
        fc.property(items(element, 20), items(element, 20), items(element, 5), (x, y, more) => {
          const c = make();
          const merged = c.merge(fold(c, x), fold(c, y));
          const expected = structuredClone(c.result(merged));
          const b = fold(c, y);
          const a = c.merge(fold(c, x), b);
          fold(c, more, b);
          expect(c.result(a)).toEqual(expected);
        }),
      );
    });
  }
});

/** Mutates every array and object reachable from `value`. */
function vandalize(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(vandalize);
    value.push("junk");
    value.reverse();
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) vandalize(v);
    Object.assign(value, { junk: true, a: "junk", value: "junk", count: -1 });
  }
}

// ---------------------------------------------------------------------------------------------
// count, sum, mean

/** The exact sum of doubles, correctly rounded (half to even): an oracle built on BigInt. */
function oracleSum(xs: readonly number[]): number {
  const view = new DataView(new ArrayBuffer(8));
  let total = 0n; // in units of 2^-1074, the smallest subnormal
  for (const x of xs) {
    view.setFloat64(0, x);
    const hi = view.getUint32(0);
    const exponent = (hi >>> 20) & 0x7ff;
    const mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
    const scaled = exponent === 0 ? mantissa : (mantissa + (1n << 52n)) << BigInt(exponent - 1);
    total += hi >>> 31 ? -scaled : scaled;
  }
  const negative = total < 0n;
  const a = negative ? -total : total;
  const bits = a.toString(2).length;
  let r: number;
  if (bits <= 53) {
    r = Number(a) * 2 ** -1074;
  } else {
    const shift = bits - 53;
    let q = a >> BigInt(shift);
    const rest = a - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q++;
    r = Number(q) * 2 ** (shift - 1074);
  }
  return negative ? -r : r;
}

describe("count()", () => {
  test("counts elements of any kind, 0 when empty", () => {
    expect(values(count(), [])).toBe(0);
    expect(values(count(), [1, "a", null, undefined, { x: 1 }])).toBe(5);
  });
});

describe("sum()", () => {
  test("sums the elements, or a selected field; 0 when empty", () => {
    expect(values(sum(), [])).toBe(0);
    expect(values(sum(), [1, 2, 3])).toBe(6);
    expect(values(sum((e: { v: number }) => e.v), [{ v: 2 }, { v: 5 }])).toBe(7);
  });

  test("is exact where plain addition is not", () => {
    expect(values(sum(), [0.1, 0.2, 0.3])).toBe(0.6);
    expect(values(sum(), [1e16, 1, -1e16])).toBe(1);
    expect(values(sum(), [1, 1e100, 1, -1e100])).toBe(2);
    // Rounding halfway cases across partials (CPython's math.fsum vectors).
    expect(values(sum(), [2 ** 53, -0.5, -(2 ** -54)])).toBe(2 ** 53 - 1);
    expect(values(sum(), [2 ** 53 + 10, 1, 2 ** -100])).toBe(2 ** 53 + 12);
    expect(values(sum(), [2 ** 53 - 4, 0.5, 2 ** -54])).toBe(2 ** 53 - 3);
    expect(values(sum(), [5e-324, 5e-324, -5e-324])).toBe(5e-324);
  });

  test("equals the correctly rounded exact sum, in any order", () => {
    const finite = fc.double({ min: -1e300, max: 1e300, noNaN: true });
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 80 }), (xs) => {
        const expected = oracleSum(xs);
        expect(values(sum(), xs)).toBe(expected);
        expect(values(sum(), [...xs].reverse())).toBe(expected);
      }),
    );
  });

  test("NaN and ±Infinity behave as with +, and survive JSON", () => {
    expect(values(sum(), [1, Infinity])).toBe(Infinity);
    expect(values(sum(), [-Infinity, 1])).toBe(-Infinity);
    expect(values(sum(), [Infinity, -Infinity])).toBeNaN();
    expect(values(sum(), [NaN, 1])).toBeNaN();
    expect(values(sum(), [-0])).toBe(0);
    const c = sum();
    expect(c.result(roundTrip(fold(c, [{ e: -Infinity, t: 0 }])))).toBe(-Infinity);
  });

  test("a running total beyond the double range overflows to Infinity, as with +", () => {
    expect(values(sum(), [1e308, 1e308])).toBe(Infinity);
  });

  test("rejects a non-number with a TypeError that names the value", () => {
    const c = sum((e: { v: unknown }) => e.v as number);
    expect(() => c.add(c.create(), { v: "3" }, 0)).toThrow(
      new TypeError('Cannot add to sum() as the value must be a number: current value is "3"'),
    );
    expect(() => sum(42 as never)).toThrow(TypeError);
  });
});

describe("mean()", () => {
  test("is the exact sum divided by the count; undefined when empty", () => {
    expect(values(mean(), [])).toBeUndefined();
    expect(values(mean(), [1, 2, 6])).toBe(3);
    expect(values(mean(), [0.1, 0.2, 0.3])).toBe(0.6 / 3);
    expect(values(mean((e: { v: number }) => e.v), [{ v: 1e16 }, { v: 1 }, { v: -1e16 }, { v: 3 }])).toBe(1);
  });

  test("does not drift over a million values", () => {
    const c = mean();
    let acc = c.create();
    for (let i = 0; i < 1_000_000; i++) acc = c.add(acc, 0.1, 0);
    expect(c.result(acc)).toBe(0.1);
  });
});

// ---------------------------------------------------------------------------------------------
// min, max

describe("min() and max()", () => {
  test("pick the extreme of numbers or of strings; undefined when empty", () => {
    expect(values(min(), [])).toBeUndefined();
    expect(values(max(), [])).toBeUndefined();
    expect(values(min(), [3, -1, 2])).toBe(-1);
    expect(values(max(), [3, -1, 2])).toBe(3);
    expect(values(min<string>(), ["pear", "apple", "fig"])).toBe("apple");
    expect(values(max((e: { id: string }) => e.id), [{ id: "b" }, { id: "c" }, { id: "a" }])).toBe("c");
  });

  test("follow Math.min/Math.max for NaN, ±Infinity and ±0, in any order and through JSON", () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 30 }), (xs) => {
        for (const input of [xs, [...xs].reverse()]) {
          const lo = min();
          const hi = max();
          expect(lo.result(roundTrip(fold(lo, input.map((e) => ({ e, t: 0 })))))).toBe(Math.min(...xs));
          expect(hi.result(roundTrip(fold(hi, input.map((e) => ({ e, t: 0 })))))).toBe(Math.max(...xs));
        }
      }),
    );
  });

  test("refuse to compare numbers with strings, and other types", () => {
    const c = min<number | string>();
    const acc = c.add(c.create(), 1, 0);
    expect(() => c.add(acc, "0", 0)).toThrow(/Cannot compare a string with a number in min\(\)/);
    expect(() => c.merge(c.add(c.create(), "a", 0), c.add(c.create(), 1, 0))).toThrow(TypeError);
    expect(() => max<never>().add(null, true as never, 0)).toThrow(
      /must be a number or a string: current value is true/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// first, last, collect: by event time

/** A random permutation of `xs` from fast-check's random source. */
const shuffled = <T>(xs: readonly T[]) => fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length });

describe("first(), last() and collect()", () => {
  test("go by event time, not arrival", () => {
    const input = [
      { e: "b", t: 20 },
      { e: "a", t: 10 },
      { e: "c", t: 30 },
      { e: "a2", t: 10 },
    ];
    expect(first<string>().result(fold(first<string>(), input))).toBe("a");
    expect(last<string>().result(fold(last<string>(), input))).toBe("c");
    expect(collect<string>().result(fold(collect<string>(), input))).toEqual(["a", "a2", "b", "c"]);
    expect(first().result(null)).toBeUndefined();
    expect(collect().result([])).toEqual([]);
  });

  test("break ties by arrival: first keeps the earlier-added, last takes the later-added", () => {
    const input = [
      { e: "x", t: 5 },
      { e: "y", t: 5 },
      { e: "z", t: 5 },
    ];
    expect(first().result(fold(first(), input))).toBe("x");
    expect(last().result(fold(last(), input))).toBe("z");
  });

  test("results do not depend on arrival order (collect is a stable sort by event time)", () => {
    const distinctTimes = fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 });
    fc.assert(
      fc.property(distinctTimes.chain((ts) => fc.tuple(fc.constant(ts), shuffled(ts))), ([ts, order]) => {
        const a = ts.map((t) => ({ e: `v${t}`, t }));
        const b = order.map((t) => ({ e: `v${t}`, t }));
        for (const c of [first<string>(), last<string>(), collect<string>()] as AnyCombiner<string>[]) {
          expect(c.result(fold(c, b))).toEqual(c.result(fold(c, a)));
        }
      }),
    );
    fc.assert(
      fc.property(items(fc.string()), (input) => {
        const c = collect<string>();
        const stable = input.map((x, i) => ({ ...x, i })).sort((x, y) => x.t - y.t || x.i - y.i);
        expect(c.result(fold(c, input))).toEqual(stable.map((x) => x.e));
      }),
    );
  });

  test("require a finite timestamp", () => {
    const c = first<number>();
    expect(() => c.add(null, 1, undefined as never)).toThrow(
      /timestamp \(the element's event time\) must be a finite number: current value is undefined/,
    );
    expect(() => collect().add([], 1, NaN)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// distinctCount: HyperLogLog

describe("distinctCount()", () => {
  test('is exact for small windows and tells 1 from "1" but not key order or -0 from 0', () => {
    expect(values(distinctCount(), [])).toBe(0);
    expect(values(distinctCount(), ["a", "b", "a", "c", "b"])).toBe(3);
    expect(values(distinctCount(), [1, "1", true, "true", null, "null", undefined])).toBe(7);
    expect(values(distinctCount(), [{ a: 1, b: [2] }, { b: [2], a: 1 }, { a: 1, b: [2], c: undefined }])).toBe(1);
    expect(values(distinctCount(), [0, -0, NaN, NaN])).toBe(2);
    expect(values(distinctCount((e: { user: string }) => e.user), [{ user: "ann" }, { user: "bob" }, { user: "ann" }]))
      .toBe(2);
    for (const n of [1, 10, 100, 300]) {
      expect(values(distinctCount(), Array.from({ length: n }, (_, i) => `user-${i}`))).toBe(n);
    }
  });

  // Standard error 1.04 / sqrt(2^p); every estimate must fall within 3 standard errors.
  test.each([
    [14, 100_000],
    [14, 20_000],
    [12, 100_000],
    [10, 50_000],
    [16, 100_000],
  ])("precision %i: %i distinct values within 3 standard errors", (precision, n) => {
    const c = distinctCount(undefined, { precision });
    let acc = c.create();
    for (let i = 0; i < n; i++) acc = c.add(acc, `id-${precision}-${i}`, 0);
    for (let i = 0; i < n; i += 3) acc = c.add(acc, `id-${precision}-${i}`, 0); // repeats change nothing
    const relativeError = Math.abs(c.result(acc) - n) / n;
    expect(relativeError).toBeLessThanOrEqual((3 * 1.04) / Math.sqrt(2 ** precision));
  });

  test("merging sketches of overlapping parts equals one sketch of everything", () => {
    const c = distinctCount(undefined, { precision: 12 });
    const whole = fold(c, Array.from({ length: 30_000 }, (_, i) => ({ e: i % 20_000, t: 0 })));
    const parts = [0, 1, 2].map((p) =>
      roundTrip(fold(c, Array.from({ length: 10_000 }, (_, i) => ({ e: (p * 7_000 + i) % 20_000, t: 0 }))))
    );
    const merged = parts.reduce((a, b) => c.merge(a, b));
    expect(merged).toEqual(whole);
  });

  test("a register shared by two values keeps the higher rank, however the sketches are merged", () => {
    // "c-5567" (rank 1) and "c-4617" (rank 2) hash to the same sparse register (found by search).
    const c = distinctCount();
    const both = fold(c, [{ e: "c-5567", t: 0 }, { e: "c-4617", t: 0 }]);
    const one = () => fold(c, [{ e: "c-5567", t: 0 }]);
    const other = () => fold(c, [{ e: "c-4617", t: 0 }]);
    expect(c.merge(one(), other())).toEqual(both);
    expect(c.merge(other(), one())).toEqual(both);
    expect(fold(c, [{ e: "c-5567", t: 0 }], other())).toEqual(both);
    const dense = distinctCount(undefined, { precision: 4 });
    const filler = Array.from({ length: 50 }, (_, i) => ({ e: i, t: 0 }));
    expect(dense.merge(fold(dense, filler), fold(dense, [{ e: "c-4617", t: 0 }]))).toEqual(
      fold(dense, [...filler, { e: "c-5567", t: 0 }, { e: "c-4617", t: 0 }]),
    );
  });

  test("validates precision and refuses to merge sketches of different precision", () => {
    for (const precision of [3, 19, 14.5, NaN]) {
      expect(() => distinctCount(undefined, { precision })).toThrow(RangeError);
    }
    expect(() => distinctCount(undefined, { precision: 2 })).toThrow(
      "precision must be an integer from 4 to 18: current value is 2",
    );
    const a = distinctCount(undefined, { precision: 10 });
    const b = distinctCount(undefined, { precision: 11 });
    expect(() => a.merge(a.create(), b.create())).toThrow(/precisions differ: 10 and 11/);
    expect(() => values(distinctCount(), [() => 1])).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// quantiles: KLL sketch

/** Normalized rank error of `v` as the q-quantile of sorted data (inverted-CDF definition). */
function rankError(sorted: Float64Array, q: number, v: number): number {
  const lowerBound = (x: number, inclusive: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < x || (inclusive && sorted[mid] === x)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const target = q * sorted.length;
  return Math.max(0, lowerBound(v, false) - target, target - lowerBound(v, true)) / sorted.length;
}

const checkedQs = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

/** A deterministic generator (LCG), so the measured errors are reproducible. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
}

function worstRankError(data: Float64Array, qs: number[], result: number[]): number {
  const sorted = Float64Array.from(data).sort();
  return Math.max(...qs.map((q, i) => rankError(sorted, q, result[i]!)));
}

describe("quantiles()", () => {
  test("is exact below 5/accuracy values, with the inverted-CDF definition", () => {
    const c = quantiles([0, 0.25, 0.5, 0.75, 1]);
    expect(values(c, [4, 1, 3, 2])).toEqual([1, 1, 2, 3, 4]);
    expect(values(quantiles(0.5), [5, 1, 9])).toBe(5);
    expect(values(quantiles(0.5), [])).toBeUndefined();
    expect(values(quantiles([0.5]), [])).toBeUndefined();
    expect(values(quantiles(0.9, (e: { ms: number }) => e.ms), Array.from({ length: 10 }, (_, i) => ({ ms: i + 1 }))))
      .toBe(9);
  });

  const generators: Record<string, (r: () => number) => number> = {
    uniform: (r) => r(),
    "log-normal (skewed)": (r) => Math.exp(2 * Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r())),
    "heavily repeated": (r) => Math.floor(r() ** 4 * 20),
  };
  for (const [name, gen] of Object.entries(generators)) {
    test(`${name}: 1M values, built whole and merged from 100 parts, within accuracy 0.01`, () => {
      const r = random(name.length);
      const data = Float64Array.from({ length: 1_000_000 }, () => gen(r));
      const c = quantiles(checkedQs);
      const whole = fold(c, Array.from(data, (e) => ({ e, t: 0 })));
      const parts: ReturnType<typeof c.create>[] = [];
      for (let p = 0; p < 100; p++) {
        parts.push(roundTrip(fold(c, Array.from(data.subarray(p * 10_000, (p + 1) * 10_000), (e) => ({ e, t: 0 })))));
      }
      const merged = mergeTree(c, parts, [7, 3, 11, 0, 5]);
      const wholeError = worstRankError(data, checkedQs, c.result(whole)!);
      const mergedError = worstRankError(data, checkedQs, c.result(merged)!);
      expect(wholeError).toBeLessThanOrEqual(0.01);
      expect(mergedError).toBeLessThanOrEqual(0.01);
    });
  }

  test("100k sorted values within accuracy 0.001", () => {
    const data = Float64Array.from({ length: 100_000 }, (_, i) => i);
    const c = quantiles(checkedQs, undefined, { accuracy: 0.001 });
    expect(worstRankError(data, checkedQs, c.result(fold(c, Array.from(data, (e) => ({ e, t: 0 }))))!))
      .toBeLessThanOrEqual(0.001);
  });

  test("merging accumulators of any split keeps the rank error within accuracy", () => {
    const accuracy = 0.05; // k = 100: compactions start at 100 values
    const qs = [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99];
    fc.assert(
      fc.property(
        items(fc.integer({ min: -300, max: 300 }), 3_000),
        splits.cuts,
        splits.picks,
        (input, cuts, picks) => {
          fc.pre(input.length > 0);
          const c = quantiles(qs, undefined, { accuracy });
          const data = Float64Array.from(input, (x) => x.e);
          expect(worstRankError(data, qs, c.result(fold(c, input))!)).toBeLessThanOrEqual(accuracy);
          expect(worstRankError(data, qs, c.result(mergeTree(c, chunkAccumulators(c, input, cuts), picks))!))
            .toBeLessThanOrEqual(accuracy);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("replaying the same input gives the same result (the sketch's coin flips live in the accumulator)", () => {
    const r = random(1);
    const input = Array.from({ length: 50_000 }, () => ({ e: r(), t: 0 }));
    const c = quantiles([0.5, 0.9]);
    const halfway = roundTrip(fold(c, input.slice(0, 20_000)));
    expect(c.result(fold(c, input.slice(20_000), halfway))).toEqual(c.result(fold(c, input)));
  });

  test("validates its arguments and values", () => {
    expect(() => quantiles([])).toThrow(RangeError);
    expect(() => quantiles([0.5, 1.5])).toThrow("each quantile must be a number from 0 to 1: current value is 1.5");
    expect(() => quantiles(NaN)).toThrow(RangeError);
    expect(() => quantiles(0.5, undefined, { accuracy: 0 })).toThrow(/accuracy must be a number between 0 and 1/);
    const c = quantiles(0.5);
    expect(() => c.add(c.create(), NaN, 0)).toThrow(/must be a finite number: current value is NaN/);
    expect(() => c.add(c.create(), "1" as never, 0)).toThrow(TypeError);
    const other = quantiles(0.5, undefined, { accuracy: 0.1 });
    expect(() => c.merge(c.add(c.create(), 1, 0), other.add(other.create(), 1, 0))).toThrow(/sizes differ/);
  });
});

// ---------------------------------------------------------------------------------------------
// topK: exact counting, then a Misra–Gries sketch

function trueCounts<T>(elements: readonly T[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of elements) counts.set(JSON.stringify(e), (counts.get(JSON.stringify(e)) ?? 0) + 1);
  return counts;
}

describe("topK()", () => {
  test("returns the k most frequent values, by count then value", () => {
    expect(values(topK(2), ["b", "a", "c", "b", "a", "c", "c"])).toEqual([
      { value: "c", count: 3 },
      { value: "a", count: 2 },
    ]);
    expect(values(topK(3), [10, 9, 10, 2])).toEqual([
      { value: 10, count: 2 },
      { value: 2, count: 1 },
      { value: 9, count: 1 },
    ]);
    expect(values(topK(5), [{ a: 1, b: 2 }, { b: 2, a: 1 }])).toEqual([{ value: { a: 1, b: 2 }, count: 2 }]);
    expect(values(topK(1), [])).toEqual([]);
  });

  test("is exact up to capacity distinct values, whatever the split", () => {
    fc.assert(
      fc.property(items(fc.integer({ min: 0, max: 30 }), 200), splits.cuts, splits.picks, (input, cuts, picks) => {
        const c = topK(4, undefined, { capacity: 31 });
        const expected = [...trueCounts(input.map((x) => x.e))]
          .map(([v, n]) => ({ value: JSON.parse(v) as number, count: n }))
          .sort((a, b) => b.count - a.count || a.value - b.value)
          .slice(0, 4);
        expect(c.result(fold(c, input))).toEqual(expected);
        expect(c.result(mergeTree(c, chunkAccumulators(c, input, cuts), picks))).toEqual(expected);
      }),
    );
  });

  test("beyond capacity, counts are within n / (capacity/2 + 1) and no frequent value is missed, also after merges", () => {
    const capacity = 16;
    const bound = (n: number) => n / (Math.floor(capacity / 2) + 1);
    const skewed = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }) }, {
      weight: 2,
      arbitrary: fc.integer({ min: 0, max: 500 }),
    });
    fc.assert(
      fc.property(items(skewed, 400), splits.cuts, splits.picks, (input, cuts, picks) => {
        const c = topK(3, undefined, { capacity });
        const truth = trueCounts(input.map((x) => x.e));
        for (const acc of [fold(c, input), mergeTree(c, chunkAccumulators(c, input, cuts), picks)]) {
          const result = c.result(acc);
          for (const { value, count: reported } of result) {
            const actual = truth.get(JSON.stringify(value))!;
            expect(reported).toBeGreaterThanOrEqual(actual);
            expect(reported - actual).toBeLessThanOrEqual(bound(input.length));
          }
          // A value left out is no more frequent than the smallest reported count, or than the bound.
          const floor = result.length === 3 ? Math.max(result[2]!.count, bound(input.length)) : bound(input.length);
          const reportedKeys = new Set(result.map((x) => JSON.stringify(x.value)));
          for (const [key, n] of truth) if (!reportedKeys.has(key)) expect(n).toBeLessThanOrEqual(floor);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("validates k and capacity", () => {
    expect(() => topK(0)).toThrow("k must be an integer >= 1: current value is 0");
    expect(() => topK(1.5)).toThrow(RangeError);
    expect(() => topK(10, undefined, { capacity: 19 })).toThrow(/capacity must be an integer >= 2·k \(20\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// composeCombiners, isCombiner

describe("composeCombiners() and isCombiner()", () => {
  interface Ev {
    user: string;
    value: number;
  }
  test("runs every part and names each result; the accumulator is plain data", () => {
    const c = composeCombiners({
      n: count(),
      total: sum((e: Ev) => e.value),
      users: distinctCount((e: Ev) => e.user),
      latest: last((e: Ev) => e.user),
    });
    const acc = fold(c, [
      { e: { user: "a", value: 1 }, t: 2 },
      { e: { user: "b", value: 2 }, t: 1 },
      { e: { user: "a", value: 4 }, t: 3 },
    ]);
    const result: { n: number; total: number; users: number; latest: string | undefined } = c.result(roundTrip(acc));
    expect(result).toEqual({ n: 3, total: 7, users: 2, latest: "a" });
    expect(Array.isArray(acc) && acc.length === 4).toBe(true);
  });

  test("types its input as what every part accepts, and its result per name", () => {
    const c = composeCombiners({
      n: count(),
      total: sum((e: Ev) => e.value),
      p: quantiles([0.5], (e: Ev) => e.value),
      top: topK(1, (e: Ev) => e.user),
    });
    const acc = c.add(c.create(), { user: "a", value: 1 }, 0);
    const typed: { n: number; total: number; p: number[] | undefined; top: { value: string; count: number }[] } = c
      .result(acc);
    expect(typed).toEqual({ n: 1, total: 1, p: [1], top: [{ value: "a", count: 1 }] });
    // @ts-expect-error: an element without `value` is not what sum((e: Ev) => e.value) accepts
    expect(() => c.add(c.create(), { user: "a" }, 0)).toThrow(TypeError);
  });

  test("tells a combiner from an object of combiners", () => {
    expect(isCombiner(count())).toBe(true);
    expect(isCombiner(composeCombiners({ n: count() }))).toBe(true);
    expect(isCombiner({ n: count() })).toBe(false);
    expect(isCombiner(null)).toBe(false);
    expect(isCombiner({ create() {}, add() {}, merge() {} })).toBe(false);
  });

  test("validates its argument", () => {
    expect(() => composeCombiners({})).toThrow(RangeError);
    expect(() => composeCombiners({ n: count(), bad: 42 as never })).toThrow('"bad" is not a combiner');
    expect(() => composeCombiners(count() as never)).toThrow(TypeError);
    expect(() => composeCombiners(JSON.parse('{"__proto__": 1}'))).toThrow(RangeError);
  });
});
