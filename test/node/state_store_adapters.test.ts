/// <reference types="node" />
// Adapter-specific behaviour beyond the shared contract: the filesystem store's file names and recovery,
// Deno KV's chunking and commit limits.
import { openKv } from "@deno/kv";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "vitest";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { DamagedValueError, StateStoreError } from "../../src/state/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { pseudoRandomBytes } from "../contract/state_store_contract.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-adapters-"));
  dirs.push(dir);
  return dir;
}
const enc = (s: string) => new TextEncoder().encode(s);

describe("FsStateStore", () => {
  test("file names are safe for any key: no traversal, no case collisions, long keys hashed", async () => {
    const dir = await tempDir();
    const keys = [
      "../../escape",
      "/abs",
      "a/b",
      "A",
      "a",
      "CON",
      "com1",
      "nul.txt",
      " ",
      ".",
      "..",
      "\u0000",
      "x".repeat(101),
      "y".repeat(500),
      "é".repeat(60),
    ];
    const store = await FsStateStore.open(dir);
    await store.batch(keys.map((key, i) => ({ type: "put" as const, key, value: enc(String(i)) })));
    await store.close();
    assertEquals((await readdir(dir)).sort(), ["data", "tmp"], "nothing written outside the store's directories");
    const names = await readdir(join(dir, "data"));
    assertEquals(names.length, keys.length);
    for (const name of names) assert(/^(k[0-9a-f]{0,200}|h[0-9a-f]{64})$/.test(name), `unsafe file name ${name}`);
    const again = await FsStateStore.open(dir);
    assertEquals(await again.list(""), [...keys].sort());
    for (const [i, key] of keys.entries()) {
      assertEquals(new TextDecoder().decode(await again.get(key)), String(i), JSON.stringify(key));
    }
    await again.close();
  });

  test("open removes temp files of writes that never committed", async () => {
    const dir = await tempDir();
    await (await FsStateStore.open(dir)).close();
    await writeFile(join(dir, "tmp", "0123-kdeadbeef"), "half-written");
    const store = await FsStateStore.open(dir);
    assertEquals(await readdir(join(dir, "tmp")), []);
    assertEquals(await store.list(""), []);
    await store.close();
  });

  test("a file with a torn header reads as DamagedValueError; a long key's one is moved aside at open", async () => {
    const dir = await tempDir();
    const long = "ckpt/" + "x".repeat(120);
    let store = await FsStateStore.open(dir);
    await store.batch([{ type: "put", key: "short", value: enc("a") }, { type: "put", key: long, value: enc("b") }]);
    await store.close();
    const files = await readdir(join(dir, "data"));
    for (const f of files) await writeFile(join(dir, "data", f), new Uint8Array(10));
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => void warnings.push(m);
    try {
      store = await FsStateStore.open(dir);
    } finally {
      console.warn = warn;
    }
    assertEquals(await store.list(""), ["short"]);
    await assertRejects(() => store.get("short"), DamagedValueError, "is damaged");
    assertEquals(await store.get(long), undefined);
    assertEquals(warnings.length, 1);
    assert(warnings[0]!.includes("to damaged/: its header is damaged"), warnings[0]);
    assertEquals(await readdir(join(dir, "damaged")), files.filter((f) => f.startsWith("h")));
    await store.close();
  });

  test("a damaged journal stops open with a StateStoreError and releases the lock", async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "journal"), '{"version":1,"ops":[{"name":"../../x","tmp":"t"}]}');
    await assertRejects(() => FsStateStore.open(dir), StateStoreError, "journal is damaged");
    assertEquals((await readdir(dir)).includes("lock"), false, "the lock was released");
  });

  test("open rejects an empty directory name with TypeError", async () => {
    await assertRejects(() => FsStateStore.open(""), TypeError, "non-empty string");
  });
});

describe("DenoKvStateStore (@deno/kv)", () => {
  test("no Deno KV entry exceeds 64 KiB, however large the value", async () => {
    const kv = await openKv();
    try {
      const store = await DenoKvStateStore.wrap(kv, { prefix: ["t"] });
      const big = pseudoRandomBytes(3 * 1024 * 1024 + 5, 9);
      await store.batch([{ type: "put", key: "big", value: big }, { type: "put", key: "small", value: enc("s") }]);
      let entries = 0;
      for await (const { value } of kv.list({ prefix: ["t"] })) {
        entries++;
        assert((value as Uint8Array).length <= 65_536, `an entry holds ${(value as Uint8Array).length} bytes`);
      }
      assertEquals(entries, 2 + Math.ceil(big.length / 65_536), "two headers plus the chunks");
      assertEquals((await store.get("big"))?.length, big.length);
      await store.close();
    } finally {
      kv.close();
    }
  });

  test("a batch beyond one commit's key capacity rejects with StateStoreError and applies nothing", async () => {
    const kv = await openKv();
    try {
      const store = await DenoKvStateStore.wrap(kv);
      assertEquals(store.limits.maxBatchOps, 998);
      await store.put("kept", enc("v"));
      const ops = Array.from({ length: 1_200 }, (_, i) => ({ type: "put" as const, key: `k/${i}`, value: enc("x") }));
      await assertRejects(
        () => store.batch([{ type: "delete", key: "kept" }, ...ops]),
        StateStoreError,
        "nothing was applied",
      );
      assertEquals(await store.list(""), ["kept"]);
      await store.close();
    } finally {
      kv.close();
    }
  });

  test("open without Deno.openKv explains how to use @deno/kv", async () => {
    await assertRejects(() => DenoKvStateStore.open(":memory:"), StateStoreError, "DenoKvStateStore.wrap");
  });
});
