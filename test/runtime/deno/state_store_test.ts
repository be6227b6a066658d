// The StateStore contract on Deno: memory, filesystem (through Deno's node:fs) and Deno KV (Deno.openKv).
import { DenoKvStateStore } from "../../../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../../../adapters/fs/mod.ts";
import { MemoryStateStore } from "../../../src/state/mod.ts";
import { denoKvLimitCases } from "../../contract/deno_kv_limit_cases.ts";
import { stateStoreContract, type StateStoreHarness } from "../../contract/state_store_contract.ts";

async function fsHarness(): Promise<StateStoreHarness> {
  const dir = await Deno.makeTempDir({ prefix: "weir-fs-store-" });
  const opened = [await FsStateStore.open(dir)];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await FsStateStore.open(dir));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function denoKvHarness(): Promise<StateStoreHarness> {
  const dir = await Deno.makeTempDir({ prefix: "weir-kv-store-" });
  const path = `${dir}/kv.sqlite`;
  const opened = [await DenoKvStateStore.open(path, { prefix: ["weir", "contract"] })];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await DenoKvStateStore.open(path, { prefix: ["weir", "contract"] }));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const scenarios = [
  ...stateStoreContract("memory", () => {
    const store = new MemoryStateStore();
    return Promise.resolve({ store, cleanup: () => store.close() });
  }),
  ...stateStoreContract("fs", fsHarness),
  ...stateStoreContract("deno-kv (Deno.openKv)", denoKvHarness),
];

for (const s of scenarios) Deno.test(`state store › ${s.name}`, () => s.run());

// Deno.openKv enforces Deno KV's limits itself: these batches meet each one.
for (const c of denoKvLimitCases(() => Deno.openKv(":memory:"))) Deno.test(`Deno KV limits › ${c.name}`, () => c.run());

Deno.test('state store › DenoKvStateStore.open uses Deno.openKv, in memory for ":memory:"', async () => {
  const store = await DenoKvStateStore.open(":memory:");
  await store.put("k", new Uint8Array([7]));
  const got = await store.get("k");
  await store.close();
  if (got?.[0] !== 7) throw new Error(`expected [7], got ${String(got)}`);
});
