// The StateStore contract inside workerd: memory, and Durable Object storage (a fresh object per test,
// reached with runInDurableObject).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { DurableObjectStateStore } from "../../../adapters/cloudflare/mod.ts";
import { MemoryStateStore } from "../../../src/state/mod.ts";
import { stateStoreContract } from "../../contract/state_store_contract.ts";

/** The storage of the object the current test runs in (tests of one file run one at a time). */
let storage: DurableObjectStorage | undefined;

const durableObject = stateStoreContract("durable-object", async () => {
  const s = storage;
  if (!s) throw new Error("the Durable Object scenarios must run inside runInDurableObject");
  const opened = [await DurableObjectStateStore.open(s)];
  return {
    store: opened[0]!,
    reopen: async () => {
      opened.push(await DurableObjectStateStore.open(s));
      return opened[opened.length - 1]!;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await s.deleteAll();
    },
  };
});

const memory = stateStoreContract("memory", () => {
  const store = new MemoryStateStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});

describe("state store: memory", () => {
  for (const s of memory) it(s.name, () => s.run());
});

describe("state store: Durable Object storage", () => {
  for (const s of durableObject) {
    it(s.name, async () => {
      const stub = env.TEST_DO.get(env.TEST_DO.newUniqueId());
      await runInDurableObject(stub, async (_instance, state) => {
        storage = state.storage;
        try {
          await s.run();
        } finally {
          storage = undefined;
        }
      });
    }, 60_000);
  }
});
