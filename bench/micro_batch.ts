/// <reference types="node" />
// Micro-batch interval against latency and throughput (issue 12): stream(input, { batch: { maxMs } })
// for maxMs 0, 10, 100, 1000 (and no batching).
// - Latency: a producer emits 20 events every millisecond (20k ev/s) from an async generator; each
//   result (global window, one pane per bundle: repeatedly(afterCount(1))) reports the oldest event
//   it covers; latency is the wall time from the creation of the oldest event in the pane (the one
//   that waited longest) to the result.
// - Throughput: the same pipeline over an async generator that yields as fast as it can, CPU time.
//
// Run: npx tsx bench/micro_batch.ts [--seconds 2] [--events 500000]
import { afterCount, count, global, min, repeatedly, stream } from "../mod.ts";
import { intArg } from "./_data.ts";

const SECONDS = intArg("seconds", 2);
const EVENTS = intArg("events", 500_000);
const PER_MS = 20;

interface Ev {
  sent: number;
  ts: number;
}

async function* paced(ms: number): AsyncGenerator<Ev> {
  const end = performance.now() + ms;
  let ts = 0;
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 1));
    const sent = performance.now();
    for (let i = 0; i < PER_MS; i++) yield { sent, ts: ts++ };
  }
}

async function* flood(n: number): AsyncGenerator<Ev> {
  for (let i = 0; i < n; i++) yield { sent: 0, ts: i };
}

const pipeline = (input: AsyncIterable<Ev>, batch: { maxMs: number } | undefined) =>
  stream(input, batch === undefined ? {} : { batch })
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
    .window(global(), { trigger: repeatedly(afterCount(1)) })
    .aggregate({ n: count(), oldest: min((e: Ev) => e.sent) });

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

console.log(
  `micro-batch interval: latency at ${PER_MS * 1000} ev/s for ${SECONDS} s, throughput over ${EVENTS} events`,
);
console.log("  maxMs        panes   events/pane   p50 ms   p99 ms   max ms   throughput (CPU)");
for (const maxMs of [undefined, 0, 10, 100, 1000]) {
  const latencies: number[] = [];
  let panes = 0, events = 0;
  await pipeline(paced(SECONDS * 1000), maxMs === undefined ? undefined : { maxMs }).forEach((r) => {
    if (r.pane.timing !== "early") return;
    panes++;
    events += r.value.n;
    if (r.value.oldest !== undefined) latencies.push(performance.now() - r.value.oldest);
  });
  latencies.sort((a, b) => a - b);
  const c0 = process.cpuUsage();
  await pipeline(flood(EVENTS), maxMs === undefined ? undefined : { maxMs }).forEach(() => {});
  const cpu = process.cpuUsage(c0);
  const rate = EVENTS / ((cpu.user + cpu.system) / 1e6);
  console.log(
    `  ${String(maxMs ?? "none").padEnd(8)} ${String(panes).padStart(9)} ${
      (events / Math.max(1, panes)).toFixed(1).padStart(13)
    } ${pct(latencies, 0.5).toFixed(1).padStart(8)} ${pct(latencies, 0.99).toFixed(1).padStart(8)} ${
      latencies[latencies.length - 1]!.toFixed(1).padStart(8)
    }   ${(rate / 1e6).toFixed(2)}M ev/s`,
  );
}
