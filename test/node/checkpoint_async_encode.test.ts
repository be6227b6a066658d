// A checkpoint copies the job's state at its barrier and encodes the copy in slices while the job runs
// on: the stepped encoding writes exactly the codec's bytes, the copy shares nothing the job changes
// (a reused copy included), and a job whose accumulators change during the encoding restores exactly.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { collect, count, sum } from "../../src/aggregate/mod.ts";
import { copyState } from "../../src/checkpoint/_copy_state.ts";
import { immutableState } from "../../src/checkpoint/immutable_state.ts";
import { encodeInSteps, encodeValue } from "../../src/checkpoint/_encode.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { tumbling } from "../../src/window/tumbling.ts";
import { byId, type Ev, makeEvents, stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";

const leaf = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array(),
  fc.float64Array(),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("v")),
    // Large lists of small entries, as a state's key and accumulator lists are.
    fc.array(fc.oneof(leaf, fc.array(fc.integer(), { maxLength: 3 })), { minLength: 250, maxLength: 700 }),
    fc.dictionary(fc.string(), tie("v"), { noNullPrototype: true }),
    fc.array(fc.tuple(tie("v"), tie("v"))).map((e) => new Map(e)),
    fc.array(tie("v")).map((a) => new Set(a)),
  ),
})).v;

function stepped(v: unknown): { bytes: Uint8Array; pauses: number } {
  const steps = encodeInSteps(v);
  let pauses = 0;
  for (let r = steps.next();; r = steps.next(), pauses++) if (r.done) return { bytes: r.value, pauses };
}

describe("stepped encoding and the copy at the barrier", () => {
  test("encodeInSteps writes what encodeValue writes", () => {
    fc.assert(fc.property(value, (v) => {
      expect(stepped(v).bytes).toStrictEqual(encodeValue(v));
    }));
  });

  test("a large state is encoded in many steps", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    const state = { v: "sliced-5", slices: [{ code: 0, keys, accs: keys.map((_, i) => [i, 2 * i]) }] };
    const { bytes, pauses } = stepped(state);
    expect(bytes).toStrictEqual(encodeValue(state));
    expect(pauses).toBeGreaterThan(bytes.length / (32 * 1024));
  });

  test("refusals are the codec's", () => {
    expect(() => stepped({ f: () => 1 })).toThrow(/function, which is not data/);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => stepped(cyclic)).toThrow(/a cycle/);
    const copy = copyState(cyclic);
    expect(() => stepped(copy)).toThrow(/a cycle/);
  });

  test("a copy encodes as the original, and later changes to the original do not reach it", () => {
    fc.assert(fc.property(value, (v) => {
      const before = encodeValue(v);
      const copy = copyState(v);
      expect(encodeValue(copy)).toStrictEqual(before);
      mutate(v);
      expect(encodeValue(copy)).toStrictEqual(before);
    }));
  });

  test("a copy into an earlier copy encodes as the original and shares nothing with it", () => {
    fc.assert(fc.property(value, value, (earlier, v) => {
      const before = encodeValue(v);
      const copy = copyState(v, copyState(earlier));
      expect(encodeValue(copy)).toStrictEqual(before);
      mutate(v);
      expect(encodeValue(copy)).toStrictEqual(before);
    }));
  });

  test("typed arrays: an earlier copy of the same class and length is refilled, others are not; a Buffer's copy shares no bytes", () => {
    const earlier = copyState({ col: Float64Array.of(1, 2, 3), b: Uint8Array.of(1) }) as { col: Float64Array };
    const lent = earlier.col;
    const v = { col: Float64Array.of(4, 5, 6), b: Float64Array.of(2) };
    const copy = copyState(v, earlier) as { col: Float64Array; b: Float64Array };
    expect(copy.col).toBe(lent);
    expect([...copy.col]).toEqual([4, 5, 6]);
    expect(copy.b).toBeInstanceOf(Float64Array);
    expect(encodeValue(copy)).toStrictEqual(encodeValue(v));
    v.col[0] = 9;
    expect(copy.col[0]).toBe(4);
    const longer = copyState({ col: Float64Array.of(1, 2, 3, 4) }, copy) as { col: Float64Array };
    expect(longer.col).not.toBe(lent);
    expect([...longer.col]).toEqual([1, 2, 3, 4]);
    const buf = Buffer.from([1, 2, 3]);
    const b = copyState({ b: buf }, { b: Uint8Array.of(0, 0, 0) }) as { b: Uint8Array };
    buf[0] = 7;
    expect([...b.b]).toEqual([1, 2, 3]);
  });

  test("a part marked immutableState is shared, never copied nor refilled; the rest is copied around it", () => {
    const keys = immutableState(["a", "b"]);
    const col = immutableState(Float64Array.of(1, 2));
    const accs = [{ n: 1 }];
    const first = copyState({ keys, col, accs }) as { keys: string[]; col: Float64Array; accs: { n: number }[] };
    expect(first.keys).toBe(keys);
    expect(first.col).toBe(col);
    expect(first.accs).not.toBe(accs);
    expect(first.accs[0]).not.toBe(accs[0]);
    // The next checkpoint's copy lends the earlier copy's containers, except the immutable ones: the
    // earlier checkpoint may still be encoding them.
    const next = copyState({ keys: ["c", "d"], col: Float64Array.of(3, 4), accs }, first) as typeof first;
    expect(keys).toEqual(["a", "b"]);
    expect([...col]).toEqual([1, 2]);
    expect(next.keys).toEqual(["c", "d"]);
    expect([...next.col]).toEqual([3, 4]);
  });

  test('an own "__proto__" stays a property in the copy', () => {
    const v = JSON.parse('{"__proto__": [1, 2], "a": 1}');
    expect(encodeValue(copyState(v))).toStrictEqual(encodeValue(v));
  });
});

