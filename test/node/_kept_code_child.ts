/// <reference types="node" />
// Child process of kept_code.test.ts, started with node --expose-gc --trace-deopt: runs the same job
// (module-level functions, as an application that builds its pipeline once has them) a few times per
// window engine with a full garbage collection before each, printing a marker line once every engine
// has run twice. V8's deopt trace after the marker must name no weir function thrown away for "weak
// objects" (a hidden class or an inlined function that died between two jobs: src/operators/shapes.ts).
import process from "node:process";
import { count, session, sliding, stream, sum, tumbling, type WindowAssigner } from "../../mod.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

interface Ev {
  key: number;
  ts: number;
  value: number;
}

const events: Ev[] = [];
for (let i = 0; i < 60_000; i++) {
  events.push({ key: (i * 7919) % 500, ts: 1_700_000_000_000 + i * 10, value: i % 1000 });
}

const time = (e: Ev) => e.ts;
const key = (e: Ev) => e.key;
const value = (e: Ev) => e.value;
let total = 0;
const consume = (r: { value: { n: number } }) => {
  total += r.value.n;
};

const keep = (e: Ev) => e.value >= 0;
const same = (e: Ev) => e;

/**
 * A job with or without stateless steps (filter and map: a StatelessOperator) before event time,
 * its results taken by forEach, or pulled by `for await` (in compact form: compact_results.ts).
 */
async function job(assigner: WindowAssigner, steps: boolean, pull: boolean): Promise<void> {
  const input = steps ? stream(events).filter(keep).map(same) : stream(events);
  const results = input
    .withEventTime(time, { maxOutOfOrderness: 1_000 })
    .keyBy(key)
    .window(assigner)
    .aggregate({ n: count(), total: sum(value) });
  if (!pull) await results.forEach(consume);
  else for await (const r of results) consume(r);
}

// (count and sum: a column kernel in all three engines; the combiners' own functions are closures
// made per aggregate(), which the paths without a kernel inline: those still die with their job)
const assigners = [tumbling(10_000), sliding(60_000, 10_000), session(5_000)];
for (let round = 0; round < 8; round++) {
  if (round === 2) process.stdout.write("--- warmed up\n");
  for (const a of assigners) {
    for (const [steps, pull] of [[false, false], [true, false], [false, true]]) {
      gc();
      await job(a, steps!, pull!);
    }
  }
}
if (total === 0) throw new Error("the jobs produced nothing");
process.stdout.write("--- done\n");
