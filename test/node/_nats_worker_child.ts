/// <reference types="node" />
// A worker process of nats_worker.test.ts: runWorker over the test's job, results to a jetStreamSink.
// Prints "started <partitions>" once it owns its partitions; exits 0 after SIGTERM (a clean stop),
// 3 with "fenced: <message>" when another worker claimed one of its partitions, 1 on any other failure.
// Usage (env NATS_WORKER_CHILD=1, and NATS_REPLICAS=3 on a cluster):
//   node child.mjs <servers,comma-separated> <job> <index> <count>
// The pipeline is exported for the test's single-process reference run.
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import process from "node:process";
import { FencedError } from "../../adapters/nats/fenced_error.ts";
import { jetStreamSink } from "../../adapters/nats/jetstream_sink.ts";
import { runWorker } from "../../adapters/nats/worker.ts";
import { count, type Stream, sum, tumbling, type WindowResult } from "../../mod.ts";

export interface WorkerEvent {
  key: string;
  ts: number;
  v: number;
}

export const PARTITIONS = 12;
export const INPUT_STREAM = "IN";
export const INPUT_PREFIX = "in";
export const RESULT_STREAM = "RES";
export const BUCKET = "ckpt";

/** The job every worker runs on each partition, and the reference run on each partition's events. */
export function workerPipeline(input: Stream<WorkerEvent>): Stream<WindowResult<string, { n: number; total: number }>> {
  return input
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 300 })
    .keyBy((e) => e.key)
    .window(tumbling(1_000), { allowedLateness: 400, onLate: () => {} })
    .aggregate({ n: count(), total: sum((e: WorkerEvent) => e.v) });
}

export const resultSubject = (job: string): string => `res.${job}`;

async function main(): Promise<void> {
  const [servers, job, index, total] = process.argv.slice(2);
  const nc = await connect({ servers: servers!.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const js = jetstream(nc);
  const worker = await runWorker<WorkerEvent, WindowResult<string, { n: number; total: number }>>({
    nc,
    job: job!,
    stream: INPUT_STREAM,
    prefix: INPUT_PREFIX,
    partitions: PARTITIONS,
    bucket: BUCKET,
    replicas: Number(process.env.NATS_REPLICAS ?? 1),
    worker: { index: Number(index), count: Number(total) },
    pipeline: workerPipeline,
    sink: () => jetStreamSink({ js, subject: resultSubject(job!), job: job! }),
    checkpoint: { every: { ms: 150 } },
  });
  console.log(`started ${worker.partitions.join(",")}`);
  process.once("SIGTERM", () => void worker.stop());
  try {
    await worker.done;
  } catch (error) {
    const fenced = error instanceof FencedError;
    console.log(`${fenced ? "fenced" : "failed"}: ${(error as Error).message}`);
    process.exit(fenced ? 3 : 1);
  }
  await nc.close();
  process.exit(0);
}

if (process.env.NATS_WORKER_CHILD === "1") await main();