/** Changes every container in `v` in place (what a combiner may do to its accumulator). */
function mutate(v: unknown, depth = 0): void {
  if (typeof v !== "object" || v === null || depth > 50) return;
  if (Array.isArray(v)) {
    for (const x of v) mutate(x, depth + 1);
    v.push("changed");
  } else if (v instanceof Map) {
    for (const x of v.values()) mutate(x, depth + 1);
    v.set("changed", 1);
  } else if (v instanceof Set) {
    for (const x of v) mutate(x, depth + 1);
    v.add("changed");
  } else if (v instanceof Uint8Array) {
    if (v.length > 0) v[0] = v[0]! ^ 1;
  } else if (v instanceof Date) {
    v.setTime(v.getTime() + 1);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) mutate(x, depth + 1);
    (v as Record<string, unknown>).changed = 1;
  }
}

/** Like arraySource, with a turn of the event loop before each chunk: the checkpoint in flight encodes between steps. */
function yieldingSource(items: readonly Ev[], chunk: number): Source<Ev> {
  return {
    kind: "source",
    replayable: true,
    async *open({ offset }) {
      for (let i = (offset as number | undefined) ?? 0; i < items.length; i += chunk) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        yield { type: "elements", values: items.slice(i, i + chunk), offset: Math.min(items.length, i + chunk) };
      }
    },
  };
}

describe("a job whose state changes while its checkpoint is encoded", () => {
  test("stopped and restarted, storeSink holds exactly the uninterrupted run's results", async () => {
    const events = makeEvents(6_000, 400);
    const build = (source: Source<Ev>) =>
      stream(source)
        .withEventTime((e) => e.ts, { maxOutOfOrderness: 30 })
        .keyBy((e) => e.k)
        .window(tumbling(20_000))
        // Accumulators that change in place: a composite's array and collect()'s list.
        .aggregate({ n: count(), total: sum((e: Ev) => e.v), vs: collect((e: Ev) => e.v) });
    const expected = await build(yieldingSource(events, 50)).toArray();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 3 }), async (stops) => {
        const store = new MemoryStateStore();
        const run = (src: Source<Ev>) => build(src).checkpoint({ store, id: "job", every: { events: 700 }, keep: 2 });
        for (const stop of stops) {
          const c = new AbortController();
          await untilStopped(
            run(stopAfter(yieldingSource(events, 50), stop, c)).pipeTo(storeSink({ store, job: "job" }), {
              signal: c.signal,
            }),
            c,
          );
        }
        await run(yieldingSource(events, 50)).pipeTo(storeSink({ store, job: "job" }));
        expect(byId("job", await readResults(store, "job"))).toStrictEqual(byId("job", expected));
      }),
      { numRuns: 8 },
    );
  });
});
