// NatsKvStateStore against a real nats-server: the StateStore contract, chunking to max_payload, and
// fencing (a store whose prefix another object claimed cannot commit).
import { spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { Kvm } from "@nats-io/kv";
import { jetstreamManager } from "@nats-io/jetstream";
import { FencedError, NatsKvStateStore } from "../../adapters/nats/mod.ts";
import {
  dataKey,
  decodeHead,
  decodeHeader,
  encodeHead,
  encodeInline,
  encodeLog,
  keyToken,
} from "../../adapters/nats/_nats_kv_layout.ts";
import { StateStoreError } from "../../src/state/mod.ts";
import { pseudoRandomBytes, stateStoreContract, type StateStoreHarness } from "../contract/state_store_contract.ts";
import { storedGeneration } from "./_state_store_generations.ts";
import { type NatsNode, startNats, startNatsCluster } from "./_nats_server.ts";

let server: NatsNode;
let nc: NatsConnection;
let stores = 0;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
}, 30_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

async function harness(): Promise<StateStoreHarness> {
  const prefix = `contract.s${++stores}`;
  const opened = [await NatsKvStateStore.open(nc, { bucket: "contract", prefix })];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await NatsKvStateStore.open(nc, { bucket: "contract", prefix }));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
    },
  };
}

describe("NatsKvStateStore contract", () => {
  for (const s of stateStoreContract("nats-kv", harness)) test(s.name, () => s.run(), 60_000);
});

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
const equalBytes = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.compare(a, b) === 0;

/** Every key the bucket holds under `prefix`, relative to it, sorted. */
async function rawKeys(bucket: string, prefix: string): Promise<string[]> {
  const kv = await new Kvm(nc).open(bucket);
  const keys: string[] = [];
  for await (const k of await kv.keys(`${prefix}.>`)) keys.push(k.slice(prefix.length + 1));
  return keys.sort();
}

