/// <reference types="node" />
// createWeirApp over jetStreamIngestLog against a real nats-server: a 202 comes only once every event's
// publish is acknowledged (and the events are then in the stream, on their partition's subject), a
// retried request appends once (also after a restart of the app, through Nats-Msg-Id), a NATS outage is
// a prompt 503 whose retry completes the batch, and workers reading the partitions compute what the
// single-process app (IngestLog + LiveJob) computes from the same requests.
import { jetstream, type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createWeirApp } from "../../adapters/hono/mod.ts";
import { jetStreamIngestLog } from "../../adapters/nats/jetstream_ingest.ts";
import { publishWatermark } from "../../adapters/nats/jetstream_source.ts";
import { partitionOf, partitionSubject } from "../../adapters/nats/partition.ts";
import { runWorker } from "../../adapters/nats/worker.ts";
import { count, MemoryStateStore, type Stream, tumbling, type WindowResult } from "../../mod.ts";
import { IngestLog, LiveJob } from "../../src/live/mod.ts";
import { type NatsNode, startNats } from "./_nats_server.ts";

interface Click {
  user: string;
  ts: number;
}

const P = 12;
const STREAM = "INGEST";
const PREFIX = "ingest";

let server: NatsNode;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: [`${PREFIX}.>`] });
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

const logOf = (job: string, client = js, ackTimeout?: number) =>
  jetStreamIngestLog<Click>({
    js: client,
    stream: STREAM,
    prefix: PREFIX,
    job,
    partitions: P,
    key: (e) => e.user,
    ...(ackTimeout === undefined ? {} : { ackTimeout }),
  });

const post = (app: ReturnType<typeof createWeirApp>, events: Click[], key?: string) =>
  app.request("/events", {
    method: "POST",
    headers: {
      "content-type": "application/x-ndjson",
      ...(key === undefined ? {} : { "idempotency-key": key }),
    },
    body: events.map((e) => JSON.stringify(e)).join("\n") + "\n",
  });

/** Every message stored on the job's subjects: its sequence, subject and event. */
async function stored(job: string): Promise<{ seq: number; subject: string; event: Click }[]> {
  const info = await jsm.streams.info(STREAM);
  const out: { seq: number; subject: string; event: Click }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
    if (m === null || !m.subject.startsWith(`${PREFIX}.${job}.`)) continue;
    out.push({ seq, subject: m.subject, event: m.json<Click>() });
  }
  return out;
}

const BASE = Date.now() - 3_600_000;
const clicks = (n: number, from = 0): Click[] =>
  Array.from({ length: n }, (_, i) => ({ user: `u${(from + i) % 17}`, ts: BASE + (from + i) * 50 }));

