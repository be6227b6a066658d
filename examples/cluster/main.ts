// weir's cluster demo (`npm run demo:cluster`): the demo's page-view job (examples/demo/) scaled out over
// NATS JetStream on this machine. It starts
// - a 3-node nats-server cluster with JetStream on 127.0.0.1 (free ports, fresh store dirs),
// - an R3 input stream of P = 12 partitions (`demo.in.pageviews.<p>`), an R3 result stream and an R3 KV
//   bucket for the checkpoints,
// - 3 worker processes (worker.ts: runWorker, index 0..2 of 3, 4 partitions each), restarted if one dies,
// - the HTTP app (PORT, default 8787): `POST /events` publishes each accepted view to its partition
//   (jetStreamIngestLog: 202 once the R3 stream acknowledged every event), `GET /results` streams the
//   results the workers published, and the live page of `npm start` charts them,
// - the synthetic page-view generator of `npm start` (WEIR_GENERATOR=0 turns it off).
// Ctrl-C stops everything in order: the generator, the app, the workers (a last checkpoint each), then
// the servers; nothing outlives the launcher, even when it is killed (workers watch its IPC channel, the
// servers a watchdog pipe).
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { nanos } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { createWeirApp } from "../../adapters/hono/mod.ts";
import { jetStreamIngestLog } from "../../adapters/nats/mod.ts";
import { type PageView, startGenerator } from "../demo/generator.ts";
import { pageViewSchema } from "../demo/job.ts";
import { addPageRoutes } from "../demo/page_routes.ts";
import { clusterView } from "./_cluster_view.ts";
import {
  BUCKET,
  INPUT_PREFIX,
  INPUT_STREAM,
  JOB,
  PARTITIONS,
  REPLICAS,
  RESULT_STREAM,
  RESULT_SUBJECT,
  WORKERS,
} from "./_config.ts";
import { startDemoCluster } from "./_nats_cluster.ts";

const port = Number(process.env.PORT ?? 8787);
const WORKER = new URL("./worker.ts", import.meta.url).pathname;

// Signals are handled from the start, so a Ctrl-C during startup also stops what was started.
let stopping = false;
const cleanups: (() => Promise<void>)[] = [];
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the generator, the app, the workers, then the NATS servers...`);
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((e) => console.error(`while stopping: ${e instanceof Error ? e.message : e}`));
  }
  console.log("stopped");
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void shutdown(signal).then(() => process.exit(0)));
}

console.log("starting 3 nats-servers with JetStream on 127.0.0.1...");
const cluster = await startDemoCluster(3);
cleanups.push(() => cluster.stop());
const nc = await connect({ servers: cluster.servers, name: "weir-demo-app", maxReconnectAttempts: -1 });
cleanups.push(() => nc.close());
const jsm = await jetstreamManager(nc);
// A cluster that just formed may not place R3 assets yet ("no suitable peers"): retry for a while.
async function retrying<T>(what: string, create: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (attempt === 60 || stopping) throw new Error(`Cannot create ${what}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
await retrying(INPUT_STREAM, () =>
  jsm.streams.add({
    name: INPUT_STREAM,
    subjects: [`${INPUT_PREFIX}.${JOB}.*`],
    num_replicas: REPLICAS,
    // The generator retries a batch with its Idempotency-Key until it is acknowledged: within this window
    // JetStream keeps each event once.
    duplicate_window: nanos(5 * 60_000),
    // A demo left running does not fill the disk: views older than an hour go.
    max_age: nanos(60 * 60_000),
  }));
await retrying(RESULT_STREAM, () =>
  jsm.streams.add({
    name: RESULT_STREAM,
    subjects: [RESULT_SUBJECT],
    num_replicas: REPLICAS,
    // A restarted worker publishes again the results since its last checkpoint: dropped by id within this window.
    duplicate_window: nanos(10 * 60_000),
    max_age: nanos(60 * 60_000),
  }));
await retrying(BUCKET, () => new Kvm(nc).create(BUCKET, { history: 1, replicas: REPLICAS }));

// The workers: started in their own process group (a Ctrl-C reaches the launcher, which stops them
// first), restarted when one exits on its own: liveness is the process manager's job, here this one's.
const workers: ChildProcess[] = [];
function startWorker(index: number): void {
  const child = spawn(process.execPath, [...process.execArgv, WORKER], {
    env: {
      ...process.env,
      WEIR_NATS: cluster.servers.join(","),
      WORKER_INDEX: String(index),
      WORKER_COUNT: String(WORKERS),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  workers[index] = child;
  child.once("exit", (code, signal) => {
    if (stopping) return;
    console.warn(`worker ${index} exited (${signal ?? `code ${code}`}); restarting it in 1 s`);
    setTimeout(() => {
      if (stopping) return;
      startWorker(index);
      console.log(`worker ${index} restarted: pids ${workers[index]!.pid}`);
    }, 1_000);
  });
}
cleanups.push(async () => {
  await Promise.all(workers.map((child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    return exited.finally(() => clearTimeout(timer));
  }));
});
for (let i = 0; i < WORKERS && !stopping; i++) startWorker(i);

// The HTTP app: ingestion into JetStream, results from the result stream, the live page.
const view = await clusterView(nc);
cleanups.push(() => view.close());
const log = jetStreamIngestLog<PageView>({
  js: jetstream(nc),
  stream: INPUT_STREAM,
  prefix: INPUT_PREFIX,
  job: JOB,
  partitions: PARTITIONS,
  key: (view) => view.country,
});
const app = createWeirApp({ log, job: view.job, schema: pageViewSchema });
addPageRoutes(app);
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port });
const address = await new Promise<AddressInfo>((resolve) =>
  server.once("listening", () => resolve(server.address() as AddressInfo))
);
cleanups.push(async () => {
  // Ends the SSE streams first, so that the server can close.
  view.job.feed.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const url = `http://127.0.0.1:${address.port}`;
if (process.env.WEIR_GENERATOR !== "0" && !stopping) {
  const stop = startGenerator({ url: `${url}/events`, onError: (m) => console.warn(`generator: ${m}`) });
  cleanups.push(stop);
}
if (!stopping) {
  console.log(`nats: ${cluster.servers.join(" ")} (pids ${cluster.pids.join(" ")})`);
  console.log(`workers: pids ${workers.map((w) => w.pid).join(" ")}`);
  console.log(
    `weir cluster demo: ${url}/  (${WORKERS} workers over ${PARTITIONS} partitions of ${INPUT_STREAM}, R${REPLICAS})`,
  );
}
