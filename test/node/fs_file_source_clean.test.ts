// fileSource's maxFilesPerBatch (Spark's maxFilesPerTrigger) and cleanSource (Spark's cleanSource):
// files are deleted or archived only once a durable checkpoint covers all of them.
import { access, mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readResults, type SourceEvent, storeSink, stream, sum, tumbling } from "../../mod.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { fileSource, type FileSourceOffset, type FileSourceOptions } from "../../adapters/fs/mod.ts";
import { stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";

interface E {
  n: number;
}

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `{"n":${from + i}}\n`).join("");
const exists = (path: string) => access(path).then(() => true, () => false);

// a (n 0..3), b (4..7), c (8..11), by modification time.
async function makeDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-clean-"));
  for (const [i, name] of ["a", "b", "c"].entries()) {
    await writeFile(join(dir, `${name}.ndjson`), lines(i * 4, i * 4 + 4));
    await utimes(join(dir, `${name}.ndjson`), 100 * (i + 1), 100 * (i + 1));
  }
  return dir;
}

async function filesRead(dir: string, options: FileSourceOptions<E>, onFirst: () => Promise<void>): Promise<string[]> {
  const order: string[] = [];
  const it = fileSource<E>(dir, options).open({}) as AsyncIterator<SourceEvent<E>>;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.type !== "elements") continue;
    const file = (r.value.offset as FileSourceOffset).file;
    if (order.at(-1) !== file) order.push(file);
    if (order.length === 1 && r.value.values.length > 0) await onFirst();
  }
  return order;
}

const job = (source: ReturnType<typeof fileSource<E>>, store: MemoryStateStore) =>
  stream(source)
    .withEventTime((e) => e.n * 1000, { maxOutOfOrderness: 0 })
    .keyBy((e) => String(e.n % 2))
    .window(tumbling(4000))
    .aggregate(sum((e: E) => e.n))
    .checkpoint({ store, id: "job", every: { events: 2 } });

const results = async (store: MemoryStateStore) =>
  (await readResults(store, "job")).map((r) => [r.key, r.window.start, r.value]);

describe("fileSource maxFilesPerBatch", () => {
  test("maxFilesPerBatch: 1 lists the directory again after each file, so an older file that arrives comes next", async () => {
    const addOld = (dir: string) => async () => {
      await writeFile(join(dir, "z.ndjson"), lines(99, 100));
      await utimes(join(dir, "z.ndjson"), 50, 50);
    };
    const dir1 = await makeDir();
    expect(await filesRead(dir1, { maxFilesPerBatch: 1 }, addOld(dir1))).toEqual([
      "a.ndjson",
      "z.ndjson",
      "b.ndjson",
      "c.ndjson",
    ]);
    const dir2 = await makeDir();
    expect(await filesRead(dir2, {}, addOld(dir2))).toEqual(["a.ndjson", "b.ndjson", "c.ndjson", "z.ndjson"]);
  });

  test("maxFilesPerBatch must be an integer >= 1", () => {
    expect(() => fileSource("d", { maxFilesPerBatch: 0 })).toThrow(/maxFilesPerBatch must be an integer >= 1.*0/);
  });
});

