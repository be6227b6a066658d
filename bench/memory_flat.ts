/// <reference types="node" />
// A long run with rolling windows, streamed from a generator (never materialized): memory in use (the
// heap and array buffers: usedMemory) after a full GC every --sample events. Windows fire and expire
// all the time, so once the first windows have fired it must stay flat: after windows fire and
// expire, their state is gone.
//
// Run: npx tsx --expose-gc bench/memory_flat.ts [--events 20000000] [--sample 1000000]
//        [--assigner tumbling|sliding|session]
import { count, session, sliding, stream, sum, tumbling, type WindowAssigner } from "../mod.ts";
import { type BenchEvent, burstyEvents, intArg, settledMemory, stringArg, uniformEvents } from "./_data.ts";

const N = intArg("events", 20_000_000);
const SAMPLE = intArg("sample", 1_000_000);
const KIND = stringArg("assigner", "tumbling");
/** Largest allowed max/min ratio of the heap samples taken after the first windows fired. */
const FLAT = 1.2;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("memory_flat needs gc(): run it with --expose-gc (npx tsx --expose-gc bench/memory_flat.ts)");
  process.exit(2);
}

const assigners: Record<string, [WindowAssigner, (n: number) => Generator<BenchEvent>, string]> = {
  tumbling: [tumbling(10_000), (n) => uniformEvents(n), "tumbling 10 s"],
  sliding: [sliding(60_000, 10_000), (n) => uniformEvents(n), "sliding 60 s / 10 s"],
  session: [session(30_000), (n) => burstyEvents(n), "30 s sessions over bursty keys"],
};
const chosen = assigners[KIND];
if (chosen === undefined) {
  throw new RangeError(`--assigner must be one of ${Object.keys(assigners).join(", ")}: current value is ${KIND}`);
}
const [assigner, generate, label] = chosen;

interface Sample {
  events: number;
  heap: number;
  fired: number;
}
const samples: Sample[] = [];
let fired = 0;

function heapAfterGc(): number {
  return settledMemory(gc!);
}

function* sampled(events: Iterable<BenchEvent>): Generator<BenchEvent> {
  let i = 0;
  for (const e of events) {
    if (i % SAMPLE === 0) samples.push({ events: i, heap: heapAfterGc(), fired });
    i++;
    yield e;
  }
  samples.push({ events: i, heap: heapAfterGc(), fired });
}

console.log(
  `weir memory over a long run: ${N.toLocaleString("en")} events from a generator, ${label}, count + sum, 1000 keys`,
);
const started = performance.now();
let total = 0;
const results = stream(sampled(generate(N)))
  .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
  .keyBy((e) => e.key)
  .window(assigner)
  .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) });
for await (const r of results) {
  fired++;
  total += r.value.n;
}
const seconds = (performance.now() - started) / 1000;
const expected = KIND === "sliding" ? 6 * N : N;
if (total !== expected) throw new Error(`the windows counted ${total} events, expected ${expected}`);

const mb = (b: number) => (b / 1048576).toFixed(2);
console.log(
  `${fired.toLocaleString("en")} windows fired in ${seconds.toFixed(1)} s (including ${samples.length} forced GCs)\n`,
);
console.log("      events   memory (MB)     windows fired");
for (const s of samples) {
  console.log(
    `${s.events.toLocaleString("en").padStart(12)}   ${mb(s.heap).padStart(13)}   ${
      s.fired.toLocaleString("en").padStart(13)
    }`,
  );
}
// The first sample is taken before any state exists; the steady state starts once windows fire.
const steady = samples.filter((s) => s.fired > 0);
if (steady.length < 2) {
  console.log("\ntoo few samples after the first firing to judge flatness: use more --events or a smaller --sample");
} else {
  const heaps = steady.map((s) => s.heap);
  const max = Math.max(...heaps), min = Math.min(...heaps);
  const ratio = max / min;
  const verdict = ratio <= FLAT ? "flat" : "NOT FLAT";
  // Least-squares slope: a small steady leak shows as a positive trend even while max/min stays low.
  const xs = steady.map((s) => s.events / 1e6);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = heaps.reduce((a, b) => a + b, 0) / heaps.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (heaps[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  console.log(
    `\nsteady state (${steady.length} samples after the first firing): min ${mb(min)} MB, max ${
      mb(max)
    } MB, max/min = ${ratio.toFixed(3)} -> ${verdict} (limit ${FLAT})`,
  );
  console.log(`trend: ${(sxy / sxx / 1024).toFixed(1)} KB per million events (least-squares slope)`);
  if (ratio > FLAT) process.exitCode = 1;
}
