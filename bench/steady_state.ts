/// <reference types="node" />
// weir against the plain loop in steady state: one workload, one key count, many reps of the whole
// pipeline (`stream(array)` → withEventTime → keyBy → window → aggregate({ count, sum }) → forEach),
// each followed by the plain loop and by @most/core doing the same windowing event by event (bench/_most.ts,
// as in windows.ts), on the same events, the first `--warmup` reps untimed. No forced GC
// between reps unless `--gc-between` is given, as `windows.ts` does before every timed run. A full GC
// throws away V8's optimized code compiled against objects and functions it finds dead; since the
// eighth session weir keeps what its own code is compiled against (src/operators/shapes.ts), but the
// pipeline's arrow functions below are made anew for each rep, so the code that inlined them is still
// recompiled after each forced GC: `--gc-between` shows what that costs each implementation.
//
// Run: node_modules/.bin/esbuild bench/steady_state.ts --bundle --platform=node --format=esm --outfile=/tmp/ss.mjs
//      node [--expose-gc] /tmp/ss.mjs [--workload w1|w2|w3] [--keys 1000] [--events 1000000] [--reps 15]
//      [--warmup 4] [--gc-between] [--key-type number|string|id]
import { loopWorkload, windowerFor } from "./_baselines.ts";
import { runMost } from "./_most.ts";
import { weirWorkload } from "./_weir.ts";
import { type BenchEvent, burstyEvents, intArg, materialize, stringArg, uniformEvents } from "./_data.ts";

const workload = stringArg("workload", "w1");
if (!["w1", "w2", "w3"].includes(workload)) {
  throw new RangeError(`--workload must be w1, w2 or w3: current value is ${workload}`);
}
const keys = intArg("keys", 1_000);
const N = intArg("events", 1_000_000);
const REPS = intArg("reps", 15);
const WARMUP = intArg("warmup", 4);
const gcBetween = process.argv.includes("--gc-between");
const gc = (globalThis as { gc?: () => void }).gc;
if (gcBetween && gc === undefined) throw new Error("--gc-between needs node --expose-gc");

// `--key-type string`: every key as a string ("user-17"), for weir, the loop and @most/core alike. weir
// finds the slot of a number key in [0, 2^16) in an array instead of a Map (sliced engine): string keys
// show what a Map lookup per element costs each of them.
// `--key-type id`: every key a number past 2^16 (1,000,000 + the key, as ids usually are), which the
// sliced engine keeps in a Map, as it does strings.
const keyType = stringArg("key-type", "number");
if (keyType !== "number" && keyType !== "string" && keyType !== "id") {
  throw new RangeError(`--key-type must be number, string or id: current value is ${keyType}`);
}
const generated = materialize(workload === "w3" ? burstyEvents(N, 1, keys) : uniformEvents(N, 1, keys));
const events: BenchEvent[] = keyType === "number"
  ? generated
  : keyType === "id"
  ? generated.map((e) => ({ key: 1_000_000 + e.key, ts: e.ts, value: e.value }))
  : generated.map((e) => ({ key: `user-${e.key}` as unknown as number, ts: e.ts, value: e.value }));
let loopCount = 0, weirCount = 0, mostCount = 0;
const emit = (_k: number, _s: number, _e: number, c: number) => {
  loopCount += c;
};
const loop = () => loopWorkload(workload, events, emit);
const emitMost = (_k: number, _s: number, _e: number, c: number) => {
  mostCount += c;
};
// @most/core doing the same windowing event by event (as in windows.ts)
const most = () => runMost((e) => windowerFor(workload, e), events, emitMost);
const weir = () =>
  weirWorkload(workload, events, (n) => {
    weirCount += n;
  });
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const ratios: number[] = [],
  weirMs: number[] = [],
  loopMs: number[] = [],
  mostMs: number[] = [],
  mostRatios: number[] = [];
for (let rep = 0; rep < WARMUP + REPS; rep++) {
  if (gcBetween) gc!();
  const t0 = cpuMs();
  await weir();
  const t1 = cpuMs();
  loop();
  const t2 = cpuMs();
  await most();
  const t3 = cpuMs();
  if (weirCount !== loopCount) throw new Error(`rep ${rep}: weir counted ${weirCount} events, the loop ${loopCount}`);
  if (mostCount !== loopCount) {
    throw new Error(`rep ${rep}: @most/core counted ${mostCount} events, the loop ${loopCount}`);
  }
  if (rep < WARMUP) continue;
  weirMs.push(t1 - t0);
  loopMs.push(t2 - t1);
  mostMs.push(t3 - t2);
  ratios.push((t2 - t1) / (t1 - t0));
  mostRatios.push((t2 - t1) / (t3 - t2));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(
  `${workload}, ${keys.toLocaleString("en")} ${keyType} keys, ${N.toLocaleString("en")} events${
    gcBetween ? ", gc() before each rep" : ""
  }: weir ${median(weirMs).toFixed(1)} ms, plain loop ${median(loopMs).toFixed(1)} ms (CPU, medians of ${REPS}); ` +
    `ratio loop/weir median ${median(ratios).toFixed(2)}, range ${Math.min(...ratios).toFixed(2)}–${
      Math.max(...ratios).toFixed(2)
    }; @most/core ${median(mostMs).toFixed(1)} ms, loop/@most/core ${median(mostRatios).toFixed(2)}`,
);
