/// <reference types="node" />
// The StateStore contract on Node: memory, filesystem (temp dirs), IndexedDB (fake-indexeddb) and Deno KV
// (@deno/kv, the same engine as Deno's).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "fake-indexeddb/auto";
import { openKv } from "@deno/kv";
import { IDBFactory } from "fake-indexeddb";
import { describe, test } from "vitest";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { IdbStateStore } from "../../adapters/idb/mod.ts";
import { MemoryStateStore } from "../../src/state/mod.ts";
import { stateStoreContract, type StateStoreHarness } from "../contract/state_store_contract.ts";

async function fsHarness(): Promise<StateStoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), "weir-fs-store-"));
  const opened: FsStateStore[] = [await FsStateStore.open(dir)];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await FsStateStore.open(dir));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function idbHarness(): Promise<StateStoreHarness> {
  const indexedDB = new IDBFactory(); // a fresh, empty "browser profile" per test
  const opened = [await IdbStateStore.open("contract", { indexedDB })];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await IdbStateStore.open("contract", { indexedDB }));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
    },
  };
}

async function denoKvHarness(): Promise<StateStoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), "weir-kv-store-"));
  const path = join(dir, "kv.sqlite");
  const kvs = [await openKv(path)];
  const opened = [await DenoKvStateStore.wrap(kvs[0]!, { prefix: ["weir", "contract"] })];
  return {
    store: opened[0]!,
    reopen: async () => {
      kvs.push(await openKv(path));
      opened.push(await DenoKvStateStore.wrap(kvs[kvs.length - 1]!, { prefix: ["weir", "contract"] }));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      for (const kv of kvs) kv.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const suites = {
  memory: stateStoreContract("memory", () => {
    const store = new MemoryStateStore();
    return Promise.resolve({ store, cleanup: () => store.close() });
  }),
  fs: stateStoreContract("fs", fsHarness),
  idb: stateStoreContract("idb (fake-indexeddb)", idbHarness),
  "deno-kv": stateStoreContract("deno-kv (@deno/kv)", denoKvHarness),
};

for (const [name, scenarios] of Object.entries(suites)) {
  describe(name, () => {
    for (const s of scenarios) test(s.name, () => s.run(), 60_000);
  });
}
