// The one contract suite every StateStore passes, on every runtime where the store is real. Runtime entry
// points turn the returned scenarios into tests (vitest, Deno.test, workerd, the browser).
import { MAX_STATE_KEY_BYTES, type StateStore, StateStoreError } from "../../src/state/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import type { Scenario } from "../scenarios/_scenario.ts";

/** A fresh, empty store plus the hooks the suite needs around it. */
export interface StateStoreHarness {
  store: StateStore;
  /** Opens the same data again after the test closed `store`. Persistent stores only. */
  reopen?: () => Promise<StateStore>;
  /** Closes every store the harness opened (closing twice is allowed) and deletes their data. */
  cleanup: () => Promise<void>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (
  b: Uint8Array | undefined,
): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Deterministic pseudo-random bytes (xorshift32), so a misplaced chunk cannot go unnoticed. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  assert(actual !== undefined, `${what}: expected ${expected.length} bytes, got undefined`);
  assert(actual instanceof Uint8Array, `${what}: expected a Uint8Array`);
  assertEquals(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      assert(false, `${what}: bytes differ first at index ${i} (${actual[i]} != ${expected[i]})`);
    }
  }
}

/** Keys chosen to tell code-unit order from code-point order and prefixes from their extensions. */
const ORDER_KEYS = [
  "",
  "a",
  "a\u0000",
  "a/b",
  "a/b/c",
  "a/bc",
  "ab",
  "é",
  "\ud7ff",
  "\u{1f600}",
  "\u{10000}z",
  "\ue000",
  "\ufeffbom", // U+FEFF first: a UTF-8 decoder must not strip it as a byte-order mark
  "\uffff",
  "\uffff\uffff",
  "z",
];

