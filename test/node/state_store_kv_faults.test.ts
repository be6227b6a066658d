/// <reference types="node" />
// The deterministic companion of the SIGKILL test in state_store_crash.test.ts: a Deno KV batch that spans
// several commits is interrupted at each of its commits in turn, by a crash (nothing after it runs, and a
// second crash may cut the recovery short), by a commit that fails cleanly, and by a commit that is applied
// but reported as failed (a lost acknowledgement). Every outcome must be one whole generation, the one the
// batch's promise announced when anybody was left to see it, and the next open must leave no debris.
import { openKv } from "@deno/kv";
import { describe, test } from "vitest";
import {
  type DenoKvAtomicOperation,
  type DenoKvKey,
  type DenoKvLike,
  DenoKvStateStore,
} from "../../adapters/deno-kv/mod.ts";
import { StateStoreError } from "../../src/state/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { generationOps, storedGeneration } from "./_state_store_generations.ts";

const PREFIX = ["faults"];

/** What goes wrong at the chosen commit: the process dies before it, it is refused, or its success is lost. */
type Fault = "crash" | "refused" | "lost-ack";

/**
 * A real Deno KV database whose commits go wrong where `faults` says (keyed by commit number, counted from
 * 0 through this wrapper); after a crash every call throws, as nothing runs in a dead process. Records
 * which store namespaces (first character of the store's key: h, c, p, g) each commit touched.
 */
class FaultyKv implements DenoKvLike {
  readonly commits: string[][] = [];
  #kv: DenoKvLike;
  #faults: ReadonlyMap<number, Fault>;
  #dead = false;

  constructor(kv: DenoKvLike, faults: ReadonlyMap<number, Fault> = new Map()) {
    this.#kv = kv;
    this.#faults = faults;
  }

  get(key: DenoKvKey): Promise<{ value: unknown }> {
    this.#alive();
    return this.#kv.get(key);
  }

  list(
    selector: { start: DenoKvKey; end: DenoKvKey },
    options?: { limit?: number; batchSize?: number },
  ): AsyncIterable<{ key: readonly unknown[]; value: unknown }> {
    this.#alive();
    return this.#kv.list(selector, options);
  }

  atomic(): DenoKvAtomicOperation {
    this.#alive();
    const op = this.#kv.atomic();
    const spaces = new Set<string>();
    const space = (key: DenoKvKey) => spaces.add(String(key[PREFIX.length])[0]!);
    const commit = async (): Promise<{ ok: boolean }> => {
      this.#alive();
      const fault = this.#faults.get(this.commits.push([...spaces].sort()) - 1);
      if (fault === undefined) return await op.commit();
      if (fault === "crash") {
        this.#dead = true;
        throw new Error("simulated crash: the process died before this commit");
      }
      if (fault === "refused") throw new Error("simulated failure: commit refused, nothing applied");
      await op.commit();
      throw new Error("simulated lost acknowledgement: the commit was applied, its result never arrived");
    };
    return {
      set(key, value) {
        space(key);
        op.set(key, value);
        return this;
      },
      delete(key) {
        space(key);
        op.delete(key);
        return this;
      },
      commit,
    };
  }

  close(): void {}

  #alive(): void {
    if (this.#dead) throw new Error("simulated crash: the process is dead");
  }
}

const faultAt = (kv: DenoKvLike, fault: Fault, at: number) => new FaultyKv(kv, new Map([[at, fault]]));

/** A fresh in-memory database holding generation `g` (none for 0). */
async function databaseAt(g: number): Promise<DenoKvLike> {
  const kv = await openKv();
  if (g > 0) {
    const store = await DenoKvStateStore.wrap(kv, { prefix: PREFIX });
    await store.batch(generationOps(g));
    await store.close();
  }
  return kv;
}

/** Reopens `kv` (which runs recovery) and returns the one whole generation it holds; asserts no debris. */
async function settled(kv: DenoKvLike): Promise<number> {
  const store = await DenoKvStateStore.wrap(kv, { prefix: PREFIX });
  let g: number;
  try {
    g = await storedGeneration(store);
  } finally {
    await store.close();
  }
  await assertNoDebris(kv);
  return g;
}

/** No markers, and exactly the chunks that headers point at. */
async function assertNoDebris(kv: DenoKvLike): Promise<void> {
  const referenced = new Map<string, number>();
  const chunks = new Map<string, number>();
  for await (const { key, value } of kv.list({ start: [...PREFIX, ""], end: [...PREFIX, "\u{10ffff}"] })) {
    const k = key[PREFIX.length] as string;
    assert(k[0] === "h" || k[0] === "c", `leftover marker ${JSON.stringify(k)}`);
    if (k[0] === "c") chunks.set(k.slice(1, 17), (chunks.get(k.slice(1, 17)) ?? 0) + 1);
    else if ((value as Uint8Array)[0] === 1) {
      const blob = JSON.parse(new TextDecoder().decode((value as Uint8Array).subarray(1))) as { id: string; n: number };
      referenced.set(blob.id, blob.n);
    }
  }
  assertEquals([...chunks].sort(), [...referenced].sort(), "chunks stored vs chunks referenced by headers");
}

/**
 * The commits of an undisturbed batch from generation `from` to `from + 1`, and the index of the one that
 * publishes it: the only commit that touches headers, which is what makes the batch atomic.
 */
