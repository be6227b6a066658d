/// <reference types="node" />
// jetStreamIngestLog on a 3-node cluster with an R3 stream: a 202 means the events are replicated (the
// stream leader is SIGKILLed right after, and every acknowledged event is still read from the other
// two), and with two nodes down (no quorum) a batch gets 503, never a 202.
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createWeirApp } from "../../adapters/hono/mod.ts";
import { jetStreamIngestLog } from "../../adapters/nats/jetstream_ingest.ts";
import { type NatsCluster, startNatsCluster } from "./_nats_server.ts";

interface Click {
  user: string;
  ts: number;
}

let cluster: NatsCluster;
let nc: NatsConnection;

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  nc = await connect({ servers: cluster.servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const jsm = await jetstreamManager(nc);
  for (let attempt = 0;; attempt++) {
    try {
      await jsm.streams.add({ name: "R3", subjects: ["r3.>"], num_replicas: 3 });
      break;
    } catch (error) {
      // A cluster that just formed may not place an R3 stream yet.
      if (attempt > 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

const BASE = Date.now() - 600_000;

async function postUntil202(app: ReturnType<typeof createWeirApp>, events: Click[], key: string): Promise<Response> {
  let res: Response | undefined;
  // A cluster back from losing quorum elects its leaders again: seconds, more on a loaded machine.
  const deadline = Date.now() + 45_000;
  while (res === undefined || Date.now() < deadline) {
    res = await app.request("/events", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(events),
    });
    if (res.status === 202) return res;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return res!;
}

test("a 202 on an R3 stream survives its leader's SIGKILL; without quorum the answer is 503", async () => {
  const log = jetStreamIngestLog<Click>({
    js: jetstream(nc),
    stream: "R3",
    prefix: "r3",
    job: "clicks",
    partitions: 6,
    key: (e) => e.user,
    ackTimeout: 1_500,
  });
  const app = createWeirApp({ log, eventTime: (e: Click) => e.ts });
  const events = Array.from({ length: 300 }, (_, i) => ({ user: `u${i % 11}`, ts: BASE + i }));
  const res = await postUntil202(app, events, "before-kill");
  expect(res.status).toBe(202);
  const { offsets } = await res.json() as { offsets: [number, number] };

  const jsm = await jetstreamManager(nc);
  const leader = (await jsm.streams.info("R3")).cluster?.leader;
  const node = cluster.nodes.find((n) => n.name === leader)!;
  expect(node).toBeDefined();
  await node.kill();
  // Read back from the two others (once they elected a leader): every acknowledged event is there.
  const survivor = cluster.nodes.find((n) => n !== node)!;
  const reader = await connect({ servers: survivor.url });
  try {
    // No API check now: the JetStream API may not answer until the survivors elected new leaders.
    const rjsm = await jetstreamManager(reader, { checkAPI: false });
    let stored = 0;
    for (let attempt = 0; attempt < 80; attempt++) {
      stored = await rjsm.streams.info("R3").then((i) => i.state.messages, () => -1);
      if (stored >= 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stored).toBe(300);
    const first = await rjsm.streams.getMessage("R3", { seq: offsets[0] });
    const last = await rjsm.streams.getMessage("R3", { seq: offsets[1] });
    expect([first!.json<Click>(), last!.json<Click>()]).toEqual([events[0], events[299]]);
  } finally {
    await reader.close();
  }

  // A second node down: one of three cannot acknowledge anything.
  const other = cluster.nodes.find((n) => n !== node && n.running)!;
  await other.kill();
  const t0 = Date.now();
  const refused = await app.request("/events", {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": "no-quorum" },
    body: JSON.stringify(events.slice(0, 10)),
  });
  expect(refused.status).toBe(503);
  expect(Date.now() - t0).toBeLessThan(10_000);

  // Back to quorum: the retry of the refused batch stores it, each event once.
  await Promise.all([node.restart(), other.restart()]);
  const retried = await postUntil202(app, events.slice(0, 10), "no-quorum");
  expect(retried.status).toBe(202);
  expect((await jsm.streams.info("R3")).state.messages).toBe(310);
}, 120_000);
