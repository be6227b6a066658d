// Child process of bench/ingest.ts: the weir app on 127.0.0.1 (free port, printed as "listening <port>")
// over an IngestLog in the chosen store, with a job counting per key in 1 s windows (or no job, so
// nothing is consumed and pending grows until 429s).
// Usage: tsx bench/_ingest_server.ts <fs|memory> <dir> <job|nojob> <maxPending>
/// <reference types="node" />
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { count, MemoryStateStore, type StateStore, tumbling } from "../mod.ts";
import { FsStateStore } from "../adapters/fs/mod.ts";
import { createWeirApp, IngestLog, LiveJob } from "../adapters/hono/mod.ts";

interface Ev {
  key: string;
  ts: number;
  value: number;
}

const [kind = "fs", dir = ".weir-data/bench-ingest", withJob = "job", maxPending = "100000"] = process.argv.slice(2);
const store: StateStore = kind === "fs" ? await FsStateStore.open(dir) : new MemoryStateStore();
const log = await IngestLog.open<Ev>(store, { name: "bench" });
const job = new LiveJob({
  id: "bench",
  source: log,
  eventTime: (e: Ev) => e.ts,
  maxOutOfOrderness: 2_000,
  pipeline: (events, { onLate }) => events.keyBy((e) => e.key).window(tumbling(1_000), { onLate }).aggregate(count()),
  checkpoint: { store, every: { ms: 1_000 } },
  replay: 1_000,
});
if (withJob === "job") job.start();
const app = createWeirApp({
  log,
  job,
  maxPending: Number(maxPending),
  maxEvents: 10_000,
  maxBodyBytes: 4 * 1024 * 1024,
  maxConcurrentIngests: 64,
});
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
