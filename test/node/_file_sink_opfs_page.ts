// The page of file_sink_opfs_crash.test.ts, bundled for Chromium: the file sink crash job over an array
// (slowed, so that it runs a while), checkpointing into IndexedDB and writing parts into OPFS. With a
// kill point ("rename:3"), the page logs "kill point" and hangs as that file sink operation starts, so
// that the test crashes the renderer right there. `readParts()` reads the output directory back.
import { backedFileSink, type FileSinkBackend, type Source } from "../../mod.ts";
import { IdbStateStore } from "../../adapters/idb/mod.ts";
import { OpfsFileSinkBackend } from "../../adapters/opfs/_opfs_backend.ts";
import { type CrashEvent, crashEvents } from "../fixtures/crash_job.ts";
import { fileSinkCrashPipeline, JOB_ID, partitionOf, ROLLOVER_BYTES } from "./_file_sink_crash_job.ts";

export const EVENTS = 6_000;
const OUT = "weir-crash-out";

function slowly(events: readonly CrashEvent[], chunk: number, ms: number): Source<CrashEvent> {
  return {
    kind: "source",
    replayable: true,
    async *open({ offset }) {
      for (let i = (offset as number | undefined) ?? 0; i < events.length; i += chunk) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        const end = Math.min(events.length, i + chunk);
        yield { type: "elements" as const, values: events.slice(i, end), offset: end };
      }
    },
  };
}

/** `backend` seen through a wrapper that hangs at the kill point. */
function stopping(backend: FileSinkBackend, killAt: string): FileSinkBackend {
  const [op, n] = killAt.split(":") as [string, string];
  const counts = new Map<string, number>();
  const at = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const k = (counts.get(name) ?? 0) + 1;
    counts.set(name, k);
    if (name === op && k === Number(n)) {
      console.log(`kill point ${name} ${k}`);
      await new Promise(() => {});
    }
    return run();
  };
  return {
    create: (path) =>
      at("create", async () => {
        const file = await backend.create(path);
        return { write: (b) => at("write", () => file.write(b)), close: () => at("close", () => file.close()) };
      }),
    rename: (from, to) => at("rename", () => backend.rename(from, to)),
    remove: (path) => at("remove", () => backend.remove(path)),
    list: () => at("list", () => backend.list()),
  };
}

async function run(killAt: string): Promise<void> {
  const store = await IdbStateStore.open("weir-opfs-crash");
  const events = crashEvents(EVENTS, 5);
  const root = async () => {
    const dir = await navigator.storage.getDirectory();
    return (await dir.getDirectoryHandle(OUT, { create: true })) as never;
  };
  const backend = new OpfsFileSinkBackend(root);
  const sink = backedFileSink(killAt === "" ? backend : stopping(backend, killAt), {
    partitionBy: partitionOf,
    rollover: { maxBytes: ROLLOVER_BYTES },
  });
  await fileSinkCrashPipeline(slowly(events, 40, 10))
    .checkpoint({ store, id: JOB_ID, every: { ms: 60 } })
    .pipeTo(sink);
  await store.close();
}

/** Every file under the output directory: relative path -> text. */
async function readParts(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };
  const walk = async (dir: Dir, prefix: string): Promise<void> => {
    for await (const h of dir.values()) {
      if (h.kind === "directory") await walk(h as Dir, `${prefix}${h.name}/`);
      else out[prefix + h.name] = await (await (h as FileSystemFileHandle).getFile()).text();
    }
  };
  const root = await navigator.storage.getDirectory();
  await walk((await root.getDirectoryHandle(OUT, { create: true })) as Dir, "");
  return out;
}

Object.assign(globalThis, { weirRun: run, weirReadParts: readParts });
console.log("page ready");
