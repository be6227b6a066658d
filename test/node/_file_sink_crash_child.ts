/// <reference types="node" />
// Child process of file_sink_crash.test.ts: the job reading a directory of NDJSON files with fileSource
// (following it for new files, or, with "final", reading what is there and ending), checkpointing into a
// filesystem store and writing its results with a file sink. With KILL_AT=<op>:<n> it kills itself with
// SIGKILL as its n-th file sink operation <op> (create, write, close, rename, remove, list) starts,
// printing "killed at <op> <n>": a part being written (create, write), a checkpoint's prepare (close), a
// commit or the restart's completion of one (rename), the restart's clean-up (list, remove).
// Prints "started" before the job, "done" at the end.
// Usage: node child.mjs <in-dir> <out-dir> <store-dir> <follow|final>
import { writeSync } from "node:fs";
import process from "node:process";
import { backedFileSink, type FileSinkBackend, type FileSinkFile } from "../../mod.ts";
import { fileSource, FsStateStore } from "../../adapters/fs/mod.ts";
import { FsFileSinkBackend } from "../../adapters/fs/_file_sink_backend.ts";
import type { CrashEvent } from "../fixtures/crash_job.ts";
import { fileSinkCrashPipeline, JOB_ID, partitionOf, ROLLOVER_BYTES } from "./_file_sink_crash_job.ts";

const [inDir, outDir, storeDir, mode] = process.argv.slice(2);
const [killOp, killN] = (process.env.KILL_AT ?? ":0").split(":") as [string, string];

function killing(backend: FileSinkBackend): FileSinkBackend {
  const counts = new Map<string, number>();
  const op = <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    if (name === killOp && n === Number(killN)) {
      writeSync(1, `killed at ${name} ${n}\n`);
      process.kill(process.pid, "SIGKILL");
    }
    return run();
  };
  return {
    create: (path) =>
      op("create", async () => {
        const file = await backend.create(path);
        const wrapped: FileSinkFile = {
          write: (bytes) => op("write", () => file.write(bytes)),
          close: () => op("close", () => file.close()),
        };
        return wrapped;
      }),
    rename: (from, to) => op("rename", () => backend.rename(from, to)),
    remove: (path) => op("remove", () => backend.remove(path)),
    list: () => op("list", () => backend.list()),
  };
}

const store = await FsStateStore.open(storeDir!);
const source = fileSource<CrashEvent>(inDir!, {
  readBytes: 2_048,
  ...(mode === "follow" ? { follow: { pollMs: 10 } } : {}),
});
const job = fileSinkCrashPipeline(source).checkpoint({ store, id: JOB_ID, every: { ms: 40 } });
const sink = backedFileSink(killing(new FsFileSinkBackend(outDir!)), {
  partitionBy: partitionOf,
  rollover: { maxBytes: ROLLOVER_BYTES },
});
console.log("started");
await job.pipeTo(sink);
await store.close();
console.log("done");
process.exit(0);
