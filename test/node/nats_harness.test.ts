// The nats-server harness (_nats_server.ts) that the NATS adapter tests rely on: one node with
// JetStream, a 3-node cluster whose R3 stream survives the SIGKILL of one node, and no process left behind.
import { afterAll, describe, expect, test } from "vitest";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsCluster, type NatsNode, startNats, startNatsCluster } from "./_nats_server.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startNats()", () => {
  let node: NatsNode | undefined;
  afterAll(() => node?.stop());

  test("runs one JetStream server that stores and returns messages, and stop() ends it", async () => {
    node = await startNats();
    expect(alive(node.pid)).toBe(true);
    const nc = await connect({ servers: node.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "h", subjects: ["h.>"] });
    const js = jetstream(nc);
    const ack = await js.publish("h.1", "one");
    expect(ack.seq).toBe(1);
    const msg = await jsm.streams.getMessage("h", { seq: 1 });
    expect(msg?.string()).toBe("one");
    await nc.close();
    const pid = node.pid;
    await node.stop();
    expect(alive(pid)).toBe(false);
  }, 30_000);
});

describe("startNatsCluster(3)", () => {
  let cluster: NatsCluster | undefined;
  afterAll(() => cluster?.stop());

  test("an R3 stream keeps every acknowledged message when one node is SIGKILLed and restarted", async () => {
    cluster = await startNatsCluster(3);
    const ports = new Set(cluster.nodes.flatMap((n) => [n.port, n.clusterPort]));
    expect(ports.size).toBe(6);
    const nc = await connect({ servers: cluster.servers });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name: "r3", subjects: ["r3.>"], num_replicas: 3 });
    expect(info.config.num_replicas).toBe(3);
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) await js.publish(`r3.${i}`, String(i));

    // Kill the stream's leader, the hardest case: the others must elect a new one.
    const leaderName = (await jsm.streams.info("r3")).cluster?.leader;
    const victim = cluster.nodes.find((n) => n.name === leaderName) ?? cluster.nodes[0]!;
    const pid = victim.pid;
    await victim.kill();
    expect(alive(pid)).toBe(false);
    expect(victim.running).toBe(false);

    const survivor = cluster.nodes.find((n) => n !== victim)!;
    const nc2 = await connect({ servers: survivor.url });
    const js2 = jetstream(nc2, { timeout: 10_000 });
    for (let i = 10; i < 20; i++) await publishRetrying(js2, `r3.${i}`, String(i));

    await victim.restart();
    expect(victim.pid).not.toBe(pid);
    // Read every message from the restarted node itself once it caught up.
    const nc3 = await connect({ servers: victim.url });
    const jsm3 = await jetstreamManager(nc3);
    const deadline = Date.now() + 20_000;
    let messages = 0;
    while (Date.now() < deadline) {
      try {
        messages = (await jsm3.streams.info("r3")).state.messages;
        if (messages === 20) break;
      } catch {
        // The stream is still electing a leader after the restart.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(messages).toBe(20);
    for (let seq = 1; seq <= 20; seq++) {
      expect((await jsm3.streams.getMessage("r3", { seq }))?.string()).toBe(String(seq - 1));
    }
    await Promise.all([nc.close(), nc2.close(), nc3.close()]);

    const pids = cluster.nodes.map((n) => n.pid);
    await cluster.stop();
    expect(pids.map(alive)).toEqual([false, false, false]);
  }, 90_000);
});

/** Publishes, retrying while the stream elects a new leader after a node died. */
async function publishRetrying(js: ReturnType<typeof jetstream>, subject: string, data: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await js.publish(subject, data, { msgID: subject });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
