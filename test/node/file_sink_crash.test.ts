/// <reference types="node" />
// Crashes of a directory-to-files job: a child reads a directory with fileSource (following it) while
// files keep arriving, checkpoints into a filesystem store and writes results with a file sink. It is
// killed with SIGKILL 20 times: most rounds as its n-th file sink operation of one kind starts (seeded n:
// the middle of a checkpoint's commit, its prepare, the restart's recovery, a part being written), the
// others at a seeded moment. A last run reads the complete directory to its end. The committed part files
// must hold exactly the results of an uninterrupted run, and no temporary file may be left.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import type { WindowResult } from "../../src/window/types.ts";
import { type CrashEvent, crashEvents } from "../fixtures/crash_job.ts";
import { fileSinkCrashPipeline } from "./_file_sink_crash_job.ts";
import { arraySource } from "../scenarios/_checkpoint_helpers.ts";
import { multiset, ndjsonRecords, readSinkDir } from "./_file_sink_files.ts";
import { nodeChildBundle } from "./_bundle_child.ts";

const CHILD = fileURLToPath(new URL("./_file_sink_crash_child.ts", import.meta.url));
const KILLS = 20;
const FILES = 30;
const PER_FILE = 300;
/** The operation each round kills at, in turn, and the range of n (most runs reach it). */
const TARGETS: { op: string; upTo: number }[] = [
  { op: "rename", upTo: 6 },
  { op: "time", upTo: 0 },
  { op: "close", upTo: 6 },
  { op: "rename", upTo: 3 },
  { op: "create", upTo: 8 },
  { op: "remove", upTo: 2 },
  { op: "rename", upTo: 10 },
  { op: "write", upTo: 10 },
  { op: "list", upTo: 1 },
  { op: "time", upTo: 0 },
];
let dir: string | undefined;
let child: ChildProcess | undefined;
// The child bundled once: a process start then costs node's, not a TypeScript compile per kill.
// (csv-parse is loaded lazily by fileSource for CSV files only; this job reads NDJSON.)
const bundle = nodeChildBundle(CHILD, "file-sink-crash-", ["csv-parse", "csv-parse/*"]);

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function run(args: string[], env: Record<string, string>, killAfterMs?: number) {
  child = spawn(process.execPath, [bundle(), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const c = child;
  const out = { stdout: "", stderr: "" };
  c.stdout!.on("data", (d) => {
    out.stdout += String(d);
    if (killAfterMs !== undefined && out.stdout.includes("started\n") && !c.killed) {
      setTimeout(() => c.kill("SIGKILL"), killAfterMs);
    }
  });
  c.stderr!.on("data", (d) => (out.stderr += String(d)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    c.once("exit", (code, signal) => resolve({ code, signal }))
  );
  return { out, exit };
}

/** Writes input file `k` under a name fileSource ignores, then renames it into place with a rising mtime. */
async function arrive(inDir: string, k: number, events: readonly CrashEvent[]): Promise<void> {
  const name = `batch-${String(k).padStart(4, "0")}.ndjson`;
  const temp = join(inDir, `.${name}.tmp`);
  await writeFile(temp, events.slice(k * PER_FILE, (k + 1) * PER_FILE).map((e) => JSON.stringify(e)).join("\n") + "\n");
  await utimes(temp, 1_000_000 + k, 1_000_000 + k);
  await rename(temp, join(inDir, name));
}

test(
  `fileSource to fileSink: ${KILLS} SIGKILLs while files arrive, and the committed parts hold exactly the results of an uninterrupted run`,
  async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-file-sink-crash-"));
    const [inDir, outDir, storeDir] = ["in", "out", "store"].map((d) => join(dir!, d)) as [string, string, string];
    await mkdir(inDir);
    const events = crashEvents(FILES * PER_FILE, 11);
    const random = seeded(0x5eed);
    const started = performance.now();
    // Files keep arriving while the job runs and dies: two before each round, the rest before the last run.
    let arrived = 0;
    const ops: Record<string, number> = {};
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      for (let i = 0; i < 2 && arrived < FILES; i++) await arrive(inDir, arrived++, events);
      const target = TARGETS[round % TARGETS.length]!;
      const args = [inDir, outDir, storeDir, "follow"];
      // A child that never reaches its operation (it follows the directory, so it never ends) dies by time.
      const r = target.op === "time"
        ? run(args, {}, 80 + Math.floor(random() * 400))
        : run(args, { KILL_AT: `${target.op}:${1 + Math.floor(random() * target.upTo)}` }, 1_500);
      if (target.op === "time") {
        // One more file while this child runs.
        setTimeout(() => void (arrived < FILES ? arrive(inDir, arrived++, events) : undefined), 40);
      }
      const { signal } = await r.exit;
      expect(r.out.stderr.includes("Error") ? r.out.stderr : "", `round ${round}`).toBe("");
      if (signal !== "SIGKILL") {
        throw new Error(`round ${round}: the child exited without being killed: ${r.out.stdout}${r.out.stderr}`);
      }
      kills++;
      const at = /killed at (\w+) \d+/.exec(r.out.stdout)?.[1] ?? "time";
      ops[at] = (ops[at] ?? 0) + 1;
    }
    while (arrived < FILES) await arrive(inDir, arrived++, events);
    const last = run([inDir, outDir, storeDir, "final"], {});
    expect((await last.exit).code, last.out.stderr).toBe(0);
    console.info(
      `file sink crash: ${kills} kills (${Object.entries(ops).map(([k, n]) => `${n} at ${k}`).join(", ")}), ${
        Math.round(performance.now() - started)
      } ms`,
    );
    expect(kills).toBe(KILLS);
    expect(ops.rename ?? 0, "kills in the middle of a commit").toBeGreaterThanOrEqual(3);

    const expected = (await fileSinkCrashPipeline(arraySource(events, 40)).toArray()) as WindowResult[];
    const d = await readSinkDir(outDir);
    expect(d.hidden).toEqual([]);
    expect(d.committed.size).toBeGreaterThan(20);
    expect(multiset(ndjsonRecords(d))).toEqual(multiset(expected));
  },
  180_000,
);
