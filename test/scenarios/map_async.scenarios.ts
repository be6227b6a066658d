// mapAsync: asynchronous functions with bounded concurrency and results in input order, before and
// after event time and windows, failing with a StepError, and checkpointed without calls in flight.
// Calls settle after a number of microtask turns, so later calls can settle first without timers.
import {
  afterCount,
  afterProcessingTime,
  count,
  MemoryStateStore,
  readResults,
  repeatedly,
  sliding,
  StepError,
  storeSink,
  stream,
  sum,
  tumbling,
  type WindowResult,
} from "../../mod.ts";
import { TestStream } from "../../src/testing/mod.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { assert, assertEquals } from "../_assert.ts";
import { arraySource, byId, type Ev, makeEvents, stopAfter, untilStopped } from "./_checkpoint_helpers.ts";
import type { Scenario } from "./_scenario.ts";

/** Resolves with `value` after `turns` microtask turns. */
async function later<T>(value: T, turns: number): Promise<T> {
  for (let i = 0; i < turns; i++) await null;
  return value;
}

/** An async function that counts the calls in flight and records the most at once. */
function tracked<T, U>(fn: (v: T) => Promise<U>) {
  const stats = { inFlight: 0, most: 0, calls: 0 };
  const call = async (v: T): Promise<U> => {
    stats.calls++;
    stats.inFlight++;
    stats.most = Math.max(stats.most, stats.inFlight);
    try {
      return await fn(v);
    } finally {
      stats.inFlight--;
    }
  };
  return { call, stats };
}

const EVENTS = makeEvents(400, 5);
/** Calls settle out of order: a quick one, then slow ones, by element. */
const turnsFor = (e: Ev) => (e.v * 7) % 13;

function windowsAfter(source: Source<Ev>, concurrency: number) {
  return stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 15 })
    .mapAsync((e) => later({ ...e, v: e.v * 2 }, turnsFor(e)), { concurrency })
    .keyBy((e) => e.k)
    .window(tumbling(50), { trigger: afterCount(4), allowedLateness: 5 })
    .aggregate({ n: count(), total: sum((e: Ev) => e.v) });
}

const brief = (rs: WindowResult<unknown, unknown>[]) =>
  rs.map((r) => `${String(r.key)}[${r.window.start})#${r.pane.index}${r.pane.timing}=${JSON.stringify(r.value)}`);

