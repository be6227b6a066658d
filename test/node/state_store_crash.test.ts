/// <reference types="node" />
// Crash behaviour of the persistent stores, with real child processes killed by SIGKILL: the fs lock
// (a live holder excludes others, a dead one's lock is taken over) and batch atomicity across crashes for
// the filesystem store and for Deno KV (@deno/kv, whose multi-commit batches must stay all-or-nothing).
import { openKv } from "@deno/kv";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { watch } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, test } from "vitest";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { type StateStore, StateStoreError } from "../../src/state/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { storedGeneration } from "./_state_store_generations.ts";

const CHILD = fileURLToPath(new URL("./_state_store_crash_child.ts", import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) await killHard(c);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-crash-"));
  dirs.push(dir);
  return dir;
}

function startChild(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

/** Resolves once the child prints a line that satisfies `done`; rejects if it exits first. */
function waitForLine(child: ChildProcess, done: (line: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += String(d)));
    const onData = (d: unknown) => {
      out += String(d);
      const lines = out.split("\n");
      out = lines.pop()!;
      if (lines.some(done)) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before the expected output:\n${err}`)));
  });
}

/**
 * Kills `child` at the `k`-th change in `dirs`: file system events mark the phases of a write (temp files,
 * journal, renames; database pages), so seeded values of `k` crash the child inside every phase.
 */
async function killAtChange(child: ChildProcess, dirs: readonly string[], k: number, only?: string): Promise<void> {
  let seen = 0;
  const exited = once(child, "exit");
  const watchers = dirs.map((d) =>
    watch(d, (_event, file) => (only === undefined || file === only) && ++seen === k && child.kill("SIGKILL"))
  );
  try {
    await exited;
  } finally {
    for (const w of watchers) w.close();
  }
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

describe("FsStateStore lock", () => {
  test(
    "a store held by a live process cannot be opened; once the holder is killed its stale lock is taken over",
    async () => {
      const dir = await tempDir();
      const seed = await FsStateStore.open(dir);
      await seed.put("kept", new Uint8Array([1, 2, 3]));
      await seed.close();

      const holder = startChild(["fs", dir, "hold"]);
      await waitForLine(holder, (l) => l === "ready");
      await assertRejects(() => FsStateStore.open(dir), StateStoreError, `locked by process ${holder.pid} on `);
      await killHard(holder);

      const store = await FsStateStore.open(dir);
      assertEquals([...((await store.get("kept")) ?? [])], [1, 2, 3]);
      await assertRejects(() => FsStateStore.open(dir), StateStoreError, `locked by process ${process.pid} on `);
      await store.close();
      await (await FsStateStore.open(dir)).close();
    },
    30_000,
  );

  test("an unreadable lock file is reported, never taken over", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "lock"), "{ half a lock");
    await assertRejects(() => FsStateStore.open(dir), StateStoreError, "unreadable");
  });
});

/** A seeded xorshift32 stream, so every run kills at the same points of the child's progress. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

interface Kind {
  path(dir: string): string;
  /** The directories whose changes trace a write in progress. */
  watched(path: string): string[];
  open(path: string): Promise<{ store: StateStore; release(): void }>;
}

const kinds: Record<string, Kind> = {
  fs: {
    path: (dir) => join(dir, "store"),
    watched: (path) => [path, join(path, "data"), join(path, "tmp")],
    open: async (path) => ({ store: await FsStateStore.open(path), release: () => undefined }),
  },
  kv: {
    path: (dir) => join(dir, "kv.sqlite"),
    watched: (path) => [join(path, "..")],
    open: async (path) => {
      const kv = await openKv(path);
      return { store: await DenoKvStateStore.wrap(kv, { prefix: ["crash"] }), release: () => kv.close() };
    },
  },
};

/** After recovery a Deno KV store holds no markers and exactly the chunks its headers point at. */
async function assertNoKvGarbage(path: string): Promise<void> {
  const kv = await openKv(path);
  try {
    const referenced = new Map<string, number>();
    const chunks = new Map<string, number>();
    for await (const { key, value } of kv.list({ prefix: ["crash"] })) {
      const k = key[1] as string;
      assert(k[0] === "h" || k[0] === "c", `leftover marker ${JSON.stringify(k)}`);
      if (k[0] === "c") chunks.set(k.slice(1, 17), (chunks.get(k.slice(1, 17)) ?? 0) + 1);
      else if ((value as Uint8Array)[0] === 1) {
        const blob = JSON.parse(new TextDecoder().decode((value as Uint8Array).subarray(1))) as {
          id: string;
          n: number;
        };
        referenced.set(blob.id, blob.n);
      }
    }
    assertEquals([...chunks].sort(), [...referenced].sort(), "chunks on disk vs chunks referenced by headers");
  } finally {
    kv.close();
  }
}

for (const [kind, impl] of Object.entries(kinds)) {
  test(`${kind}: a batch survives SIGKILL at any phase all-or-nothing (20 kills, seeded)`, async () => {
    const path = impl.path(await tempDir());
    const next = seeded(kind === "fs" ? 0x5eed : 0xbeef);
    let generation = 0;
    for (let round = 0; round < 20; round++) {
      const child = startChild([kind, path, "churn", String(generation + 1)]);
      const commits = 1 + (next() % 2);
      let seen = 0;
      await waitForLine(child, (l) => l.startsWith("committed ") && ++seen >= commits);
      // Every other round on fs, crash right when a batch commits (its journal appears) or is cleaned up.
      const atJournal = kind === "fs" && round % 2 === 1;
      await killAtChange(
        child,
        impl.watched(path),
        atJournal ? 1 + (next() % 2) : 1 + (next() % 30),
        atJournal ? "journal" : undefined,
      );
      const { store, release } = await impl.open(path);
      try {
        const g = await storedGeneration(store);
        assert(
          g >= generation + commits,
          `round ${round}: store holds generation ${g}, but ${generation + commits} was committed`,
        );
        generation = g;
      } finally {
        await store.close();
        release();
      }
      if (kind === "kv") await assertNoKvGarbage(path);
    }
  }, 120_000);
}
