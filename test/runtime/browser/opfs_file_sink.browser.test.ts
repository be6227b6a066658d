// opfsFileSink in Chromium: a checkpointed job writes part files into the Origin Private File System,
// read back through the same API; a run stopped mid-way and restarted over leftovers of a crash (a
// temporary file, a part of a checkpoint the store never saw) commits each result once.
import { describe, expect, it } from "vitest";
import { count, MemoryStateStore, type Source, stream, sum, tumbling, type WindowResult } from "../../../mod.ts";
import { IdbStateStore } from "../../../adapters/idb/mod.ts";
import { opfsFileSink } from "../../../adapters/opfs/mod.ts";
import { arraySource, stopAfter, untilStopped } from "../../scenarios/_checkpoint_helpers.ts";

interface Ev {
  user: string;
  ts: number;
  amount: number;
}

// 2026-12-03T13:00Z onwards, 9 s apart: about 2.5 hours of event time.
const BASE = Date.UTC(2026, 11, 3, 13);
const events = Array.from(
  { length: 1_000 },
  (_, i) => ({ user: `u${(i * 7) % 5}`, ts: BASE + i * 9_000, amount: i % 13 }),
);

const pipeline = (source: Source<Ev> | Ev[]) =>
  stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.user)
    .window(tumbling(600_000))
    .aggregate({ n: count(), total: sum((e: Ev) => e.amount) });

type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };

/** Every file under `dir`: relative path -> text. */
async function readTree(dir: Dir, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const h of dir.values()) {
    if (h.kind === "directory") {
      for (const [p, t] of await readTree(h as Dir, `${prefix}${h.name}/`)) out.set(p, t);
    } else out.set(prefix + h.name, await (await (h as FileSystemFileHandle).getFile()).text());
  }
  return out;
}

async function freshDir(name: string): Promise<Dir> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(name, { recursive: true }).catch(() => {});
  return (await root.getDirectoryHandle(name, { create: true })) as Dir;
}

const canonical = (v: unknown) => JSON.stringify(v);
const sorted = (xs: unknown[]) => xs.map(canonical).sort();
const records = (files: Map<string, string>) =>
  [...files].filter(([p]) => !p.split("/").pop()!.startsWith("."))
    .flatMap(([, t]) => t.trim().split("\n").map((l) => JSON.parse(l) as WindowResult));