describe("fileSource cleanSource", () => {
  test("cleanSource: commit(offset) deletes exactly the files the offset covers whole", async () => {
    const dir = await makeDir();
    const source = fileSource<E>(dir, { cleanSource: "delete", readBytes: 16 });
    const offsets: FileSourceOffset[] = [];
    const it = source.open({}) as AsyncIterator<SourceEvent<E>>;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      if (r.value.type === "elements") offsets.push(r.value.offset as FileSourceOffset);
    }
    const present = async () => (await readdir(dir)).sort();
    await source.commit!(offsets.find((o) => o.file === "a.ndjson" && o.byte < 32)); // mid-a
    expect(await present()).toEqual(["a.ndjson", "b.ndjson", "c.ndjson"]);
    await source.commit!(offsets.filter((o) => o.file === "a.ndjson").at(-1)); // the end of a
    expect(await present()).toEqual(["b.ndjson", "c.ndjson"]);
    await source.commit!(offsets.find((o) => o.file === "c.ndjson")); // b is done
    expect(await present()).toEqual(["c.ndjson"]);
    await source.commit!(offsets.at(-1));
    expect(await present()).toEqual([]);
  });

  test("cleanSource: a job stopped before any checkpoint leaves every file, and the restart reads them again", async () => {
    const uninterrupted = new MemoryStateStore();
    await job(fileSource<E>(await makeDir()), uninterrupted).pipeTo(storeSink({ store: uninterrupted, job: "job" }));
    const expected = await results(uninterrupted);

    const dir = await makeDir();
    const store = new MemoryStateStore();
    const c = new AbortController();
    // Checkpoints every 1000 events: none is taken before the stop, after a and part of b were read.
    const noCheckpoint = (source: ReturnType<typeof fileSource<E>>) =>
      stream(source)
        .withEventTime((e) => e.n * 1000, { maxOutOfOrderness: 0 })
        .keyBy((e) => String(e.n % 2))
        .window(tumbling(4000))
        .aggregate(sum((e: E) => e.n))
        .checkpoint({ store, id: "job", every: { events: 1000 } });
    const stopped = stopAfter(fileSource<E>(dir, { cleanSource: "delete", readBytes: 16 }), 3, c);
    await untilStopped(noCheckpoint(stopped).pipeTo(storeSink({ store, job: "job" }), { signal: c.signal }), c);
    expect((await readdir(dir)).sort()).toEqual(["a.ndjson", "b.ndjson", "c.ndjson"]);
    await noCheckpoint(fileSource<E>(dir, { cleanSource: "delete" })).pipeTo(storeSink({ store, job: "job" }));
    expect(await results(store)).toEqual(expected);
    expect(await readdir(dir)).toEqual([]);
  });

  test("cleanSource: stopped after any step and restarted, the job gives the uninterrupted results and archives every file", async () => {
    const uninterrupted = new MemoryStateStore();
    await job(fileSource<E>(await makeDir()), uninterrupted).pipeTo(storeSink({ store: uninterrupted, job: "job" }));
    const expected = await results(uninterrupted);
    for (const stop of [1, 2, 3, 5, 8, 13]) {
      const dir = await makeDir();
      const archiveDir = join(dir, "archive");
      const options = { cleanSource: "archive", archiveDir, readBytes: 7 } as const;
      const store = new MemoryStateStore();
      const c = new AbortController();
      const stopped = stopAfter(fileSource<E>(dir, options), stop, c);
      const warn = console.warn;
      const warnings: unknown[] = [];
      console.warn = (m: unknown) => warnings.push(m);
      try {
        await untilStopped(job(stopped, store).pipeTo(storeSink({ store, job: "job" }), { signal: c.signal }), c);
        await job(fileSource<E>(dir, options), store).pipeTo(storeSink({ store, job: "job" }));
      } finally {
        console.warn = warn;
      }
      // Offsets restored after the restart still name files archived before it: nothing to say about them.
      expect(warnings).toEqual([]);
      expect(await results(store), `stopped after step ${stop}`).toEqual(expected);
      expect((await readdir(dir)).filter((f) => f.endsWith(".ndjson"))).toEqual([]);
      expect((await readdir(archiveDir)).sort()).toEqual(["a.ndjson", "b.ndjson", "c.ndjson"]);
      expect(await readFile(join(archiveDir, "b.ndjson"), "utf8")).toBe(lines(4, 8));
    }
  });

  test("cleanSource: a file whose name is taken in archiveDir stays in place, and is not read twice", async () => {
    const dir = await makeDir();
    const archiveDir = join(dir, "archive");
    const source = fileSource<E>(dir, { cleanSource: "archive", archiveDir, follow: { pollMs: 5 } });
    await mkdir(archiveDir);
    await writeFile(join(archiveDir, "a.ndjson"), "older\n");
    const c = new AbortController();
    const it = source.open({ signal: c.signal }) as AsyncIterator<SourceEvent<E>>;
    const seen: number[] = [];
    let last: unknown;
    while (seen.length < 12) {
      const r = await it.next();
      if (r.done || r.value.type !== "elements") continue;
      seen.push(...r.value.values.map((e) => e.n));
      last = r.value.offset;
    }
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (m: unknown) => warnings.push(m);
    try {
      await source.commit!(last);
    } finally {
      console.warn = warn;
    }
    expect(await exists(join(dir, "a.ndjson"))).toBe(true);
    expect(await readFile(join(archiveDir, "a.ndjson"), "utf8")).toBe("older\n");
    expect(warnings).toEqual([expect.stringMatching(/leaves .*a\.ndjson in place/)]);
    // c is not known to be whole yet: the source has not read past its last line.
    expect((await readdir(archiveDir)).sort()).toEqual(["a.ndjson", "b.ndjson"]);
    // Following on, a (still in the directory) is not read again.
    const more = it.next().then((r) => r.done ? "done" : r.value);
    expect(await Promise.race([more, new Promise((r) => setTimeout(() => r("waiting"), 50))])).toBe("waiting");
    c.abort();
    await it.return?.();
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  test("cleanSource: after a restart, offsets that still name archived files archive nothing and warn of nothing", async () => {
    const dir = await makeDir();
    const archiveDir = join(dir, "archive");
    const options = { cleanSource: "archive", archiveDir } as const;
    const before = fileSource<E>(dir, options);
    const offsets: unknown[] = [];
    const it = before.open({}) as AsyncIterator<SourceEvent<E>>;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      if (r.value.type === "elements") offsets.push(r.value.offset);
    }
    await before.commit!(offsets.at(-1));
    expect((await readdir(archiveDir)).sort()).toEqual(["a.ndjson", "b.ndjson", "c.ndjson"]);
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (m: unknown) => warnings.push(m);
    try {
      for (const offset of offsets) await fileSource<E>(dir, options).commit!(offset);
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
    expect((await readdir(archiveDir)).sort()).toEqual(["a.ndjson", "b.ndjson", "c.ndjson"]);
  });

  test("cleanSource: archive needs archiveDir, and archiveDir needs archive", () => {
    expect(() => fileSource("d", { cleanSource: "archive" })).toThrow(/cleanSource "archive" needs archiveDir/);
    expect(() => fileSource("d", { archiveDir: "x" })).toThrow(/archiveDir is only used with cleanSource "archive"/);
    expect(() => fileSource("d", { cleanSource: "move" as "delete" })).toThrow(/cleanSource must be.*"move"/);
  });
});
