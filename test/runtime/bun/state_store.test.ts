// The StateStore contract on Bun: memory and filesystem (through Bun's node:fs).
import { describe, it } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsStateStore } from "../../../adapters/fs/mod.ts";
import { MemoryStateStore } from "../../../src/state/mod.ts";
import { stateStoreContract, type StateStoreHarness } from "../../contract/state_store_contract.ts";

async function fsHarness(): Promise<StateStoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), "weir-fs-store-"));
  const opened = [await FsStateStore.open(dir)];
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

const suites = {
  memory: stateStoreContract("memory", () => {
    const store = new MemoryStateStore();
    return Promise.resolve({ store, cleanup: () => store.close() });
  }),
  fs: stateStoreContract("fs", fsHarness),
};

for (const [name, scenarios] of Object.entries(suites)) {
  describe(`state store: ${name}`, () => {
    for (const s of scenarios) it(s.name, () => s.run(), 60_000);
  });
}
