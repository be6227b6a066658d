// weir's demo (`npm start`): a local server on 127.0.0.1 (PORT, default 8787) that ingests page views
// into a durable log in ./.weir-data, counts them per country in 10 s event-time windows with early
// firings and allowed lateness, checkpoints every second, and serves a live chart of the results.
// Ctrl-C stops it cleanly (a final checkpoint); starting it again resumes from the last checkpoint.
/// <reference types="node" />
import { serve } from "@hono/node-server";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterProcessingTime, afterWatermark, count, tumbling } from "../../mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { createWeirApp, IngestLog, LiveJob } from "../../adapters/hono/mod.ts";
import { type PageView, startGenerator } from "./generator.ts";

const port = Number(process.env.PORT ?? 8787);
const dataDir = process.env.WEIR_DATA ?? "./.weir-data";
const require = createRequire(import.meta.url);

const store = await FsStateStore.open(`${dataDir}/demo`);
const log = await IngestLog.open<PageView>(store, { name: "pageviews" });
let checkpoints = 0;
const job = new LiveJob({
  id: "pageviews",
  source: log,
  eventTime: (e: PageView) => e.ts,
  maxOutOfOrderness: 2_000,
  // When views stop coming, the watermark moves on with the clock and the last windows still close.
  idleTimeout: 5_000,
  pipeline: (views, { onLate }) =>
    views
      .keyBy((v) => v.country)
      .window(tumbling(10_000), {
        trigger: afterWatermark({ early: afterProcessingTime(1_000), late: afterProcessingTime(1_000) }),
        allowedLateness: 30_000,
        accumulation: "accumulating",
        onLate,
      })
      .aggregate(count()),
  checkpoint: { store, every: { ms: 1_000 }, onCheckpoint: () => void checkpoints++ },
});
const schema = {
  "~standard": {
    version: 1 as const,
    vendor: "weir-demo",
    validate: (v: unknown) => {
      const e = v as Partial<PageView> | null;
      return typeof e?.country === "string" && /^[A-Z]{2}$/.test(e.country) && typeof e.page === "string"
        ? { value: e as PageView }
        : { issues: [{ message: "a page view needs country (2 capital letters) and page (a string)" }] };
    },
  },
};
const app = createWeirApp({ log, job, schema, maxPending: 200_000 });

const page = (name: string) => new URL(`./page/${name}`, import.meta.url);
const files: Record<string, [URL | string, string]> = {
  "/": [page("index.html"), "text/html; charset=utf-8"],
  "/app.js": [page("app.js"), "text/javascript; charset=utf-8"],
  "/style.css": [page("style.css"), "text/css; charset=utf-8"],
  // uPlot from node_modules: the page needs no CDN (and works offline).
  "/vendor/uPlot.iife.min.js": [require.resolve("uplot/dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
  "/vendor/uPlot.min.css": [require.resolve("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"],
};
for (const [path, [file, type]] of Object.entries(files)) {
  app.get(
    path,
    async (c) => c.body(await readFile(file, "utf8"), 200, { "content-type": type, "cache-control": "no-cache" }),
  );
}

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
