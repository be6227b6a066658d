/// <reference types="node" />
// Checkpoint cost. Part 1: throughput of a keyed tumbling-window count with 100k open keys, with no
// checkpoints and with a checkpoint every second into each store (memory, fs, Deno KV via @deno/kv or
// Deno.openKv). Part 2: size and time of one checkpoint against the number of open keys.
// Events come from a replayable generating source (no input arrays in memory); the event time stays
// inside one 1-hour window, so every key stays open for the whole run.
//
// Run: npx tsx bench/checkpoint.ts [--seconds 10] [--reps 3] [--keys 100000] [--stores memory,fs,deno-kv]
//  or: node_modules/.bin/deno run -A --unstable-kv bench/checkpoint.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DenoKvStateStore } from "../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../adapters/fs/mod.ts";
import { count, type Source, stream, tumbling } from "../mod.ts";
import type { CheckpointInfo } from "../src/checkpoint/mod.ts";
import { MemoryStateStore, type StateStore } from "../src/state/mod.ts";
import { intArg, prng, stringArg, T0 } from "./_data.ts";

const SECONDS = intArg("seconds", 10);
const REPS = intArg("reps", 3);
const KEYS = intArg("keys", 100_000);
const STORES = stringArg("stores", "memory,fs,deno-kv").split(",");
const CHUNK = 4096;
const isDeno = "Deno" in globalThis;

interface Ev {
  key: string;
  ts: number;
}

/** Lets timers and I/O callbacks run, as a source reading a file or socket does between chunks. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Event i: a pseudo-random key of `keys`, event time T0 + i/1000 (all in the first hour), in chunks of
 * 4096 with a turn of the event loop between chunks.
 */
function events(keys: number, limit: number, counter: { n: number }): Source<Ev> {
  const names = Array.from({ length: keys }, (_, k) => `user-${k}`);
  return {
    kind: "source",
    replayable: true,
    async *open({ offset }) {
      const r = prng(7);
      const from = (offset as number | undefined) ?? 0;
      for (let i = 0; i < from; i++) r();
      for (let i = from; i < limit; i += CHUNK) {
        const values: Ev[] = new Array(Math.min(CHUNK, limit - i));
        for (let j = 0; j < values.length; j++) {
          values[j] = { key: names[Math.floor(r() * keys)]!, ts: T0 + (i + j) / 1000 };
        }
        counter.n += values.length;
        yield { type: "elements", values, offset: i + values.length };
        await tick();
      }
    },
  };
}

interface Opened {
  store: StateStore;
  close(): Promise<void>;
}

async function openStore(name: string, dir: string): Promise<Opened> {
  switch (name) {
    case "memory": {
      const store = new MemoryStateStore();
      return { store, close: () => store.close() };
    }
    case "fs": {
      const store = await FsStateStore.open(join(dir, "fs"));
      return { store, close: () => store.close() };
    }
    case "deno-kv": {
      if (isDeno) {
        const store = await DenoKvStateStore.open(join(dir, "kv.sqlite"));
        return { store, close: () => store.close() };
      }
      const { openKv } = await import("@deno/kv");
      const kv = await openKv(join(dir, "kv.sqlite"));
      const store = await DenoKvStateStore.wrap(kv);
      return {
        store,
        close: async () => {
          await store.close();
          kv.close();
        },
      };
    }
    default:
      throw new Error(`unknown store ${name}`);
  }
}

function pipeline(source: Source<Ev>) {
  return stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 1_000 })
    .keyBy((e) => e.key)
    .window(tumbling(3_600_000))
    .aggregate(count());
}

/**
 * Events per second over `SECONDS` (the run is then aborted), with checkpoints into `store`; also per
 * second of CPU time the process used (all its threads), which other load on the machine does not skew.
 */
