/// <reference types="node" />
// Kills during restore: a child runs the crash-test job into a filesystem store or a Deno KV file and is
// killed with SIGKILL, every other round as its n-th store call starts (seeded n, mostly inside the restore:
// reading the checkpoints and every committed result back, deleting torn checkpoints), the other rounds
// at a seeded moment of the run so that the job progresses. A last run must end with exactly the results
// of an uninterrupted run.
import { openKv } from "@deno/kv";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import type { StateStore } from "../../src/state/state_store.ts";
import type { WindowResult } from "../../src/window/types.ts";
import { crashEvents, crashPipeline, JOB_ID } from "../fixtures/crash_job.ts";
import { arraySource, byId } from "../scenarios/_checkpoint_helpers.ts";
import { nodeChildBundle } from "./_bundle_child.ts";

const CHILD = fileURLToPath(new URL("./_checkpoint_restore_crash_child.ts", import.meta.url));
const KILLS = 22;
let dir: string | undefined;
let child: ChildProcess | undefined;
/** The child bundled once: a process start then costs node's, not a TypeScript compile per kill. */
const bundle = nodeChildBundle(CHILD, "restore-crash-", ["@deno/kv"]);

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

const stores: Record<string, (path: string) => Promise<{ store: StateStore; release(): void }>> = {
  fs: async (path) => ({ store: await FsStateStore.open(path), release: () => undefined }),
  kv: async (path) => {
    const kv = await openKv(path);
    return { store: await DenoKvStateStore.wrap(kv, { prefix: ["restore-crash"] }), release: () => kv.close() };
  },
};

for (const [kind, open] of Object.entries(stores)) {
  test(
    `${kind}: ${KILLS} SIGKILLs, half aimed at the restore, and the results are exactly those of an uninterrupted run`,
    async () => {
      dir = await mkdtemp(join(tmpdir(), "weir-restore-crash-"));
      const events = crashEvents(8_000, 7);
      const input = join(dir, "events.ndjson");
      await writeFile(input, events.map((e) => JSON.stringify(e)).join("\n") + "\n");
      const path = join(dir, kind === "fs" ? "store" : "kv.sqlite");
      const random = seeded(kind === "fs" ? 0x2e57 : 0x7a11);
      const started = performance.now();
      let inRestore = 0;
      let kills = 0;
      for (let round = 0; round < KILLS; round++) {
        const atOp = round % 2 === 0;
        const r = atOp
          ? run([kind, path, input], { KILL_AT_OP: String(1 + Math.floor(random() * 8)) })
          : run([kind, path, input], {}, 60 + Math.floor(random() * 300));
        const { code, signal } = await r.exit;
        expect(r.out.stderr.includes("Error") ? r.out.stderr : "", `round ${round}`).toBe("");
        if (signal === "SIGKILL") kills++;
        else expect({ round, code, done: r.out.stdout.includes("done") }).toStrictEqual({ round, code: 0, done: true });
        if (r.out.stdout.includes("(restore)")) inRestore++;
      }
      const last = run([kind, path, input], {});
      expect((await last.exit).code, last.out.stderr).toBe(0);
      console.info(
        `restore crash (${kind}): ${kills} kills, ${inRestore} during restore, ${
          Math.round(performance.now() - started)
        } ms`,
      );
      expect(kills).toBeGreaterThanOrEqual(20);
      expect(inRestore).toBeGreaterThanOrEqual(6);

      const expected = (await crashPipeline(arraySource(events, 40)).toArray()) as WindowResult[];
      const { store, release } = await open(path);
      try {
        expect(byId(JOB_ID, await readResults(store, JOB_ID))).toStrictEqual(byId(JOB_ID, expected));
      } finally {
        await store.close();
        release();
      }
    },
    90_000,
  );
}
