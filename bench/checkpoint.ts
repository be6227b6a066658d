/// <reference types="node" />
// Checkpoint cost. Part 1: throughput of a keyed tumbling-window count (or W1's {count, sum}) with 100k
// open keys, with no checkpoints and with a checkpoint every second into each store (memory, fs, Deno
// KV via @deno/kv or Deno.openKv). Part 2: size and time of one checkpoint against the number of open
// keys. Events come from a replayable generating source (no input arrays in memory); the event time
// stays inside one 1-hour window, so every key stays open for the whole run.
// The pause is what the job waits for at the barrier; the stall is the longest the event loop (so the
// job) was blocked in one go: in part 1 over the whole run (the steps themselves included, so compare
// with "none"), in part 2 after the pause until the checkpoint was durable (encoding slices, writes).
//
// "idle" in --stores is a checkpointed run into memory with no checkpoint due (part 1 only): what checkpointing
// costs a job between checkpoints.
// Run: npx tsx bench/checkpoint.ts [--seconds 10] [--reps 3] [--keys 100000] [--stores memory,fs,deno-kv,idle]
//        [--sizes 1000,10000,100000,1000000] [--aggregate count|count-sum] [--window tumbling|session]
//  or: node_modules/.bin/deno run -A --unstable-kv bench/checkpoint.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DenoKvStateStore } from "../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../adapters/fs/mod.ts";
import { count, session, type Source, type Stream, stream, sum, tumbling, type WindowResult } from "../mod.ts";
import type { CheckpointInfo } from "../src/checkpoint/mod.ts";
import { MemoryStateStore, type StateStore } from "../src/state/mod.ts";
import { intArg, prng, stringArg, T0 } from "./_data.ts";

const SECONDS = intArg("seconds", 10);
const REPS = intArg("reps", 3);
const KEYS = intArg("keys", 100_000);
const STORES = stringArg("stores", "memory,fs,deno-kv").split(",");
const SIZES = stringArg("sizes", "1000,10000,100000,1000000").split(",").map(Number);
const AGGREGATE = stringArg("aggregate", "count");
if (AGGREGATE !== "count" && AGGREGATE !== "count-sum") throw new RangeError("--aggregate must be count or count-sum");
// tumbling: one 1-hour window per key (the sliced engine); session: one session per key with a 1-hour gap
// (the session engine)
const WINDOW = stringArg("window", "tumbling");
if (WINDOW !== "tumbling" && WINDOW !== "session") throw new RangeError("--window must be tumbling or session");
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
    case "memory":
    case "idle": {
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

function pipeline(source: Source<Ev>): Stream<WindowResult<string, unknown>> {
  const windowed = stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 1_000 })
    .keyBy((e) => e.key)
    .window(WINDOW === "tumbling" ? tumbling(3_600_000) : session(3_600_000));
  // count-sum: W1's accumulator, a small array per key that the combiner changes in place.
  const aggregated = AGGREGATE === "count" ? windowed.aggregate(count()) : windowed.aggregate({
    count: count(),
    sum: sum((e: Ev) => e.key.length),
  });
  return aggregated as Stream<WindowResult<string, unknown>>;
}

/** The longest the event loop went without a turn, counted from `since()` on, until stopped. */
function stallMonitor(since: () => number = () => 0): { stop(): number } {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const loop = () => {
    if (!running) return;
    const now = performance.now();
    const from = Math.max(last, since());
    if (now - from > longest) longest = now - from;
    last = now;
    setImmediate(loop);
  };
  setImmediate(loop);
  return {
    stop() {
      running = false;
      return longest;
    },
  };
}

/**
 * Events per second over `SECONDS` (the run is then aborted), with checkpoints into `store`; also per
 * second of CPU time the process used (all its threads), which other load on the machine does not skew.
 */
