/// <reference types="node" />
// fileSink throughput: RESULTS window results (100 keys, a minute window each 100 results) written
//   - straight into the sink's writer (no job), NDJSON and CSV, hour partitions, committed on close;
//   - by a checkpointed job (one result per event) into fileSink, and into a WritableStream that drops
//     them, with a checkpoint every 1 000 and 10 000 events: the difference is what writing, fsyncing and
//     committing part files costs, checkpoints included.
// Variants are interleaved in every rep; the best of the reps is reported.
//
// Run: npx tsx bench/file_sink.ts [--results 200000] [--reps 3]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, MemoryStateStore, stream, tumbling } from "../mod.ts";
import { fileSink } from "../adapters/fs/mod.ts";
import { intArg } from "./_data.ts";

const RESULTS = intArg("results", 200_000);
const REPS = intArg("reps", 3);

const results = Array.from({ length: RESULTS }, (_, i) => {
  const start = Math.floor(i / 100) * 60_000;
  return {
    key: `u${i % 100}`,
    window: { start, end: start + 60_000 },
    value: { n: i % 17, total: i * 3 },
    timestamp: start + 59_999,
    pane: { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true },
  };
});
const events = Array.from({ length: RESULTS / 2 }, (_, i) => ({ k: `k${i % 10}`, ts: i }));

async function inDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bench-sink-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const variants: Record<string, () => Promise<number>> = {};
for (const format of ["ndjson", "csv"] as const) {
  variants[`sink writer, ${format}, ${RESULTS} results`] = () =>
    inDir(async (dir) => {
      const w = fileSink(dir, { format }).getWriter();
      for (const r of results) await w.write(r);
      await w.close();
      return RESULTS;
    });
}
for (const every of [1_000, 10_000]) {
  for (const sink of ["fileSink", "discarding WritableStream"] as const) {
    variants[`job, ${events.length} results, checkpoint every ${every} events, ${sink}`] = () =>
      inDir(async (dir) => {
        await stream(events)
          .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
          .keyBy((e) => e.k)
          .window(tumbling(1))
          .aggregate(count())
          .checkpoint({ store: new MemoryStateStore(), id: "bench", every: { events: every } })
          .pipeTo(sink === "fileSink" ? fileSink(dir) : new WritableStream());
        return events.length;
      });
  }
}

const best = new Map<string, number>();
for (let rep = 0; rep < REPS; rep++) {
  for (const [name, run] of Object.entries(variants)) {
    const started = performance.now();
    await run();
    const ms = performance.now() - started;
    best.set(name, Math.min(best.get(name) ?? Infinity, ms));
  }
}
for (const [name, ms] of best) {
  const n = name.startsWith("sink") ? RESULTS : events.length;
  console.log(`${name}: ${Math.round(ms)} ms, ${Math.round((n / ms) * 1000).toLocaleString("en")} results/s`);
}
