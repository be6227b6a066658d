import {
  afterCount,
  global,
  max,
  min,
  repeatedly,
  session,
  sliding,
  stream,
  tumbling,
  type WindowResult,
} from "../../mod.ts";
import { count } from "../../src/aggregate/count.ts";
import { sum } from "../../src/aggregate/sum.ts";
import { InvalidElementError, StepError } from "../../src/errors.ts";
import { readAll, sortedResults, TestStream } from "../../src/testing/mod.ts";
import { assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import type { Scenario } from "./_scenario.ts";

type E = { k?: string; ts: number; v?: number };
const at = (ts: number, v = 1, k = "a"): E => ({ k, ts, v });
/** `[start,end)=value` per result, in canonical order. */
const brief = (rs: WindowResult<unknown, unknown>[]) =>
  rs.map((r) => `${String(r.key)}[${r.window.start},${r.window.end})=${JSON.stringify(r.value)}`);

export default [
  {
    name: "tumbling() puts an event at the boundary into the next window",
    async run() {
      //   [0 ......... 10)[10 ........ 20)
      //    t=0  t=9.5      t=10
      const rs = await sortedResults(
        stream([at(0), at(9.5), at(10)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10))
          .aggregate(count()),
      );
      assertEquals(brief(rs), ["null[0,10)=2", "null[10,20)=1"]);
      assertEquals(rs.map((r) => r.timestamp), [9, 19]);
    },
  },
  {
    name: "tumbling() honours offset and negative timestamps",
    async run() {
      const rs = await sortedResults(
        stream([at(-1), at(2), at(3)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(
          tumbling(5, { offset: 3 }),
        ).aggregate(count()),
      );
      assertEquals(brief(rs), ["null[-2,3)=2", "null[3,8)=1"]);
    },
  },
  {
    name: "tumbling() rejects a non-positive size with a message naming the value",
    run() {
      assertThrows(() => tumbling(0), RangeError, "current value is 0");
      assertThrows(() => sliding(10, -1), RangeError, "slide");
      assertThrows(() => session(NaN), RangeError, "gap");
    },
  },
  {
    name: "sliding() assigns an element to every window that contains it",
    async run() {
      //  [0 ............ 20)
      //           [10 ............ 30)
      //  t=15 ──────────▲ (both)
      const rs = await sortedResults(
        stream([at(15, 2)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(sliding(20, 10)).aggregate(
          sum((e: E) => e.v!),
        ),
      );
      assertEquals(brief(rs), ["null[0,20)=2", "null[10,30)=2"]);
    },
  },
  {
    name: "sliding() with a slide that does not divide the size",
    async run() {
      // size 10, slide 3: starts ≡ 0 (mod 3) in (7 - 10, 7] → 0, 3, 6
      const rs = await sortedResults(
        stream([at(7)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(sliding(10, 3)).aggregate(count()),
      );
      assertEquals(brief(rs), ["null[0,10)=1", "null[3,13)=1", "null[6,16)=1"]);
    },
  },
  {
    name: "sliding() with a slide larger than the size puts an element in the gap into no window",
    async run() {
      // size 5, slide 10:  [0 .. 5)     [10 .. 15)
      //                     t=1   t=7 (gap: no window, as Beam's SlidingWindows)   t=12
      // Any engine: the default trigger with allowed lateness runs the general one, without the sliced one.
      for (const allowedLateness of [0, 1]) {
        const late: number[] = [];
        const rs = await sortedResults(
          stream([at(1), at(7), at(12)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
            .window(sliding(5, 10), { allowedLateness, onLate: (e) => void late.push(e.ts) }).aggregate(count()),
        );
        assertEquals(brief(rs), ["null[0,5)=1", "null[10,15)=1"]);
        assertEquals(late, []);
      }
    },
  },
  {
    name: "run() reports the job's own stats: elements, watermark, late elements, open windows",
    async run() {
      for (const assigner of [tumbling(10), session(5)]) {
        // t=1, t=25 → watermark 25; t=3 arrives late for [0,10) (or the session [3,8))
        const run = stream([at(1), at(25), at(3)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
          .window(assigner).aggregate(count()).run();
        const seen: number[] = [];
        for await (const r of run) {
          seen.push(r.value);
          if (r.window.start === 1 || r.window.start === 0) {
            const mid = run.stats();
            assertEquals([mid.elementsIn, mid.watermark, mid.openWindows], [3, 25, 1]);
          }
        }
        const end = run.stats();
        assertEquals(seen, [1, 1]);
        assertEquals(
          [end.elementsIn, end.watermark, end.lateElements, end.openWindows, end.checkpoints],
          [3, Infinity, 1, 0, 0],
        );
        assertEquals(end.lastCheckpointAt, undefined);
        assertThrows(() => run[Symbol.asyncIterator](), TypeError, "twice");
      }
    },
  },
  {
    name: "forEach() hands every result to a callback, in order, and rejects with the callback's error",
    async run() {
      const seen: string[] = [];
      const s = stream([at(1), at(12), at(3), at(25)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 5 })
        .window(tumbling(10)).aggregate(count());
      await s.forEach((r) => void seen.push(`${r.window.start}=${r.value}`));
      assertEquals(seen, ["0=2", "10=1", "20=1"]);
      await assertRejects(
        () =>
          s.forEach(() => {
            throw new RangeError("stop here");
          }),
        RangeError,
        "stop here",
      );
      await assertRejects(() => s.forEach(null as never), TypeError, "must be a function");
    },
  },
  {
    name:
      "a window (tumbling, sessions) firing for 5,000 keys (more results than a firing hands on at once) gives each result once, in order, to forEach, toArray and a later step; an error there stops the job as it is",
    async run() {
      for (const assigner of [tumbling(10), session(3)]) {
        await manyKeysAtOnce(assigner);
      }
    },
  },
  {
    name: "a source chunk with a timestamp that is not a number is refused with the index",
    async run() {
      const source = {
        kind: "source" as const,
        replayable: false,
        *open() {
          yield { type: "elements" as const, values: ["a", "b"], timestamps: [1, "2" as unknown as number] };
        },
      };
      await assertRejects(() => stream(source).window(tumbling(10)).aggregate(count()).toArray(), TypeError, "#1");
    },
  },
  {
    name: "stream(input, { batch }) groups ready chunks into bundles: triggers fire once per bundle",
    async run() {
      // Five events with afterCount(2) in the global window: per element, panes of 2, 2, then 1 at the
      // end; as one bundle (everything is ready: maxMs 0), one pane of 5; bundles of at most 2 elements
      // with chunks of 1 give 2, 2, 1.
      const evs = [1, 2, 3, 4, 5].map((ts) => ({ ts }));
      const run = (options: Parameters<typeof stream>[1]) =>
        stream(evs, options).withEventTime((e) => e.ts, { maxOutOfOrderness: 100 })
          .window(global(), { trigger: repeatedly(afterCount(2)) }).aggregate(count()).toArray()
          .then((rs) => rs.map((r) => r.value));
      assertEquals(await run({ chunkSize: 1 }), [2, 2, 1]);
      assertEquals(await run({ chunkSize: 1, batch: {} }), [5, 0]);
      assertEquals(await run({ chunkSize: 1, batch: { maxElements: 2 } }), [2, 2, 1]);
      assertEquals(await run({ chunkSize: 2, batch: { maxElements: 3 } }), [4, 1]);
      await assertRejects(async () => await run({ batch: { maxMs: -1 } }), RangeError, "batch.maxMs");
      await assertRejects(async () => await run({ batch: { maxElemnts: 2 } as never }), TypeError, "maxElements");
    },
  },
  {
    name: "a micro-batch waits at most maxMs for more input from a slow source, and bundles what arrives",
    async run() {
      // Three chunks 20 ms apart: with maxMs 500 they form one bundle; with maxMs 0, three.
      async function* slow() {
        for (const ts of [1, 2, 3]) {
          await new Promise((r) => setTimeout(r, 20));
          yield { ts };
        }
      }
      const run = (maxMs: number) =>
        stream(slow(), { batch: { maxMs } }).withEventTime((e) => e.ts, { maxOutOfOrderness: 100 })
          .window(global(), { trigger: repeatedly(afterCount(1)) }).aggregate(count()).toArray()
          .then((rs) => rs.map((r) => r.value));
      assertEquals(await run(500), [3, 0]);
      assertEquals(await run(0), [1, 1, 1, 0]);
    },
  },
  {
    name: "session() merges overlapping windows but not touching ones",
    async run() {
      // gap 10:  t=0 → [0,10)  t=5 → [5,15)  merged [0,15);  t=15 → [15,25) only touches: separate
      const rs = await sortedResults(
        stream([at(0), at(5), at(15), at(0, 1, "b")]).withEventTime((e) => e.ts, { maxOutOfOrderness: 100 })
          .keyBy((e) => e.k!).window(session(10)).aggregate(count()),
      );
      assertEquals(brief(rs), ["b[0,10)=1", "a[0,15)=2", "a[15,25)=1"]);
    },
  },
  {
    name: "session() merges a late element that bridges two fired sessions into one late pane",
    async run() {
      // gap 10, allowed lateness 100
      //   [0,10)        [15,25)        fired on time at W=30
      //        [7,17)   late element bridges both → [0,25) count 3, late pane
      const events = TestStream.create<E>()
        .addElements({ value: at(0), timestamp: 0 }, { value: at(15), timestamp: 15 })
        .advanceWatermarkTo(30)
        .addElements({ value: at(7), timestamp: 7 })
        .advanceWatermarkToInfinity();
      const rs = await readAll(
        stream(events).keyBy((e) => e.k!).window(session(10), { allowedLateness: 100, accumulation: "accumulating" })
          .aggregate(count()),
      );
      assertEquals(rs.map((r) => `${r.window.start}-${r.window.end}:${r.value}:${r.pane.timing}:${r.pane.index}`), [
        "0-10:1:on-time:0",
        "15-25:1:on-time:0",
        // pane history is not merged (ReduceFnRunner.onMerge clears the merged-away windows' PaneInfo):
        // the new window [0,25) starts at index 0, late because the output watermark passed its end
        "0-25:3:late:0",
      ]);
    },
  },
  {
    name: "global() fires once at the end of a bounded input",
    async run() {
      const rs = await readAll(
        stream([1, 2, 3]).withEventTime(() => 5, { maxOutOfOrderness: 0 }).window(global()).aggregate(count()),
      );
      assertEquals(rs.length, 1);
      assertEquals(rs[0]!.value, 3);
      assertEquals(rs[0]!.window, { start: -Infinity, end: Infinity });
      assertEquals(rs[0]!.pane, { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true });
    },
  },
  {
    name: "end of a bounded input fires every open window as final",
    async run() {
      const rs = await sortedResults(
        stream([at(1), at(25), at(13)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 1000 }).window(tumbling(10))
          .aggregate(count()),
      );
      assertEquals(brief(rs), ["null[0,10)=1", "null[10,20)=1", "null[20,30)=1"]);
      for (const r of rs) {
        assertEquals(r.pane, { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true });
      }
    },
  },
  {
    name: "a TestStream that ends without advanceWatermarkToInfinity fires nothing still open",
    async run() {
      const script = TestStream.create<E>().addElements({ value: at(1), timestamp: 1 }, {
        value: at(12),
        timestamp: 12,
      }).advanceWatermarkTo(10);
      const rs = await readAll(stream(script).window(tumbling(10)).aggregate(count()));
      assertEquals(brief(rs), ["null[0,10)=1"]);
    },
  },
  {
    name: "withEventTime: watermark = max event time - maxOutOfOrderness; late elements go to onLate",
    async run() {
      const late: Array<[number, string]> = [];
      // bound 5: after t=20 the watermark is 15 ≥ end of [0,10): t=3 is late (lateness 0)
      const rs = await sortedResults(
        stream([at(1), at(20), at(3), at(12)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 5 })
          .window(tumbling(10), { onLate: (e, info) => late.push([e.ts, info.reason]) }).aggregate(count()),
      );
      assertEquals(brief(rs), ["null[0,10)=1", "null[10,20)=1", "null[20,30)=1"]);
      assertEquals(late, [[3, "late"]]);
    },
  },
  {
    name: "withEventTime: results do not depend on chunking",
    async run() {
      const data = [at(1), at(20), at(3), at(12), at(14), at(9), at(33), at(21)];
      const run = (chunkSize: number) =>
        sortedResults(
          stream(data, { chunkSize }).withEventTime((e) => e.ts, { maxOutOfOrderness: 5 }).window(tumbling(10), {
            onLate: () => {},
          }).aggregate(count()),
        );
      const a = await run(1), b = await run(3), c = await run(100);
      assertEquals(a, b);
      assertEquals(a, c);
    },
  },
  {
    name: "withEventTime: a NaN event time is an error naming the element",
    async run() {
      const err = await assertRejects(
        () =>
          stream([{ ts: 1 }, { ts: NaN, id: "x7" }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(
            tumbling(10),
          ).aggregate(count()).toArray(),
        InvalidElementError,
      );
      assertEquals(err.message.includes("#1") && err.message.includes("x7"), true, err.message);
    },
  },
  {
    name: "withEventTime: onInvalid receives elements without a usable event time",
    async run() {
      const bad: unknown[] = [];
      const rs = await readAll(
        stream([{ ts: 1 }, {}, { ts: Infinity }]).withEventTime((e: { ts?: number }) => e.ts as number, {
          maxOutOfOrderness: 0,
          onInvalid: (e) => bad.push(e),
        })
          .window(tumbling(10)).aggregate(count()),
      );
      assertEquals(rs.map((r) => r.value), [1]);
      assertEquals(bad.length, 2);
    },
  },
  {
    name: "window() without event time explains what is missing",
    async run() {
      await assertRejects(
        () => stream([1]).window(tumbling(10)).aggregate(count()).toArray(),
        TypeError,
        "withEventTime",
      );
    },
  },
  {
    name: "keyBy() groups structurally equal object keys",
    async run() {
      const rs = await readAll(
        stream([{ k: { a: 1, b: 2 }, ts: 1 }, { k: { b: 2, a: 1 }, ts: 2 }]).withEventTime((e) => e.ts, {
          maxOutOfOrderness: 0,
        })
          .keyBy((e) => e.k).window(tumbling(10)).aggregate(count()),
      );
      assertEquals(rs.length, 1);
      assertEquals(rs[0]!.value, 2);
    },
  },
  {
    name: "keyBy() groups a -0 key with 0 and reports it as 0, in every window engine",
    async run() {
      // -0 first, so that an engine reporting the first element's key would report -0. weir groups keys as
      // a Map does (SameValueZero); Beam's DoubleCoder would keep -0 apart: a weir choice, not a Beam rule.
      const events = [{ k: -0, ts: 1 }, { k: 0, ts: 2 }, { k: -0, ts: 3 }, { k: 0.5, ts: 4 }, { k: -0, ts: 25 }];
      const keyed = () => stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.k);
      const runs = {
        tumbling: await sortedResults(keyed().window(tumbling(10)).aggregate(count())),
        sliding: await sortedResults(keyed().window(sliding(20, 10)).aggregate({ n: count() })),
        sessions: await sortedResults(keyed().window(session(10)).aggregate(count())),
        // a trigger other than the default takes the general engine
        general: await sortedResults(
          keyed().window(tumbling(10), { trigger: repeatedly(afterCount(10)) }).aggregate(count()),
        ),
      };
      for (const [name, rs] of Object.entries(runs)) {
        const zeros = rs.filter((r) => r.key === 0);
        assertEquals(zeros.every((r) => Object.is(r.key, 0)), true, `${name}: a -0 key reported as -0`);
        assertEquals(rs.some((r) => r.key === 0.5), true, name);
      }
      assertEquals(brief(runs.tumbling), ["0[0,10)=3", "0.5[0,10)=1", "0[20,30)=1"]);
      assertEquals(brief(runs.sessions), ["0[1,13)=3", "0.5[4,14)=1", "0[25,35)=1"]);
      assertEquals(runs.general.filter((r) => r.key === 0).map((r) => r.value), [3, 1]);
    },
  },
  {
    name: "aggregate() with an object of combiners",
    async run() {
      const rs = await readAll(
        stream([at(1, 2), at(2, 5)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10))
          .aggregate({ n: count(), total: sum((e: E) => e.v!) }),
      );
      assertEquals(rs[0]!.value, { n: 2, total: 7 });
    },
  },
  {
    name: "results can be windowed again downstream (10 ms windows → 30 ms windows)",
    async run() {
      const data = Array.from({ length: 60 }, (_, i) => at(i));
      const rs = await sortedResults(
        stream(data).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
          .window(tumbling(10)).aggregate(count())
          .window(tumbling(30)).aggregate(sum((r: WindowResult<null, number>) => r.value)),
      );
      assertEquals(brief(rs), ["null[0,30)=30", "null[30,60)=30"]);
    },
  },
  {
    name: "map, filter and flatMap run before windowing and keep event time",
    async run() {
      const rs = await readAll(
        stream([at(1, 3), at(2, 4)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
          .flatMap((e) => [e, e]).filter((e) => e.v! > 3).map((e) => e.v! * 10)
          .window(tumbling(10)).aggregate(sum()),
      );
      assertEquals(rs.map((r) => r.value), [80]);
    },
  },
  {
    name: "toReadableStream() and pipeTo() deliver the same results as for await",
    async run() {
      const make = () =>
        stream([at(1), at(11)]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(
          count(),
        );
      const viaIter = await readAll(make());
      const viaReadable: unknown[] = [];
      const reader = make().toReadableStream().getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        viaReadable.push(r.value);
      }
      const viaPipe: unknown[] = [];
      await make().pipeTo(new WritableStream({ write: (r) => void viaPipe.push(r) }));
      assertEquals(viaReadable, viaIter);
      assertEquals(viaPipe, viaIter);
    },
  },
  {
    name: "a ReadableStream source gives the same results as an array",
    async run() {
      const data = [at(1), at(5), at(14), at(3), at(27)];
      const fromArray = await sortedResults(
        stream(data).withEventTime((e) => e.ts, { maxOutOfOrderness: 20 }).window(tumbling(10)).aggregate(count()),
      );
      const rsrc = new ReadableStream<E>({
        start(c) {
          for (const e of data) c.enqueue(e);
          c.close();
        },
      });
      const fromStream = await sortedResults(
        stream(rsrc).withEventTime((e) => e.ts, { maxOutOfOrderness: 20 }).window(tumbling(10)).aggregate(count()),
      );
      assertEquals(fromStream, fromArray);
    },
  },
  {
    name: "withEventTime idleTimeout advances the watermark with processing time while no input arrives",
    async run() {
      const script = () =>
        TestStream.create<E>().addElements({ value: at(5), timestamp: 5 }).advanceProcessingTime(150);
      const idle = await readAll(
        stream(script()).withEventTime((e) => e.ts, { maxOutOfOrderness: 0, idleTimeout: 100 }).window(tumbling(10))
          .aggregate(count()),
      );
      assertEquals(brief(idle), ["null[0,10)=1"]);
      const notIdle = await readAll(
        stream(script()).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count()),
      );
      assertEquals(notIdle, []);
    },
  },
  {
    name: "a misspelled option is an error that names the option, the closest valid one and the valid ones",
    run() {
      const err = assertThrows(
        () =>
          stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(
            tumbling(10),
            { allowedLatness: 5 } as never,
          ),
        TypeError,
        '"allowedLatness" is not an option (did you mean "allowedLateness"?)',
      );
      assertEquals(err.message.includes('"timestampCombiner"'), true);
      assertThrows(
        () => stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0, idleTimout: 5 } as never),
        TypeError,
        '"idleTimeout"',
      );
      assertThrows(() => stream([1], { chunksize: 2 } as never), TypeError, '"chunkSize"');
    },
  },
  {
    name:
      "sliding() windows of min and max merge each key's slices: keys in the order they first came, strings spilled",
    async run() {
      // sliding(20, 10): slices [0,10) [10,20) [20,30); a window is the merge of its key's two slices.
      // Keys of every kind (an integer kept in arrays by key, strings), and min/max of strings (the
      // typed-array slots cannot hold them: the combiner's own accumulator for that key and slice).
      type S = { k: string | number; ts: number; v: number | string };
      const events: S[] = [
        { k: 7, ts: 1, v: 5 },
        { k: "b", ts: 2, v: 3 },
        { k: "s", ts: 4, v: "m" },
        { k: "b", ts: 12, v: 9 },
        { k: 7, ts: 13, v: 1 },
        { k: "c", ts: 14, v: 4 },
        { k: "s", ts: 15, v: "d" },
        { k: 7, ts: 25, v: 8 },
      ];
      const rs = await readAll(
        stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.k).window(sliding(20, 10))
          .aggregate({ n: count(), lo: min((e: S) => e.v as number), hi: max((e: S) => e.v as number) }),
      );
      // each window's keys: those of its first slice in the order they came, then the second slice's new ones
      assertEquals(brief(rs), [
        '7[-10,10)={"n":1,"lo":5,"hi":5}',
        'b[-10,10)={"n":1,"lo":3,"hi":3}',
        's[-10,10)={"n":1,"lo":"m","hi":"m"}',
        '7[0,20)={"n":2,"lo":1,"hi":5}',
        'b[0,20)={"n":2,"lo":3,"hi":9}',
        's[0,20)={"n":2,"lo":"d","hi":"m"}',
        'c[0,20)={"n":1,"lo":4,"hi":4}',
        'b[10,30)={"n":1,"lo":9,"hi":9}',
        '7[10,30)={"n":2,"lo":1,"hi":8}',
        'c[10,30)={"n":1,"lo":4,"hi":4}',
        's[10,30)={"n":1,"lo":"d","hi":"d"}',
        '7[20,40)={"n":1,"lo":8,"hi":8}',
      ]);
      assertEquals(rs.map((r) => r.pane.timing), rs.map(() => "on-time"));
    },
  },
  {
    name: "allowed lateness with integer keys: on-time panes, a late pane per late element, one final pane at EOW+GC",
    async run() {
      // The general engine (allowed lateness), keys kept in an array by key, timers of one time together.
      // ReduceFnRunner/PaneInfoTracker: [0,10) fires on time at W=11 for keys 1 then 2 (in the order their
      // windows were opened), not final (GC at 20); t=3 of key 2 comes late within lateness: a late pane of
      // what is new (discarding), index 1; at W=25 [0,10) is collected with nothing new (no pane) and
      // [10,20) fires on time; t=4 is then droppable; the end of input passes [20,30)'s end and GC at once:
      // one on-time pane, final (testFixedWindowsEowAndGcTogether).
      type K = { k: number; ts: number };
      const late: number[] = [];
      const rs = await readAll(
        stream<K>([{ k: 1, ts: 1 }, { k: 2, ts: 2 }, { k: 1, ts: 11 }, { k: 2, ts: 3 }, { k: 1, ts: 25 }, {
          k: 1,
          ts: 4,
        }])
          .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.k)
          .window(tumbling(10), { allowedLateness: 10, onLate: (e) => void late.push(e.ts) }).aggregate(count()),
      );
      assertEquals(
        rs.map((
          r,
        ) => [brief([r])[0], r.pane.index, r.pane.nonSpeculativeIndex, r.pane.timing, r.pane.isFirst, r.pane.isFinal]),
        [
          ["1[0,10)=1", 0, 0, "on-time", true, false],
          ["2[0,10)=1", 0, 0, "on-time", true, false],
          ["2[0,10)=1", 1, 1, "late", false, false],
          ["1[10,20)=1", 0, 0, "on-time", true, false],
          ["1[20,30)=1", 0, 0, "on-time", true, true],
        ],
      );
      assertEquals(late, [4]);
    },
  },
] satisfies Scenario[];

/**
 * 5,000 keys with two events each in [0, 10) (in one session each, under session(3)), then one at 25
 * that closes them: one watermark fires more results than a window step hands on at once.
 */
async function manyKeysAtOnce(assigner: ReturnType<typeof tumbling> | ReturnType<typeof session>): Promise<void> {
  const keys = 5_000;
  const input: E[] = [];
  for (let i = 0; i < keys; i++) input.push(at(1, i, `k${i}`), at(3, 1, `k${i}`));
  input.push(at(25, 1, "last"));
  const windowed = (chunkSize?: number) =>
    stream(input, chunkSize === undefined ? {} : { chunkSize }).withEventTime((e) => e.ts, { maxOutOfOrderness: 5 })
      .keyBy((e) => e.k!).window(assigner).aggregate({ n: count(), total: sum((e: E) => e.v!) });
  const collected = (await windowed().toArray()).map((r) => `${r.key}=${r.value.n}/${r.value.total}`);
  assertEquals(collected.length, keys + 1);
  assertEquals(new Set(collected).size, keys + 1);
  for (const i of [0, 1, 4_095, 4_096, keys - 1]) assertEquals(collected.includes(`k${i}=2/${i + 1}`), true);
  const delivered: string[] = [];
  await windowed().forEach((r) => void delivered.push(`${r.key}=${r.value.n}/${r.value.total}`));
  assertEquals(delivered, collected);
  // the same results whatever the chunking, also windowed again by a later step
  const again = (chunkSize?: number) =>
    windowed(chunkSize).window(tumbling(100)).aggregate({ windows: count(), events: sum((r) => r.value.n) })
      .toArray();
  const whole = await again();
  assertEquals(whole.map((r) => [r.window.start, r.value]), [[0, { windows: keys + 1, events: 2 * keys + 1 }]]);
  assertEquals(await again(7), whole);
  // the callback throws at the 4,000th result: the job stops, with that error, and calls it no more
  let calls = 0;
  await assertRejects(
    () =>
      windowed().forEach(() => {
        if (++calls === 4_000) throw new RangeError("enough");
      }),
    RangeError,
    "enough",
  );
  assertEquals(calls, 4_000);
  // a later step throws at the 4,000th result: the job fails with that step's error, not the window's
  let mapped = 0;
  const failure = await windowed().map((r) => {
    if (++mapped === 4_000) throw new RangeError("map failed");
    return r;
  }).toArray().then(() => null, (e) => e);
  assertEquals(failure instanceof StepError ? [failure.step, (failure.cause as Error).message] : failure, [
    "map #1",
    "map failed",
  ]);
}