describe("NatsKvStateStore", () => {
  test("values are chunked below the server's max_payload, and replaced chunks are purged", async () => {
    const store = await NatsKvStateStore.open(nc, { bucket: "layout", prefix: "chunks" });
    const big = pseudoRandomBytes(3_000_000, 7);
    await store.put("big", big);
    const keys = await rawKeys("layout", "chunks");
    const chunks = keys.filter((k) => k.startsWith("c."));
    expect(chunks.length).toBe(3);
    const kv = await new Kvm(nc).open("layout");
    for (const c of chunks) {
      expect((await kv.get(`chunks.${c}`))!.length).toBeLessThanOrEqual(nc.info!.max_payload);
    }
    expect(equalBytes(await store.get("big"), big)).toBe(true);
    await store.put("big", enc("small now"));
    expect(await rawKeys("layout", "chunks")).toEqual(["d.k626967", "h"]);
    expect(dec(await store.get("big"))).toBe("small now");
    await store.close();
  }, 30_000);

  test("a batch whose log exceeds one message commits through log parts, which the next commit purges", async () => {
    const store = await NatsKvStateStore.open(nc, { bucket: "layout", prefix: "parts" });
    const ops = Array.from({ length: 300 }, (_, i) => ({
      type: "put" as const,
      key: `k/${String(i).padStart(3, "0")}`,
      value: pseudoRandomBytes(8 * 1024, i + 1),
    }));
    await store.batch(ops);
    const parts = (await rawKeys("layout", "parts")).filter((k) => k.startsWith("l."));
    expect(parts.length).toBe(3); // 300 x 8 KiB values in the log, under 1 MiB per part
    const again = await NatsKvStateStore.open(nc, { bucket: "layout", prefix: "parts" });
    expect((await again.list("k/")).length).toBe(300);
    for (const op of [ops[0]!, ops[150]!, ops[299]!]) expect(equalBytes(await again.get(op.key), op.value)).toBe(true);
    await again.put("k/000", enc("replaced"));
    expect((await rawKeys("layout", "parts")).filter((k) => k.startsWith("l."))).toEqual([]);
    await store.close();
    await again.close();
  }, 30_000);

  test(
    "opening redoes a committed batch whose headers were never written (a crash between commit and apply)",
    async () => {
      const store = await NatsKvStateStore.open(nc, { bucket: "layout", prefix: "redo" });
      await store.put("a", enc("old"));
      await store.close();
      // What a crash right after the commit leaves: the head holds the batch's log, no header was written.
      const kv = await new Kvm(nc).open("layout");
      const head = (await kv.get("redo.h"))!;
      const { meta } = decodeHead(head.value);
      const log = encodeLog([
        { key: dataKey(keyToken("a")), value: encodeInline(enc("new")) },
        { key: dataKey(keyToken("b")), value: encodeInline(enc("added")) },
      ]);
      await kv.update(
        "redo.h",
        encodeHead({ ...meta, gen: meta.gen + 1, batch: "00000000000000aa", parts: 0 }, log),
        head.revision,
      );
      expect(dec((await kv.get(`redo.${dataKey(keyToken("a"))}`))!.value.subarray(1))).toBe("old");

      const reopened = await NatsKvStateStore.open(nc, { bucket: "layout", prefix: "redo" });
      expect(await reopened.list("")).toEqual(["a", "b"]);
      expect([dec(await reopened.get("a")), dec(await reopened.get("b"))]).toEqual(["new", "added"]);
      await reopened.close();
    },
    30_000,
  );

  test(
    "a store whose prefix another object claimed cannot commit, refuses further writes, and leaves the other's data intact",
    async () => {
      const first = await NatsKvStateStore.open(nc, { bucket: "fence", prefix: "job.p0", owner: "worker-1" });
      await first.put("ckpt/1", enc("first"));
      const second = await NatsKvStateStore.open(nc, { bucket: "fence", prefix: "job.p0", owner: "worker-1b" });
      expect(second.owner).toMatch(/^worker-1b#[0-9a-f]{16}$/);
      expect(dec(await second.get("ckpt/1"))).toBe("first");
      await second.batch([{ type: "put", key: "ckpt/2", value: enc("second") }, { type: "delete", key: "ckpt/1" }]);

      const refused = await first.batch([
        { type: "put", key: "ckpt/2", value: enc("zombie") },
        { type: "put", key: "ckpt/big", value: pseudoRandomBytes(2_500_000, 3) },
      ]).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(FencedError);
      expect(refused).toBeInstanceOf(StateStoreError);
      expect((refused as FencedError).owner).toBe(first.owner);
      expect((refused as FencedError).claimedBy).toBe(second.owner);
      expect((refused as Error).message).toBe(
        `Cannot apply batch of 2 ops as ${first.owner} no longer owns the NATS KV state store fence/job.p0: ` +
          `${second.owner} claimed it since; nothing was applied and this store refuses further calls`,
      );
      await expect(first.put("ckpt/3", enc("zombie"))).rejects.toBeInstanceOf(FencedError);

      expect(await second.list("")).toEqual(["ckpt/2"]);
      expect(dec(await second.get("ckpt/2"))).toBe("second");
      // The refused batch's chunks were purged: only the second store's entries remain.
      expect(await rawKeys("fence", "job.p0")).toEqual([`d.${keyToken("ckpt/2")}`, "h"]);
      await first.close();
      await second.close();
    },
    30_000,
  );

  test("verifyOwnership() reads the head: it passes while the store owns its prefix, then fences it", async () => {
    const first = await NatsKvStateStore.open(nc, { bucket: "fence", prefix: "job.p9", owner: "w1" });
    await first.verifyOwnership();
    const second = await NatsKvStateStore.open(nc, { bucket: "fence", prefix: "job.p9", owner: "w2" });
    const error = await first.verifyOwnership().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FencedError);
    expect((error as FencedError).claimedBy).toBe(second.owner);
    await expect(first.put("k", enc("zombie"))).rejects.toBeInstanceOf(FencedError);
    await second.verifyOwnership();
    expect(await second.list("")).toEqual([]);
    await first.close();
    await second.close();
  }, 30_000);

  test("stores under different prefixes of one bucket are independent", async () => {
    const a = await NatsKvStateStore.open(nc, { bucket: "fence", prefix: "job.p1" });
    const b = await NatsKvStateStore.open(nc, { bucket: "fence", prefix: "job.p2" });
    await a.put("k", enc("a"));
    await b.put("k", enc("b"));
    expect([dec(await a.get("k")), dec(await b.get("k"))]).toEqual(["a", "b"]);
    await a.put("k2", enc("a2")); // b opening did not fence a
    await a.close();
    await b.close();
  }, 30_000);

  test("options are checked", async () => {
    await expect(NatsKvStateStore.open(nc, { prefx: "x" } as never)).rejects.toThrow(
      'Cannot open NATS KV state store as "prefx" is not an option (did you mean "prefix"?)',
    );
    await expect(NatsKvStateStore.open(nc, { prefix: "a..b" })).rejects.toThrow(
      'Cannot open NATS KV state store as prefix must be tokens of [-/_=a-zA-Z0-9] joined by dots: current value is "a..b"',
    );
    await expect(NatsKvStateStore.open(nc, { bucket: "a.b" })).rejects.toThrow(TypeError);
    await expect(NatsKvStateStore.open(nc, { replicas: 2 })).rejects.toThrow(
      "Cannot open NATS KV state store as replicas must be 1, 3 or 5: current value is 2",
    );
    await expect(NatsKvStateStore.open({} as never)).rejects.toThrow(TypeError);
    await expect(NatsKvStateStore.open(nc, { retryMs: -1 })).rejects.toThrow(
      "Cannot open NATS KV state store as retryMs must be a number >= 0: current value is -1",
    );
  }, 30_000);
});

