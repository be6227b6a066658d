// Checkpoints on durable stores (filesystem, Deno KV through @deno/kv), large state, pruning, source
// commits, and the replayable NDJSON file source.
import { openKv } from "@deno/kv";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore, ndjsonFileSource } from "../../adapters/fs/mod.ts";
import { collect, count } from "../../src/aggregate/mod.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import type { CheckpointInfo } from "../../src/checkpoint/checkpoint_options.ts";
import { DecodeError } from "../../src/errors.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import type { StateStore } from "../../src/state/state_store.ts";
import { tumbling } from "../../src/window/tumbling.ts";
import { arraySource, byId, type Ev, makeEvents, stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "weir-ckpt-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeNdjson(events: readonly Ev[]): Promise<string> {
  const path = join(dir, "events.ndjson");
  // CRLF and blank lines on purpose: byte offsets must still be exact.
  await writeFile(path, "\uFEFF" + events.map((e, i) => JSON.stringify(e) + (i % 7 === 0 ? "\r\n\n" : "\n")).join(""));
  return path;
}

const perKey = (src: Source<Ev>) =>
  stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: 30 }).keyBy((e) => e.k).window(tumbling(100), {
    onLate: () => {},
  }).aggregate(count());

/** The element chunks `src` yields from `offset`. */
async function chunksOf(src: Source<Ev>, offset?: unknown): Promise<{ values: readonly Ev[]; offset?: unknown }[]> {
  const out: { values: readonly Ev[]; offset?: unknown }[] = [];
  const it = src.open(offset === undefined ? {} : { offset });
  for (let r = await it.next(); !r.done; r = await it.next()) if (r.value.type === "elements") out.push(r.value);
  return out;
}

describe("ndjsonFileSource", () => {
  test("reads every line and resumes exactly after the offset of any chunk", async () => {
    const events = makeEvents(200, 4);
    const path = await writeNdjson(events);
    const src = ndjsonFileSource<Ev>(path, { chunkSize: 17, readBytes: 100 });
    const chunks = await chunksOf(src);
    expect(chunks.flatMap((c) => c.values)).toStrictEqual(events);
    for (const at of [0, 3, chunks.length - 2]) {
      const rest = await chunksOf(src, chunks[at]!.offset);
      expect(rest.flatMap((c) => c.values)).toStrictEqual(events.slice((at + 1) * 17));
    }
  });

  test("a malformed line after a resume is reported with its real line number", async () => {
    const path = join(dir, "bad.ndjson");
    await writeFile(path, '{"a":1}\n{"a":2}\n{"a":\n');
    const src = ndjsonFileSource(path, { chunkSize: 1 });
    const first = await (src.open({}) as AsyncIterator<{ offset: unknown }>).next();
    const rest = src.open({ offset: first.value.offset }) as AsyncIterator<unknown>;
    await rest.next();
    await expect(rest.next()).rejects.toThrow(DecodeError);
    await expect((src.open({ offset: { byte: 16, line: 2 } }) as AsyncIterator<unknown>).next()).rejects.toThrow(
      /line 3/,
    );
  });

  test("rejects bad arguments and offsets with what is wrong", async () => {
    expect(() => ndjsonFileSource("")).toThrow(TypeError);
    expect(() => ndjsonFileSource("x", { chunkSize: 0 })).toThrow(/chunkSize must be an integer >= 1/);
    await expect((ndjsonFileSource("x").open({ offset: 5 }) as AsyncIterator<unknown>).next()).rejects.toThrow(
      /expected \{ byte, line \}/,
    );
  });

  test("a job over a file, stopped and restarted on a reopened FsStateStore, commits exactly the uninterrupted results", async () => {
    const events = makeEvents(1500, 6, 5);
    const path = await writeNdjson(events);
    const expected = await perKey(arraySource(events, 64)).toArray();
    const run = async (src: Source<Ev>, c?: AbortController) => {
      const store = await FsStateStore.open(join(dir, "store"));
      try {
        const piped = perKey(src).checkpoint({ store, id: "file", every: { events: 150 } }).pipeTo(
          storeSink({ store, job: "file" }),
          { signal: c?.signal },
        );
        if (c) await untilStopped(piped, c);
        else await piped;
        return c ? null : await readResults(store, "file");
      } finally {
        await store.close();
      }
    };
    for (const stop of [3, 9, 10, 20]) {
      const c = new AbortController();
      await run(stopAfter(ndjsonFileSource<Ev>(path, { chunkSize: 64 }), stop, c), c);
    }
    const results = await run(ndjsonFileSource<Ev>(path, { chunkSize: 64 }));
    expect(byId("file", results!)).toStrictEqual(byId("file", expected));
  });
});