describe("opfsFileSink (Chromium)", () => {
  it("opfsFileSink() commits a checkpointed job's results as hourly part files in OPFS", async () => {
    const dir = await freshDir("weir-opfs-commit");
    await pipeline(arraySource(events, 50))
      .checkpoint({ store: new MemoryStateStore(), id: "opfs", every: { events: 200 } })
      .pipeTo(opfsFileSink(dir, { rollover: { maxBytes: 2_000 } }));
    const files = await readTree(dir);
    const paths = [...files.keys()];
    expect(paths.filter((p) => p.split("/").pop()!.startsWith("."))).toEqual([]);
    expect(new Set(paths.map((p) => p.slice(0, p.lastIndexOf("/"))))).toEqual(
      new Set(["date=2026-12-03/hour=13", "date=2026-12-03/hour=14", "date=2026-12-03/hour=15"]),
    );
    for (const p of paths) expect(p).toMatch(/\/part-\d{12}-\d{6}\.ndjson$/);
    expect(sorted(records(files))).toEqual(sorted(await pipeline(events).toArray()));
  });

  it("opfsFileSink() at a path under the private root, CSV, without checkpoints: committed when it closes", async () => {
    await freshDir("weir-opfs-csv");
    await pipeline(events).pipeTo(opfsFileSink("weir-opfs-csv/out", { format: "csv", partitionBy: "day" }));
    const root = await navigator.storage.getDirectory();
    const out = (await (await root.getDirectoryHandle("weir-opfs-csv")).getDirectoryHandle("out")) as Dir;
    const files = await readTree(out);
    expect(files.size).toBe(1);
    const [path, text] = [...files][0]!;
    expect(path).toMatch(/^date=2026-12-03\/part-[0-9a-f-]{36}-000000\.csv$/);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("key,window.start,window.end,timestamp,pane.timing,pane.index,value.n,value.total");
    expect(lines.length - 2).toBe((await pipeline(events).toArray()).length);
  });

  it("a job checkpointing into IndexedDB, stopped mid-way and restarted over a crash's leftovers, commits each result once", async () => {
    const dir = await freshDir("weir-opfs-restart");
    const dbName = `weir-opfs-restart-${Date.now()}`;
    const store = await IdbStateStore.open(dbName);
    const job = (source: Source<Ev>) => pipeline(source).checkpoint({ store, id: "restart", every: { events: 120 } });
    const controller = new AbortController();
    await untilStopped(
      job(stopAfter(arraySource(events, 40), 11, controller)).pipeTo(opfsFileSink(dir), { signal: controller.signal }),
      controller,
    );
    const before = await readTree(dir);
    expect(before.size).toBeGreaterThan(0);
    // What a crash leaves: a temporary part, and a part committed with a checkpoint the store never got.
    const hour = await (await dir.getDirectoryHandle("date=2026-12-03")).getDirectoryHandle("hour=13");
    for (const name of [".part-00000000-0000-4000-8000-000000000000.inprogress", "part-000000000999-000000.ndjson"]) {
      const w = await (await hour.getFileHandle(name, { create: true })).createWritable();
      await w.write('{"key":"stale"}\n');
      await w.close();
    }
    await store.close();
    // A new page would open the store again.
    const reopened = await IdbStateStore.open(dbName);
    await pipeline(arraySource(events, 40)).checkpoint({ store: reopened, id: "restart", every: { events: 120 } })
      .pipeTo(opfsFileSink(dir));
    await reopened.close();
    indexedDB.deleteDatabase(dbName);
    const files = await readTree(dir);
    expect([...files.keys()].filter((p) => /\.inprogress$|part-000000000999/.test(p))).toEqual([]);
    expect(sorted(records(files))).toEqual(sorted(await pipeline(events).toArray()));
  });

  it("without FileSystemFileHandle.move() (older browsers) a commit copies the part, then removes the temporary file", async () => {
    const dir = await freshDir("weir-opfs-no-move");
    // The same directory, seen through handles that lack move().
    const withoutMove = (d: FileSystemDirectoryHandle): FileSystemDirectoryHandle => {
      const file = (f: FileSystemFileHandle) => ({
        kind: "file",
        name: f.name,
        createWritable: () => f.createWritable(),
        getFile: () => f.getFile(),
      });
      return {
        kind: "directory",
        name: d.name,
        getDirectoryHandle: async (n: string, o?: FileSystemGetDirectoryOptions) =>
          withoutMove(await d.getDirectoryHandle(n, o)),
        getFileHandle: async (n: string, o?: FileSystemGetFileOptions) => file(await d.getFileHandle(n, o)),
        removeEntry: (n: string, o?: FileSystemRemoveOptions) => d.removeEntry(n, o),
        values: async function* () {
          for await (const h of (d as Dir).values()) {
            yield h.kind === "directory"
              ? withoutMove(h as FileSystemDirectoryHandle)
              : file(h as FileSystemFileHandle);
          }
        },
      } as unknown as FileSystemDirectoryHandle;
    };
    await pipeline(arraySource(events, 50))
      .checkpoint({ store: new MemoryStateStore(), id: "no-move", every: { events: 300 } })
      .pipeTo(opfsFileSink(withoutMove(dir), { partitionBy: "none", rollover: { maxBytes: 3_000 } }));
    const files = await readTree(dir);
    expect([...files.keys()].filter((p) => p.startsWith("."))).toEqual([]);
    expect(files.size).toBeGreaterThan(3);
    expect(sorted(records(files))).toEqual(sorted(await pipeline(events).toArray()));
  });
});