export default [
  {
    name: "mapAsync keeps input order while later calls settle first, with at most `concurrency` calls in flight",
    async run() {
      const input = Array.from({ length: 40 }, (_, i) => i);
      for (const concurrency of [1, 3, 8]) {
        const { call, stats } = tracked((i: number) => later(`#${i}`, (i * 5) % 11));
        const out = await stream(input, { chunkSize: 7 }).mapAsync(call, { concurrency }).toArray();
        assertEquals(out, input.map((i) => `#${i}`));
        assertEquals([stats.calls, stats.most], [40, concurrency], `concurrency ${concurrency}`);
      }
    },
  },
  {
    name: "mapAsync after withEventTime gives windows exactly what map of the awaited function gives them",
    async run() {
      // Watermarks wait behind the elements in flight: no element turns late because its call was slow.
      const expected = await stream(arraySource(EVENTS, 6))
        .withEventTime((e) => e.ts, { maxOutOfOrderness: 15 })
        .map((e) => ({ ...e, v: e.v * 2 }))
        .keyBy((e) => e.k)
        .window(tumbling(50), { trigger: afterCount(4), allowedLateness: 5 })
        .aggregate({ n: count(), total: sum((e: Ev) => e.v) })
        .toArray();
      for (const concurrency of [1, 4, 32]) {
        const run = windowsAfter(arraySource(EVENTS, 6), concurrency).run();
        const got = [];
        for await (const r of run) got.push(r);
        assertEquals(brief(got), brief(expected), `concurrency ${concurrency}`);
        assert(run.stats().lateElements > 0, "the input has late elements, dropped as with map");
      }
    },
  },
  {
    name: "mapAsync before withEventTime and on window results keeps event times and panes",
    async run() {
      const results = await stream([{ ts: 3, id: 1 }, { ts: 14, id: 2 }, { ts: 8, id: 3 }, { ts: 12, id: 4 }])
        .mapAsync((e) => later({ ...e, name: `u${e.id}` }, 5 - e.id), { concurrency: 2 })
        .withEventTime((e) => e.ts, { maxOutOfOrderness: 10 })
        .window(sliding(10, 5))
        .aggregate(count())
        .mapAsync((r) => later(`${r.window.start}:${r.value}@${r.timestamp}`, r.value), { concurrency: 3 })
        .toArray();
      //   ts:      3        8    12  14
      //   [-5,5)   x                      1
      //   [0,10)   x        x             2
      //   [5,15)            x    x   x    3
      //   [10,20)                x   x    2
      assertEquals(results, ["-5:1@4", "0:2@9", "5:3@14", "10:2@19"]);
    },
  },
  {
    name: "a rejected mapAsync call fails the stream with a StepError naming the step and the element",
    async run() {
      const { call, stats } = tracked((n: number) =>
        n === 5 ? Promise.reject(new RangeError("no user 5")) : later(n, 3)
      );
      const e = await stream([1, 2, 3, 4, 5, 6, 7, 8, 9])
        .map((n) => n)
        .mapAsync((n) => Promise.resolve(n))
        .mapAsync(call, { concurrency: 2 })
        .toArray()
        .then(() => null, (x: unknown) => x);
      assert(e instanceof StepError, `expected a StepError, got ${String(e)}`);
      assertEquals([e.step, e.cause instanceof RangeError], ["mapAsync #2", true]);
      assert(e.message.includes("on element 5") && e.message.includes("no user 5"), e.message);
      assert(stats.calls <= 6, `no call starts after the failure: ${stats.calls} calls`);
    },
  },
  {
    name:
      "a checkpointed job with mapAsync stopped after any step and restarted commits exactly the uninterrupted results",
    async run() {
      // Checkpoints every 10 events: each waits for the calls in flight (a snapshot with any fails).
      const expected = await windowsAfter(arraySource(EVENTS, 4), 4).toArray();
      for (const stopAt of [2, 13, 41, 77]) {
        const store = new MemoryStateStore();
        const c = new AbortController();
        const job = (source: Source<Ev>) =>
          windowsAfter(source, 4).checkpoint({ store, id: "m", every: { events: 10 } });
        await untilStopped(
          job(stopAfter(arraySource(EVENTS, 4), stopAt, c)).pipeTo(storeSink({ store, job: "m" }), {
            signal: c.signal,
          }),
          c,
        );
        await job(arraySource(EVENTS, 4)).pipeTo(storeSink({ store, job: "m" }));
        assertEquals(byId("m", await readResults(store, "m")), byId("m", expected), `stopped after step ${stopAt}`);
      }
    },
  },
  {
    name: "with a TestStream, processing time advances only once the elements before it are through mapAsync",
    async run() {
      const input = new TestStream<number>()
        .addElements({ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 })
        .advanceProcessingTime(10)
        .addElements({ value: 3, timestamp: 3 })
        .advanceProcessingTime(10)
        .advanceWatermarkToInfinity();
      const results = await stream(input)
        .mapAsync((n) => later(n * 10, 10 - n))
        .window(tumbling(100), { trigger: repeatedly(afterProcessingTime(5)) })
        .aggregate(sum((n: number) => n))
        .toArray();
      // Discarding panes: 1 and 2 before the first advance, 3 before the second, nothing new on time.
      assertEquals(results.map((r) => [r.value, r.pane.timing]), [[30, "early"], [30, "early"], [0, "on-time"]]);
    },
  },
] satisfies Scenario[];
