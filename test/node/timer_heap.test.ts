// The general engine's event-time timers (src/operators/_timer_heap.ts): buckets per time in a heap
// must pop exactly as a list ordered by (time, order of scheduling) does, with rescheduled and
// cancelled timers skipped, whatever is scheduled while timers are being popped.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimerHeap } from "../../src/operators/_timer_heap.ts";

interface Target {
  id: number;
  timerGen: number;
}

/** The reference: every timer scheduled, in order; a target's latest one is its only valid one. */
class Model {
  entries: { time: number; seq: number; target: Target; gen: number }[] = [];
  seq = 0;
  schedule(target: Target, time: number, gen: number) {
    this.entries.push({ time, seq: this.seq++, target, gen });
  }
  #valid() {
    return this.entries.filter((e) => e.gen === e.target.timerGen)
      .sort((a, b) => a.time - b.time || a.seq - b.seq);
  }
  nextTime(): number {
    return this.#valid()[0]?.time ?? Infinity;
  }
  popDue(limit: number): Target | undefined {
    const first = this.#valid()[0];
    if (first === undefined || !(first.time <= limit)) return undefined;
    this.entries.splice(this.entries.indexOf(first), 1);
    return first.target;
  }
}

type Op =
  | { op: "schedule"; target: number; time: number }
  | { op: "cancel"; target: number }
  | { op: "pop"; limit: number; reschedule: number | null }
  | { op: "next" }
  | { op: "clear" };

const ops = fc.array(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("schedule" as const),
        target: fc.nat(5),
        time: fc.integer({ min: 0, max: 8 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("cancel" as const), target: fc.nat(5) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant("pop" as const),
        limit: fc.integer({ min: -1, max: 9 }),
        // a popped target scheduled again at this time, as the engine does for a window that grew
        reschedule: fc.option(fc.integer({ min: 0, max: 8 })),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: "next" as const }) },
    { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
  ),
  { maxLength: 60 },
) as fc.Arbitrary<Op[]>;

describe("TimerHeap", () => {
  it("pops valid timers in (time, scheduling order), skipping replaced and cancelled ones", () => {
    fc.assert(
      fc.property(ops, (list) => {
        const heap = new TimerHeap<Target>();
        let model = new Model();
        const targets = Array.from({ length: 6 }, (_, id) => ({ id, timerGen: 0 }));
        const schedule = (t: Target, time: number) => {
          heap.schedule(t, time);
          model.schedule(t, time, t.timerGen);
        };
        for (const o of list) {
          if (o.op === "schedule") schedule(targets[o.target]!, o.time);
          else if (o.op === "cancel") heap.cancel(targets[o.target]!);
          else if (o.op === "next") expect(heap.nextTime()).toBe(model.nextTime());
          else if (o.op === "clear") {
            heap.clear();
            model = new Model();
          } else {
            const got = heap.popDue(o.limit);
            expect(got?.id).toBe(model.popDue(o.limit)?.id);
            if (got !== undefined && o.reschedule !== null) schedule(got, o.reschedule);
          }
        }
        // drained to the end, in order
        for (;;) {
          const got = heap.popDue(Infinity);
          expect(got?.id).toBe(model.popDue(Infinity)?.id);
          if (got === undefined) break;
        }
        expect(heap.nextTime()).toBe(Infinity);
      }),
      { numRuns: 500 },
    );
  });
});
