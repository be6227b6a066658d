/// <reference types="node" />
// The first job of a fresh process: what a short-lived process (a CLI run, a serverless invocation,
// a test) pays, JIT warm-up included. Each run is a new `node` process that generates the input,
// then runs one implementation once and reports that run's CPU time (process.cpuUsage: user +
// system of every thread, so V8's background compiles count), after a full collection of what
// generating the input left. Implementations alternate run by run.
// steady_state.ts measures the opposite end: many runs in one process, warm.
//
// Run: node_modules/.bin/esbuild bench/first_run.ts --bundle --platform=node --format=esm --outfile=/tmp/first.mjs
//      node /tmp/first.mjs [--workload w1|w2|w3] [--keys 10000] [--events 1000000] [--runs 7]
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { loopWorkload, windowerFor } from "./_baselines.ts";
import { runMost } from "./_most.ts";
import { weirWorkload } from "./_weir.ts";
import { type BenchEvent, burstyEvents, intArg, materialize, stringArg, uniformEvents } from "./_data.ts";

const IMPLS = ["weir", "loop", "most"] as const;
type Impl = typeof IMPLS[number];

const workload = stringArg("workload", "w1");
if (!["w1", "w2", "w3"].includes(workload)) {
  throw new RangeError(`--workload must be w1, w2 or w3: current value is ${workload}`);
}
const keys = intArg("keys", 10_000);
const N = intArg("events", 1_000_000);
const child = process.env.WEIR_FIRST_RUN as Impl | undefined;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function runOnce(impl: Impl): Promise<{ ms: number; count: number }> {
  const events: BenchEvent[] = materialize(
    workload === "w3" ? burstyEvents(N, 1, keys) : uniformEvents(N, 1, keys),
  );
  let total = 0;
  const emit = (_k: number, _s: number, _e: number, c: number) => {
    total += c;
  };
  // A full collection first: generating the input leaves V8 marking concurrently (its marker threads
  // count in the process's CPU time), which took 150–250 ms of some runs of every implementation.
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = cpuMs();
  if (impl === "loop") loopWorkload(workload, events, emit);
  else if (impl === "most") await runMost((e) => windowerFor(workload, e), events, emit);
  else {
    await weirWorkload(workload, events, (n) => {
      total += n;
    });
  }
  return { ms: cpuMs() - t0, count: total };
}

if (child !== undefined) {
  process.stdout.write(JSON.stringify(await runOnce(child)) + "\n");
} else {
  const runs = intArg("runs", 7);
  const self = fileURLToPath(import.meta.url);
  const times: Record<Impl, number[]> = { weir: [], loop: [], most: [] };
  let expected: number | null = null;
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < IMPLS.length; j++) {
      const impl = IMPLS[(r + j) % IMPLS.length]!;
      const out = spawnSync(process.execPath, ["--expose-gc", self, ...process.argv.slice(2)], {
        encoding: "utf8",
        env: { ...process.env, WEIR_FIRST_RUN: impl },
      });
      if (out.status !== 0) throw new Error(`${impl} run failed: ${out.stderr}`);
      const { ms, count: c } = JSON.parse(out.stdout) as { ms: number; count: number };
      if (expected !== null && c !== expected) throw new Error(`${impl} counted ${c} events, another run ${expected}`);
      expected = c;
      times[impl].push(ms);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const m = Object.fromEntries(IMPLS.map((i) => [i, median(times[i])])) as Record<Impl, number>;
  console.log(
    `${workload}, ${keys.toLocaleString("en")} keys, ${N.toLocaleString("en")} events, first run of a process ` +
      `(CPU ms, median of ${runs}): weir ${m.weir.toFixed(1)}, plain loop ${m.loop.toFixed(1)}, @most/core ${
        m.most.toFixed(1)
      }; loop/weir ${(m.loop / m.weir).toFixed(2)}, loop/@most/core ${(m.loop / m.most).toFixed(2)}`,
  );
}
