// Checkpoint properties: the codec is exact, and a job stopped after any step and restarted from its
// checkpoints produces what an uninterrupted run does (exactly once into storeSink, at least once
// into other consumers).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { collect, count, distinctCount, max, mean, sum } from "../../src/aggregate/mod.ts";
import { MalformedError } from "../../src/checkpoint/_codec_tags.ts";
import { decodeValue } from "../../src/checkpoint/_decode.ts";
import { encodeValue } from "../../src/checkpoint/_encode.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { type Stream, stream, type WindowedStream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { afterCount, afterWatermark, repeatedly } from "../../src/trigger/trigger.ts";
import { global } from "../../src/window/global.ts";
import { resultId } from "../../src/window/result_id.ts";
import { session } from "../../src/window/session.ts";
import { sliding } from "../../src/window/sliding.ts";
import { tumbling } from "../../src/window/tumbling.ts";
import type { WindowResult } from "../../src/window/types.ts";
import { arraySource, byId, type Ev, stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";

describe("checkpoint codec", () => {
  const special = fc.constantFrom(
    Infinity,
    -Infinity,
    NaN,
    -0,
    0,
    2 ** 31,
    -(2 ** 31) - 1,
    Number.MAX_SAFE_INTEGER,
    5e-324,
  );
  const leaf = fc.oneof(
    fc.double(),
    special,
    fc.integer(),
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.float64Array(),
    fc.uint8Array(),
    fc.int32Array(),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("v")),
      fc.dictionary(fc.string(), tie("v"), { noNullPrototype: true }),
      fc.array(fc.tuple(tie("v"), tie("v"))).map((e) => new Map(e)),
      fc.array(tie("v")).map((a) => new Set(a)),
    ),
  })).v;

  test("decode(encode(v)) equals v, -0, NaN and ±Infinity included", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeValue(encodeValue(v))).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  test("cut-off encodings never decode", () => {
    fc.assert(fc.property(value, fc.nat(), (v, at) => {
      const bytes = encodeValue(v);
      fc.pre(bytes.length > 1);
      expect(() => decodeValue(bytes.subarray(0, at % bytes.length))).toThrow(MalformedError);
    }));
  });

  test("what is not data is refused with the reason", () => {
    expect(() => encodeValue({ f: () => 1 })).toThrow(/function, which is not data/);
    expect(() => encodeValue([new (class Point {})()])).toThrow(/instance of Point/);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => encodeValue(cyclic)).toThrow(/a cycle/);
  });
});

// ---------------------------------------------------------------------------------------------
// Random pipelines. Each draws an assigner, trigger, lateness, accumulation and combiner; processing
// time plays no part, so runs are deterministic and comparable.

interface Spec {
  keyed: boolean;
  filter: boolean;
  bound: number;
  assigner: "tumbling" | "sliding" | "session" | "global";
  trigger: "default" | "early" | "count";
  lateness: number;
  accumulating: boolean;
  combiner: "count" | "sum" | "composite" | "collect" | "distinct";
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  keyed: fc.boolean(),
  filter: fc.boolean(),
  bound: fc.constantFrom(0, 5, 30),
  assigner: fc.constantFrom("tumbling", "sliding", "session", "global"),
  trigger: fc.constantFrom("default", "early", "count"),
  lateness: fc.constantFrom(0, 20),
  accumulating: fc.boolean(),
  combiner: fc.constantFrom("count", "sum", "composite", "collect", "distinct"),
});

function build(spec: Spec, source: Source<Ev>): Stream<WindowResult> {
  let s = stream(source);
  if (spec.filter) s = s.filter((e) => e.v % 5 !== 0);
  const timed = s.withEventTime((e) => e.ts, { maxOutOfOrderness: spec.bound });
  const assigner =
    { tumbling: tumbling(50), sliding: sliding(60, 20), session: session(25), global: global() }[spec.assigner];
  const trigger = spec.assigner === "global" || spec.trigger === "count"
    ? repeatedly(afterCount(3))
    : spec.trigger === "early"
    ? afterWatermark({ early: afterCount(2), late: afterCount(1) })
    : undefined;
  const options = {
    allowedLateness: spec.lateness,
    accumulation: spec.accumulating ? "accumulating" as const : "discarding" as const,
    ...(trigger ? { trigger } : {}),
    onLate: () => {},
  };
  const windowed: WindowedStream<Ev, unknown> = spec.keyed
    ? timed.keyBy((e) => e.k).window(assigner, options)
    : timed.window(assigner, options);
  switch (spec.combiner) {
    case "count":
      return windowed.aggregate(count()) as unknown as Stream<WindowResult>;
    case "sum":
      return windowed.aggregate(sum((e: Ev) => e.v / 4)) as unknown as Stream<WindowResult>;
    case "composite":
      return windowed.aggregate({
        n: count(),
        top: max((e: Ev) => e.v),
        avg: mean((e: Ev) => e.v),
      }) as unknown as Stream<WindowResult>;
    case "collect":
      return windowed.aggregate(collect()) as unknown as Stream<WindowResult>;
    case "distinct":
      return windowed.aggregate(distinctCount((e: Ev) => e.v)) as unknown as Stream<WindowResult>;
  }
}

