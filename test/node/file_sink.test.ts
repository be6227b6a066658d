// fileSink: rolling part files committed with checkpoints (two-phase commit), their layout and formats,
// and recovery after a stop or a failed commit.
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  CheckpointError,
  count,
  type FileSinkBackend,
  MemoryStateStore,
  type Source,
  storeSink,
  stream,
  sum,
  tumbling,
  TwoPhaseCommitSink,
  type WindowResult,
} from "../../mod.ts";
import { fileSink, FsStateStore } from "../../adapters/fs/mod.ts";
import { FsFileSinkBackend } from "../../adapters/fs/_file_sink_backend.ts";
import { PartCommitter } from "../../src/files/_part_committer.ts";
import { PartNames } from "../../src/files/_part_names.ts";
import { ManualClock } from "../../src/testing/mod.ts";
import { arraySource, stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";
import { csvRecords, multiset, ndjsonRecords, readSinkDir } from "./_file_sink_files.ts";

interface Ev {
  user: string;
  ts: number;
  amount: number;
}

// 2026-12-03T13:00:00Z: the events cover 13:00 to about 15:30 UTC.
const BASE = Date.UTC(2026, 11, 3, 13);

function events(n: number): Ev[] {
  return Array.from({ length: n }, (_, i) => ({ user: `u${(i * 7) % 5}`, ts: BASE + i * 9_000, amount: i % 13 }));
}

function pipeline(source: Source<Ev> | Ev[]) {
  return stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.user)
    .window(tumbling(600_000))
    .aggregate({ n: count(), total: sum((e: Ev) => e.amount) });
}

const tempDir = (name: string) => mkdtemp(join(tmpdir(), `weir-file-sink-${name}-`));

