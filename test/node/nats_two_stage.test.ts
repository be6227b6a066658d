/// <reference types="node" />
// Two-stage aggregation across partitions over a real nats-server (issue 13): a global (unkeyed) window
// over every partition of a job. Stage 1, one runWorker job per partition, pre-aggregates with
// partial(combiners) and publishes each window's accumulator with jetStreamSink; stage 2 reads the
// partials of every partition with jetStreamSource (per-partition watermarks, combined by minimum, so a
// window merges only once every partition's watermark passed its end) and merges them with
// mergePartials(combiners). The merged results equal a single-process run over all the events.
import { jetstream, type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, test } from "vitest";
import { jetStreamSource, publishEvents, publishWatermark } from "../../adapters/nats/jetstream_source.ts";
import { jetStreamSink } from "../../adapters/nats/jetstream_sink.ts";
import { partitionOf } from "../../adapters/nats/partition.ts";
import { runWorker } from "../../adapters/nats/worker.ts";
import { count, max, mean, mergePartials, partial, stream, sum, tumbling, type WindowResult } from "../../mod.ts";
import { type NatsNode, startNats } from "./_nats_server.ts";

let server: NatsNode;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

interface Sale {
  user: string;
  ts: number;
  amount: number;
}

const PARTITIONS = 4;
const WINDOW = 1_000;
const BOUND = 200;
const combiners = () => ({
  n: count(),
  total: sum((e: Sale) => e.amount),
  top: max((e: Sale) => e.amount),
  avg: mean((e: Sale) => e.amount),
});

test("partial() per partition and mergePartials() over every partition's partials equal one process", async () => {
  // Seeded input: 40 users over 4 partitions, disorder below the bound (nothing is late), amounts with
  // cents, so exact sums across stages matter.
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const events: Sale[] = Array.from({ length: 4_000 }, (_, i) => ({
    user: `u${Math.floor(random() * 40)}`,
    ts: 1_000_000 + i * 5 - Math.floor(random() * 150),
    amount: Math.round(random() * 10_000) / 100,
  }));
  const expected = await stream(events)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
    .window(tumbling(WINDOW))
    .aggregate(combiners())
    .toArray();
  // The partials stage 1 publishes: one per (partition, window) with events.
  const pairs = new Set(events.map((e) => `${partitionOf(e.user, PARTITIONS)}/${Math.floor(e.ts / WINDOW)}`));

  await jsm.streams.add({ name: "SALES", subjects: ["sales.>"] });
  await jsm.streams.add({ name: "PARTIALS", subjects: ["partials.>"] });
  const input = { prefix: "sales", job: "revenue", partitions: PARTITIONS, key: (e: Sale) => e.user };
  await publishEvents(js, input, events);
  await publishWatermark(js, input, Infinity);

  // Stage 1: one worker owning every partition (runWorker runs a checkpointed job per partition).
  const worker = await runWorker<Sale, WindowResult<null, unknown[]>>({
    nc,
    job: "revenue",
    stream: "SALES",
    prefix: "sales",
    partitions: PARTITIONS,
    worker: { index: 0, count: 1 },
    pipeline: (sales) =>
      sales.withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND }).window(tumbling(WINDOW)).aggregate(
        partial(combiners()),
      ),
    sink: (p) => jetStreamSink({ js, subject: `partials.revenue.${p}`, job: `revenue-p${p}` }),
    bucket: "revenue-checkpoints",
    checkpoint: { every: { ms: 200 } },
  });
  await expect.poll(async () => (await jsm.streams.info("PARTIALS")).state.messages, {
    timeout: 60_000,
    interval: 200,
  }).toBe(pairs.size);
  await worker.stop();
  // Every partition's partials are in: end them, so the last windows merge.
  await publishWatermark(js, { prefix: "partials", job: "revenue", partitions: PARTITIONS }, Infinity);

  // Stage 2: the partials of every partition, event time = the partial's timestamp (end of its window - 1).
  const merged: WindowResult<null, ReturnType<ReturnType<typeof mergePartials>["result"]>>[] = [];
  const source = jetStreamSource<WindowResult<null, unknown[]>>({
    js,
    stream: "PARTIALS",
    prefix: "partials",
    job: "revenue",
    partitions: [0, 1, 2, 3],
    eventTime: (r) => r.timestamp,
  });
  for await (const r of stream(source).window(tumbling(WINDOW)).aggregate(mergePartials(combiners()))) {
    merged.push(r as never);
    if (merged.length === expected.length) break;
  }
  const brief = (rs: { window: { start: number }; value: unknown }[]) =>
    rs.map((r) => JSON.stringify([r.window.start, r.value])).sort();
  expect(brief(merged)).toEqual(brief(expected));
  expect(expected.length).toBeGreaterThan(15);
}, 120_000);