const eventsArb = fc.array(
  fc.record({
    k: fc.constantFrom("a", "b", "c", "d"),
    dt: fc.integer({ min: -40, max: 25 }),
    v: fc.integer({ min: 0, max: 99 }),
  }),
  { minLength: 1, maxLength: 150 },
).map((xs) => {
  let t = 1_000;
  return xs.map(({ k, dt, v }) => ({ k, ts: (t += Math.max(0, dt)) + Math.min(0, dt), v }));
});

const runArb = fc.record({
  spec: specArb,
  events: eventsArb,
  chunk: fc.integer({ min: 1, max: 12 }),
  every: fc.integer({ min: 1, max: 40 }),
  stops: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
});

describe("restore equivalence", () => {
  test("stopped and restarted any number of times, storeSink holds exactly the uninterrupted run's results", async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ spec, events, chunk, every, stops }) => {
        const expected = await build(spec, arraySource(events, chunk)).toArray();
        const store = new MemoryStateStore();
        const run = (src: Source<Ev>) =>
          build(spec, src).checkpoint({ store, id: "job", every: { events: every }, keep: 2 });
        for (const stop of stops) {
          const c = new AbortController();
          await untilStopped(
            run(stopAfter(arraySource(events, chunk), stop, c)).pipeTo(storeSink({ store, job: "job" }), {
              signal: c.signal,
            }),
            c,
          );
        }
        await run(arraySource(events, chunk)).pipeTo(storeSink({ store, job: "job" }));
        expect(byId("job", await readResults(store, "job"))).toStrictEqual(byId("job", expected));
      }),
      { numRuns: 120 },
    );
  });

  // What a plain consumer sees across a stop: everything up to the stop, then, from the restored
  // checkpoint on, everything again. Results after the checkpoint arrive twice with equal ids and
  // equal values; the union by id is the uninterrupted run, and nothing outside it ever appears.
  test("a for-await consumer sees every result at least once, repeats identical, nothing extra", async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ spec, events, chunk, every, stops }) => {
        const expected = new Map(byId("job", await build(spec, arraySource(events, chunk)).toArray()));
        const store = new MemoryStateStore();
        const seen = new Map<string, WindowResult>();
        const consume = async (src: Source<Ev>, c?: AbortController) => {
          const s = build(spec, src).checkpoint({ store, id: "job", every: { events: every } });
          for await (const x of s.run(c === undefined ? {} : { signal: c.signal })) {
            const id = resultId("job", x);
            if (seen.has(id)) expect(x).toStrictEqual(seen.get(id));
            seen.set(id, x);
          }
        };
        for (const stop of stops) {
          const c = new AbortController();
          await untilStopped(consume(stopAfter(arraySource(events, chunk), stop, c), c), c);
        }
        await consume(arraySource(events, chunk));
        expect([...seen].sort()).toStrictEqual([...expected].sort());
      }),
      { numRuns: 80 },
    );
  });

  // With a sink that takes its time, a checkpoint must wait for the writes before it: otherwise a
  // stop loses the results that were emitted, covered by the checkpoint, but not yet written.
  test("pipeTo into a slow WritableStream loses nothing across stops (at-least-once)", async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ spec, events, chunk, stops }) => {
        const expected = byId("job", await build(spec, arraySource(events, chunk)).toArray()).map(([id]) => id);
        const store = new MemoryStateStore();
        const written = new Set<string>();
        const slowSink = () =>
          new WritableStream<WindowResult>({
            async write(r) {
              for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
              written.add(resultId("job", r));
            },
          }, { highWaterMark: 8 });
        // A checkpoint after every step, so that stops often come right after one.
        const run = (src: Source<Ev>) => build(spec, src).checkpoint({ store, id: "job", every: { events: 1 } });
        for (const stop of stops) {
          const c = new AbortController();
          await untilStopped(
            run(stopAfter(arraySource(events, chunk), stop, c)).pipeTo(slowSink(), { signal: c.signal }),
            c,
          );
        }
        await run(arraySource(events, chunk)).pipeTo(slowSink());
        expect([...written].sort()).toStrictEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});

test("the codec keeps a leading U+FEFF in strings and Map keys (a UTF-8 decoder strips it by default)", () => {
  for (const v of ["\ufeff", "\ufeffx", new Map([["\ufeff", 1]]), { "\ufeffk": ["\ufeff\ufeff"] }]) {
    expect(decodeValue(encodeValue(v))).toStrictEqual(v);
  }
});
