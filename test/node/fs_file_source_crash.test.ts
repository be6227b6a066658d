/// <reference types="node" />
// fileSource under SIGKILL: a child process runs a checkpointed windowed job over a directory that
// keeps receiving files (follow, cleanSource: "archive", a filesystem store), and is killed 20 times
// at seeded moments. A last run, after an end-marker file, must store exactly the results of an
// uninterrupted run, with every data file archived intact and none left behind: a file is archived only
// once a durable checkpoint covers it, so a kill before that replays it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { readResults, storeSink, stream, sum, tumbling, type WindowResult } from "../../mod.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { fileSource, FsStateStore } from "../../adapters/fs/mod.ts";

const KILLS = 20;
const FILES = 30;
const PER_FILE = 20;
const END = "zz-end.ndjson";

// The child: the job, over a source that ends after the end marker (so the windows fire and the last
// checkpoint archives every file). Bundled from this text, as a process start should cost node's only.
const CHILD = `
import process from "node:process";
import { storeSink, stream, sum, tumbling } from "./mod.ts";
import { fileSource, FsStateStore } from "./adapters/fs/mod.ts";
const [dir, storePath, archiveDir] = process.argv.slice(2);
const store = await FsStateStore.open(storePath);
const files = fileSource(dir, { follow: { pollMs: 5 }, cleanSource: "archive", archiveDir, readBytes: 60 });
const untilEnd = {
  kind: "source",
  replayable: true,
  commit: (offset) => files.commit(offset),
  async *open(options) {
    if (options.offset?.file === ${JSON.stringify(END)}) return;
    const it = files.open(options);
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
        if (r.value.type === "elements" && r.value.values.some((e) => e.end)) return;
      }
    } finally {
      await it.return?.();
    }
  },
};
console.log("started");
await stream(untilEnd).filter((e) => !e.end)
  .withEventTime((e) => e.n * 10, { maxOutOfOrderness: 0 })
  .keyBy((e) => String(e.n % 3))
  .window(tumbling(1000))
  .aggregate(sum((e) => e.n))
  .checkpoint({ store, id: "files", every: { events: 7 } })
  .pipeTo(storeSink({ store, job: "files" }));
await store.close();
console.log("done");
`;

const root = fileURLToPath(new URL("../../", import.meta.url));
let bundleDir: string | undefined;
let bundle: string;
let dir: string | undefined;
let child: ChildProcess | undefined;

beforeAll(async () => {
  await mkdir(join(root, "test-results"), { recursive: true });
  bundleDir = await mkdtemp(join(root, "test-results", "file-source-crash-"));
  bundle = join(bundleDir, "child.mjs");
  await build({
    stdin: { contents: CHILD, resolveDir: root, loader: "ts", sourcefile: "child.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    external: ["csv-parse/sync"],
    logLevel: "error",
  });
});
afterAll(() => (bundleDir === undefined ? undefined : rm(bundleDir, { recursive: true, force: true })));
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

const content = (i: number) => Array.from({ length: PER_FILE }, (_, j) => `{"n":${i * PER_FILE + j}}\n`).join("");
const name = (i: number) => `part-${String(i).padStart(3, "0")}.ndjson`;

// Written under a name the pattern skips, with its modification time, then renamed into place.
async function arrive(into: string, file: string, text: string, mtime: number): Promise<void> {
  const tmp = join(into, `${file}.tmp`);
  await writeFile(tmp, text);
  await utimes(tmp, mtime, mtime);
  await rename(tmp, join(into, file));
}

function run(args: string[], killAfterMs?: number) {
  child = spawn(process.execPath, [bundle, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

test(
  `fileSource: ${KILLS} SIGKILLs while files arrive; the results are an uninterrupted run's, every file archived once covered`,
  async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-files-crash-"));
    const input = join(dir, "in");
    const archive = join(dir, "archive");
    const storePath = join(dir, "store");
    await mkdir(input);
    const args = [input, storePath, archive];
    const random = seeded(0xf11e5);
    let next = 0;
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const r = run(args, 30 + Math.floor(random() * 250));
      // Files keep arriving while the job runs (and while it is down).
      const arrivals = (async () => {
        for (let k = 0; k < 2 && next < FILES; k++) {
          await new Promise((resolve) => setTimeout(resolve, random() * 120));
          await arrive(input, name(next), content(next), 1_000 + next);
          next++;
        }
      })();
      const { signal, code } = await r.exit;
      await arrivals;
      expect(r.out.stderr, `round ${round}`).toBe("");
      if (signal === "SIGKILL") kills++;
      else expect({ round, code }).toEqual({ round, code: 0 });
    }
    while (next < FILES) {
      await arrive(input, name(next), content(next), 1_000 + next);
      next++;
    }
    await arrive(input, END, '{"n":-1,"end":true}\n', 1_000 + FILES);
    const last = run(args);
    expect((await last.exit).code, last.out.stderr).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(15);

    // The uninterrupted run: the same files, read in one go.
    const whole = join(dir, "whole");
    await mkdir(whole);
    for (let i = 0; i < FILES; i++) await arrive(whole, name(i), content(i), 1_000 + i);
    const memory = new MemoryStateStore();
    await stream(fileSource<{ n: number }>(whole))
      .withEventTime((e) => e.n * 10, { maxOutOfOrderness: 0 })
      .keyBy((e) => String(e.n % 3))
      .window(tumbling(1000))
      .aggregate(sum((e: { n: number }) => e.n))
      .checkpoint({ store: memory, id: "files", every: { events: 7 } })
      .pipeTo(storeSink({ store: memory, job: "files" }));
    const brief = (rs: WindowResult[]) =>
      rs.map((r) => [r.key, r.window.start, r.value]).sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
    const expected = brief(await readResults(memory, "files"));
    expect(expected.length).toBe(3 * Math.ceil((FILES * PER_FILE * 10) / 1000));

    const store = await FsStateStore.open(storePath);
    try {
      expect(brief(await readResults(store, "files"))).toEqual(expected);
    } finally {
      await store.close();
    }
    // The end marker stays: the job stopped right after its record, before the source saw the file end.
    expect(await readdir(input)).toEqual([END]);
    const archived = (await readdir(archive)).sort();
    expect(archived).toEqual(Array.from({ length: FILES }, (_, i) => name(i)));
    for (let i = 0; i < FILES; i++) expect(await readFile(join(archive, name(i)), "utf8")).toBe(content(i));
  },
  120_000,
);