async function commitPlan(from: number): Promise<{ total: number; publish: number }> {
  const faulty = new FaultyKv(await databaseAt(from));
  const store = await DenoKvStateStore.wrap(faulty, { prefix: PREFIX });
  await store.batch(generationOps(from + 1));
  await store.close();
  const publishing = faulty.commits.flatMap((spaces, i) => (spaces.includes("h") ? [i] : []));
  assertEquals(publishing.length, 1, `commits touching headers (${JSON.stringify(faulty.commits)})`);
  assert(faulty.commits.length >= 4, `the batch must span several commits: ${JSON.stringify(faulty.commits)}`);
  return { total: faulty.commits.length, publish: publishing[0]! };
}

/** Runs the batch from `from` to `from + 1` with `fault` at commit `at`; "resolved" or "rejected". */
async function faultyBatch(kv: DenoKvLike, from: number, fault: Fault, at: number) {
  const store = await DenoKvStateStore.wrap(faultAt(kv, fault, at), { prefix: PREFIX });
  try {
    await store.batch(generationOps(from + 1));
    return { store, outcome: "resolved" as const };
  } catch (e) {
    assert(e instanceof StateStoreError, `a failed batch rejects with StateStoreError, not ${e}`);
    return { store, outcome: "rejected" as const };
  }
}

// From generation 0 the batch only adds keys; from 1 it also replaces chunked values and deletes a key.
for (const from of [0, 1]) {
  describe(`Deno KV batch from generation ${from} to ${from + 1}`, () => {
    test("a crash up to the publishing commit leaves the old generation, any later one the new generation", async () => {
      const { total, publish } = await commitPlan(from);
      for (let at = 0; at < total; at++) {
        // A second crash may interrupt the recovery of the next open at any of its commits: retry until an
        // open gets through, then the store must be whole.
        for (let recoveryCrash = 0;; recoveryCrash++) {
          assert(recoveryCrash < 10, "recovery must finish in a few commits");
          const kv = await databaseAt(from);
          try {
            await faultyBatch(kv, from, "crash", at);
            const reopened = faultAt(kv, "crash", recoveryCrash);
            const recovered = await DenoKvStateStore.wrap(reopened, { prefix: PREFIX }).then(
              (store) => store.close().then(() => true),
              (e) => {
                assert(e instanceof StateStoreError, `a failed open rejects with StateStoreError, not ${e}`);
                return false;
              },
            );
            assertEquals(
              await settled(kv),
              at <= publish ? from : from + 1,
              `crash at commit ${at} of ${total}, then at commit ${recoveryCrash} of recovery`,
            );
            if (recovered) break;
          } finally {
            kv.close();
          }
        }
      }
    });

    test("a refused commit rejects the batch and leaves the old generation and no debris, unless already published", async () => {
      const { total, publish } = await commitPlan(from);
      for (let at = 0; at < total; at++) {
        const kv = await databaseAt(from);
        try {
          const { store, outcome } = await faultyBatch(kv, from, "refused", at);
          // Checked through the same store object, before any reopen repairs anything.
          assertEquals(outcome, at <= publish ? "rejected" : "resolved", `refused commit ${at} of ${total}`);
          assertEquals(await storedGeneration(store), at <= publish ? from : from + 1, `refused commit ${at}`);
          if (at <= publish) {
            await assertNoDebris(kv);
            await store.batch(generationOps(from + 1));
            assertEquals(await storedGeneration(store), from + 1, "the store stays usable after a failed batch");
          }
          await store.close();
          assertEquals(await settled(kv), from + 1);
        } finally {
          kv.close();
        }
      }
    });

    test("a lost acknowledgement never makes the promise lie: resolved means the new generation, rejected the old", async () => {
      const { total, publish } = await commitPlan(from);
      for (let at = 0; at < total; at++) {
        const kv = await databaseAt(from);
        try {
          const { store, outcome } = await faultyBatch(kv, from, "lost-ack", at);
          assertEquals(outcome, at < publish ? "rejected" : "resolved", `lost acknowledgement of commit ${at}`);
          const expected = at < publish ? from : from + 1;
          assertEquals(await storedGeneration(store), expected, `lost acknowledgement of commit ${at}`);
          await store.close();
          assertEquals(await settled(kv), expected);
        } finally {
          kv.close();
        }
      }
    });
  });
}

test("a recovery cut short between two markers by a second crash is completed by the next open", async () => {
  const { total, publish } = await commitPlan(1);
  const kv = await databaseAt(1);
  try {
    // Generation 2 is published but its garbage stays (its clean-up commit is refused); generation 3 then
    // dies after its pending marker and first chunks: the next open has a pending and a garbage marker.
    const faults = new Map<number, Fault>([[publish + 1, "refused"], [total + 2, "crash"]]);
    const store = await DenoKvStateStore.wrap(new FaultyKv(kv, faults), { prefix: PREFIX });
    await store.batch(generationOps(2));
    await assertRejects(() => store.batch(generationOps(3)), StateStoreError);
    const markers = async () => {
      const found: string[] = [];
      for await (const { key } of kv.list({ start: [...PREFIX, "g"], end: [...PREFIX, "q"] })) {
        const k = key[PREFIX.length] as string;
        if (k[0] === "g" || k[0] === "p") found.push(k[0]);
      }
      return found.sort();
    };
    assertEquals(await markers(), ["g", "p"]);
    await assertRejects(
      () => DenoKvStateStore.wrap(faultAt(kv, "crash", 1), { prefix: PREFIX }),
      StateStoreError,
      "recovering from an interrupted batch failed",
    );
    assertEquals((await markers()).length, 1, "the second crash came between the two markers");
    assertEquals(await settled(kv), 2);
  } finally {
    kv.close();
  }
});
