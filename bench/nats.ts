/// <reference types="node" />
// Scale-out on NATS JetStream (issue 13): what the JetStream source and sink cost per event compared with
// the in-process pipeline, and the throughput of 1, 2 and 3 worker processes over a 12-partition job.
// Starts its own nats-server (Debian's, through the test harness) on 127.0.0.1 and stops it.
//
//   npx tsx bench/nats.ts [--events 60000]
//   (BENCH_WORKERS=1,3 picks the worker counts; BENCH_TRACE=1 prints the result count every second)
//
// Workers are test/node/_nats_worker_child.ts (the job of nats_worker.test.ts: tumbling 1 s windows with
// allowed lateness, count + sum per key, checkpoints every 150 ms into NATS KV), bundled once with esbuild.
// Each worker run reads a backlog published beforehand, ended by an in-band Infinity watermark; its time
// runs from the moment every worker owns its partitions to the moment the last result is in the result
// stream. On a 2-core machine shared by nats-server, the workers and this process, more workers cannot
// mean more cores: the numbers show the overhead per event, and where the limit would be.
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { jetStreamSink } from "../adapters/nats/jetstream_sink.ts";
import { jetStreamSource, publishEvents, publishWatermark } from "../adapters/nats/jetstream_source.ts";
import { partitionOf } from "../adapters/nats/partition.ts";
import { runWorker } from "../adapters/nats/worker.ts";
import { type CheckpointInfo, stream, type WindowResult } from "../mod.ts";
import { startNats } from "../test/node/_nats_server.ts";
import {
  BUCKET,
  INPUT_PREFIX,
  INPUT_STREAM,
  PARTITIONS,
  RESULT_STREAM,
  resultSubject,
  type WorkerEvent,
  workerPipeline,
} from "../test/node/_nats_worker_child.ts";

const argIndex = process.argv.indexOf("--events");
const N = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 60_000;

function events(n: number): WorkerEvent[] {
  let x = 12345;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => ({
    key: `k${Math.floor(random() * 100)}`,
    ts: i + Math.floor(random() * 400) - 200,
    v: i % 7,
  }));
}

const fmt = (perSecond: number) => `${Math.round(perSecond).toLocaleString("en")}/s`;
const micros = (ms: number, n: number) => `${((ms * 1_000) / n).toFixed(1)} µs`;

const input = events(N);
const server = await startNats();
const nc = await connect({ servers: server.url });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: INPUT_STREAM, subjects: [`${INPUT_PREFIX}.>`] });
await jsm.streams.add({ name: RESULT_STREAM, subjects: ["res.>"], duplicate_window: nanos(600_000) });
await jsm.streams.add({ name: "RAW", subjects: ["raw.>"] });
console.log(`nats-server ${server.url}, ${N.toLocaleString("en")} events, ${PARTITIONS} partitions, 100 keys`);

// 1. The in-process pipeline over each partition's events (arrays), as a single process would run the job.
const byPartition = Array.from({ length: PARTITIONS }, () => [] as WorkerEvent[]);
for (const e of input) byPartition[partitionOf(e.key, PARTITIONS)]!.push(e);
let t = performance.now();
let results = 0;
for (const part of byPartition) results += (await workerPipeline(stream(part)).toArray()).length;
const inProcessMs = performance.now() - t;
console.log(
  `in-process pipeline:      ${fmt(N / (inProcessMs / 1_000))} events (${
    micros(inProcessMs, N)
  }/event), ${results} results`,
);

// 2. Publishing: publishEvents to the partition subjects (pipelined, every ack awaited).
t = performance.now();
await publishEvents(
  js,
  { prefix: INPUT_PREFIX, job: "src", partitions: PARTITIONS, key: (e: WorkerEvent) => e.key },
  input,
);
const publishMs = performance.now() - t;
console.log(`JetStream publish:        ${fmt(N / (publishMs / 1_000))} events (${micros(publishMs, N)}/event)`);

// 3. The source alone: every partition of the job read by one jetStreamSource, elements counted.
t = performance.now();
let read = 0;
const controller = new AbortController();
const it = jetStreamSource<WorkerEvent>({
  js,
  stream: INPUT_STREAM,
  prefix: INPUT_PREFIX,
  job: "src",
  partitions: [...Array(PARTITIONS).keys()],
}).open({ signal: controller.signal }) as AsyncIterator<{ type: string; values?: readonly unknown[] }>;
while (read < N) {
  const r = await it.next();
  if (!r.done && r.value.type === "elements") read += r.value.values!.length;
}
controller.abort();
await it.return?.();
const sourceMs = performance.now() - t;
console.log(`jetStreamSource read:     ${fmt(N / (sourceMs / 1_000))} events (${micros(sourceMs, N)}/event)`);

