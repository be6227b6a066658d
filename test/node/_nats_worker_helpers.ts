/// <reference types="node" />
// The parent side of the runWorker tests (nats_worker*.test.ts): worker processes
// (_nats_worker_child.ts, bundled once), the seeded events, the single-process reference, and reading
// the result stream back.
import { AckPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { bundleNodeChild } from "./_bundle_child.ts";
import { publishEvents } from "../../adapters/nats/jetstream_source.ts";
import { partitionOf } from "../../adapters/nats/partition.ts";
import { resultId, stream } from "../../mod.ts";
import {
  INPUT_PREFIX,
  INPUT_STREAM,
  PARTITIONS,
  RESULT_STREAM,
  resultSubject,
  type WorkerEvent,
  workerPipeline,
} from "./_nats_worker_child.ts";

/** The child bundled into test-results/ (see bundleNodeChild). */
export function bundleChild(): Promise<{ bundle: string; remove(): Promise<void> }> {
  return bundleNodeChild(fileURLToPath(new URL("./_nats_worker_child.ts", import.meta.url)), "nats-worker-", [
    "@nats-io/*",
  ]);
}

/** The input stream and the result stream, which de-duplicates by result id within 10 minutes. */
export async function addStreams(jsm: JetStreamManager, replicas = 1): Promise<void> {
  await jsm.streams.add({ name: INPUT_STREAM, subjects: [`${INPUT_PREFIX}.>`], num_replicas: replicas });
  await jsm.streams.add({
    name: RESULT_STREAM,
    subjects: ["res.>"],
    duplicate_window: nanos(600_000),
    num_replicas: replicas,
  });
}

export interface Worker {
  readonly child: ChildProcess;
  /** The partitions it owns, once it claimed them. */
  readonly started: Promise<number[]>;
  /** Exit code (null when killed by a signal) and everything it printed. */
  readonly exited: Promise<{ code: number | null; output: string }>;
}

export const children = new Set<ChildProcess>();

export function startWorker(
  bundle: string,
  servers: string[],
  job: string,
  index: number,
  count: number,
  replicas = 1,
): Worker {
  const child = spawn(process.execPath, [bundle, servers.join(","), job, String(index), String(count)], {
    env: { ...process.env, NATS_WORKER_CHILD: "1", NATS_REPLICAS: String(replicas) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  let resolveStarted: (p: number[]) => void;
  const started = new Promise<number[]>((resolve) => (resolveStarted = resolve));
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    const m = /started ([\d,]*)/.exec(output);
    if (m) resolveStarted(m[1]!.split(",").filter((s) => s !== "").map(Number));
  });
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve({ code, output });
    })
  );
  const failed = exited.then(({ output }) =>
    Promise.reject(new Error(`worker ${index}/${count} exited before starting:\n${output}`))
  );
  failed.catch(() => {});
  // A worker nobody waits for (restarted, then killed at the end of the test) may exit before it
  // started: that rejection is for whoever awaits `started`, not an unhandled one.
  const startedOrFailed = Promise.race([started, failed]);
  startedOrFailed.catch(() => {});
  return { child, started: startedOrFailed, exited };
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, "SIGKILL")));
}

export function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * `n` events over 60 keys, 5 ms apart in event time with ±250 ms of disorder (within maxOutOfOrderness
 * 300 of the pipeline), and every 37th event 1 to 2 s behind: late, some within allowedLateness (late
 * panes), some beyond it (dropped).
 */
export function makeEvents(n: number, seed: number): WorkerEvent[] {
  const random = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const late = i % 37 === 36 ? 1_000 + Math.floor(random() * 1_000) : 0;
    return {
      key: `k${Math.floor(random() * 60)}`,
      ts: i * 5 + Math.floor(random() * 500) - 250 - late,
      v: i % 7,
    };
  });
}

export const where = (
  job: string,
): { prefix: string; job: string; partitions: number; key: (e: WorkerEvent) => string } => ({
  prefix: INPUT_PREFIX,
  job,
  partitions: PARTITIONS,
  key: (e: WorkerEvent) => e.key,
});

