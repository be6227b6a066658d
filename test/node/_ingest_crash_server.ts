// Child process of ingest_crash.test.ts: serves a checkpointed job over an IngestLog in an
// FsStateStore, on 127.0.0.1 (a free port, printed as "listening <port>"). The test SIGKILLs it.
/// <reference types="node" />
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { count, tumbling } from "../../mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { createWeirApp, IngestLog, LiveJob } from "../../adapters/hono/mod.ts";

interface Hit {
  k: string;
  ts: number;
}

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: _ingest_crash_server.ts <store dir>");
const store = await FsStateStore.open(dir);
const log = await IngestLog.open<Hit>(store, { name: "hits", maxEntryBytes: 2048 });
const job = new LiveJob({
  id: "hits",
  source: log,
  eventTime: (e: Hit) => e.ts,
  // Nothing closes until the test sends its final event far in the future.
  maxOutOfOrderness: 1e12,
  pipeline: (events, { onLate }) => events.keyBy((e) => e.k).window(tumbling(1_000), { onLate }).aggregate(count()),
  checkpoint: { store, every: { ms: 30, events: 200 } },
});
job.start();
// The test's event times are small synthetic numbers (and 3e12 to flush): no window of accepted times.
const app = createWeirApp({
  log,
  job,
  statsMs: 0,
  maxPending: 1_000_000,
  minEventTime: -Infinity,
  maxFutureSkew: Infinity,
});
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