export function stateStoreContract(name: string, makeStore: () => Promise<StateStoreHarness>): Scenario[] {
  const scenario = (title: string, body: (h: StateStoreHarness) => Promise<void>): Scenario => ({
    name: `${name}: ${title}`,
    async run() {
      const h = await makeStore();
      try {
        await body(h);
      } finally {
        await h.cleanup();
      }
    },
  });

  return [
    scenario("get of a missing key is undefined; put, overwrite and delete round-trip", async ({ store }) => {
      assertEquals(await store.get("missing"), undefined);
      await store.put("k", enc("one"));
      assertEquals(dec(await store.get("k")), "one");
      await store.put("k", enc("two, longer"));
      assertEquals(dec(await store.get("k")), "two, longer");
      await store.delete("k");
      assertEquals(await store.get("k"), undefined);
      await store.delete("k");
      await store.delete("never-there");
      assertEquals(await store.list(""), []);
    }),

    scenario("an empty value is stored and differs from a missing key", async ({ store }) => {
      await store.put("empty", new Uint8Array(0));
      assertBytes(await store.get("empty"), new Uint8Array(0), "empty value");
      assertEquals(await store.list(""), ["empty"]);
      await store.batch([{ type: "put", key: "empty2", value: new Uint8Array(0) }]);
      assertBytes(await store.get("empty2"), new Uint8Array(0), "empty value through batch");
    }),

    scenario(
      "list returns prefixed keys in code-unit order, unicode and nested prefixes included",
      async ({ store }) => {
        await store.batch(ORDER_KEYS.map((key, i) => ({ type: "put" as const, key, value: enc(String(i)) })));
        const sorted = [...ORDER_KEYS].sort();
        assertEquals(await store.list(""), sorted);
        assertEquals(await store.list("a"), ["a", "a\u0000", "a/b", "a/b/c", "a/bc", "ab"]);
        assertEquals(await store.list("a/b"), ["a/b", "a/b/c", "a/bc"]);
        assertEquals(await store.list("a/b/"), ["a/b/c"]);
        assertEquals(await store.list("\ud83d"), ["\u{1f600}"], "a prefix may end inside a surrogate pair");
        assertEquals(await store.list("\uffff"), ["\uffff", "\uffff\uffff"]);
        assertEquals(await store.list("nothing"), []);
        for (const [i, key] of ORDER_KEYS.entries()) {
          assertEquals(
            dec(await store.get(key)),
            String(i),
            `value of ${JSON.stringify(key)}`,
          );
        }
      },
    ),

    scenario("list honours start (inclusive), end (exclusive) and limit", async ({ store }) => {
      const keys = ["p/0", "p/1", "p/2", "p/3", "p/4", "q/0"];
      await store.batch(keys.map((key) => ({ type: "put" as const, key, value: enc(key) })));
      assertEquals(await store.list("p/", { start: "p/2" }), ["p/2", "p/3", "p/4"]);
      assertEquals(await store.list("p/", { start: "p/15" }), ["p/2", "p/3", "p/4"]);
      assertEquals(await store.list("p/", { end: "p/2" }), ["p/0", "p/1"]);
      assertEquals(await store.list("p/", { start: "p/1", end: "p/3" }), ["p/1", "p/2"]);
      assertEquals(await store.list("p/", { limit: 2 }), ["p/0", "p/1"]);
      assertEquals(await store.list("p/", { start: "p/3", limit: 1 }), ["p/3"]);
      assertEquals(await store.list("p/", { limit: 0 }), []);
      assertEquals(await store.list("p/", { limit: Infinity }), ["p/0", "p/1", "p/2", "p/3", "p/4"]);
      assertEquals(
        await store.list("p/", { start: "a", end: "z" }),
        ["p/0", "p/1", "p/2", "p/3", "p/4"],
        "bounds outside the prefix",
      );
      assertEquals(await store.list("p/", { start: "p/3", end: "p/1" }), []);
      assertEquals(await store.list("", { start: "p/4" }), ["p/4", "q/0"]);
      assertEquals(await store.list("", { end: "p/1" }), ["p/0"]);
      await assertRejects(() => store.list("p/", { limit: -1 }), RangeError, "limit");
      await assertRejects(() => store.list("p/", { limit: 1.5 }), RangeError, "limit");
      await assertRejects(() => store.list(7 as unknown as string), TypeError, "prefix");
    }),

    scenario("batch applies puts and deletes together; the last op on a key wins", async ({ store }) => {
      await store.batch([
        { type: "put", key: "a", value: enc("a1") },
        { type: "put", key: "b", value: enc("b1") },
        { type: "put", key: "c", value: enc("c1") },
      ]);
      await store.batch([
        { type: "delete", key: "a" },
        { type: "put", key: "b", value: enc("b2") },
        { type: "put", key: "b", value: enc("b3") },
        { type: "put", key: "d", value: enc("d1") },
        { type: "delete", key: "d" },
        { type: "delete", key: "c" },
        { type: "put", key: "c", value: enc("c2") },
      ]);
      assertEquals(await store.list(""), ["b", "c"]);
      assertEquals([dec(await store.get("b")), dec(await store.get("c"))], ["b3", "c2"]);
      await store.batch([]);
      assertEquals(await store.list(""), ["b", "c"]);
    }),

    scenario("a batch with an invalid op applies nothing", async ({ store }) => {
      await store.batch([
        { type: "put", key: "keep", value: enc("v1") },
        { type: "put", key: "gone?", value: enc("v1") },
      ]);
      const before = await store.list("");
      const bad: unknown[][] = [
        [{ type: "put", key: "new", value: enc("x") }, { type: "delete", key: "gone?" }, {
          type: "put",
          key: "keep",
          value: "not bytes",
        }],
        [{ type: "put", key: "keep", value: enc("x") }, {
          type: "put",
          key: "x".repeat(MAX_STATE_KEY_BYTES + 1),
          value: enc("x"),
        }],
        [{ type: "delete", key: "keep" }, { type: "put", key: "lone\ud800", value: enc("x") }],
        [{ type: "put", key: "new", value: enc("x") }, { type: "upsert", key: "keep", value: enc("x") }],
        [{ type: "delete", key: "keep" }, null],
        [{ type: "put", key: "new", value: enc("x") }, { type: "put", key: 42, value: enc("x") }],
      ];
      for (const ops of bad) {
        const e = await assertRejects(() => store.batch(ops as never));
        assert(e instanceof TypeError || e instanceof RangeError, `expected TypeError or RangeError, got ${e.name}`);
      }
      assertEquals(await store.list(""), before);
      assertEquals([dec(await store.get("keep")), dec(await store.get("gone?"))], ["v1", "v1"]);
    }),

    scenario("keys are validated alike on every store", async ({ store }) => {
      const longest = "é".repeat(MAX_STATE_KEY_BYTES / 2);
      await store.put(longest, enc("max"));
      assertEquals(dec(await store.get(longest)), "max");
      assertEquals(await store.list("é"), [longest]);
      await assertRejects(
        () => store.put(longest + "x", enc("x")),
        RangeError,
        `at most ${MAX_STATE_KEY_BYTES} UTF-8 bytes`,
      );
      await assertRejects(() => store.get("\udc00"), TypeError, "lone surrogate");
      await assertRejects(() => store.get(undefined as unknown as string), TypeError, "must be a string");
      await assertRejects(() => store.delete(1 as unknown as string), TypeError, "must be a string");
      await assertRejects(() => store.put("k", new ArrayBuffer(2) as unknown as Uint8Array), TypeError, "Uint8Array");
      await assertRejects(() => store.put("k", [1, 2] as unknown as Uint8Array), TypeError, "Uint8Array");
      assertEquals(await store.list(""), [longest]);
    }),

    scenario("values are isolated from the caller's arrays", async ({ store }) => {
      const value = enc("original");
      const pending = store.put("k", value);
      value.fill(0); // before the put resolved
      await pending;
      assertEquals(dec(await store.get("k")), "original");
      const got = (await store.get("k"))!;
      got.fill(1);
      assertEquals(dec(await store.get("k")), "original");
      const buffer = enc("xxWINDOWxx");
      await store.put("view", buffer.subarray(2, 8));
      assertEquals(dec(await store.get("view")), "WINDOW", "a view stores only its own bytes");
      const ops = [{ type: "put" as const, key: "b", value: enc("batched") }];
      const pendingBatch = store.batch(ops);
      ops[0]!.value.fill(0);
      await pendingBatch;
      assertEquals(dec(await store.get("b")), "batched");
    }),

    scenario("values over 1 MiB round-trip through put and batch, and list shows no chunks", async ({ store }) => {
      const big = pseudoRandomBytes(1024 * 1024 + 12_345, 1);
      const big2 = pseudoRandomBytes(1536 * 1024, 2);
      await store.put("big", big);
      assertBytes(await store.get("big"), big, "put");
      await store.batch([
        { type: "put", key: "big2", value: big2 },
        { type: "put", key: "big3", value: big },
        { type: "put", key: "small", value: enc("s") },
      ]);
      assertBytes(await store.get("big2"), big2, "batch");
      assertBytes(await store.get("big3"), big, "batch");
      assertEquals(await store.list(""), ["big", "big2", "big3", "small"]);
      await store.put("big", enc("now small"));
      assertEquals(dec(await store.get("big")), "now small");
      await store.put("small", big2);
      assertBytes(await store.get("small"), big2, "small replaced by big");
      await store.batch([{ type: "delete", key: "big2" }, { type: "put", key: "big3", value: big2 }]);
      assertEquals(await store.get("big2"), undefined);
      assertBytes(await store.get("big3"), big2, "big replaced by big");
      assertEquals(await store.list(""), ["big", "big3", "small"]);
    }),

    scenario("1,500 keys: list, pagination and deletes", async ({ store }) => {
      const keys = Array.from({ length: 1500 }, (_, i) => `many/${(i * 7919) % 1500}`.padEnd(12, "."));
      for (let i = 0; i < keys.length; i += 250) {
        await store.batch(keys.slice(i, i + 250).map((key) => ({ type: "put" as const, key, value: enc(key) })));
      }
      const sorted = [...keys].sort();
      assertEquals(await store.list("many/"), sorted);
      const pages: string[] = [];
      for (let page = await store.list("many/", { limit: 400 }); page.length > 0;) {
        pages.push(...page);
        page = await store.list("many/", { start: page[page.length - 1] + "\u0000", limit: 400 });
      }
      assertEquals(pages, sorted);
      assertEquals(await store.list("many/1"), sorted.filter((k) => k.startsWith("many/1")));
      const doomed = sorted.filter((_, i) => i % 2 === 0);
      for (let i = 0; i < doomed.length; i += 250) {
        await store.batch(doomed.slice(i, i + 250).map((key) => ({ type: "delete" as const, key })));
      }
      assertEquals(await store.list("many/"), sorted.filter((_, i) => i % 2 === 1));
      assertEquals(dec(await store.get(sorted[1]!)), sorted[1]);
    }),

    scenario(
      "a batch at the store's advertised limits applies atomically; a rejected one applies nothing",
      async ({ store }) => {
        const { maxBatchOps, maxBatchKeyBytes } = store.limits;
        const ops = Number.isFinite(maxBatchOps) ? maxBatchOps : 2000;
        // Keys padded with NUL, the character that costs backends the most to encode.
        const keyBytes = Math.min(
          MAX_STATE_KEY_BYTES,
          Number.isFinite(maxBatchKeyBytes) ? Math.floor(maxBatchKeyBytes / ops) : 40,
        );
        assert(keyBytes >= 8, `limits leave ${keyBytes} bytes per key`);
        const key = (i: number) => String(i).padStart(7, "0").padEnd(keyBytes, "\u0000");
        await store.put(key(0), enc("before"));
        await store.batch(
          Array.from({ length: ops }, (_, i) => ({ type: "put" as const, key: key(i), value: enc(`v${i}`) })),
        );
        const listed = await store.list("");
        assertEquals(listed.length, ops);
        assertEquals([dec(await store.get(key(0))), dec(await store.get(key(ops - 1)))], ["v0", `v${ops - 1}`]);

        const tooMany = Array.from(
          { length: 2 * ops + 2 },
          (_, i) => ({ type: "put" as const, key: `over/${i}`, value: enc("x") }),
        );
        try {
          await store.batch([{ type: "delete", key: key(0) }, ...tooMany]);
          assertEquals((await store.list("over/")).length, tooMany.length, "an accepted batch applied everything");
          assertEquals(await store.get(key(0)), undefined);
        } catch (e) {
          assert(
            e instanceof StateStoreError,
            `a batch beyond the limits must fail with StateStoreError, got ${String(e)}`,
          );
          assertEquals(await store.list("over/"), [], "a rejected batch applied nothing");
          assertEquals(dec(await store.get(key(0))), "v0");
        }
      },
    ),

    scenario("writes take effect in call order without awaiting each", async ({ store }) => {
      const done = [
        store.put("a", enc("1")),
        store.put("a", enc("2")),
        store.batch([{ type: "put", key: "a", value: enc("3") }, { type: "put", key: "b", value: enc("b") }]),
        store.delete("b"),
        store.put("a", pseudoRandomBytes(200_000, 3)),
        store.put("a", enc("4")),
      ];
      await Promise.all(done);
      assertEquals(dec(await store.get("a")), "4");
      assertEquals(await store.get("b"), undefined);
      assertEquals(await store.list(""), ["a"]);
    }),

    scenario("close lets pending writes finish, then every call rejects with StateStoreError", async ({ store }) => {
      const pending = store.put("k", enc("v"));
      await store.close();
      await pending;
      await store.close();
      await assertRejects(() => store.get("k"), StateStoreError, "closed");
      await assertRejects(() => store.put("k", enc("v")), StateStoreError, "closed");
      await assertRejects(() => store.delete("k"), StateStoreError, "closed");
      await assertRejects(() => store.list(""), StateStoreError, "closed");
      await assertRejects(() => store.batch([]), StateStoreError, "closed");
    }),

    scenario("data survives close and reopen (persistent stores)", async ({ store, reopen }) => {
      const big = pseudoRandomBytes(1200 * 1024, 4);
      await store.batch([
        { type: "put", key: "p/big", value: big },
        { type: "put", key: "p/small", value: enc("small") },
        { type: "put", key: "p/gone", value: enc("gone") },
        { type: "put", key: "p/\u{1f600}", value: new Uint8Array(0) },
      ]);
      await store.delete("p/gone");
      await store.close();
      if (!reopen) return; // a memory store keeps nothing: closing is all there is to check
      const again = await reopen();
      assertEquals(await again.list(""), ["p/big", "p/small", "p/\u{1f600}"]);
      assertBytes(await again.get("p/big"), big, "after reopen");
      assertEquals(dec(await again.get("p/small")), "small");
      assertBytes(await again.get("p/\u{1f600}"), new Uint8Array(0), "empty after reopen");
      await again.put("p/small", enc("changed"));
      await again.close();
      const third = await reopen();
      assertEquals(dec(await third.get("p/small")), "changed");
      await third.close();
    }),
  ];
}
