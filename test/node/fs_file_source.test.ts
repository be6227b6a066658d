// fileSource: a directory of NDJSON (and gzipped NDJSON) files read in order, resumable mid-file.
import { mkdtemp, rename, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { type DecodeError, readResults, type SourceEvent, storeSink, stream, sum, tumbling } from "../../mod.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { fileSource, type FileSourceOffset } from "../../adapters/fs/mod.ts";
import { stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";

interface E {
  n: number;
}

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `{"n":${from + i}}\n`).join("");

// Files whose names sort opposite to their mtimes, one of them gzipped: c (n 0..3), a.gz (4..7), b (8..11).
async function makeDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-files-"));
  await writeFile(join(dir, "c.ndjson"), lines(0, 4));
  await writeFile(join(dir, "a.ndjson.gz"), gzipSync(lines(4, 8)));
  await writeFile(join(dir, "b.jsonl"), lines(8, 12));
  await writeFile(join(dir, "ignored.txt"), "not json\n");
  await utimes(join(dir, "c.ndjson"), 100, 100);
  await utimes(join(dir, "a.ndjson.gz"), 200, 200);
  await utimes(join(dir, "b.jsonl"), 300, 300);
  return dir;
}

async function events(source: ReturnType<typeof fileSource<E>>, offset?: unknown, signal?: AbortSignal) {
  const out: { values: number[]; offset: FileSourceOffset }[] = [];
  const it = source.open({ offset, signal }) as AsyncIterator<SourceEvent<E>>;
  for (;;) {
    const r = await it.next();
    if (r.done) return out;
    if (r.value.type === "elements") {
      out.push({ values: r.value.values.map((e) => e.n), offset: r.value.offset as FileSourceOffset });
    }
  }
}

describe("fileSource", () => {
  test("fileSource() reads the files by modification time, then name, gunzipping .gz", async () => {
    const dir = await makeDir();
    await writeFile(join(dir, "d.ndjson"), lines(12, 13));
    await writeFile(join(dir, "e.ndjson"), lines(13, 14));
    await utimes(join(dir, "e.ndjson"), 400, 400);
    await utimes(join(dir, "d.ndjson"), 400, 400); // same mtime as e: d comes first by name
    const values = await stream(fileSource<E>(dir)).map((e) => e.n).toArray();
    expect(values).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });

  test("fileSource() resumed from any offset it produced yields exactly the rest", async () => {
    const dir = await makeDir();
    const source = fileSource<E>(dir, { readBytes: 5 });
    const all = await events(source);
    expect(all.flatMap((e) => e.values)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(all.length).toBeGreaterThan(6);
    for (let i = 0; i < all.length; i++) {
      const rest = await events(source, all[i]!.offset);
      expect(rest.flatMap((e) => e.values)).toEqual(all.slice(i + 1).flatMap((e) => e.values));
    }
  });

  test("fileSource() resumes a gzipped file mid-file by decompressed byte", async () => {
    const dir = await makeDir();
    const offset: FileSourceOffset = { file: "a.ndjson.gz", byte: 16, line: 2, done: ["c.ndjson"] };
    const rest = await events(fileSource<E>(dir), offset);
    expect(rest.flatMap((e) => e.values)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  test("fileSource() with follow picks up a file written after open, and ends on abort", async () => {
    const dir = await makeDir();
    const c = new AbortController();
    const seen: number[] = [];
    const it = fileSource<E>(dir, { follow: { pollMs: 5 } }).open({ signal: c.signal }) as AsyncIterator<
      SourceEvent<E>
    >;
    const run = (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        if (r.value.type !== "elements") continue;
        seen.push(...r.value.values.map((e) => e.n));
        if (seen.length === 12) {
          // Written under a name the pattern skips, then renamed into place.
          await writeFile(join(dir, "new.tmp"), lines(12, 14));
          await rename(join(dir, "new.tmp"), join(dir, "new.ndjson"));
        }
        if (seen.length === 14) c.abort();
      }
    })();
    await run;
    expect(seen).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });

  test("fileSource() errors on a bad line with a DecodeError naming file and line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-files-"));
    await writeFile(join(dir, "x.ndjson"), '{"n":1}\n{oops\n{"n":2}\n');
    await expect(stream(fileSource<E>(dir)).toArray()).rejects.toThrow(/x\.ndjson.*[Ll]ine 2/);
  });

  test("fileSource() hands a bad line to onInvalid and reads on", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-files-"));
    await writeFile(join(dir, "x.ndjson"), '{"n":1}\n{oops\n{"n":2}\n');
    const bad: { file: string; line: number; error: DecodeError }[] = [];
    const values = await stream(fileSource<E>(dir, { onInvalid: (error, at) => bad.push({ ...at, error }) }))
      .map((e) => e.n).toArray();
    expect(values).toEqual([1, 2]);
    expect(bad.map((b) => [b.file, b.line])).toEqual([["x.ndjson", 2]]);
    expect(bad[0]!.error.message).toMatch(/x\.ndjson/);
  });

  test("fileSource() under a checkpointed job stopped after any step and restarted gives the uninterrupted results", async () => {
    const dir = await makeDir();
    const job = (source: ReturnType<typeof fileSource<E>>) =>
      stream(source)
        .withEventTime((e) => e.n * 1000, { maxOutOfOrderness: 0 })
        .keyBy((e) => String(e.n % 2))
        .window(tumbling(4000))
        .aggregate(sum((e: E) => e.n))
        .checkpoint({ store, id: "job", every: { events: 2 } });
    let store = new MemoryStateStore();
    await job(fileSource<E>(dir, { readBytes: 7 })).pipeTo(storeSink({ store, job: "job" }));
    const expected = (await readResults(store, "job")).map((r) => [r.key, r.window.start, r.value]);
    expect(expected.length).toBeGreaterThan(0);
    for (const stop of [1, 2, 3, 5, 8, 13]) {
      store = new MemoryStateStore();
      const c = new AbortController();
      const stopped = stopAfter(fileSource<E>(dir, { readBytes: 7 }), stop, c);
      await untilStopped(job(stopped).pipeTo(storeSink({ store, job: "job" }), { signal: c.signal }), c);
      await job(fileSource<E>(dir, { readBytes: 7 })).pipeTo(storeSink({ store, job: "job" }));
      const got = (await readResults(store, "job")).map((r) => [r.key, r.window.start, r.value]);
      expect(got).toEqual(expected);
    }
  });
});
