// Ingestion over HTTP on loopback: a separate server process (bench/_ingest_server.ts: the weir app,
// an IngestLog, a checkpointed job) and a load generator here, with keep-alive connections.
//   1. single-event posts (JSON), C concurrent clients: events/s and request latency p50/p99
//   2. 1,000-event NDJSON batches, C concurrent clients: events/s and batch latency p50/p99
//   3. sustained overload: no job consumes, so pending reaches maxPending and the server answers 429;
//      clients keep sending 1,000-event batches; the server's peak RSS (VmHWM) shows memory stays bounded.
// Run: npx tsx bench/ingest.ts [--seconds 10] [--store fs|memory]
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const SECONDS = Number(opt("seconds", "10"));
const STORE = opt("store", "fs");
const SERVER = new URL("./_ingest_server.ts", import.meta.url).pathname;

async function startServer(
  dir: string,
  job: "job" | "nojob",
  maxPending: number,
): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER, STORE, dir, job, String(maxPending)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (c) => reject(new Error(`server exited with ${c}`)));
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const m = /^listening (\d+)$/.exec(l);
      if (m) resolve(m[1]!);
    });
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** Peak and current resident set of a process (Linux /proc), in MiB. */
async function memory(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)![1]) / 1024;
  return { peak: kb("VmHWM"), now: kb("VmRSS") };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let seq = 0;
function events(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++, seq++) {
    out.push(JSON.stringify({ key: `k${seq % 1000}`, ts: Date.now() - (seq % 1500), value: seq % 997 }));
  }
  return out;
}

interface Load {
  clients: number;
  batch: number;
  seconds: number;
}

async function load(
  base: string,
  l: Load,
): Promise<{ accepted: number; statuses: Record<number, number>; latencies: number[]; seconds: number }> {
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  let accepted = 0;
  const started = performance.now();
  const until = started + l.seconds * 1000;
  await Promise.all(Array.from({ length: l.clients }, async () => {
    while (performance.now() < until) {
      const lines = events(l.batch);
      const single = l.batch === 1;
      const t = performance.now();
      const res = await fetch(`${base}/events`, {
        method: "POST",
        headers: { "content-type": single ? "application/json" : "application/x-ndjson" },
        body: single ? lines[0]! : lines.join("\n") + "\n",
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 202) accepted += l.batch;
    }
  }));
  return {
    accepted,
    statuses,
    latencies: latencies.sort((a, b) => a - b),
    seconds: (performance.now() - started) / 1000,
  };
}

function report(name: string, r: Awaited<ReturnType<typeof load>>): void {
  console.log(
    `${name.padEnd(44)} ${Math.round(r.accepted / r.seconds).toLocaleString("en").padStart(9)} events/s   ` +
      `p50 ${percentile(r.latencies, 50).toFixed(2)} ms   p99 ${percentile(r.latencies, 99).toFixed(2)} ms   ` +
      `requests ${r.latencies.length} ${JSON.stringify(r.statuses)}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), "weir-bench-ingest-"));
try {
  console.log(
    `store: ${STORE}, ${SECONDS} s per run, node ${process.version}, server and load generator share the machine`,
  );
  for (const clients of [1, 16, 64]) {
    const s = await startServer(join(dir, `single-${clients}`), "job", 1_000_000);
    await load(s.base, { clients, batch: 1, seconds: 1 });
    report(`single-event posts, ${clients} clients`, await load(s.base, { clients, batch: 1, seconds: SECONDS }));
    await stop(s.child);
  }
  for (const clients of [1, 4, 16]) {
    const s = await startServer(join(dir, `batch-${clients}`), "job", 1_000_000);
    await load(s.base, { clients, batch: 1_000, seconds: 1 });
    report(
      `1,000-event NDJSON batches, ${clients} clients`,
      await load(s.base, { clients, batch: 1_000, seconds: SECONDS }),
    );
    await stop(s.child);
  }
  {
    const maxPending = 100_000;
    const s = await startServer(join(dir, "overload"), "nojob", maxPending);
    const before = await memory(s.child.pid!);
    const r = await load(s.base, { clients: 32, batch: 1_000, seconds: SECONDS * 2 });
    const after = await memory(s.child.pid!);
    report(`overload (no consumer, maxPending ${maxPending}), 32 clients`, r);
    console.log(
      `  server RSS: ${before.now.toFixed(0)} MiB idle, peak ${after.peak.toFixed(0)} MiB, ${
        after.now.toFixed(0)
      } MiB at the end`,
    );
    await stop(s.child);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