async function throughput(store: string | null): Promise<{ rate: number; cpuRate: number; infos: CheckpointInfo[] }> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bench-ckpt-"));
  const opened = store === null ? null : await openStore(store, dir);
  const infos: CheckpointInfo[] = [];
  const counter = { n: 0 };
  const stop = new AbortController();
  // 3.6e9 events would keep ts inside the hour; the run is cut by time long before.
  let s = pipeline(events(KEYS, 3_000_000_000, counter));
  if (opened !== null) {
    s = s.checkpoint({ store: opened.store, id: "bench", every: { ms: 1_000 }, onCheckpoint: (i) => infos.push(i) });
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const timer = setTimeout(() => stop.abort(), SECONDS * 1000);
  try {
    await s.pipeTo(new WritableStream(), { signal: stop.signal });
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearTimeout(timer);
  await opened?.close();
  await rm(dir, { recursive: true, force: true });
  return { rate: counter.n / seconds, cpuRate: counter.n / ((used.user + used.system) / 1e6), infos };
}

/** One checkpoint of a job with `keys` open keys (one event each), into `store`. */
async function oneCheckpoint(store: string, keys: number): Promise<CheckpointInfo> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bench-ckpt-"));
  const opened = await openStore(store, dir);
  const infos: CheckpointInfo[] = [];
  const names = Array.from({ length: keys }, (_, k) => ({ key: `user-${k}`, ts: T0 + k / 1000 }));
  const source: Source<Ev> = {
    kind: "source",
    replayable: true,
    *open() {
      yield { type: "elements", values: names, offset: keys };
      // Stops here (the consumer returns once the checkpoint is durable), before the end of input fires the windows.
      yield { type: "watermark", watermark: T0 };
    },
  };
  const it = pipeline(source)
    .checkpoint({ store: opened.store, id: "size", every: { events: keys }, onCheckpoint: (i) => infos.push(i) })
    [Symbol.asyncIterator]();
  while (infos.length === 0) {
    const r = await it.next();
    if (r.done) break;
  }
  await it.return?.(undefined);
  await opened.close();
  await rm(dir, { recursive: true, force: true });
  return infos[0]!;
}

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

console.log(
  `weir checkpoint benchmark: ${
    KEYS.toLocaleString("en-US")
  } open keys, ${SECONDS} s per run, median of ${REPS} runs, ` +
    `${
      isDeno
        ? "Deno " + (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno
        : "Node " + process.version
    }`,
);
console.log(
  "\nPart 1: throughput with a checkpoint every second (configurations interleaved, so load drift hits all alike)",
);
console.log("store      events/s     cost  events/CPU-s     cost   ckpts  pause ms  write ms  MiB/ckpt  entries/ckpt");
const configs: (string | null)[] = [null, ...STORES];
const runs = new Map<string | null, { rate: number; cpuRate: number; infos: CheckpointInfo[] }[]>(
  configs.map((c) => [c, []]),
);
for (let r = 0; r < REPS; r++) for (const c of configs) runs.get(c)!.push(await throughput(c));
const base = median(runs.get(null)!.map((x) => x.rate));
const cpuBase = median(runs.get(null)!.map((x) => x.cpuRate));
console.log(`none    ${fmt(base).padStart(11)}        -  ${fmt(cpuBase).padStart(12)}        -`);
for (const name of STORES) {
  const rs = runs.get(name)!;
  const rate = median(rs.map((x) => x.rate));
  const cpuRate = median(rs.map((x) => x.cpuRate));
  const infos = rs.flatMap((x) => x.infos);
  console.log(
    `${name.padEnd(7)} ${fmt(rate).padStart(11)} ${fmt(((base - rate) / base) * 100, 1).padStart(7)} %` +
      `  ${fmt(cpuRate).padStart(12)} ${fmt(((cpuBase - cpuRate) / cpuBase) * 100, 1).padStart(7)} %` +
      `${fmt(infos.length / REPS, 1).padStart(7)} ${fmt(mean(infos.map((i) => i.pauseMs)), 1).padStart(9)}` +
      ` ${fmt(mean(infos.map((i) => i.durationMs)), 1).padStart(9)} ${
        fmt(mean(infos.map((i) => i.bytes)) / 2 ** 20, 2).padStart(9)
      }` +
      ` ${fmt(mean(infos.map((i) => i.entries))).padStart(13)}`,
  );
}

console.log("\nPart 2: one checkpoint against state size (median of 3)");
console.log("store      keys       MiB  entries  pause ms  write ms");
for (const name of STORES) {
  for (const keys of [1_000, 10_000, 100_000, 1_000_000]) {
    const infos: CheckpointInfo[] = [];
    for (let r = 0; r < 3; r++) infos.push(await oneCheckpoint(name, keys));
    console.log(
      `${name.padEnd(7)} ${fmt(keys).padStart(9)} ${fmt(median(infos.map((i) => i.bytes)) / 2 ** 20, 2).padStart(9)}` +
        ` ${fmt(median(infos.map((i) => i.entries))).padStart(8)} ${
          fmt(median(infos.map((i) => i.pauseMs)), 1).padStart(9)
        }` +
        ` ${fmt(median(infos.map((i) => i.durationMs)), 1).padStart(9)}`,
    );
  }
}
