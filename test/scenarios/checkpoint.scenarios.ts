import type { Scenario } from "./_scenario.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  arraySource,
  byId,
  capturingWarnings,
  type Ev,
  flipByte,
  LimitedStore,
  makeEvents,
  stopAfter,
  untilStopped,
} from "./_checkpoint_helpers.ts";
import { collect, count, max, sum } from "../../src/aggregate/mod.ts";
import { decodeValue } from "../../src/checkpoint/_decode.ts";
import { encodeValue } from "../../src/checkpoint/_encode.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import { CheckpointError } from "../../src/errors.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import type { StateStore } from "../../src/state/state_store.ts";
import { afterCount, afterWatermark } from "../../src/trigger/trigger.ts";
import { global } from "../../src/window/global.ts";
import { session } from "../../src/window/session.ts";
import { tumbling } from "../../src/window/tumbling.ts";

const EVENTS = makeEvents(600, 7);

/** Per-key 100 ms windows with early panes every 3 elements, and 40 ms sessions of the same events. */
function windows(source: Source<Ev>, size = 100) {
  return stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 20 })
    .keyBy((e) => e.k)
    .window(tumbling(size), { trigger: afterWatermark({ early: afterCount(3) }), allowedLateness: 10 })
    .aggregate({ n: count(), total: sum((e: Ev) => e.v), top: max((e: Ev) => e.v) });
}

function sessions(source: Source<Ev>) {
  return stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 20 })
    .keyBy((e) => e.k)
    .window(session(40))
    .aggregate(count());
}

async function commitRun(store: StateStore, job: string, source: Source<Ev>, every = 50) {
  await windows(source).checkpoint({ store, id: job, every: { events: every } }).pipeTo(storeSink({ store, job }));
}