/** The single-process reference: the pipeline over each partition's events, by result id. */
export async function reference(job: string, events: readonly WorkerEvent[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = events.filter((e) => partitionOf(e.key, PARTITIONS) === p);
    for (const r of await workerPipeline(stream(mine)).toArray()) {
      out.set(resultId(job, r), JSON.parse(JSON.stringify(r)));
    }
  }
  return out;
}

export async function resultCount(jsm: JetStreamManager, job: string): Promise<number> {
  const subject = resultSubject(job);
  const info = await jsm.streams.info(RESULT_STREAM, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/**
 * Every message of `subject` in `streamName` (nats-server 2.9 knows filter_subject only, not the client's
 * ordered consumers). A fetch that fails (its heartbeats missed on a loaded machine, a leader change)
 * may have lost messages in flight, which an AckNone consumer does not redeliver: the read then starts
 * over with a new consumer.
 */
async function readAll(js: JetStreamClient, jsm: JetStreamManager, streamName: string, subject: string) {
  for (let attempt = 1;; attempt++) {
    const { name, num_pending: total } = await jsm.consumers.add(streamName, {
      filter_subject: subject,
      ack_policy: AckPolicy.None,
      inactive_threshold: nanos(60_000),
    });
    try {
      const consumer = await js.consumers.get(streamName, name);
      const out = [];
      while (out.length < total) {
        const batch = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
        for await (const m of batch) out.push(m);
      }
      return out;
    } catch (error) {
      if (attempt === 5) throw error;
    } finally {
      await jsm.consumers.delete(streamName, name).catch(() => {});
    }
  }
}

/**
 * The reference over the input as JetStream stored it (a publisher that retried after a lost ack may
 * have stored events in another order than it generated them): by result id.
 */
export async function storedReference(
  js: JetStreamClient,
  jsm: JetStreamManager,
  job: string,
): Promise<Map<string, unknown>> {
  const byPartition = new Map<number, WorkerEvent[]>();
  for (const m of await readAll(js, jsm, INPUT_STREAM, `${INPUT_PREFIX}.${job}.>`)) {
    if (m.headers?.has("Weir-Watermark")) continue;
    const p = Number(m.subject.split(".").at(-1));
    if (!byPartition.has(p)) byPartition.set(p, []);
    byPartition.get(p)!.push(m.json<WorkerEvent>());
  }
  const out = new Map<string, unknown>();
  for (const mine of byPartition.values()) {
    for (const r of await workerPipeline(stream(mine)).toArray()) {
      out.set(resultId(job, r), JSON.parse(JSON.stringify(r)));
    }
  }
  return out;
}

/** Every message of the job's result subject: its Nats-Msg-Id and its decoded payload. */
export async function readResultStream(
  js: JetStreamClient,
  jsm: JetStreamManager,
  job: string,
): Promise<{ id: string; value: unknown }[]> {
  const messages = await readAll(js, jsm, RESULT_STREAM, resultSubject(job));
  return messages.map((m) => ({ id: m.headers?.get("Nats-Msg-Id") ?? "", value: m.json() }));
}

/** Publishes `events` in `slices`, pausing between them so that workers read while events arrive. */
export async function publishSlowly(
  js: JetStreamClient,
  job: string,
  events: readonly WorkerEvent[],
  slices: number,
  pauseMs: number,
): Promise<void> {
  const size = Math.ceil(events.length / slices);
  for (let i = 0; i < events.length; i += size) {
    await publishEvents(js, where(job), events.slice(i, i + size));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Waits until the job published as many results as expected, then checks them one by one. */
export async function expectExactResults(
  js: JetStreamClient,
  jsm: JetStreamManager,
  job: string,
  expected: Map<string, unknown>,
): Promise<void> {
  await expect.poll(() => resultCount(jsm, job), { timeout: 60_000, interval: 250 })
    .toBeGreaterThanOrEqual(expected.size);
  const results = await readResultStream(js, jsm, job);
  const ids = results.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length); // no duplicate
  expect(ids.length).toBe(expected.size); // none missing
  for (const r of results) expect(r.value, r.id).toEqual(expected.get(r.id)); // none differing
}