// 4. The sink alone: the in-process results published with their ids.
const allResults = [];
for (const part of byPartition) allResults.push(...await workerPipeline(stream(part)).toArray());
t = performance.now();
await stream(allResults).pipeTo(jetStreamSink({ js, subject: "raw.sink", job: "sink" }) as WritableStream<unknown>);
const sinkMs = performance.now() - t;
console.log(
  `jetStreamSink publish:    ${fmt(allResults.length / (sinkMs / 1_000))} results (${
    micros(sinkMs, allResults.length)
  }/result, ${micros(sinkMs, N)}/input event)`,
);

// 5. Worker processes: 1, 2, 3 over a published backlog.
await mkdir(fileURLToPath(new URL("../test-results/", import.meta.url)), { recursive: true });
const bundleDir = await mkdtemp(fileURLToPath(new URL("../test-results/bench-nats-", import.meta.url)));
const bundle = join(bundleDir, "child.mjs");
await build({
  entryPoints: [fileURLToPath(new URL("../test/node/_nats_worker_child.ts", import.meta.url))],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: bundle,
  external: ["@nats-io/*"],
  logLevel: "error",
});

function startWorker(job: string, index: number, count: number): { child: ChildProcess; started: Promise<void> } {
  const child = spawn(process.execPath, [bundle, server.url, job, String(index), String(count)], {
    env: { ...process.env, NATS_WORKER_CHILD: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("started") && resolve());
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { child, started };
}

async function resultCount(job: string): Promise<number> {
  const subject = resultSubject(job);
  const info = await jsm.streams.info(RESULT_STREAM, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

for (
  const [run, count] of (process.env.BENCH_WORKERS ?? "1,2,3").split(",").map(Number).filter((n) => n > 0).entries()
) {
  const job = `w${count}-${run}`;
  await publishEvents(js, { prefix: INPUT_PREFIX, job, partitions: PARTITIONS, key: (e: WorkerEvent) => e.key }, input);
  await publishWatermark(js, { prefix: INPUT_PREFIX, job, partitions: PARTITIONS }, Infinity);
  const workers = Array.from({ length: count }, (_, i) => startWorker(job, i, count));
  await Promise.all(workers.map((w) => w.started));
  const start = performance.now();
  const deadline = Date.now() + 300_000;
  while ((await resultCount(job)) < results) {
    if (process.env.BENCH_TRACE) console.log(Math.round(performance.now() - start), await resultCount(job));
    if (Date.now() > deadline) {
      throw new Error(`${job}: ${await resultCount(job)} of ${results} results after 5 minutes`);
    }
    await new Promise((resolve) => setTimeout(resolve, process.env.BENCH_TRACE ? 1_000 : 20));
  }
  const ms = performance.now() - start;
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => new Promise((resolve) => w.child.once("exit", resolve))));
  console.log(
    `${count} worker${count > 1 ? "s" : " "} (processes):    ${fmt(N / (ms / 1_000))} events (${micros(ms, N)}/event)`,
  );
}

// 6. Checkpoints into NATS KV: one in-process worker over the same backlog, every checkpoint measured.
{
  const job = "ckpt";
  await publishEvents(js, { prefix: INPUT_PREFIX, job, partitions: PARTITIONS, key: (e: WorkerEvent) => e.key }, input);
  await publishWatermark(js, { prefix: INPUT_PREFIX, job, partitions: PARTITIONS }, Infinity);
  const checkpoints: CheckpointInfo[] = [];
  let out = 0;
  const worker = await runWorker<WorkerEvent, WindowResult<string, { n: number; total: number }>>({
    nc,
    job,
    stream: INPUT_STREAM,
    prefix: INPUT_PREFIX,
    partitions: PARTITIONS,
    bucket: BUCKET,
    worker: { index: 0, count: 1 },
    pipeline: workerPipeline,
    sink: () => new WritableStream({ write: () => void out++ }),
    checkpoint: { every: { ms: 150 } },
    onCheckpoint: (_, info) => void checkpoints.push(info),
  });
  const start = performance.now();
  while (out < results) await new Promise((resolve) => setTimeout(resolve, 20));
  const ms = performance.now() - start;
  await worker.stop();
  const mean = (f: (c: CheckpointInfo) => number) => checkpoints.reduce((a, c) => a + f(c), 0) / checkpoints.length;
  console.log(
    `in-process worker, sink dropping results: ${fmt(N / (ms / 1_000))} events; ${checkpoints.length} checkpoints ` +
      `(${fmt(checkpoints.length / (ms / 1_000))}), each ${mean((c) => c.durationMs).toFixed(1)} ms to durable, ` +
      `${Math.round(mean((c) => c.bytes))} bytes in ${mean((c) => c.entries).toFixed(1)} entries, job paused ` +
      `${mean((c) => c.pauseMs).toFixed(2)} ms`,
  );
}

await rm(bundleDir, { recursive: true, force: true });
await nc.close();
await server.stop();
