// Deno KV's documented limits, each met exactly by a DenoKvStateStore batch: value size (64 KiB), key size
// (2 KiB), total mutation size (800 KiB, where Deno counts a set's key twice), mutations per commit (1,000)
// and total key size (80 KiB). Run on real Deno KV (Deno.openKv, which enforces them) and on @deno/kv under
// Node (which does not: the adapter refuses what Deno would).
import {
  type DenoKvAtomicOperation,
  type DenoKvKey,
  type DenoKvLike,
  DenoKvStateStore,
} from "../../adapters/deno-kv/mod.ts";
import type { StateStoreOp } from "../../src/state/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import type { Scenario } from "../scenarios/_scenario.ts";
import { pseudoRandomBytes } from "./state_store_contract.ts";

/** The largest commit (mutations, and bytes as Deno counts them) that went through `kv`. */
class MeasuredKv implements DenoKvLike {
  maxMutations = 0;
  maxBytes = 0;
  maxKeyBytes = 0;
  constructor(readonly kv: DenoKvLike, readonly keyBytes: (key: DenoKvKey) => number) {}
  get(key: DenoKvKey) {
    return this.kv.get(key);
  }
  list(selector: { start: DenoKvKey; end: DenoKvKey }, options?: { limit?: number; batchSize?: number }) {
    return this.kv.list(selector, options);
  }
  atomic(): DenoKvAtomicOperation {
    const op = this.kv.atomic();
    let mutations = 0, bytes = 0, keyBytes = 0;
    const measured: DenoKvAtomicOperation = {
      set: (key, value) => {
        mutations++, keyBytes += this.keyBytes(key);
        bytes += 2 * this.keyBytes(key) + (value as Uint8Array).length;
        op.set(key, value);
        return measured;
      },
      delete: (key) => {
        mutations++, keyBytes += this.keyBytes(key), bytes += this.keyBytes(key);
        op.delete(key);
        return measured;
      },
      commit: async () => {
        const result = await op.commit();
        this.maxMutations = Math.max(this.maxMutations, mutations);
        this.maxBytes = Math.max(this.maxBytes, bytes);
        this.maxKeyBytes = Math.max(this.maxKeyBytes, keyBytes);
        return result;
      },
    };
    return measured;
  }
  close() {
    this.kv.close();
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s).length;
/** Deno KV's encoding of a key of string parts: 0x02, the UTF-8 bytes with 0x00 doubled, 0x00. */
const denoKeyBytes = (key: DenoKvKey) =>
  key.reduce<number>((n, p) => n + utf8(String(p)) + 2 + (String(p).match(/\0/g)?.length ?? 0), 0);

async function roundTrip(store: DenoKvStateStore, ops: readonly StateStoreOp[]): Promise<void> {
  await store.batch(ops);
  for (const op of ops) {
    if (op.type !== "put") continue;
    const got = await store.get(op.key);
    assertEquals(got?.length, op.value.length, `length of ${JSON.stringify(op.key.slice(0, 20))}`);
    assert(got!.every((b, i) => b === op.value[i]), `bytes of ${JSON.stringify(op.key.slice(0, 20))}`);
  }
}

const put = (key: string, size: number, seed: number): StateStoreOp => ({
  type: "put",
  key,
  value: pseudoRandomBytes(size, seed),
});

/** The scenarios, on databases `openKv` opens (each a fresh one, which the scenario closes). */
export function denoKvLimitCases(openKv: () => Promise<DenoKvLike>): Scenario[] {
  const withStore = (prefix: string[], run: (store: DenoKvStateStore, kv: MeasuredKv) => Promise<void>) => async () => {
    const kv = new MeasuredKv(await openKv(), denoKeyBytes);
    try {
      const store = await DenoKvStateStore.wrap(kv, { prefix });
      await run(store, kv);
      await store.close();
    } finally {
      kv.close();
    }
  };
  return [
    {
      name: "total mutation size: 13 puts of 61,456 bytes and one of 19,695 (819,200 as Deno counts) commit",
      run: withStore(["weir"], async (store, kv) => {
        const ops = Array.from({ length: 13 }, (_, i) => put(`ckpt/j/s/000000000001/0000/00000${i}`, 61_456, i + 1));
        for (const w of [19_695, 19_600, 19_800]) {
          await roundTrip(store, [...ops, put("ckpt/j/m/000000000001", w, w)]);
        }
        assert(kv.maxBytes <= 819_200 && kv.maxBytes > 750_000, `largest commit ${kv.maxBytes} bytes`);
      }),
    },
    {
      name: "value size: values of 65,536 bytes and of 3 × 65,536 ± 1 are stored in entries of at most 64 KiB",
      run: withStore(["weir"], async (store) => {
        await roundTrip(store, [put("a", 65_536, 1), put("b", 3 * 65_536 - 1, 2), put("c", 3 * 65_536 + 1, 3)]);
      }),
    },
    {
      name: "key size: a prefix leaving exactly room for the longest key works, one byte more is refused at open",
      run: async () => {
        // Room for "h" plus 512 NUL characters (2 bytes each as Deno encodes them): 2,048 bytes in all.
        const room = ["p".repeat(2_048 - 5 - 2 * 512)];
        await withStore(room, async (store) => {
          await roundTrip(store, [put("\0".repeat(512), 10, 1), put("\u{10ffff}".repeat(128), 70_000, 2)]);
          assertEquals((await store.list("")).length, 2);
        })();
        const kv = await openKv();
        try {
          await assertRejects(
            () => DenoKvStateStore.wrap(kv, { prefix: [room[0] + "p"] }),
            RangeError,
            "shorten the key prefix by 1 bytes",
          );
        } finally {
          kv.close();
        }
      },
    },
    {
      name: "mutations per commit and total key size: batches of limits.maxBatchOps keys publish in 1,000 mutations",
      run: withStore(["weir"], async (store, kv) => {
        const n = store.limits.maxBatchOps;
        assertEquals(n, 998);
        // Every value goes to chunks, and the second batch replaces them: its publishing commit holds 998
        // headers, the pending marker's delete and the garbage marker.
        for (const seed of [1, 2]) {
          await roundTrip(store, Array.from({ length: n }, (_, i) => put(`k/${i}`, 8_200, seed * 10_000 + i)));
        }
        assertEquals(kv.maxMutations, 1_000);
        // The longest keys, at the key-byte limit of a batch.
        const long = Math.floor(store.limits.maxBatchKeyBytes / 512);
        for (const seed of [1, 2]) {
          await roundTrip(
            store,
            Array.from({ length: long }, (_, i) => put(String(i).padStart(3, "0") + "\0".repeat(509), 9_000, seed + i)),
          );
        }
        assert(kv.maxKeyBytes <= 81_920 && kv.maxKeyBytes > 70_000, `largest key total ${kv.maxKeyBytes}`);
      }),
    },
  ];
}
