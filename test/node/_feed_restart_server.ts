// Child process of sse_restart_chromium.test.ts: serves a checkpointed job over an IngestLog in an
// FsStateStore on 127.0.0.1:<port> (the same port after each restart, so that a browser's EventSource
// reconnects to it). SIGTERM stops it cleanly (a final checkpoint); the test also SIGKILLs it.
/// <reference types="node" />
import { serve } from "@hono/node-server";
import { count, tumbling } from "../../mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { createWeirApp, IngestLog, LiveJob } from "../../adapters/hono/mod.ts";

interface Tick {
  ts: number;
}

const [dir, port] = process.argv.slice(2);
if (dir === undefined || port === undefined) throw new Error("usage: _feed_restart_server.ts <store dir> <port>");
const store = await FsStateStore.open(dir);
const log = await IngestLog.open<Tick>(store, { name: "ticks" });
const job = new LiveJob({
  id: "ticks",
  source: log,
  eventTime: (e: Tick) => e.ts,
  maxOutOfOrderness: 0,
  pipeline: (events, { onLate }) => events.window(tumbling(1_000), { onLate }).aggregate(count()),
  // Checkpoints rarely, so that a SIGKILL loses results the feed had already sent.
  checkpoint: { store, every: { ms: 60_000, events: 1_000 } },
});
job.start();
const app = createWeirApp({ log, job, statsMs: 0, retryMs: 200 });
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(port) }, () => {
  process.stdout.write(`listening ${port}\n`);
});
process.once("SIGTERM", () => {
  void (async () => {
    await job.stop();
    // Browsers reconnect at once over kept-alive connections: close those too, or close() never ends.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    await closed;
    await log.close();
    await store.close();
    process.exit(0);
  })();
});
