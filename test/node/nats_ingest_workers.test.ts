/// <reference types="node" />
// HTTP ingestion into JetStream read by worker processes that are SIGKILLed mid-run: every event the app
// acknowledged is counted once. Each batch is posted with an Idempotency-Key and retried (as a client does
// after a lost answer), part of the retries through a second app that remembers nothing (a restarted or
// other instance: only JetStream's Nats-Msg-Id de-duplicates them), while workers die and come back; the
// result stream ends up with exactly the single-process results over the events. Worker processes and
// helpers are those of nats_worker.test.ts.
import { jetstream, type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createWeirApp } from "../../adapters/hono/mod.ts";
import { jetStreamIngestLog } from "../../adapters/nats/jetstream_ingest.ts";
import { publishWatermark } from "../../adapters/nats/jetstream_source.ts";
import { type NatsNode, startNats } from "./_nats_server.ts";
import { INPUT_PREFIX, INPUT_STREAM, PARTITIONS, type WorkerEvent } from "./_nats_worker_child.ts";
import {
  addStreams,
  bundleChild,
  expectExactResults,
  killAll,
  makeEvents,
  reference,
  seeded,
  startWorker,
  stopChild,
} from "./_nats_worker_helpers.ts";

let child: { bundle: string; remove(): Promise<void> } | undefined;
let server: NatsNode;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  child = await bundleChild();
  server = await startNats();
  nc = await connect({ servers: server.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await addStreams(jsm);
}, 60_000);

afterEach(killAll);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
  await child?.remove();
});

test(
  "events posted over HTTP (each batch retried, some through a fresh app) while workers are SIGKILLed are counted once",
  async () => {
    const job = "http";
    const events = makeEvents(12_000, 31);
    const expected = await reference(job, events);
    // The test's event times start near 0: the app's time window is opened up for them.
    const app = (log = jetStreamIngestLog<WorkerEvent>({
      js,
      stream: INPUT_STREAM,
      prefix: INPUT_PREFIX,
      job,
      partitions: PARTITIONS,
      key: (e) => e.key,
    })) => createWeirApp({ log, eventTime: (e: WorkerEvent) => e.ts, minEventTime: -Infinity });
    const first = app();
    const post = (target: ReturnType<typeof app>, batch: WorkerEvent[], key: string) =>
      target.request("/events", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(batch),
      });

    const workers = [0, 1, 2].map((i) => startWorker(child!.bundle, [server.url], job, i, 3));
    await Promise.all(workers.map((w) => w.started));
    const random = seeded(5);
    let kills = 0;
    let acknowledged = 0;
    let replayed = 0;
    for (let b = 0; b * 200 < events.length; b++) {
      const batch = events.slice(b * 200, b * 200 + 200);
      const res = await post(first, batch, `batch-${b}`);
      expect(res.status).toBe(202);
      acknowledged += ((await res.json()) as { count: number }).count;
      // The retry: to the same app (it remembers the key) or to a fresh one (JetStream drops each event).
      const retry = await post(b % 3 === 0 ? app() : first, batch, `batch-${b}`);
      expect(retry.status).toBe(202);
      if (((await retry.json()) as { duplicate?: boolean }).duplicate === true) replayed++;
      if (b % 12 === 5 && kills < 5) {
        const i = Math.floor(random() * 3);
        await stopChild(workers[i]!.child, "SIGKILL");
        kills++;
        workers[i] = startWorker(child!.bundle, [server.url], job, i, 3);
        await workers[i]!.started;
      }
    }
    expect([acknowledged, replayed, kills]).toEqual([events.length, 60, 5]);
    const stored = await jsm.streams.info(INPUT_STREAM, { subjects_filter: `${INPUT_PREFIX}.${job}.>` });
    expect(stored.state.messages).toBe(events.length);
    await publishWatermark(js, { prefix: INPUT_PREFIX, job, partitions: PARTITIONS }, Infinity);
    await expectExactResults(js, jsm, job, expected);
    for (const w of workers) await stopChild(w.child, "SIGTERM");
  },
  120_000,
);
