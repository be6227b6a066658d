// Crash test of the ingestion path: a child process serves a checkpointed job over an IngestLog in an
// FsStateStore; the test posts batches (each with an Idempotency-Key) and SIGKILLs the server the
// moment the first acknowledgement of a round arrives, with other batches still in flight. Batches
// not acknowledged are retried after the restart, as a client would. In the end every batch is
// acknowledged, and the final window counts must equal the events sent: each counted exactly once.
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, test } from "vitest";
import { readSse } from "../contract/hono_sse_reader.ts";

const CHILD = new URL("./_ingest_crash_server.ts", import.meta.url).pathname;
const KEYS = ["a", "b", "c", "d", "e"];
const ROUNDS = 8;
const BATCHES_PER_ROUND = 6;
const EVENTS_PER_BATCH = 40;

let dir = "";
afterAll(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function start(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening`)));
    lines.on("line", (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

function killed(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once("exit", () => r()));
}

test(
  "every acknowledged event is counted exactly once across SIGKILLs and restarts",
  { timeout: 120_000 },
  async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-ingest-crash-"));
    const random = prng(0x5eed);
    const expected = new Map<string, number>();
    const batches: { key: string; body: string }[] = [];
    for (let b = 0; b < ROUNDS * BATCHES_PER_ROUND; b++) {
      const lines: string[] = [];
      for (let i = 0; i < EVENTS_PER_BATCH; i++) {
        const k = KEYS[Math.floor(random() * KEYS.length)]!;
        const ts = Math.floor(random() * 10_000);
        const window = `${k}/${ts - (ts % 1_000)}`;
        expected.set(window, (expected.get(window) ?? 0) + 1);
        lines.push(JSON.stringify({ k, ts, n: b * EVENTS_PER_BATCH + i }));
      }
      batches.push({ key: `batch-${b}`, body: lines.join("\n") + "\n" });
    }

    let unacknowledged: typeof batches = [];
    let kills = 0;
    let replayedRetries = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { child, base } = await start();
      const queue = [...unacknowledged, ...batches.slice(round * BATCHES_PER_ROUND, (round + 1) * BATCHES_PER_ROUND)];
      unacknowledged = [];
      // Kill right after the k-th acknowledgement, while other batches are being received or written.
      const killAfter = 1 + Math.floor(random() * 3);
      let acks = 0;
      const worker = async () => {
        for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
          if (child.signalCode !== null) {
            unacknowledged.push(batch);
            continue;
          }
          try {
            const res = await fetch(`${base}/events`, {
              method: "POST",
              headers: { "content-type": "application/x-ndjson", "idempotency-key": batch.key },
              body: batch.body,
            });
            expect(res.status).toBe(202);
            const body = await res.json() as { duplicate?: boolean };
            if (body.duplicate === true) replayedRetries++;
            if (++acks === killAfter) {
              child.kill("SIGKILL");
              kills++;
            }
          } catch {
            unacknowledged.push(batch);
          }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      child.kill("SIGKILL");
      await killed(child);
    }

    const { child, base } = await start();
    try {
      for (const batch of unacknowledged) {
        const res = await fetch(`${base}/events`, {
          method: "POST",
          headers: { "content-type": "application/x-ndjson", "idempotency-key": batch.key },
          body: batch.body,
        });
        expect(res.status).toBe(202);
        if ((await res.json() as { duplicate?: boolean }).duplicate === true) replayedRetries++;
      }
      // Far in the future: the watermark passes every window, which fire on time.
      const flush = await fetch(`${base}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '[{"k":"flush","ts":3e12}]',
      });
      expect(flush.status).toBe(202);
      const events = await readSse(
        await fetch(`${base}/results`),
        (evs) => evs.filter((e) => e.event === "result").length >= expected.size,
        { timeoutMs: 30_000 },
      );
      const results = events.filter((e) => e.event === "result");
      expect(new Set(results.map((e) => e.id)).size).toBe(results.length);
      const counts = new Map<string, number>();
      for (const e of results) {
        const r = JSON.parse(e.data) as {
          key: string;
          window: { start: number };
          value: number;
          pane: { timing: string };
        };
        expect(r.pane.timing).toBe("on-time");
        counts.set(`${r.key}/${r.window.start}`, r.value);
      }
      expect(Object.fromEntries([...counts].sort())).toEqual(Object.fromEntries([...expected].sort()));
      const health = await (await fetch(`${base}/health`)).json() as { log: { start: number; next: number } };
      // Checkpoints truncated the log on the way (so restores really replayed from a checkpoint offset).
      expect(health.log.start).toBeGreaterThan(0);
      expect(health.log.next).toBe(ROUNDS * BATCHES_PER_ROUND * EVENTS_PER_BATCH + 1);
      expect(kills).toBe(ROUNDS);
      // How often a retried batch had in fact been stored before the kill (the case idempotency keys exist for).
      console.log(`ingest crash test: ${kills} kills, ${replayedRetries} retried batches answered as already stored`);
    } finally {
      child.kill("SIGKILL");
      await killed(child);
    }
  },
);