describe("fileSink", () => {
  test("fileSink() commits each checkpoint's parts once it is durable, and the parts hold every result once", async () => {
    const dir = await tempDir("commit");
    const out = join(dir, "out");
    const evs = events(1_000);
    const seen: { seq: number; committed: number[] }[] = [];
    await pipeline(arraySource(evs, 50))
      .checkpoint({
        store: new MemoryStateStore(),
        id: "j",
        every: { events: 200 },
        onCheckpoint: (info) => {
          // Synchronously, right after the checkpoint is durable: its parts are committed, none of a later one.
          const names = readdirSync(out, { recursive: true }).map(String).filter((p) => p.endsWith(".ndjson"));
          const seqs = names.map((p) => Number(/part-(\d{12})-/.exec(p)![1]));
          seen.push({ seq: info.seq, committed: [...new Set(seqs)].sort((a, b) => a - b) });
        },
      })
      .pipeTo(fileSink(out));
    expect(seen.length).toBeGreaterThan(3);
    for (const s of seen) expect(Math.max(...s.committed)).toBeLessThanOrEqual(s.seq);
    expect(seen.some((s) => s.committed.includes(s.seq))).toBe(true);
    const d = await readSinkDir(out);
    expect(d.hidden).toEqual([]);
    expect(multiset(ndjsonRecords(d))).toEqual(multiset(await pipeline(evs).toArray()));
  });

  test("fileSink() partitions by the UTC hour of the window start by default, and by day, none or a function", async () => {
    const dir = await tempDir("layout");
    const evs = events(1_000);
    const run = async (name: string, partitionBy?: "hour" | "day" | "none" | ((r: WindowResult) => string)) => {
      await pipeline(evs)
        .checkpoint({ store: new MemoryStateStore(), id: name, every: { events: 10_000 } })
        .pipeTo(fileSink(join(dir, name), partitionBy === undefined ? {} : { partitionBy }));
      return readSinkDir(join(dir, name));
    };
    const hour = await run("hour");
    const dirsOf = (d: { committed: Map<string, string> }) =>
      [...new Set([...d.committed.keys()].map((p) => p.slice(0, p.lastIndexOf("/") + 1)))].sort();
    expect(dirsOf(hour)).toEqual([
      "date=2026-12-03/hour=13/",
      "date=2026-12-03/hour=14/",
      "date=2026-12-03/hour=15/",
    ]);
    for (const [path, text] of hour.committed) {
      const h = Number(/hour=(\d\d)/.exec(path)![1]);
      for (const r of text.trim().split("\n").map((l) => JSON.parse(l) as WindowResult)) {
        expect(new Date(r.window.start).getUTCHours()).toBe(h);
      }
    }
    expect(dirsOf(await run("day", "day"))).toEqual(["date=2026-12-03/"]);
    const none = await run("none", "none");
    expect([...none.committed.keys()]).toEqual(["part-000000000000-000000.ndjson"]);
    const byUser = await run("fn", (r) => `user=${String(r.key)}`);
    expect(dirsOf(byUser)).toEqual(["user=u0/", "user=u1/", "user=u2/", "user=u3/", "user=u4/"]);
    // All four hold the same results.
    expect(multiset(ndjsonRecords(none))).toEqual(multiset(ndjsonRecords(hour)));
    expect(multiset(ndjsonRecords(byUser))).toEqual(multiset(ndjsonRecords(hour)));
  });

  test("fileSink() hour and day partitions follow UTC across midnight, before 1970 too", async () => {
    const dir = await tempDir("utc");
    const at = (start: number) => ({ key: start, window: { start, end: start + 1 }, value: 1 });
    const starts = [-3_600_001, -1, 0, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1)];
    for (const partitionBy of ["hour", "day"] as const) {
      const sink = fileSink(join(dir, partitionBy), { partitionBy });
      const w = sink.getWriter();
      for (const s of starts) await w.write(at(s));
      await w.close();
    }
    const where = async (by: string) => {
      const d = await readSinkDir(join(dir, by));
      return [...d.committed].flatMap(([p, t]) =>
        t.trim().split("\n").map((l) => [JSON.parse(l).key, p.slice(0, p.lastIndexOf("/"))])
      ).sort((a, b) => a[0] - b[0]);
    };
    expect(await where("hour")).toEqual([
      [-3_600_001, "date=1969-12-31/hour=22"],
      [-1, "date=1969-12-31/hour=23"],
      [0, "date=1970-01-01/hour=00"],
      [starts[3], "date=2026-12-31/hour=23"],
      [starts[4], "date=2027-01-01/hour=00"],
    ]);
    expect((await where("day")).map(([, p]) => p)).toEqual([
      "date=1969-12-31",
      "date=1969-12-31",
      "date=1970-01-01",
      "date=2026-12-31",
      "date=2027-01-01",
    ]);
  });

  test("fileSink()'s partitionBy function gets the stream's result type (tsc checks this file)", async () => {
    const dir = await tempDir("typed");
    await pipeline(events(100)).pipeTo(
      fileSink(dir, { partitionBy: (r) => `user=${r.key.toUpperCase()}/big=${r.value.total > 50}` }),
    );
    const dirs = [...(await readSinkDir(dir)).committed.keys()].map((p) => p.slice(0, p.indexOf("/big=")));
    expect([...new Set(dirs)].sort()).toEqual(["user=U0", "user=U1", "user=U2", "user=U3", "user=U4"]);
  });

  test("fileSink() rolls a part over before it would pass rollover.maxBytes", async () => {
    const dir = await tempDir("bytes");
    const evs = events(1_000);
    await pipeline(evs)
      .checkpoint({ store: new MemoryStateStore(), id: "j", every: { events: 10_000 } })
      .pipeTo(fileSink(dir, { rollover: { maxBytes: 1_000 }, partitionBy: "none" }));
    const d = await readSinkDir(dir);
    const sizes = [...d.committed.values()].map((t) => new TextEncoder().encode(t).length);
    expect(sizes.length).toBeGreaterThan(10);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(1_000);
    // Each part but the last was full: the next part's first record would not have fitted.
    const texts = [...d.committed.values()];
    for (let i = 0; i + 1 < texts.length; i++) {
      const next = new TextEncoder().encode(texts[i + 1]!.slice(0, texts[i + 1]!.indexOf("\n") + 1)).length;
      expect(sizes[i]! + next).toBeGreaterThan(1_000);
    }
    expect(multiset(ndjsonRecords(d))).toEqual(multiset(await pipeline(evs).toArray()));
    // One checkpoint: the parts are numbered 0, 1, 2, ... in the order they were finished.
    expect([...d.committed.keys()]).toEqual(
      sizes.map((_, i) => `part-000000000000-${String(i).padStart(6, "0")}.ndjson`),
    );
  });

  test("fileSink() writes a result larger than its buffer and than maxBytes whole, in a part of its own", async () => {
    const dir = await tempDir("large");
    const big = "é".repeat(80_000); // 160 000 bytes of UTF-8
    const sink = fileSink<{ n: number; s: string }>(dir, { partitionBy: "none", rollover: { maxBytes: 100_000 } });
    const w = sink.getWriter();
    for (const [n, s] of [[1, "a"], [2, big], [3, "b"], [4, "c".repeat(70_000)], [5, "d"]] as const) {
      await w.write({ n, s });
    }
    await w.close();
    const parts = [...(await readSinkDir(dir)).committed.entries()]
      .sort(([a], [b]) => a.slice(-13).localeCompare(b.slice(-13)))
      .map(([, t]) => t.trim().split("\n").map((l) => JSON.parse(l) as { n: number; s: string }));
    expect(parts.map((p) => p.map((r) => r.n))).toEqual([[1], [2], [3, 4, 5]]);
    expect(parts[1]![0]!.s).toBe(big);
    expect(parts[2]![1]!.s).toBe("c".repeat(70_000));
  });

  test("fileSink() rolls a part over rollover.maxMs after it was opened (processing time of its clock)", async () => {
    const dir = await tempDir("time");
    const clock = new ManualClock(0);
    const sink = fileSink<{ n: number }>(dir, { rollover: { maxMs: 1_000 }, partitionBy: "none", clock });
    const writer = sink.getWriter();
    await writer.write({ n: 1 });
    clock.advance(600);
    await writer.write({ n: 2 });
    clock.advance(399);
    await writer.write({ n: 3 }); // 999 ms after the part opened: same part
    clock.advance(1);
    await writer.write({ n: 4 }); // 1 000 ms: a new part
    clock.advance(5_000);
    await writer.write({ n: 5 });
    expect((await readSinkDir(dir)).committed.size).toBe(0); // nothing visible before the commit
    await writer.close();
    const d = await readSinkDir(dir);
    expect(d.hidden).toEqual([]);
    // Without checkpoints the run commits on close, under names of its own (a uuid instead of a checkpoint).
    const names = [...d.committed.keys()];
    expect(names).toHaveLength(3);
    for (const [i, name] of names.sort((a, b) => a.slice(-13).localeCompare(b.slice(-13))).entries()) {
      expect(name).toMatch(new RegExp(`^part-[0-9a-f-]{36}-00000${i}\\.ndjson$`));
    }
    expect(names.map((n) => d.committed.get(n)!.trim().split("\n").map((l) => JSON.parse(l).n))).toEqual([
      [1, 2, 3],
      [4],
      [5],
    ]);
  });

  test("fileSink() writes CSV with a header and RFC 4180 quoting that csv-parse reads back", async () => {
    const dir = await tempDir("csv");
    const tricky = ["plain", "with,comma", 'with "quotes"', "two\nlines", "cr\r\nlf", "", " padded ", "ünï©ødé"];
    const rows = tricky.map((s, i) => ({ k: s, ts: BASE + i, v: s, obj: { a: i, b: [i, s] } }));
    await stream(rows)
      .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
      .keyBy((e) => ({ name: e.k, i: e.ts - BASE }))
      .window(tumbling(60_000))
      .aggregate({
        n: count(),
        last: { create: () => null as unknown, add: (_a, e) => e.v, merge: (a) => a, result: (a) => a },
      })
      .checkpoint({ store: new MemoryStateStore(), id: "csv", every: { events: 3 } })
      .pipeTo(fileSink(dir, { format: "csv", partitionBy: "none" }));
    const d = await readSinkDir(dir);
    const texts = [...d.committed.values()];
    for (const t of texts) {
      expect(t.split("\r\n")[0]).toBe(
        "key.name,key.i,window.start,window.end,timestamp,pane.timing,pane.index,value.n,value.last",
      );
    }
    const records = csvRecords(d);
    expect(records.map((r) => r["key.name"]).sort()).toEqual([...tricky].sort());
    for (const r of records) {
      expect(r["value.last"]).toBe(r["key.name"]);
      expect(r["value.n"]).toBe("1");
      expect(r["window.start"]).toBe(String(BASE));
      expect(r["window.end"]).toBe(String(BASE + 60_000));
      expect(r["pane.timing"]).toBe("on-time");
    }
    // An empty string is quoted ("").
    expect(texts.join("")).toContain('\r\n"",5,');
  });

  test("fileSink() CSV: non-window results are their flattened fields, and a change of columns starts a new part", async () => {
    const dir = await tempDir("csv-flat");
    const sink = fileSink<unknown>(dir, { format: "csv", partitionBy: "none" });
    const w = sink.getWriter();
    await w.write({ id: 1, user: { name: "a,b" }, tags: ["x", "y"], none: null });
    await w.write({ id: 2, user: { name: 'q"' }, tags: [], none: undefined });
    await w.write({ other: true });
    await w.write(7);
    await w.close();
    const d = await readSinkDir(dir);
    const texts = [...d.committed.entries()].sort(([a], [b]) => a.slice(-13).localeCompare(b.slice(-13)))
      .map(([, t]) => t);
    expect(texts).toEqual([
      'id,user.name,tags,none\r\n1,"a,b","[""x"",""y""]",\r\n2,"q""",[],\r\n',
      "other\r\ntrue\r\n",
      "value\r\n7\r\n",
    ]);
  });

  test("commit and recover are idempotent, and recover removes temporary files and later checkpoints' parts", async () => {
    const dir = await tempDir("recover");
    const backend = new FsFileSinkBackend(dir);
    const committer = () =>
      new PartCommitter<{ n: number; window: { start: number } }>({
        backend,
        names: new PartNames("part", ".ndjson"),
        format: "ndjson",
        maxBytes: 20,
        maxMs: Infinity,
        partition: () => "p=1",
        clock: new ManualClock(0),
      });
    const a = committer();
    for (let n = 0; n < 4; n++) await a.write({ n, window: { start: 0 } });
    const pending = await a.prepare({ job: "j", seq: 5 });
    expect(pending.parts.map((p) => p.final)).toEqual([
      "p=1/part-000000000005-000000.ndjson",
      "p=1/part-000000000005-000001.ndjson",
      "p=1/part-000000000005-000002.ndjson",
      "p=1/part-000000000005-000003.ndjson",
    ]);
    expect((await readSinkDir(dir)).hidden).toHaveLength(4);
    // Crashed before the commit: the restart's recover commits them.
    // Meanwhile a later, unprepared part and a committed part of a later checkpoint (rolled back), plus
    // files that are not the sink's.
    await a.write({ n: 9, window: { start: 0 } });
    await mkdir(join(dir, "p=2"), { recursive: true });
    await writeFile(join(dir, "p=2/part-000000000006-000000.ndjson"), "{}\n");
    await writeFile(join(dir, "p=2/part-000000000004-000000.ndjson"), '{"kept":1}\n');
    await writeFile(join(dir, "p=2/other-000000000009-000000.ndjson"), "{}\n");
    await writeFile(join(dir, "README.txt"), "not a part\n");
    const b = committer();
    await b.recover({ job: "j", seq: 5, pending });
    const after = await readSinkDir(dir);
    expect(after.hidden).toEqual([]);
    expect([...after.committed.keys()]).toEqual([
      "README.txt",
      "p=1/part-000000000005-000000.ndjson",
      "p=1/part-000000000005-000001.ndjson",
      "p=1/part-000000000005-000002.ndjson",
      "p=1/part-000000000005-000003.ndjson",
      "p=2/other-000000000009-000000.ndjson",
      "p=2/part-000000000004-000000.ndjson",
    ]);
    expect(ndjsonRecords(after).filter((r) => "n" in (r as object)).map((r) => (r as { n: number }).n)).toEqual([
      0,
      1,
      2,
      3,
    ]);
    // Again, and a commit after it: nothing changes, no second copy.
    await b.recover({ job: "j", seq: 5, pending });
    await b.commit(pending);
    expect(await readSinkDir(dir)).toEqual(after);
    // A description that is not a file sink's, or points outside the directory, is refused.
    for (const pending of [{ seq: 5 }, { parts: [{ temp: "../elsewhere", final: "p=1/x.ndjson" }] }]) {
      await expect(committer().recover({ job: "j", seq: 5, pending: pending as never })).rejects.toThrow(
        "Cannot recover the file sink from checkpoint 5 as what it prepared is not a file sink's list of parts",
      );
    }
    // A start without a checkpoint removes the job's committed parts (it writes them all again).
    await committer().recover(null);
    expect([...(await readSinkDir(dir)).committed.keys()]).toEqual([
      "README.txt",
      "p=2/other-000000000009-000000.ndjson",
    ]);
  });

  test("a job stopped mid-run and restarted commits exactly the results of an uninterrupted run", async () => {
    const dir = await tempDir("restart");
    const out = join(dir, "out");
    const evs = events(2_000);
    const store = await FsStateStore.open(join(dir, "store"));
    const job = (source: Source<Ev>) => pipeline(source).checkpoint({ store, id: "restart", every: { events: 150 } });
    for (const steps of [7, 13, 22]) {
      const controller = new AbortController();
      await untilStopped(
        job(stopAfter(arraySource(evs, 40), steps, controller)).pipeTo(fileSink(out, { rollover: { maxBytes: 600 } }), {
          signal: controller.signal,
        }),
        controller,
      );
      expect((await readSinkDir(out)).hidden).toEqual([]);
    }
    await job(arraySource(evs, 40)).pipeTo(fileSink(out, { rollover: { maxBytes: 600 } }));
    await store.close();
    const d = await readSinkDir(out);
    expect(d.hidden).toEqual([]);
    expect(multiset(ndjsonRecords(d))).toEqual(multiset(await pipeline(evs).toArray()));
  });

  test("a commit that fails fails the job with the checkpoint durable, and the restart commits it once", async () => {
    const dir = await tempDir("commit-fails");
    const out = join(dir, "out");
    const evs = events(600);
    const store = new MemoryStateStore();
    const fs = new FsFileSinkBackend(out);
    let renames = 0;
    const failing: FileSinkBackend = {
      create: (p) => fs.create(p),
      remove: (p) => fs.remove(p),
      list: () => fs.list(),
      rename: (from, to) => {
        if (++renames === 3) return Promise.reject(new Error("disk went away"));
        return fs.rename(from, to);
      },
    };
    const { backedFileSink } = await import("../../mod.ts");
    const job = () => pipeline(arraySource(evs, 40)).checkpoint({ store, id: "cf", every: { events: 100 } });
    const failed = await job().pipeTo(backedFileSink(failing, { partitionBy: "none" })).catch((e) => e);
    expect(failed).toBeInstanceOf(CheckpointError);
    expect(String(failed.message)).toMatch(
      /^Checkpoint \d+ of job "cf" is durable, but the sink failed to commit it \(a restart commits it again\): disk went away$/,
    );
    expect((await readSinkDir(out)).hidden.length).toBeGreaterThan(0);
    await job().pipeTo(fileSink(out, { partitionBy: "none" }));
    const d = await readSinkDir(out);
    expect(d.hidden).toEqual([]);
    expect(multiset(ndjsonRecords(d))).toEqual(multiset(await pipeline(evs).toArray()));
  });

  test("a rerun of a finished job adds nothing; with discardState it writes every part again, once", async () => {
    const dir = await tempDir("rerun");
    const store = new MemoryStateStore();
    const evs = events(800);
    const job = (discardState: boolean) =>
      pipeline(arraySource(evs, 50)).checkpoint({ store, id: "rerun", every: { events: 200 }, discardState })
        .pipeTo(fileSink(dir, { partitionBy: "none" }));
    await job(false);
    const first = await readSinkDir(dir);
    await job(false);
    expect(await readSinkDir(dir)).toEqual(first);
    await job(true);
    const again = await readSinkDir(dir);
    expect(again.hidden).toEqual([]);
    expect(multiset(ndjsonRecords(again))).toEqual(multiset(await pipeline(evs).toArray()));
    // Checkpoint numbers are never reused, so none of the first run's parts is left.
    expect([...again.committed.keys()].filter((p) => first.committed.has(p))).toEqual([]);
  });

  test("a checkpoint written without a two-phase-commit sink is not restored into a job with one", async () => {
    const dir = await tempDir("compat");
    const store = new MemoryStateStore();
    const controller = new AbortController();
    const job = (source: Source<Ev>) => pipeline(source).checkpoint({ store, id: "c", every: { events: 100 } });
    await untilStopped(
      job(stopAfter(arraySource(events(500), 20), 10, controller)).pipeTo(storeSink({ store, job: "c" }), {
        signal: controller.signal,
      }),
      controller,
    );
    const failed = await job(arraySource(events(500), 20)).pipeTo(fileSink(dir)).catch((e) => e);
    expect(failed).toBeInstanceOf(CheckpointError);
    expect(failed.message).toContain('operator "sink" is in this pipeline but not in the checkpoint');
    expect(await readdir(dir)).toEqual([]);
  });

  test("a job that fails without checkpoints leaves no files; the same sink cannot be piped into twice", async () => {
    const dir = await tempDir("abort");
    const failing = stream(events(300))
      .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
      .map((e) => {
        if (e.amount === 12) throw new Error("boom");
        return e;
      })
      .window(tumbling(1))
      .aggregate(count());
    await expect(failing.pipeTo(fileSink(dir))).rejects.toThrow("boom");
    expect(await readSinkDir(dir)).toEqual({ committed: new Map(), hidden: [] });
    const sink = fileSink(join(dir, "twice"));
    const job = () => pipeline(events(10)).checkpoint({ store: new MemoryStateStore(), id: "t", every: { events: 5 } });
    await job().pipeTo(sink);
    await expect(job().pipeTo(sink)).rejects.toThrow(
      'Cannot pipe job "t" into a TwoPhaseCommitSink twice: create one per run',
    );
  });

  test("fileSink() options are checked with messages that say what is wrong", () => {
    expect(() => fileSink("")).toThrow('Cannot create fileSink as dir must be a non-empty path: current value is ""');
    expect(() => fileSink("d", { formt: "csv" } as never)).toThrow('(did you mean "format"?)');
    expect(() => fileSink("d", { format: "parquet" } as never)).toThrow(
      'Cannot create fileSink as format must be "ndjson" or "csv": current value is "parquet"',
    );
    expect(() => fileSink("d", { rollover: { maxBytes: 0 } })).toThrow(
      "Cannot create fileSink as rollover.maxBytes must be a number > 0: current value is 0",
    );
    expect(() => fileSink("d", { rollover: { maxMS: 5 } as never })).toThrow('(did you mean "maxMs"?)');
    expect(() => fileSink("d", { prefix: ".hidden" })).toThrow("Cannot create fileSink as prefix must be");
    expect(() => fileSink("d", { partitionBy: "minute" as never })).toThrow(
      'Cannot create fileSink as partitionBy must be "hour", "day", "none" or a function: current value is "minute"',
    );
    expect(() => new TwoPhaseCommitSink({ write() {} } as never)).toThrow(
      "Cannot create TwoPhaseCommitSink as committer.prepare must be a function: current value is undefined",
    );
  });

  test("fileSink() refuses results it cannot place: no window with hour partitions, a path leaving the directory", async () => {
    const dir = await tempDir("place");
    await expect(stream([1, 2]).pipeTo(fileSink(dir))).rejects.toThrow(
      "Cannot partition a result by hour as its window.start must be a finite time: current value is undefined",
    );
    await expect(stream([1]).pipeTo(fileSink(dir, { partitionBy: () => "../up" }))).rejects.toThrow(
      'partitionBy must return a relative directory path ("a/b", "" for none, no "." or ".." segments, no backslashes): current value is "../up"',
    );
    expect(await readSinkDir(dir)).toEqual({ committed: new Map(), hidden: [] });
  });
});