describe("NatsKvStateStore crashes", () => {
  const CHILD = fileURLToPath(new URL("./_nats_kv_crash_child.ts", import.meta.url));

  /** The generations the inline headers hold, and chunks and logs that neither a header nor the head names. */
  async function rawState(): Promise<{ generations: Set<number>; garbage: string[] }> {
    const keys = await rawKeys("crash", "gens");
    const kv = await new Kvm(nc).open("crash");
    const head = decodeHead((await kv.get("gens.h"))!.value).meta;
    const named = new Set<string>();
    const generations = new Set<number>();
    for (const k of keys.filter((k) => k.startsWith("d."))) {
      const header = decodeHeader((await kv.get(`gens.${k}`))!.value);
      if ("blob" in header) named.add(`${k.slice(2)}.${header.blob.id}`);
      else if (header.inline.length >= 4) generations.add(new DataView(header.inline.slice().buffer).getUint32(0));
    }
    const garbage = keys.filter((k) =>
      (k.startsWith("c.") && !named.has(k.split(".").slice(1, 3).join("."))) ||
      (k.startsWith("l.") && k.split(".")[1] !== head.batch)
    );
    return { generations, garbage };
  }

  test(
    "a batch survives SIGKILL at any moment all-or-nothing, and reopening leaves no garbage (10 kills, seeded)",
    async () => {
      let x = 0x5eed;
      const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      let generation = 0;
      let halfApplied = 0;
      let uncommitted = 0;
      for (let round = 0; round < 10; round++) {
        const child = spawn(process.execPath, ["--import", "tsx", CHILD, server.url, "gens", String(generation + 1)], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        const exited = once(child, "exit");
        let err = "";
        child.stderr!.on("data", (d) => (err += String(d)));
        const commits = 1 + (next() % 2);
        await new Promise<void>((resolve, reject) => {
          let seen = 0;
          child.stdout!.on("data", (d: Buffer) => {
            seen += String(d).split("\n").filter((l) => l.startsWith("committed ")).length;
            if (seen >= commits) resolve();
          });
          child.once("exit", (code) => reject(new Error(`child exited (${code}):\n${err}`)));
        });
        // A generation takes tens of milliseconds: kill somewhere inside the next one.
        await new Promise((resolve) => setTimeout(resolve, next() % 60));
        child.kill("SIGKILL");
        await exited;

        // What the kill left, before any recovery: a half-applied batch (headers of two generations) or
        // unreferenced chunks and logs of a batch that never committed.
        const left = await rawState();
        if (left.generations.size > 1) halfApplied++;
        if (left.garbage.length > 0) uncommitted++;

        const store = await NatsKvStateStore.open(nc, { bucket: "crash", prefix: "gens" });
        const g = await storedGeneration(store);
        expect(g, `round ${round}`).toBeGreaterThanOrEqual(generation + commits);
        generation = g;
        await store.close();
        // After the open's recovery: headers, the chunks they name and the head's log, nothing else.
        const after = await rawState();
        expect(after.garbage, `round ${round}`).toEqual([]);
        expect([...after.generations], `round ${round}`).toEqual([g]);
      }
      // The kills landed inside batches, not only between them (seeded, so the same every run).
      console.log(`NatsKvStateStore crashes: ${halfApplied} kills mid-apply, ${uncommitted} before a commit`);
      expect(halfApplied + uncommitted).toBeGreaterThan(0);
    },
    240_000,
  );
});

describe("NatsKvStateStore on a 3-node cluster", () => {
  test(
    "an R3 store rides through the SIGKILL of its stream leader's node and keeps every committed batch",
    async () => {
      const cluster = await startNatsCluster(3);
      const client = await connect({ servers: cluster.servers });
      try {
        const store = await NatsKvStateStore.open(client, { bucket: "r3", prefix: "job.p0", replicas: 3 });
        const big = pseudoRandomBytes(2_500_000, 5);
        await store.batch([
          ...Array.from({ length: 20 }, (_, i) => ({ type: "put" as const, key: `k/${i}`, value: enc(`v${i}`) })),
          { type: "put", key: "big", value: big },
        ]);
        const jsm = await jetstreamManager(client);
        const info = await jsm.streams.info("KV_r3");
        expect(info.config.num_replicas).toBe(3);
        const leader = cluster.nodes.find((n) => n.name === info.cluster?.leader)!;
        await leader.kill();

        // The next writes wait (retrying) until the two survivors elect a leader, then go through.
        await store.batch([{ type: "put", key: "k/0", value: enc("after") }, { type: "delete", key: "k/1" }]);
        await store.put("k/20", enc("v20"));
        expect(dec(await store.get("k/0"))).toBe("after");
        await leader.restart();

        const again = await NatsKvStateStore.open(client, { bucket: "r3", prefix: "job.p0" });
        expect((await again.list("k/")).length).toBe(20);
        expect([dec(await again.get("k/0")), await again.get("k/1"), dec(await again.get("k/20"))]).toEqual([
          "after",
          undefined,
          "v20",
        ]);
        expect(equalBytes(await again.get("big"), big)).toBe(true);
        await expect(store.put("k/21", enc("zombie"))).rejects.toBeInstanceOf(FencedError);
        await again.close();
      } finally {
        await client.close();
        await cluster.stop();
      }
    },
    120_000,
  );
});
