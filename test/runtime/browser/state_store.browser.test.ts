// The StateStore contract in Chromium: memory, and real IndexedDB (a fresh database per test).
import { describe, it } from "vitest";
import { IdbStateStore } from "../../../adapters/idb/mod.ts";
import { MemoryStateStore } from "../../../src/state/mod.ts";
import { stateStoreContract, type StateStoreHarness } from "../../contract/state_store_contract.ts";

let databases = 0;

async function idbHarness(): Promise<StateStoreHarness> {
  const name = `weir-contract-${Date.now()}-${databases++}`;
  const opened = [await IdbStateStore.open(name)];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await IdbStateStore.open(name));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      });
    },
  };
}

const suites = {
  memory: stateStoreContract("memory", () => {
    const store = new MemoryStateStore();
    return Promise.resolve({ store, cleanup: () => store.close() });
  }),
  indexeddb: stateStoreContract("idb (Chromium IndexedDB)", idbHarness),
};

for (const [name, scenarios] of Object.entries(suites)) {
  describe(`state store: ${name}`, () => {
    for (const s of scenarios) it(s.name, () => s.run(), 60_000);
  });
}
