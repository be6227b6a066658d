// Throughput of each StateStore for 1 KiB and 1 MiB values: sequential awaited puts, sequential gets, and
// one batch of the same number of puts. Durable stores wait for the disk on every write (fsync), which is
// what these numbers are about.
// Run: npx tsx bench/state_stores.ts (memory, fs, IndexedDB via fake-indexeddb, Deno KV via @deno/kv)
//  or: node_modules/.bin/deno run -A --unstable-kv bench/state_stores.ts (memory, fs, Deno KV via Deno.openKv)
import "fake-indexeddb/auto"; // IDB globals for idb under Node; unused under Deno
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DenoKvStateStore } from "../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../adapters/fs/mod.ts";
import { IdbStateStore } from "../adapters/idb/mod.ts";
import { MemoryStateStore, type StateStore } from "../src/state/mod.ts";

interface Subject {
  name: string;
  open(dir: string): Promise<{ store: StateStore; release(): void }>;
}

const isDeno = "Deno" in globalThis;

const subjects: Subject[] = [
  { name: "memory", open: () => Promise.resolve({ store: new MemoryStateStore(), release: () => undefined }) },
  { name: "fs", open: async (dir) => ({ store: await FsStateStore.open(join(dir, "fs")), release: () => undefined }) },
  isDeno
    ? {
      name: "deno-kv (Deno.openKv, file)",
      open: async (dir) => ({ store: await DenoKvStateStore.open(join(dir, "kv.sqlite")), release: () => undefined }),
    }
    : {
      name: "deno-kv (@deno/kv, file)",
      open: async (dir) => {
        const { openKv } = await import("@deno/kv");
        const kv = await openKv(join(dir, "kv.sqlite"));
        return { store: await DenoKvStateStore.wrap(kv), release: () => kv.close() };
      },
    },
];
if (!isDeno) {
  subjects.push({
    name: "idb (fake-indexeddb, in memory)",
    open: async () => {
      const { IDBFactory } = await import("fake-indexeddb");
      return { store: await IdbStateStore.open("bench", { indexedDB: new IDBFactory() }), release: () => undefined };
    },
  });
}

const sizes = [
  { label: "1 KiB", bytes: 1024, n: 300 },
  { label: "1 MiB", bytes: 1024 * 1024, n: 20 },
];

function value(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) out[i] = (seed + i) & 0xff;
  return out;
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const rate = (n: number, bytes: number, s: number) =>
  `${Math.round(n / s).toString().padStart(7)} op/s ${(n * bytes / s / 1048576).toFixed(1).padStart(7)} MiB/s`;

console.log(`state store throughput on ${isDeno ? "Deno" : `Node ${process.version}`}`);
console.log("store".padEnd(34), "value ", "put".padEnd(28), "get".padEnd(28), "batch (one batch of n puts)");
for (const subject of subjects) {
  for (const { label, bytes, n } of sizes) {
    const dir = await mkdtemp(join(tmpdir(), "weir-bench-"));
    const { store, release } = await subject.open(dir);
    const keys = Array.from({ length: n }, (_, i) => `bench/${String(i).padStart(6, "0")}`);
    const values = keys.map((_, i) => value(bytes, i));
    const put = await time(async () => {
      for (let i = 0; i < n; i++) await store.put(keys[i]!, values[i]!);
    });
    const get = await time(async () => {
      for (const k of keys) if ((await store.get(k))?.length !== bytes) throw new Error(`lost ${k}`);
    });
    const batch = await time(() =>
      store.batch(keys.map((k, i) => ({ type: "put", key: `b/${k}`, value: values[i]! })))
    );
    await store.close();
    release();
    await rm(dir, { recursive: true, force: true });
    console.log(
      subject.name.padEnd(34),
      label.padEnd(6),
      rate(n, bytes, put),
      " ",
      rate(n, bytes, get),
      " ",
      rate(n, bytes, batch),
      ` (n = ${n})`,
    );
  }
}