export default [
  {
    name: "checkpoint codec round-trips ±Infinity, NaN, -0, undefined, Map, Set, Date, bigint and typed arrays exactly",
    run() {
      const v = {
        window: [-Infinity, Infinity],
        wm: -Infinity,
        nan: NaN,
        negZero: -0,
        u: undefined,
        big: -12345678901234567890n,
        m: new Map<unknown, unknown>([[1, "é😀"], [{ a: 1 }, [null, true]]]),
        s: new Set([1.5, "x"]),
        d: new Date(86_400_000),
        f: new Float64Array([-0, NaN, 1e-300]),
        b: new Uint8Array([0, 255]),
        long: "ü".repeat(500),
        ints: [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 53],
      };
      const back = decodeValue(encodeValue(v)) as typeof v;
      assertEquals(back, v);
      assert(Object.is(back.negZero, -0) && Object.is(back.f[0], -0) && Number.isNaN(back.f[1]), "-0 and NaN survive");
      assert("u" in back, "an undefined property stays a property");
    },
  },
  {
    name: "a job stopped after any step and restarted commits exactly the uninterrupted run's results to storeSink",
    async run() {
      const expected = await windows(arraySource(EVENTS, 16)).toArray();
      for (const stopAt of [1, 7, 19, 33]) {
        const store = new MemoryStateStore();
        const c = new AbortController();
        await untilStopped(
          windows(stopAfter(arraySource(EVENTS, 16), stopAt, c)).checkpoint({ store, id: "w", every: { events: 50 } })
            .pipeTo(storeSink({ store, job: "w" }), { signal: c.signal }),
          c,
        );
        await commitRun(store, "w", arraySource(EVENTS, 16));
        assertEquals(byId("w", await readResults(store, "w")), byId("w", expected), `stopped after step ${stopAt}`);
      }
    },
  },
  {
    name: "session windows survive a restart between the events that merge them",
    async run() {
      const expected = await sessions(arraySource(EVENTS, 5)).toArray();
      const store = new MemoryStateStore();
      const c = new AbortController();
      const job = (src: Source<Ev>) => sessions(src).checkpoint({ store, id: "s", every: { events: 20 } });
      await untilStopped(
        job(stopAfter(arraySource(EVENTS, 5), 57, c)).pipeTo(storeSink({ store, job: "s" }), { signal: c.signal }),
        c,
      );
      await job(arraySource(EVENTS, 5)).pipeTo(storeSink({ store, job: "s" }));
      assertEquals(byId("s", await readResults(store, "s")), byId("s", expected));
    },
  },
  {
    // The session engine keeps a key's open sessions in a list and merges them in its order: a restore
    // must rebuild that order. A merge that is not commutative (string concatenation) shows it.
    name: "a restored job merges a key's open sessions in the same order as an uninterrupted one",
    async run() {
      const concat = {
        create: () => "",
        add: (acc: string, e: Ev) => acc + e.v,
        merge: (a: string, b: string) => a + b,
        result: (acc: string) => acc,
      };
      // key a: sessions [0, 40) and [50, 90) open at the checkpoint, then 30 bridges them; key b
      // opens one more session, to hold a restored key beside a new one
      const events: Ev[] = [
        { k: "a", ts: 0, v: 1 },
        { k: "a", ts: 50, v: 2 },
        { k: "b", ts: 55, v: 4 },
        { k: "a", ts: 30, v: 3 },
        { k: "b", ts: 60, v: 5 },
      ];
      const job = (src: Source<Ev>) =>
        stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: 30 }).keyBy((e) => e.k).window(session(40))
          .aggregate(concat);
      const expected = await job(arraySource(events, 1)).toArray();
      assertEquals(expected.map((r) => [r.key, r.window.start, r.window.end, r.value]).sort(), [
        ["a", 0, 90, "213"],
        ["b", 55, 100, "45"],
      ]);
      for (const steps of [2, 3]) {
        const store = new MemoryStateStore();
        const c = new AbortController();
        const id = `order-${steps}`;
        const run = (src: Source<Ev>) => job(src).checkpoint({ store, id, every: { events: 1 } });
        await untilStopped(
          run(stopAfter(arraySource(events, 1), steps, c)).pipeTo(storeSink({ store, job: id }), { signal: c.signal }),
          c,
        );
        await run(arraySource(events, 1)).pipeTo(storeSink({ store, job: id }));
        assertEquals(byId(id, await readResults(store, id)), byId(id, expected));
      }
    },
  },
  {
    name: "a global window [-Infinity, Infinity) and a -Infinity watermark restore exactly",
    async run() {
      const store = new MemoryStateStore();
      const job = (src: Source<Ev>) =>
        stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(global()).aggregate(sum((e: Ev) => e.v))
          .checkpoint({ store, id: "g", every: { events: 1 } });
      const c = new AbortController();
      await untilStopped(
        job(stopAfter(arraySource(EVENTS.slice(0, 10), 4), 2, c)).pipeTo(storeSink({ store, job: "g" }), {
          signal: c.signal,
        }),
        c,
      );
      await job(arraySource(EVENTS.slice(0, 10), 4)).pipeTo(storeSink({ store, job: "g" }));
      const results = await readResults(store, "g");
      assertEquals(results.map((r) => [r.window.start, r.window.end, r.value]), [[
        -Infinity,
        Infinity,
        EVENTS.slice(0, 10).reduce((a, e) => a + e.v, 0),
      ]]);
    },
  },
  {
    name: "a checkpoint with an altered byte is skipped with a warning, and the previous one is restored",
    async run() {
      const expected = await windows(arraySource(EVENTS, 16)).toArray();
      const store = new MemoryStateStore();
      const c = new AbortController();
      await untilStopped(
        windows(stopAfter(arraySource(EVENTS, 16), 20, c)).checkpoint({ store, id: "w", every: { events: 64 } })
          .pipeTo(storeSink({ store, job: "w" }), { signal: c.signal }),
        c,
      );
      const manifests = await store.list("ckpt/w/m/");
      const newest = manifests[manifests.length - 1]!.slice("ckpt/w/m/".length);
      const chunk = (await store.list(`ckpt/w/s/${newest}/`))[1]!;
      await flipByte(store, chunk, -3);
      const { warnings: all } = await capturingWarnings(() => commitRun(store, "w", arraySource(EVENTS, 16), 64));
      const warnings = all.filter((w) => w.includes("checkpoint"));
      assertEquals(warnings.length, 1);
      assert(
        warnings[0]!.includes(`skipping checkpoint ${Number(newest)} of job "w"`) && warnings[0]!.includes(chunk) &&
          warnings[0]!.includes("checksum"),
        warnings[0],
      );
      assertEquals(byId("w", await readResults(store, "w")), byId("w", expected));
    },
  },
  {
    name: "restoring into a pipeline with another window size fails with a CheckpointError that names the difference",
    async run() {
      const store = new MemoryStateStore();
      await commitRun(store, "w", arraySource(EVENTS.slice(0, 100), 16));
      const before = await store.list("");
      const err = await assertRejects(
        () => windows(arraySource(EVENTS, 16), 200).checkpoint({ store, id: "w", every: { events: 50 } }).toArray(),
        CheckpointError,
        'operator "window-0" is configured differently: assigner.size is 100 in the checkpoint and 200 in this pipeline',
      );
      assert(err.message.includes("discardState: true"), err.message);
      assertEquals(await store.list(""), before, "a failed restore changes nothing");
    },
  },
  {
    name: "restoring into a pipeline with other operators fails and lists them",
    async run() {
      const store = new MemoryStateStore();
      await commitRun(store, "w", arraySource(EVENTS.slice(0, 100), 16));
      await assertRejects(
        () =>
          stream(arraySource(EVENTS, 16)).filter((e) => e.v > 3).withEventTime((e) => e.ts, { maxOutOfOrderness: 20 })
            .window(tumbling(100)).aggregate(collect()).checkpoint({ store, id: "w", every: { events: 50 } }).toArray(),
        CheckpointError,
        'operator "stateless-0" is in this pipeline but not in the checkpoint',
      );
    },
  },
  {
    name: "discardState starts from scratch and deletes the job's old checkpoints and results",
    async run() {
      const store = new MemoryStateStore();
      await commitRun(store, "w", arraySource(EVENTS.slice(0, 300), 16));
      await store.put("ckpt/other/m/000000000000", new Uint8Array([1]));
      const bigger = (src: Source<Ev>) =>
        windows(src, 200).checkpoint({ store, id: "w", every: { events: 50 }, discardState: true });
      await bigger(arraySource(EVENTS, 16)).pipeTo(storeSink({ store, job: "w" }));
      assertEquals(
        byId("w", await readResults(store, "w")),
        byId("w", await windows(arraySource(EVENTS, 16), 200).toArray()),
      );
      assert((await store.list("ckpt/other/")).length === 1, "other jobs' entries stay");
    },
  },
  {
    name: "a checkpoint larger than a store's batch limit spans several batches with its manifest in the last",
    async run() {
      const store = new LimitedStore(4);
      const events = Array.from({ length: 4000 }, (_, i) => ({ k: `key-${i}-${"x".repeat(40)}`, ts: i, v: i }));
      const job = (src: Source<Ev>) =>
        stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.k).window(tumbling(1e9))
          .aggregate(collect())
          .checkpoint({ store, id: "big", every: { events: 4000 } });
      const c = new AbortController();
      await untilStopped(
        job(stopAfter(arraySource(events, 4000), 1, c)).pipeTo(storeSink({ store, job: "big" }), { signal: c.signal }),
        c,
      );
      const writes = store.batches.filter((b) => b.some((op) => op.startsWith("put ckpt/big/s/")));
      assert(writes.length >= 2, `the checkpoint took ${writes.length} batch(es)`);
      const last = writes[writes.length - 1]!;
      assertEquals(last[last.length - 1], "put ckpt/big/m/000000000000");
      assert(
        writes.slice(0, -1).every((b) => b.every((op) => !op.includes("/m/"))),
        "no manifest before the last batch",
      );
      await job(arraySource(events, 4000)).pipeTo(storeSink({ store, job: "big" }));
      const results = await readResults(store, "big");
      assertEquals(results.length, 4000);
    },
  },
  {
    name: "storeSink refuses writes that do not come from a checkpointed pipeTo",
    async run() {
      const store = new MemoryStateStore();
      await assertRejects(
        () => windows(arraySource(EVENTS, 16)).pipeTo(storeSink({ store, job: "w" })),
        TypeError,
        "must be the destination of pipeTo()",
      );
      await assertRejects(
        () =>
          windows(arraySource(EVENTS, 16)).checkpoint({ store, id: "w", every: { ms: 10 } }).pipeTo(
            storeSink({ store: new MemoryStateStore(), job: "w" }),
          ),
        TypeError,
        "not the checkpoint store",
      );
    },
  },
  {
    name: "a source that cannot replay is checkpointed with one warning about at-most-once input",
    async run() {
      const store = new MemoryStateStore();
      const { warnings } = await capturingWarnings(async () => {
        const live = new ReadableStream<Ev>({
          start(c) {
            for (const e of EVENTS.slice(0, 50)) c.enqueue(e);
            c.close();
          },
        });
        await stream(live).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(100)).aggregate(count())
          .checkpoint({ store, id: "live", every: { events: 5 } }).toArray();
      });
      const ours = warnings.filter((w) => w.includes('job "live"'));
      assertEquals(ours.length, 1);
      assert(ours[0]!.includes("at-most-once"), ours[0]);
    },
  },
] satisfies Scenario[];