describe("large state", () => {
  const stores: [string, () => Promise<{ store: StateStore; close(): Promise<void> }>][] = [
    ["memory", () => Promise.resolve({ store: new MemoryStateStore(), close: () => Promise.resolve() })],
    ["fs", async () => {
      const store = await FsStateStore.open(join(dir, "big"));
      return { store, close: () => store.close() };
    }],
    ["deno-kv (@deno/kv)", async () => {
      const kv = await openKv();
      const store = await DenoKvStateStore.wrap(kv);
      return { store, close: async () => void (await store.close(), kv.close()) };
    }],
  ];
  for (const [name, open] of stores) {
    test(`state over 1 MiB round-trips through the ${name} store in entries of at most 64 KiB`, async () => {
      // 3000 keys each collecting 10 events of ~60 bytes: about 2 MiB of window state.
      const events = Array.from(
        { length: 30_000 },
        (_, i) => ({ k: `key-${i % 3000}`, ts: i, v: i, pad: "p".repeat(30) }),
      );
      const job = (store: StateStore, src: Source<(typeof events)[number]>, infos: CheckpointInfo[]) =>
        stream(src).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.k).window(tumbling(1e9))
          .aggregate(collect())
          .checkpoint({ store, id: "big", every: { events: 30_000 }, onCheckpoint: (i) => infos.push(i) });
      const { store, close } = await open();
      try {
        const infos: CheckpointInfo[] = [];
        const c = new AbortController();
        await untilStopped(
          job(store, stopAfter(arraySource(events, 30_000), 1, c), infos).pipeTo(storeSink({ store, job: "big" }), {
            signal: c.signal,
          }),
          c,
        );
        expect(infos[0]!.bytes).toBeGreaterThan(2 ** 20);
        for (const key of await store.list("ckpt/big/")) {
          expect((await store.get(key))!.length).toBeLessThanOrEqual(64 * 1024);
        }
        await job(store, arraySource(events, 30_000), []).pipeTo(storeSink({ store, job: "big" }));
        const results = await readResults(store, "big");
        expect(results).toHaveLength(3000);
        expect(byId("big", results)).toStrictEqual(
          byId(
            "big",
            await stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
              .keyBy((e) => e.k).window(tumbling(1e9)).aggregate(collect()).toArray(),
          ),
        );
      } finally {
        await close();
      }
    }, 60_000);
  }
});

describe("checkpoint lifecycle", () => {
  test("keeps the newest `keep` checkpoints, and commits each offset at the source once durable, in order", async () => {
    const store = await FsStateStore.open(join(dir, "life"));
    const events = makeEvents(1000, 5);
    const committed: { offset: unknown; manifests: number }[] = [];
    const src: Source<Ev> = {
      ...arraySource(events, 50),
      commit: async (offset) => void committed.push({ offset, manifests: (await store.list("ckpt/l/m/")).length }),
    };
    const infos: CheckpointInfo[] = [];
    await perKey(src).checkpoint({
      store,
      id: "l",
      every: { events: 100 },
      keep: 2,
      onCheckpoint: (i) => infos.push(i),
    })
      .pipeTo(storeSink({ store, job: "l" }));
    expect(committed.map((c) => c.offset)).toStrictEqual(infos.map((i) => i.offset));
    expect(
      committed.every((c, i) =>
        c.manifests >= 1 && (i === 0 || (c.offset as number) >= (committed[i - 1]!.offset as number))
      ),
    ).toBe(true);
    const seqs = infos.map((i) => i.seq);
    expect(await store.list("ckpt/l/m/")).toStrictEqual(
      seqs.slice(-2).map((s) => `ckpt/l/m/${String(s).padStart(12, "0")}`),
    );
    const stateSeqs = new Set((await store.list("ckpt/l/s/")).map((k) => Number(k.split("/")[3])));
    expect([...stateSeqs]).toStrictEqual(seqs.slice(-2));
    expect((await readResults(store, "l")).length).toBe(infos.reduce((n, i) => n + i.results, 0));
    await store.close();
  });

  test("checkpoint options are validated with messages that say what is wrong", () => {
    const s = perKey(arraySource([], 1));
    const store = new MemoryStateStore();
    expect(() => s.checkpoint({ store, id: "", every: { ms: 1 } })).toThrow(/job id must be a non-empty string/);
    expect(() => s.checkpoint({ store, id: "x", every: {} })).toThrow(/every names no interval/);
    expect(() => s.checkpoint({ store, id: "x", every: { ms: 0 } })).toThrow(
      /every.ms must be a number > 0: current value is 0/,
    );
    expect(() => s.checkpoint({ store, id: "x", every: { events: 5 }, keep: 0 })).toThrow(
      /keep must be an integer >= 1/,
    );
    expect(() => s.checkpoint({ store: {} as StateStore, id: "x", every: { events: 5 } })).toThrow(
      /store must be a StateStore/,
    );
    expect(() => s.checkpoint({ store, id: "x", every: { ms: 5 } }).checkpoint({ store, id: "y", every: { ms: 5 } }))
      .toThrow(/twice/);
  });
});
