// withEventTime right before a sliced or session window step hands its batches on with a
// TimeAssignment (Batch.time): the window step reads event time itself, in the same pass. The same
// pipeline with a step between them (a map, which stops the fusion) runs the two passes: results,
// late and invalid elements, statistics and errors must be the same.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { count, session, sliding, stream, sum, tumbling, type WindowAssigner } from "../../mod.ts";
import { StepError } from "../../src/errors.ts";
import { SlicedWindowOperator } from "../../src/operators/sliced_window_operator.ts";

type Ev = { k: string; ts: unknown; v: number };

const assigners: [string, WindowAssigner][] = [
  ["tumbling", tumbling(40)],
  ["sliding", sliding(60, 20)],
  ["session", session(15)],
];

/** Event times: mostly valid numbers (some as Dates), some missing, not finite, or before minEventTime. */
const time = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 500 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 500 }).map((t) => new Date(t)) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, undefined, "12", -50) },
);

async function run(
  input: Ev[],
  chunkSize: number,
  a: WindowAssigner,
  fused: boolean,
): Promise<{ results: string[]; invalid: string[]; late: string[]; stats: unknown }> {
  const invalid: string[] = [], late: string[] = [];
  const timed = stream(input, { chunkSize }).withEventTime((e) => e.ts as number, {
    maxOutOfOrderness: 30,
    minEventTime: 0,
    onInvalid: (e, info) => void invalid.push(`${e.k}:${info.reason}`),
  });
  const windowed = (fused ? timed : timed.map((e) => e)).keyBy((e) => e.k).window(a, {
    onLate: (e) => void late.push(`${e.k}:${String(e.ts)}`),
  }).aggregate({ n: count(), s: sum((e: Ev) => e.v) });
  const job = windowed.run();
  const results: string[] = [];
  for await (const r of job) {
    results.push(`${r.key}[${r.window.start},${r.window.end})=${r.value.n}/${r.value.s}@${r.timestamp}`);
  }
  const { elementsIn, watermark, maxEventTime, invalidElements, lateElements, openWindows } = job.stats();
  return {
    results,
    invalid,
    late,
    stats: { elementsIn, watermark, maxEventTime, invalidElements, lateElements, openWindows },
  };
}

describe("withEventTime fused with the window step", () => {
  it("is fused only when the window step follows it directly", async () => {
    const seen: boolean[] = [];
    const data = SlicedWindowOperator.prototype.data;
    SlicedWindowOperator.prototype.data = function (batch, out) {
      seen.push(batch.time !== undefined);
      return data.call(this, batch, out);
    };
    try {
      const timed = stream([{ ts: 1 }, { ts: 12 }]).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 });
      expect(await timed.window(tumbling(10)).aggregate(count()).toArray()).toHaveLength(2);
      expect(seen).toEqual([true]);
      seen.length = 0;
      expect(await timed.map((e) => e).window(tumbling(10)).aggregate(count()).toArray()).toHaveLength(2);
      expect(seen).toEqual([false]);
    } finally {
      SlicedWindowOperator.prototype.data = data;
    }
  });

  for (const [name, a] of assigners) {
    it(`${name}: one pass gives the results, late and invalid elements and statistics of two`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ k: fc.constantFrom("a", "b", "c"), ts: time, v: fc.integer({ min: -5, max: 5 }) }), {
            maxLength: 80,
          }),
          fc.integer({ min: 1, max: 20 }),
          async (input, chunkSize) => {
            const one = await run(input, chunkSize, a, true);
            const two = await run(input, chunkSize, a, false);
            expect(one).toEqual(two);
          },
        ),
        { numRuns: 120 },
      );
    });
  }

  it("an event-time function that throws fails the job naming withEventTime, in one pass as in two", async () => {
    for (const fused of [true, false]) {
      const timed = stream([{ ts: 1 }, { ts: 2 }, { ts: -1 }]).withEventTime((e) => {
        if (e.ts < 0) throw new RangeError("no time");
        return e.ts;
      }, { maxOutOfOrderness: 0 });
      const error = await (fused ? timed : timed.map((e) => e)).window(tumbling(10)).aggregate(count()).toArray()
        .then(() => null, (e) => e);
      expect(error).toBeInstanceOf(StepError);
      expect((error as StepError).step).toBe("withEventTime #1");
      expect(((error as StepError).cause as Error).message).toBe("no time");
    }
  });

  it("an invalid event time without onInvalid fails with its index, in one pass as in two", async () => {
    const messages: string[] = [];
    for (const fused of [true, false]) {
      const timed = stream([{ ts: 1 }, { ts: 2 }, { ts: 3 }, { ts: NaN }], { chunkSize: 3 })
        .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 });
      const error = await (fused ? timed : timed.map((e) => e)).window(tumbling(10)).aggregate(count()).toArray()
        .then(() => null, (e) => e);
      messages.push((error as Error).message);
    }
    expect(messages[0]).toContain("element #3");
    expect(messages[0]).toBe(messages[1]);
  });
});