async function throughput(
  store: string | null,
): Promise<{ rate: number; cpuRate: number; stall: number; infos: CheckpointInfo[] }> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bench-ckpt-"));
  const opened = store === null ? null : await openStore(store, dir);
  const infos: CheckpointInfo[] = [];
  const counter = { n: 0 };
  const stop = new AbortController();
  // 3.6e9 events would keep ts inside the hour; the run is cut by time long before.
  let s = pipeline(events(KEYS, 3_000_000_000, counter));
  if (opened !== null) {
    // idle: checkpointed, into memory, but with no checkpoint due during the run (the cost of the run itself)
    const every = { ms: store === "idle" ? 1e12 : 1_000 };
    s = s.checkpoint({ store: opened.store, id: "bench", every, onCheckpoint: (i) => infos.push(i) });
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const timer = setTimeout(() => stop.abort(), SECONDS * 1000);
  // From the second second on: the first one builds the keys' state.
  const monitor = stallMonitor(() => started + 1000);
  try {
    await s.pipeTo(new WritableStream(), { signal: stop.signal });
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
  const stall = monitor.stop();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearTimeout(timer);
  await opened?.close();
  await rm(dir, { recursive: true, force: true });
  return { rate: counter.n / seconds, cpuRate: counter.n / ((used.user + used.system) / 1e6), stall, infos };
}

/**
 * Checkpoints of a job with `keys` open keys, into `store`: one after an event for each key, then
 * `again` more, each after another event for each key (the same keys, their accumulators changed).
 * With each, the longest stall after its pause until it was durable.
 */
async function checkpoints(
  store: string,
  keys: number,
  again: number,
): Promise<(CheckpointInfo & { stall: number })[]> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bench-ckpt-"));
  const opened = await openStore(store, dir);
  const infos: (CheckpointInfo & { stall: number })[] = [];
  let durable = () => {};
  let resumed = Infinity;
  // (each round starts its own monitor: a monitor left running keeps the process alive, busy, forever)
  let monitor = { stop: () => 0 };
  const names = Array.from({ length: keys }, (_, k) => ({ key: `user-${k}`, ts: T0 + k / 1000 }));
  const source: Source<Ev> = {
    kind: "source",
    replayable: true,
    async *open() {
      for (let r = 0; r <= again; r++) {
        // Set up before the step: a checkpoint into the memory store is durable before the job reads on.
        const done = new Promise<void>((resolve) => (durable = resolve));
        resumed = Infinity;
        monitor.stop();
        monitor = stallMonitor(() => resumed);
        yield { type: "elements", values: names, offset: (r + 1) * keys };
        // The job asks for more once the checkpoint's pause is over; it then waits, idle, until the
        // checkpoint is durable (and after the last, the consumer returns before the windows fire).
        resumed = performance.now();
        await done;
      }
      yield { type: "watermark", watermark: T0 };
    },
  };
  const onCheckpoint = (i: CheckpointInfo) => {
    infos.push({ ...i, stall: monitor.stop() });
    durable();
  };
  const it = pipeline(source)
    .checkpoint({ store: opened.store, id: "size", every: { events: keys }, onCheckpoint })
    [Symbol.asyncIterator]();
  while (infos.length <= again) {
    const r = await it.next();
    if (r.done) break;
  }
  await it.return?.(undefined);
  monitor.stop();
  await opened.close();
  await rm(dir, { recursive: true, force: true });
  return infos;
}

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

console.log(
  `weir checkpoint benchmark: ${
    KEYS.toLocaleString("en-US")
  } open keys, ${WINDOW} windows, aggregate ${AGGREGATE}, ${SECONDS} s per run, median of ${REPS} runs, ` +
    `${
      isDeno
        ? "Deno " + (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno
        : "Node " + process.version
    }`,
);
console.log(
  "\nPart 1: throughput with a checkpoint every second (configurations interleaved, so load drift hits all alike)",
);
console.log(
  "store      events/s     cost  events/CPU-s     cost   ckpts  pause ms  write ms  MiB/ckpt  entries/ckpt  stall ms",
);
const configs: (string | null)[] = [null, ...STORES];
const runs = new Map<string | null, { rate: number; cpuRate: number; stall: number; infos: CheckpointInfo[] }[]>(
  configs.map((c) => [c, []]),
);
for (let r = 0; r < REPS; r++) for (const c of configs) runs.get(c)!.push(await throughput(c));
const base = median(runs.get(null)!.map((x) => x.rate));
const cpuBase = median(runs.get(null)!.map((x) => x.cpuRate));
const stallBase = median(runs.get(null)!.map((x) => x.stall));
console.log(
  `none    ${fmt(base).padStart(11)}        -  ${fmt(cpuBase).padStart(12)}        -${" ".repeat(57)}${
    fmt(stallBase, 1).padStart(8)
  }`,
);
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
      ` ${fmt(mean(infos.map((i) => i.entries))).padStart(13)} ${fmt(median(rs.map((x) => x.stall)), 1).padStart(9)}`,
  );
}

console.log(
  "\nPart 2: checkpoints against state size (first: the first of a job; then: each later one; median of 3 jobs)",
);
console.log(
  "store      keys       MiB  entries  first: pause ms  stall ms  write ms  then: pause ms  stall ms  write ms",
);
for (const name of STORES.filter((s) => s !== "idle")) {
  for (const keys of SIZES) {
    const firsts: (CheckpointInfo & { stall: number })[] = [];
    const thens: (CheckpointInfo & { stall: number })[] = [];
    for (let r = 0; r < 3; r++) {
      const [first, ...then] = await checkpoints(name, keys, 3);
      firsts.push(first!);
      thens.push(...then);
    }
    const col = (xs: (CheckpointInfo & { stall: number })[]) =>
      `${fmt(median(xs.map((i) => i.pauseMs)), 1).padStart(9)} ${fmt(median(xs.map((i) => i.stall)), 1).padStart(9)} ${
        fmt(median(xs.map((i) => i.durationMs)), 1).padStart(9)
      }`;
    console.log(
      `${name.padEnd(7)} ${fmt(keys).padStart(9)} ${fmt(median(firsts.map((i) => i.bytes)) / 2 ** 20, 2).padStart(9)}` +
        ` ${fmt(median(firsts.map((i) => i.entries))).padStart(8)}       ${col(firsts)}       ${col(thens)}`,
    );
  }
}
