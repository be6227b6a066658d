// One worker process of the cluster demo (started by main.ts; env WEIR_NATS = the servers, WORKER_INDEX,
// WORKER_COUNT): runs the demo's job (examples/demo/job.ts) on the partitions p ≡ index (mod count) with
// runWorker, checkpoints each into the R3 KV bucket, publishes results to the result stream with
// jetStreamSink (exactly once: the stream drops a replayed result by its id), and reports statistics
// on `demo.stats.<index>` every second. SIGINT/SIGTERM, or the launcher going away, stop it after a
// last checkpoint; a worker fenced by another with its index exits with code 3.
/// <reference types="node" />
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { WindowResult } from "../../mod.ts";
import { FencedError, jetStreamSink, runWorker } from "../../adapters/nats/mod.ts";
import type { PageView } from "../demo/generator.ts";
import { IDLE_TIMEOUT, MAX_OUT_OF_ORDERNESS, viewsPerCountry } from "../demo/job.ts";
import {
  BUCKET,
  INPUT_PREFIX,
  INPUT_STREAM,
  JOB,
  PARTITIONS,
  REPLICAS,
  RESULT_SUBJECT,
  STATS_PREFIX,
  type WorkerStats,
} from "./_config.ts";

const servers = (process.env.WEIR_NATS ?? "").split(",").filter((s) => s !== "");
const index = Number(process.env.WORKER_INDEX);
const count = Number(process.env.WORKER_COUNT);
if (servers.length === 0 || !Number.isInteger(index) || !Number.isInteger(count)) {
  console.error("worker.ts is started by examples/cluster/main.ts (WEIR_NATS, WORKER_INDEX, WORKER_COUNT)");
  process.exit(2);
}
const label = `worker ${index}/${count}`;

// Registered first, so that no stop is missed: until the worker runs there is nothing to checkpoint, and
// a stop exits at once; the launcher's IPC channel closes when it exits, however it exits, so no worker
// outlives it.
let onStop: (why: string) => void = (why) => {
  console.log(`${label}: ${why} while starting, exiting`);
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => onStop(signal));
process.once("disconnect", () => onStop("launcher gone"));
if (!process.connected) onStop("launcher gone");

const nc = await connect({ servers, name: `weir-demo-${label}`, maxReconnectAttempts: -1 });
const js = jetstream(nc);

// Statistics for the page, from what the partitions' pipelines see (each partition is its own job).
const seen = new Map<number, { maxEventTime: number; at: number }>();
let eventsIn = 0;
let lateEvents = 0;
let lastCheckpointAt: number | null = null;
function stats(partitions: number[]): WorkerStats {
  let watermark: number | null = null;
  let maxEventTime: number | null = null;
  const now = Date.now();
  for (const { maxEventTime: t, at } of seen.values()) {
    if (maxEventTime === null || t > maxEventTime) maxEventTime = t;
    // A partition without input for IDLE_TIMEOUT advances with the clock: it holds nothing back.
    if (now - at > IDLE_TIMEOUT) continue;
    const w = t - MAX_OUT_OF_ORDERNESS;
    if (watermark === null || w < watermark) watermark = w;
  }
  return { index, partitions, eventsIn, lateEvents, watermark, maxEventTime, lastCheckpointAt };
}

const worker = await runWorker<PageView, WindowResult<string, number>>({
  nc,
  job: JOB,
  stream: INPUT_STREAM,
  prefix: INPUT_PREFIX,
  partitions: PARTITIONS,
  bucket: BUCKET,
  replicas: REPLICAS,
  worker: { index, count },
  pipeline: (input, p) =>
    viewsPerCountry(
      input
        .map((view) => {
          eventsIn++;
          const s = seen.get(p);
          seen.set(p, { maxEventTime: Math.max(s?.maxEventTime ?? -Infinity, view.ts), at: Date.now() });
          return view;
        })
        .withEventTime((v) => v.ts, { maxOutOfOrderness: MAX_OUT_OF_ORDERNESS, idleTimeout: IDLE_TIMEOUT }),
      () => void lateEvents++,
    ),
  sink: () => jetStreamSink({ js, subject: RESULT_SUBJECT, job: JOB }),
  checkpoint: { every: { ms: 1_000 } },
  onCheckpoint: () => void (lastCheckpointAt = Date.now()),
});
console.log(`${label}: partitions ${worker.partitions.join(", ")}`);
const report = setInterval(() => {
  nc.publish(`${STATS_PREFIX}.${index}`, JSON.stringify(stats([...worker.partitions])));
}, 1_000);

let stopping = false;
async function shutdown(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  console.log(`${label}: ${why}, stopping (last checkpoint)`);
  await worker.stop();
  await nc.drain().catch(() => {});
  process.exit(0);
}
onStop = (why) => void shutdown(why);

worker.done.then(
  () => {
    if (!stopping) void shutdown("all partitions ended");
  },
  async (error) => {
    clearInterval(report);
    console.error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    await nc.close().catch(() => {});
    process.exit(error instanceof FencedError ? 3 : 1);
  },
);
