// The StateStore contract inside workerd: memory, and Durable Object storage (a fresh object per test,
// reached with runInDurableObject).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { DurableObjectStateStore } from "../../../adapters/cloudflare/mod.ts";
import { MemoryStateStore, type StateStoreOp } from "../../../src/state/mod.ts";
import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import { pseudoRandomBytes, stateStoreContract } from "../../contract/state_store_contract.ts";

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

/** Runs `run` on the storage of a fresh Durable Object. */
async function inFreshObject(run: (storage: DurableObjectStorage) => Promise<void>): Promise<void> {
  const stub = env.TEST_DO.get(env.TEST_DO.newUniqueId());
  await runInDurableObject(stub, (_instance, state) => run(state.storage));
}

async function roundTrip(store: DurableObjectStateStore, ops: StateStoreOp[]): Promise<void> {
  await store.batch(ops);
  for (const op of ops) {
    if (op.type !== "put") continue;
    const got = await store.get(op.key);
    assertEquals(got?.length, op.value.length);
    assert(got!.every((b, i) => b === op.value[i]), `bytes of ${op.key.slice(0, 20)}`);
  }
}

describe("Durable Object storage at its limits (128 KiB values, 2 KiB keys, 128 keys per call)", () => {
  it("values of 128 KiB and 2 × 128 KiB ± 1 are stored in entries of at most 128 KiB", async () => {
    await inFreshObject(async (storage) => {
      const store = await DurableObjectStateStore.open(storage);
      const sizes = [131_072, 2 * 131_072 - 1, 2 * 131_072 + 1];
      await roundTrip(store, sizes.map((n, i) => ({ type: "put", key: `v${i}`, value: pseudoRandomBytes(n, i + 1) })));
      for (const [, value] of await storage.list()) assert((value as Uint8Array).length <= 131_072);
      await store.close();
    });
  });

  it("a prefix leaving room for the longest key works, one byte more is refused at open", async () => {
    await inFreshObject(async (storage) => {
      // "h" plus a 512-byte key taking up to 2 bytes per byte once mapped: 1,025 of the 2,048 bytes.
      const prefix = "p".repeat(2_048 - 1 - 2 * 512);
      const store = await DurableObjectStateStore.open(storage, { prefix });
      await roundTrip(store, [
        { type: "put", key: "\u{10ffff}".repeat(128), value: pseudoRandomBytes(200_000, 1) },
        { type: "put", key: "\0".repeat(512), value: pseudoRandomBytes(10, 2) },
      ]);
      await store.close();
      await assertRejects(
        () => DurableObjectStateStore.open(storage, { prefix: prefix + "p" }),
        RangeError,
        "shorten the key prefix by 1 bytes",
      );
    });
  });

  it("a batch of 300 puts and 300 deletes (beyond 128 keys per call) is one transaction", async () => {
    await inFreshObject(async (storage) => {
      const store = await DurableObjectStateStore.open(storage);
      const keys = Array.from({ length: 300 }, (_, i) => `k/${String(i).padStart(3, "0")}`);
      await roundTrip(store, keys.map((key, i) => ({ type: "put", key, value: pseudoRandomBytes(9_000, i + 1) })));
      await roundTrip(store, [
        ...keys.map((key): StateStoreOp => ({ type: "delete", key })),
        ...keys.map((key, i): StateStoreOp => ({ type: "put", key: key + "/b", value: pseudoRandomBytes(100, i) })),
      ]);
      assertEquals((await store.list("k/")).length, 300);
      await store.close();
    });
  });
});
