/// <reference types="node" />
// Child process of released_after_job.test.ts (needs node --expose-gc): runs one job per window engine
// whose user functions (filter, map, event time, key, selector, onLate, the consumer) all hold one
// large object, lets the job end, collects garbage, and prints, per engine, whether the object is still alive as
// JSON: {"sliced": false, "session": false, "general": false}. weir keeps one blank object of each
// class of an engine's hot path alive between jobs (src/operators/shapes.ts); none may hold a job's
// functions or what they hold.
import process from "node:process";
import { afterCount, count, repeatedly, session, stream, sum, tumbling, type WindowAssigner } from "../../mod.ts";
import type { TriggerSpec } from "../../src/trigger/trigger.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

interface Ev {
  key: number;
  ts: number;
  value: number;
}

/** Runs a job whose functions all hold a fresh large object; returns a WeakRef to it. */
async function job(assigner: WindowAssigner, trigger?: TriggerSpec): Promise<WeakRef<object>> {
  const big = { payload: new Float64Array(1 << 20) };
  const events: Ev[] = [];
  for (let i = 0; i < 2_000; i++) events.push({ key: i % 7, ts: i * 100, value: i });
  // out of order beyond the bound: some are late, so onLate runs too
  events.push({ key: 1, ts: 0, value: 1 });
  let n = 0;
  await stream(events)
    .filter((e) => e.value + big.payload[5]! >= 0)
    .map((e) => (big.payload[6] === 0 ? e : e))
    .withEventTime((e) => e.ts + big.payload[0]!, { maxOutOfOrderness: 1_000 })
    .keyBy((e) => e.key + big.payload[1]!)
    .window(assigner, {
      ...(trigger === undefined ? {} : { trigger, accumulation: "discarding" as const }),
      onLate: () => {
        n += big.payload[2]!;
      },
    })
    .aggregate({ n: count(), total: sum((e: Ev) => e.value + big.payload[3]!) })
    .forEach((r) => {
      n += r.value.n + big.payload[4]!;
    });
  if (n === 0) throw new Error("the job produced nothing");
  return new WeakRef(big);
}

const refs = {
  sliced: await job(tumbling(1_000)),
  session: await job(session(500)),
  general: await job(tumbling(1_000), repeatedly(afterCount(10))),
};
// A WeakRef's target stays alive until the current job (microtask run) ends: collect in a later task.
await new Promise((resolve) => setTimeout(resolve, 10));
gc();
await new Promise((resolve) => setTimeout(resolve, 10));
gc();
process.stdout.write(
  JSON.stringify(Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, r.deref() !== undefined]))) + "\n",
);
