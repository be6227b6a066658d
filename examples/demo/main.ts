// weir's demo (`npm start`): a local server on 127.0.0.1 (PORT, default 8787) that ingests page views
// into a durable log in ./.weir-data, counts them per country in 10 s event-time windows with early
// firings and allowed lateness, checkpoints every second, and serves a live chart of the results.
// Ctrl-C stops it cleanly (a final checkpoint); starting it again resumes from the last checkpoint.
/// <reference types="node" />
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { createWeirApp, IngestLog, LiveJob } from "../../adapters/hono/mod.ts";
import { type PageView, startGenerator } from "./generator.ts";
import { IDLE_TIMEOUT, MAX_OUT_OF_ORDERNESS, pageViewSchema, viewsPerCountry } from "./job.ts";
import { addPageRoutes } from "./page_routes.ts";

const port = Number(process.env.PORT ?? 8787);
const dataDir = process.env.WEIR_DATA ?? "./.weir-data";

const store = await FsStateStore.open(`${dataDir}/demo`);
const log = await IngestLog.open<PageView>(store, { name: "pageviews" });
let checkpoints = 0;
const job = new LiveJob({
  id: "pageviews",
  source: log,
  eventTime: (e: PageView) => e.ts,
  maxOutOfOrderness: MAX_OUT_OF_ORDERNESS,
  // When views stop coming, the watermark moves on with the clock and the last windows still close.
  idleTimeout: IDLE_TIMEOUT,
  pipeline: (views, { onLate }) => viewsPerCountry(views, onLate),
  checkpoint: { store, every: { ms: 1_000 }, onCheckpoint: () => void checkpoints++ },
});
const app = createWeirApp({ log, job, schema: pageViewSchema, maxPending: 200_000 });

addPageRoutes(app);

// Signals are handled from the start, so a Ctrl-C during startup also stops cleanly.
let stopping = false;
let stopGenerator = async () => {};
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping (final checkpoint)...`);
  await stopGenerator();
  // Ends the job after a last checkpoint and closes the SSE streams, so the server can close.
  await job.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await log.close();
  await store.close();
  console.log(`stopped after ${checkpoints} checkpoints; run it again to resume where it left off`);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () =>
    void shutdown(signal).then(() => process.exit(0), (e) => {
      console.error(e);
      process.exit(1);
    }));
}

job.start();
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port });
const address = await new Promise<AddressInfo>((resolve) =>
  server.once("listening", () => resolve(server.address() as AddressInfo))
);
if (!stopping) {
  stopGenerator = startGenerator({
    url: `http://127.0.0.1:${address.port}/events`,
    onError: (m) => console.warn(`generator: ${m}`),
  });
  console.log(
    `weir demo: http://127.0.0.1:${address.port}/  (log ${log.name}: offsets ${log.start}..${log.next}, data in ${dataDir})`,
  );
}
