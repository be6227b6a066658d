// mapAsync on Node: a property (results equal map of the awaited function, for any concurrency and any
// order in which calls settle, windows included), backpressure, the abort signal, and argument checks.
// The shared behaviour (order, event time, errors, checkpoints, TestStream) is in
// test/scenarios/map_async.scenarios.ts, which every runtime runs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, MemoryStateStore, session, type Source, StepError, stream, sum, tumbling } from "../../mod.ts";
import { sortedResults } from "../../src/testing/mod.ts";

type Ev = { k: string; ts: number; v: number };

/** Resolves with `value` after `turns` microtask turns, or after `turns` ms when `timer` is set. */
async function later<T>(value: T, turns: number, timer = false): Promise<T> {
  if (timer) await new Promise((resolve) => setTimeout(resolve, turns));
  else for (let i = 0; i < turns; i++) await null;
  return value;
}

const events = fc.array(
  fc.record({ k: fc.constantFrom("a", "b"), ts: fc.integer({ min: 0, max: 400 }), v: fc.integer({ min: -5, max: 5 }) }),
  { maxLength: 60 },
);

describe("mapAsync", () => {
  it("gives what map of the awaited function gives, for any concurrency, chunking and settling order", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 16 }),
        async (evs, concurrency, chunkSize, delays) => {
          const f = (e: Ev) => ({ ...e, v: e.v * 3 });
          const delayOf = (e: Ev) => delays[(e.ts + e.v) % delays.length]!;
          // Before event time: plain values.
          const plain = await stream(evs, { chunkSize }).mapAsync((e) => later(f(e), delayOf(e)), { concurrency })
            .toArray();
          expect(plain).toEqual(evs.map(f));
          // After event time, into windows: the same panes, lateness included.
          const windowed = (s: ReturnType<typeof stream<Ev>>) =>
            s.keyBy((e) => e.k).window(session(20), { allowedLateness: 10 }).aggregate({
              n: count(),
              s: sum((e: Ev) => e.v),
            });
          const base = () => stream(evs, { chunkSize }).withEventTime((e) => e.ts, { maxOutOfOrderness: 30 });
          const expected = await sortedResults(windowed(base().map(f)));
          const actual = await sortedResults(
            windowed(base().mapAsync((e) => later(f(e), delayOf(e)), { concurrency })),
          );
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reads no more input while `concurrency` elements wait for their results (backpressure)", async () => {
    let read = 0;
    let settled = 0;
    let mostAhead = 0;
    // A Source hands the job one element per event, with no read-ahead of its own.
    const input: Source<number> = {
      kind: "source",
      replayable: false,
      async *open() {
        for (let i = 0; i < 50; i++) {
          read++;
          mostAhead = Math.max(mostAhead, read - settled);
          yield { type: "elements", values: [i] };
        }
      },
    };
    const out = await stream(input).mapAsync(async (i) => {
      await later(null, 2, true);
      settled++;
      return i;
    }, { concurrency: 3 }).toArray();
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Three in flight, and at most one more read ahead, never the whole input.
    expect(mostAhead).toBeLessThanOrEqual(4);
    expect(mostAhead).toBeGreaterThanOrEqual(3);
  });

  it("aborts the signal of calls in flight when the consumer stops early", async () => {
    const signals: AbortSignal[] = [];
    const s = stream([1, 2, 3, 4, 5, 6], { chunkSize: 1 }).mapAsync((n, { signal }) => {
      signals.push(signal);
      return later(n, n === 1 ? 0 : 50, true);
    }, { concurrency: 2 });
    for await (const n of s) {
      expect(n).toBe(1);
      break;
    }
    // 1 settled at once; 2 was in flight when the loop stopped (with two elements queued, no more
    // input was read), 3 to 6 never started.
    expect(signals.length).toBe(2);
    expect(signals.every((x) => x.aborted)).toBe(true);
  });

  it("starts no call once the job stopped", async () => {
    const input: Source<number> = {
      kind: "source",
      replayable: false,
      async *open() {
        yield { type: "elements", values: [1] };
        yield { type: "elements", values: [2, 3, 4] };
      },
    };
    const started: number[] = [];
    const s = stream(input).mapAsync((n) => {
      started.push(n);
      return later(n, n === 1 ? 0 : 20, true);
    }, { concurrency: 2 });
    for await (const n of s) {
      expect(n).toBe(1);
      break;
    }
    await later(null, 60, true);
    // 2 and 3 were in flight when the loop stopped; their settling does not start 4.
    expect(started).toEqual([1, 2, 3]);
  });

  it("lets calls in flight finish when a checkpoint is due, so checkpoints keep coming under steady load", async () => {
    // One element per step and four calls in flight: the queue is never empty on its own until the end.
    const input: Source<number> = {
      kind: "source",
      replayable: true,
      async *open({ offset }) {
        for (let i = (offset as number | undefined) ?? 0; i < 60; i++) {
          yield { type: "elements", values: [i], offset: i + 1 };
        }
      },
    };
    const offsets: unknown[] = [];
    const out = await stream(input)
      .mapAsync((n) => later(n, (n * 7) % 5, true), { concurrency: 4 })
      .checkpoint({
        store: new MemoryStateStore(),
        id: "steady",
        every: { events: 10 },
        onCheckpoint: (info) => void offsets.push(info.offset),
      })
      .toArray();
    expect(out).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // As with map: every 10 events, and a last one after the end of input fired what was open.
    expect(offsets).toEqual([10, 20, 30, 40, 50, 60, 60]);
  });

  it("runs windows after it on results of windows before it, concurrently, in order", async () => {
    const evs = Array.from({ length: 100 }, (_, i) => ({ ts: i * 10 }));
    const results = await stream(evs)
      .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
      .window(tumbling(100))
      .aggregate(count())
      .mapAsync((r) => later({ ts: r.window.start, n: r.value }, 10 - r.window.start / 100, true), { concurrency: 5 })
      .window(tumbling(500))
      .aggregate(sum((r: { n: number }) => r.n))
      .toArray();
    expect(results.map((r) => [r.window.start, r.value])).toEqual([[0, 50], [500, 50]]);
  });

  it("fails with a StepError when fn throws synchronously, and checks its arguments", async () => {
    const e = await stream([1, 2]).mapAsync((n) => {
      if (n === 2) throw new TypeError("bad");
      return n;
    }).toArray().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StepError);
    expect((e as StepError).message).toBe("mapAsync #1 threw on element 2: TypeError: bad");
    expect(() => stream([1]).mapAsync(null as never)).toThrow(
      "Cannot add mapAsync step as its argument must be a function: current value is null",
    );
    expect(() => stream([1]).mapAsync((n) => n, { concurrency: 0 })).toThrow(
      new RangeError("Cannot add mapAsync step as concurrency must be an integer >= 1: current value is 0"),
    );
    expect(() => stream([1]).mapAsync((n) => n, { concurency: 2 } as never)).toThrow(/concurrency/);
  });

  it("is what a map returning a Promise is told to use", async () => {
    const e = await stream([1]).map((n) => Promise.resolve(n)).toArray().catch((x: unknown) => x);
    expect(String((e as StepError).cause)).toContain("Use mapAsync(fn, { concurrency })");
  });
});
