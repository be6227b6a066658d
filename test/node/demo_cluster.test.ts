/// <reference types="node" />
// `npm run demo:cluster` end to end: the launcher (examples/cluster/main.ts) starts a 3-node nats-server
// cluster, 3 worker processes and the HTTP app on free ports; page views posted to it (one batch retried
// with its Idempotency-Key) come back on GET /results as the workers' windowed count, each view counted
// once, also after the worker that owns them is SIGKILLed (the launcher restarts it, it replays from its
// checkpoint, the result stream drops what it publishes again); SIGINT stops the launcher with code 0
// and leaves no nats-server or worker running.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { afterAll, expect, test } from "vitest";
import { partitionOf } from "../../adapters/nats/mod.ts";

const MAIN = new URL("../../examples/cluster/main.ts", import.meta.url).pathname;

let launcher: ChildProcess | undefined;
const pids: number[] = [];
afterAll(() => {
  if (launcher !== undefined && launcher.exitCode === null) launcher.kill("SIGKILL");
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Started {
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

/** Starts the demo on free ports without its generator; resolves with its URL once it printed it. */
function startDemo(): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, PORT: "0", WEIR_GENERATOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  launcher = child;
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on("line", (l) => void output.push(l));
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`demo:cluster exited with ${code}:\n${output.join("\n")}`)));
    lines.on("line", (l) => {
      output.push(l);
      const numbers = /pids ([\d ]+)/.exec(l);
      if (numbers !== null) pids.push(...numbers[1]!.trim().split(" ").map(Number));
      const banner = /^weir cluster demo: (http:\/\/127\.0\.0\.1:\d+)\//.exec(l);
      if (banner !== null) resolve({ url: banner[1]!, output, exited });
    });
  });
}

test(
  "demo:cluster ingests into JetStream, its workers' results arrive on /results, and SIGINT stops every process",
  { timeout: 60_000 },
  async () => {
    const demo = await startDemo();
    expect(pids.length).toBe(6); // 3 nats-servers, 3 workers
    for (const pid of pids) expect(alive(pid)).toBe(true);

    // 150 views of a country the generator never sends, in a window 20 to 30 s ahead (the app accepts a
    // day of skew): it gets early panes every second and cannot close while the test runs, so each pane
    // after the kill below has a pane index the first run never used.
    const now = Date.now();
    const start = now - (now % 10_000) + 20_000;
    const views = Array.from({ length: 150 }, (_, i) => ({ country: "ZZ", page: "/test", ts: start + i * 10 }));
    const post = (batch: typeof views, key: string) =>
      fetch(`${demo.url}/events`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", "idempotency-key": key },
        body: batch.map((v) => JSON.stringify(v)).join("\n") + "\n",
      });
    for (let b = 0; b < 3; b++) {
      const res = await post(views.slice(b * 50, b * 50 + 50), `test-${b}`);
      expect(res.status).toBe(202);
      expect((await res.json() as { count: number }).count).toBe(50);
    }
    const retry = await post(views.slice(50, 100), "test-1");
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const refused = await post([{ country: "zz", page: "/", ts: now }] as typeof views, "test-bad");
    expect(refused.status).toBe(400);

    // Panes accumulate: the window's count reaches 150 (and never more) as the workers read the views.
    const res = await fetch(`${demo.url}/results`, { signal: AbortSignal.timeout(45_000) });
    expect(res.status).toBe(200);
    const events = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream())
      .getReader();
    const seen: number[] = [];
    const readUntil = async (total: number) => {
      for (;;) {
        const { value: e, done } = await events.read();
        if (done) throw new Error(`the result stream ended; ZZ counts seen: ${seen.join(", ")}`);
        if (e.event !== "result") continue;
        const r = JSON.parse(e.data) as { key: string; value: number; window: { start: number } };
        if (r.key !== "ZZ") continue;
        expect(r.window.start).toBe(start);
        seen.push(r.value);
        if (r.value >= total) return;
      }
    };
    await readUntil(150);
    expect(Math.max(...seen)).toBe(150);

    // Once a checkpoint covers that pane (every second), SIGKILL the worker owning ZZ's partition (worker
    // pids come in index order after the servers'), then post 30 more views (the batch twice): the
    // restarted worker resumes from its checkpoint and the count goes on to 180, never beyond.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const owner = partitionOf("ZZ", 12) % 3;
    process.kill(pids[3 + owner]!, "SIGKILL");
    const more = Array.from({ length: 30 }, (_, i) => ({ country: "ZZ", page: "/test", ts: start + 2_000 + i }));
    expect((await post(more, "test-more")).status).toBe(202);
    expect((await post(more, "test-more")).status).toBe(202);
    await readUntil(180);
    expect(Math.max(...seen)).toBe(180);
    expect(demo.output).toContain(`worker ${owner} exited (SIGKILL); restarting it in 1 s`);

    const health = await (await fetch(`${demo.url}/health`)).json() as { job: { state: string } };
    expect(health.job.state).toBe("running");

    // Every worker claimed its partitions: the three first ones and the restarted one.
    for (let i = 0; i < 100 && demo.output.filter((l) => /^worker \d\/3: partitions/.test(l)).length < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    launcher!.kill("SIGINT");
    expect(await demo.exited).toBe(0);
    for (const i of [0, 1, 2]) expect(demo.output).toContain(`worker ${i}/3: SIGTERM, stopping (last checkpoint)`);
    expect(pids.filter(alive)).toEqual([]);
  },
);
