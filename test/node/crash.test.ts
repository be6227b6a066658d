/// <reference types="node" />
// THE crash test: a child process runs a checkpointed job over an NDJSON file into an FsStateStore
// and is killed with SIGKILL at seeded random moments (some inside a checkpoint's writes), then
// restarted, again and again; the results committed through storeSink must end up exactly those of
// an uninterrupted run, each result id once.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { Layout } from "../../src/checkpoint/_layout.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import type { WindowResult } from "../../src/window/types.ts";
import { crashEvents, crashPipeline, JOB_ID } from "../fixtures/crash_job.ts";
import { arraySource, byId } from "../scenarios/_checkpoint_helpers.ts";

const CHILD = fileURLToPath(new URL("../fixtures/checkpoint_crash_child.ts", import.meta.url));
const KILLS = 22;
let dir: string | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Run {
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  started: Promise<void>;
}

function start(args: string[], env: Record<string, string>): Run {
  child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const run = { stdout: "", stderr: "" } as Run;
  const c = child;
  run.exit = new Promise((resolve) => c.once("exit", (code, signal) => resolve({ code, signal })));
  run.started = new Promise((resolve, reject) => {
    c.stdout!.on("data", (d) => {
      run.stdout += String(d);
      if (run.stdout.includes("started\n")) resolve();
    });
    c.stderr!.on("data", (d) => (run.stderr += String(d)));
    void run.exit.then(() => reject(new Error(`child exited before starting:\n${run.stderr}`)));
  });
  return run;
}

test(`a job killed ${KILLS} times with SIGKILL commits exactly the results of an uninterrupted run`, async () => {
  dir = await mkdtemp(join(tmpdir(), "weir-crash-"));
  const events = crashEvents(30_000, 42);
  const input = join(dir, "events.ndjson");
  await writeFile(input, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const store = join(dir, "store");
  const random = prng(20261125);
  let killedMidRun = 0;
  let tornSeen = 0;
  for (let i = 0; i < KILLS; i++) {
    // Every other run dies inside one of its first store writes (a checkpoint takes several); the
    // others at a random moment.
    const inWrite = i % 2 === 1;
    const env: Record<string, string> = inWrite
      ? { CRASH_AT_WRITE: String(2 + Math.floor(random() * 8)), CRASH_DELAY_MS: String(Math.floor(random() * 4)) }
      : {};
    const run = start(["fs", store, input], env);
    await run.started;
    if (!inWrite) {
      const delay = 50 + random() * 350;
      await Promise.race([run.exit, new Promise((resolve) => setTimeout(resolve, delay))]);
      child!.kill("SIGKILL");
    }
    const { code, signal } = await run.exit;
    expect(run.stdout, `run ${i} must not finish the job before it is killed`).not.toContain("done");
    expect({ code, signal, stderr: run.stderr.includes("Error") ? run.stderr : "" }).toStrictEqual({
      code: null,
      signal: "SIGKILL",
      stderr: "",
    });
    killedMidRun++;
    if (run.stderr.includes("no manifest, so its write was interrupted")) tornSeen++;
  }
  const last = start(["fs", store, input], {});
  const { code } = await last.exit;
  expect({ code, stderr: last.stderr.includes("Error") ? last.stderr : "" }).toStrictEqual({ code: 0, stderr: "" });
  expect(last.stdout).toContain("done");
  expect(killedMidRun).toBeGreaterThanOrEqual(20);
  // How many restarts found a checkpoint torn by the kill depends on timing, so it is reported, not
  // asserted; restoring past torn checkpoints is tested deterministically in checkpoint_corruption.test.ts.
  console.info(`crash test: ${tornSeen} of ${killedMidRun} restarts skipped a torn checkpoint`);

  const expected = (await crashPipeline(arraySource(events, 40)).toArray()) as WindowResult[];
  expect(expected.length).toBeGreaterThan(500);
  const fs = await FsStateStore.open(store);
  try {
    const results = await readResults(fs, JOB_ID);
    expect(results.length).toBe(expected.length);
    expect(byId(JOB_ID, results)).toStrictEqual(byId(JOB_ID, expected));
    // Nothing of a torn checkpoint is left behind.
    const layout = new Layout(JOB_ID);
    const manifests = (await fs.list(layout.manifests)).map((k) => layout.seqOf(k, layout.manifests));
    const newest = Math.max(...manifests);
    for (const k of await fs.list(layout.root)) {
      const seq = Math.max(
        layout.seqOf(k, layout.states),
        layout.seqOf(k, layout.results),
        layout.seqOf(k, layout.manifests),
      );
      expect(seq, k).toBeLessThanOrEqual(newest);
    }
  } finally {
    await fs.close();
  }
}, 90_000);
