// What a user sees when their own code fails inside a step, or when input breaks a documented bound.
import {
  consoleSink,
  count,
  distinctCount,
  MemoryStateStore,
  NdjsonDecoderStream,
  NdjsonEncoderStream,
  quantiles,
  session,
  sliding,
  StepError,
  storeSink,
  stream,
  sum,
  topK,
  tumbling,
  WeirError,
} from "../../mod.ts";
import type { Combiner } from "../../src/aggregate/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import type { Scenario } from "./_scenario.ts";

type E = { k: string; ts: number; v: number };
const events: E[] = [{ k: "a", ts: 1, v: 1 }, { k: "b", ts: 2, v: 2 }, { k: "a", ts: 12, v: 3 }];
const boom = new RangeError("boom");

/** The StepError a run rejects with. */
async function stepError(run: () => Promise<unknown>): Promise<StepError> {
  const e = await run().then(() => null, (x) => x);
  assert(e instanceof StepError, `expected a StepError, got ${String(e)}`);
  assert(e instanceof WeirError);
  return e;
}

export default [
  {
    name: "an exception in map, filter or flatMap names the step and the element, with the cause",
    async run() {
      const e = await stepError(() =>
        stream(events).map((x) => x).filter((x) => {
          if (x.k === "b") throw boom;
          return true;
        }).toArray()
      );
      assertEquals(e.step, "filter #1");
      assertEquals(e.cause, boom);
      assert(e.message.includes('"k":"b"'), e.message);
      const m = await stepError(() =>
        stream(events).map((x) => x.v).map((v) => {
          if (v === 3) throw boom;
          return v;
        }).toArray()
      );
      assertEquals(m.step, "map #2");
      const f = await stepError(() => stream(events).flatMap((x) => (x.k === "a" ? [x] : null as never)).toArray());
      assertEquals(f.step, "flatMap #1");
      assert(f.cause instanceof TypeError && f.cause.message.includes("must return an iterable"), f.message);
    },
  },
  {
    name: "a map that returns a Promise is refused with what to do instead",
    async run() {
      const e = await stepError(() => stream([1]).map((n) => Promise.resolve(n * 2)).toArray());
      assertEquals(e.step, "map #1");
      assert(e.cause instanceof TypeError && e.cause.message.includes("returned a Promise"), e.message);
    },
  },
  {
    name: "exceptions in the event-time getter, keyBy, a combiner and onLate each name their step",
    async run() {
      const timed = () => stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 });
      const t = await stepError(() =>
        stream(events).withEventTime((e) => {
          if (e.k === "b") throw boom;
          return e.ts;
        }, { maxOutOfOrderness: 0 }).toArray()
      );
      assertEquals(t.step, "withEventTime #1");
      for (const assigner of [tumbling(10), session(5)]) {
        const k = await stepError(() =>
          timed().keyBy((e) => {
            if (e.k === "b") throw boom;
            return e.k;
          }).window(assigner).aggregate(count()).toArray()
        );
        assertEquals(k.step, "keyBy #1");
        assert(k.message.includes('"k":"b"'), k.message);
        const failing: Combiner<E, number, number> = {
          create: () => 0,
          add: (acc, e) => {
            if (e.v === 2) throw boom;
            return acc + e.v;
          },
          merge: (a, b) => a + b,
          result: (a) => a,
        };
        const c = await stepError(() =>
          timed().keyBy((e) => e.k).window(assigner).aggregate({ n: count(), bad: failing }).toArray()
        );
        assertEquals(c.step, "aggregate #1");
        const result = {
          ...sum((e: E) => e.v),
          result: (): number => {
            throw boom;
          },
        };
        const r = await stepError(() => timed().window(assigner).aggregate(result).toArray());
        assertEquals(r.step, "aggregate #1");
        assert(r.message.includes("while firing a window"), r.message);
      }
      const late = await stepError(() =>
        stream([{ k: "a", ts: 20, v: 1 }, { k: "a", ts: 1, v: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
          .window(tumbling(10), {
            onLate: () => {
              throw boom;
            },
          }).aggregate(count()).toArray()
      );
      assertEquals(late.step, "onLate of window #1");
    },
  },
  {
    name: "withEventTime drops event times beyond maxFutureSkew or before minEventTime to onInvalid",
    async run() {
      // The job's clock is the wall clock: an event a year ahead is refused, one at now is kept.
      const now = Date.now();
      const invalid: string[] = [];
      const rs = await stream([{ ts: now }, { ts: now + 365 * 86_400_000 }, { ts: 1e300 }, { ts: 946_684_799_999 }])
        .withEventTime((e) => e.ts, {
          maxOutOfOrderness: 0,
          maxFutureSkew: 86_400_000,
          minEventTime: 946_684_800_000,
          onInvalid: (_e, info) => void invalid.push(info.reason.replace(/\d{6,}/g, "N")),
        }).window(tumbling(1_000)).aggregate(count()).toArray();
      assertEquals(rs.map((r) => r.value), [1]);
      assertEquals(invalid, [
        "event time is N, more than maxFutureSkew (N ms) ahead of processing time N",
        "event time is 1e+300, more than maxFutureSkew (N ms) ahead of processing time N",
        "event time is N, before minEventTime (N)",
      ]);
      await assertRejects(
        () => stream([{ ts: 1 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0, maxFutureSkew: -1 }).toArray(),
        RangeError,
        "maxFutureSkew",
      );
    },
  },
  {
    name:
      "a misspelled option of an assigner, a combiner, an NDJSON stream or a sink is a TypeError naming the closest valid one",
    run() {
      const bad = <T>(f: () => T, hint: string) => {
        const e = (() => {
          try {
            f();
            return null;
          } catch (x) {
            return x;
          }
        })();
        assert(
          e instanceof TypeError && e.message.includes(hint),
          `expected a TypeError with ${hint}, got ${String(e)}`,
        );
      };
      bad(() => tumbling(10, { ofset: 1 } as never), 'did you mean "offset"?');
      bad(() => sliding(10, 5, { offsett: 1 } as never), 'did you mean "offset"?');
      bad(() => distinctCount(undefined, { precison: 12 } as never), 'did you mean "precision"?');
      bad(() => quantiles(0.5, undefined, { acuracy: 0.1 } as never), 'did you mean "accuracy"?');
      bad(() => topK(3, undefined, { capasity: 64 } as never), 'did you mean "capacity"?');
      bad(() => new NdjsonDecoderStream({ maxLineByte: 10 } as never), 'did you mean "maxLineBytes"?');
      bad(() => new NdjsonEncoderStream({ replacr: null } as never), 'did you mean "replacer"?');
      bad(() => consoleSink({ numRow: 3 } as never), 'did you mean "numRows"?');
      bad(() => storeSink({ store: new MemoryStateStore(), jobs: "j" } as never), 'did you mean "job"?');
    },
  },
  {
    name: "running a stream twice over input that can be read once says what to do",
    async run() {
      const readable = new ReadableStream<number>({
        start(c) {
          c.enqueue(1);
          c.close();
        },
      });
      const fromReadable = stream(readable);
      assertEquals(await fromReadable.toArray(), [1]);
      await assertRejects(() => fromReadable.toArray(), TypeError, "Pass an array or a replayable weir Source");
      async function* gen() {
        yield 1;
      }
      const fromGenerator = stream(gen());
      assertEquals(await fromGenerator.toArray(), [1]);
      await assertRejects(() => fromGenerator.toArray(), TypeError, "was read by an earlier run");
      const fromArray = stream([1, 2]);
      assertEquals([await fromArray.toArray(), await fromArray.toArray()], [[1, 2], [1, 2]]);
    },
  },
] satisfies Scenario[];