describe("createWeirApp with jetStreamIngestLog", () => {
  test("answers 202 only after every publish is acknowledged, with the stored sequences as offsets", async () => {
    const acked: number[] = [];
    // The real client, watched: each acknowledgement is noted when it arrives.
    const watched = new Proxy(js, {
      get(target, prop, receiver) {
        if (prop !== "publish") return Reflect.get(target, prop, receiver);
        return (...args: Parameters<JetStreamClient["publish"]>) =>
          target.publish(...args).then((ack) => {
            acked.push(ack.seq);
            return ack;
          });
      },
    });
    const app = createWeirApp({ log: logOf("acks", watched), eventTime: (e: Click) => e.ts });
    const events = clicks(40);
    const res = await post(app, events);
    const answeredAfter = acked.length;
    expect(res.status).toBe(202);
    const body = await res.json() as { offsets: [number, number]; count: number };
    expect(answeredAfter).toBe(40);
    expect(body.count).toBe(40);
    const inStream = await stored("acks");
    expect(inStream.map((m) => m.event)).toEqual(events);
    expect(body.offsets).toEqual([inStream[0]!.seq, inStream[39]!.seq]);
  });

  test("puts each event on its partition's subject <prefix>.<job>.<partitionOf(key, P)>", async () => {
    const app = createWeirApp({ log: logOf("routes"), eventTime: (e: Click) => e.ts });
    const events = clicks(60);
    expect((await post(app, events)).status).toBe(202);
    const inStream = await stored("routes");
    expect(inStream.map((m) => m.event)).toEqual(events);
    for (const m of inStream) {
      expect(m.subject).toBe(partitionSubject(PREFIX, "routes", partitionOf(m.event.user, P)));
    }
    expect(new Set(inStream.map((m) => m.subject)).size).toBeGreaterThan(5);
  });

  test("a retried request with the same Idempotency-Key is appended once, also by a restarted app", async () => {
    const app = createWeirApp({ log: logOf("retry"), eventTime: (e: Click) => e.ts });
    const events = clicks(25);
    const first = await post(app, events, "batch-1");
    expect(first.status).toBe(202);
    const offsets = (await first.json() as { offsets: number[] }).offsets;
    const again = await post(app, events, "batch-1");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual({ offsets, count: 25, duplicate: true });
    // Another body under the same key: refused as with an IngestLog.
    const other = await post(app, clicks(25, 100), "batch-1");
    expect(other.status).toBe(422);
    // A new app (a restart: nothing remembered in memory) relies on JetStream's duplicate window.
    const restarted = createWeirApp({ log: logOf("retry"), eventTime: (e: Click) => e.ts });
    const retried = await post(restarted, events, "batch-1");
    expect(retried.status).toBe(202);
    expect(await retried.json()).toEqual({ offsets, count: 25, duplicate: true });
    expect((await stored("retry")).map((m) => m.event)).toEqual(events);
  });

  test("bad input is refused by the same rules as with an IngestLog, and nothing is published", async () => {
    const schema = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: (v: unknown) =>
          typeof (v as Click).user === "string" ? { value: v as Click } : { issues: [{ message: "user is missing" }] },
      },
    };
    const app = createWeirApp({
      log: logOf("bad"),
      eventTime: (e: Click) => e.ts,
      schema,
      token: "s3cret",
      maxBodyBytes: 2_048,
    });
    const auth = { authorization: "Bearer s3cret" };
    const send = (body: string, headers: Record<string, string> = {}) =>
      app.request("/events", {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", ...auth, ...headers },
        body,
      });
    const line = (e: unknown) => JSON.stringify(e) + "\n";
    const refusals: [string, Response, number, RegExp][] = [
      ["malformed", await send(line({ user: "a", ts: BASE }) + '{"user":\n'), 400, /^Malformed NDJSON at line 2/],
      [
        "schema",
        await send(line({ user: "a", ts: BASE }) + line({ ts: BASE })),
        400,
        /event #1 \(line 2\): user is missing/,
      ],
      ["event time", await send(line({ user: "a", ts: BASE }) + line({ user: "b" })), 400, /event #1 \(line 2\)/],
      ["token", await send(line({ user: "a", ts: BASE }), { authorization: "Bearer nope" }), 401, /./],
      ["too large", await send(line({ user: "a".repeat(3_000), ts: BASE })), 413, /larger than the limit/],
      ["media type", await send(line({ user: "a", ts: BASE }), { "content-type": "text/plain" }), 415, /Content-Type/],
    ];
    for (const [what, res, status, message] of refusals) {
      expect([what, res.status]).toEqual([what, status]);
      expect((await res.json() as { error: string }).error).toMatch(message);
    }
    // More events than maxPending in flight at once: 429, as when an IngestLog's job falls behind.
    const small = createWeirApp({ log: logOf("bad"), eventTime: (e: Click) => e.ts, maxPending: 5 });
    const overloaded = await post(small, clicks(10));
    expect([overloaded.status, overloaded.headers.get("retry-after")]).toEqual([429, "1"]);
    expect(await stored("bad")).toEqual([]);
  });

  test(
    "a NATS outage answers 503 promptly; the retry with the same key, once NATS is back, stores the batch once",
    async () => {
      const node = await startNats();
      const conn = await connect({ servers: node.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      try {
        const client = jetstream(conn);
        await (await jetstreamManager(conn)).streams.add({ name: "DOWN", subjects: ["down.>"] });
        const log = jetStreamIngestLog<Click>({
          js: client,
          stream: "DOWN",
          prefix: "down",
          job: "j",
          partitions: P,
          key: (e) => e.user,
          ackTimeout: 1_000,
        });
        const app = createWeirApp({ log, eventTime: (e: Click) => e.ts });
        expect((await post(app, clicks(5), "warm")).status).toBe(202);
        await node.kill();
        const t0 = Date.now();
        const res = await post(app, clicks(10, 5), "during-outage");
        const elapsed = Date.now() - t0;
        expect(res.status).toBe(503);
        expect((await res.json() as { error: string }).error).toMatch(
          /^The batch could not be stored: JetStream stream "DOWN" did not acknowledge \d+ of 10 events/,
        );
        expect(elapsed).toBeLessThan(5_000);
        expect(log.pending).toBe(0);
        await node.restart();
        // The client reconnects by itself; retry until the server answers (the app's clients do the same).
        let retry: Response | undefined;
        for (let i = 0; i < 50; i++) {
          retry = await post(app, clicks(10, 5), "during-outage");
          if (retry.status === 202) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(retry!.status).toBe(202);
        const jsm2 = await jetstreamManager(conn);
        expect((await jsm2.streams.info("DOWN")).state.messages).toBe(15);
      } finally {
        await conn.close();
        await node.stop();
      }
    },
    60_000,
  );

  test("a stream that does not capture the subjects answers 503, not a hang", async () => {
    const log = jetStreamIngestLog<Click>({
      js,
      stream: STREAM,
      prefix: "nowhere",
      job: "j",
      partitions: P,
      key: (e) => e.user,
      ackTimeout: 1_000,
    });
    const res = await post(createWeirApp({ log, eventTime: (e: Click) => e.ts }), clicks(3));
    expect(res.status).toBe(503);
    expect((await res.json() as { error: string }).error).toMatch(
      /did not acknowledge 3 of 3 events .*none of the batch/,
    );
  }, 20_000);

  test("rejects bad options with what was wrong", () => {
    const base = { js, stream: STREAM, prefix: PREFIX, job: "j", partitions: P, key: (e: Click) => e.user };
    expect(() => jetStreamIngestLog({ ...base, partitions: 0 })).toThrow(
      new RangeError(
        "Cannot create JetStream ingestion log as partitions must be an integer from 1 to 2^31: current value is 0",
      ),
    );
    expect(() => jetStreamIngestLog({ ...base, partitions: undefined as never })).toThrow(/current value is undefined/);
    expect(() => jetStreamIngestLog({ ...base, job: "a.b" })).toThrow(/job must be one subject token/);
    expect(() => jetStreamIngestLog({ ...base, key: undefined as never })).toThrow(
      "Cannot create JetStream ingestion log as key must be a function: current value is undefined",
    );
    expect(() => jetStreamIngestLog({ ...base, partition: 3 } as never)).toThrow(/partition/);
  });
});

/** The windowed count of the comparison, on a stream of timestamped events. */
const perUser = (events: Stream<Click>) => events.keyBy((e) => e.user).window(tumbling(10_000)).aggregate(count());

const comparable = (r: WindowResult) => ({
  key: r.key,
  window: r.window,
  value: r.value,
  timestamp: r.timestamp,
  pane: r.pane,
});
const order = (a: { key: unknown; window: { start: number } }, b: { key: unknown; window: { start: number } }) =>
  String(a.key).localeCompare(String(b.key)) || a.window.start - b.window.start;

test("workers reading what the app ingested get the single-process app's results", async () => {
  // Disorder within the bound (events up to 1 950 ms behind the largest seen, bound 2 000): no late data,
  // so the per-partition watermarks and the single process's one watermark fire the same panes.
  const events = clicks(3_000).map((e, i) => ({ ...e, ts: e.ts + ((i * 7919) % 1_900) }));
  const batches = Array.from({ length: 15 }, (_, b) => events.slice(b * 200, b * 200 + 200));

  // The single-process app: an IngestLog read by a LiveJob. A later event closes every window.
  const ingest = await IngestLog.open<Click>(new MemoryStateStore());
  const live = new LiveJob({
    id: "single",
    source: ingest,
    eventTime: (e: Click) => e.ts,
    maxOutOfOrderness: 2_000,
    pipeline: (s) => perUser(s),
  });
  const sub = live.feed.subscribe();
  live.start();
  const single = createWeirApp({ log: ingest, job: live });
  for (const [b, batch] of batches.entries()) expect((await post(single, batch, `s${b}`)).status).toBe(202);
  expect((await post(single, [{ user: "closer", ts: BASE + 3_600_000 }])).status).toBe(202);

  // The scaled-out app: the same requests into JetStream, read by two workers.
  const app = createWeirApp({ log: logOf("compare"), eventTime: (e: Click) => e.ts });
  for (const [b, batch] of batches.entries()) expect((await post(app, batch, `c${b}`)).status).toBe(202);
  const results: WindowResult<string, number>[] = [];
  const workers = await Promise.all([0, 1].map((index) =>
    runWorker<Click, WindowResult<string, number>>({
      nc,
      job: "compare",
      stream: STREAM,
      prefix: PREFIX,
      partitions: P,
      bucket: "ingest-ckpt",
      worker: { index, count: 2 },
      pipeline: (input) => perUser(input.withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })),
      sink: () => new WritableStream({ write: (r) => void results.push(r) }),
    })
  ));
  try {
    await publishWatermark(js, { prefix: PREFIX, job: "compare", partitions: P }, Infinity);
    const expected: WindowResult[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const item of sub.take(10_000)) if (item.result.key !== "closer") expected.push(item.result);
      const lastEnd = Math.max(...events.map((e) => e.ts)) - (Math.max(...events.map((e) => e.ts)) % 10_000);
      const singleDone = expected.some((r) => r.window.start === lastEnd);
      if (singleDone && results.length >= expected.length) break;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(expected.length).toBeGreaterThan(17 * 10);
    expect(results.map(comparable).sort(order)).toEqual(expected.map(comparable).sort(order));
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await live.stop();
    await ingest.close();
  }
}, 60_000);
