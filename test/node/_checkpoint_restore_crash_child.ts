/// <reference types="node" />
// Child process of checkpoint_restore_crash.test.ts: the crash-test job over an NDJSON file, checkpointing
// into a filesystem store or a Deno KV file (@deno/kv), in small batches so that a checkpoint and a
// restore's clean-up take several writes. With KILL_AT_OP=n it kills itself with SIGKILL as its n-th store
// call starts, printing "killed at op n (restore)" when no checkpoint had begun yet (the restore's reads
// and deletes), "(run)" otherwise. Prints "started" before the job, "done" at the end.
// Usage: node --import tsx _checkpoint_restore_crash_child.ts <fs|kv> <path> <events.ndjson>
import { openKv } from "@deno/kv";
import { writeSync } from "node:fs";
import process from "node:process";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore, ndjsonFileSource } from "../../adapters/fs/mod.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import type { Source } from "../../src/pipeline/source.ts";
import type { StateStore, StateStoreOp } from "../../src/state/state_store.ts";
import { type CrashEvent, crashPipeline, JOB_ID } from "../fixtures/crash_job.ts";

const [kind, path, input] = process.argv.slice(2);
const killAt = Number(process.env.KILL_AT_OP ?? 0);

function slowly(source: Source<CrashEvent>, ms: number): Source<CrashEvent> {
  return {
    kind: "source",
    replayable: true,
    async *open(options) {
      const it = source.open(options);
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          await new Promise((resolve) => setTimeout(resolve, ms));
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    },
  };
}

/** Counts store calls; a batch that puts anything is a checkpoint's, after which the restore is over. */
function killing(store: StateStore): StateStore {
  let ops = 0;
  let restoring = true;
  const op = <T>(run: () => Promise<T>): Promise<T> => {
    if (++ops === killAt) {
      writeSync(1, `killed at op ${ops} (${restoring ? "restore" : "run"})\n`);
      process.kill(process.pid, "SIGKILL");
    }
    return run();
  };
  return {
    limits: { maxBatchOps: 3, maxBatchKeyBytes: Infinity },
    get: (k) => op(() => store.get(k)),
    list: (p, o) => op(() => store.list(p, o)),
    put: (k, v) => op(() => store.put(k, v)),
    delete: (k) => op(() => store.delete(k)),
    batch: (ops: readonly StateStoreOp[]) => {
      if (ops.some((o) => o.type === "put")) restoring = false;
      return op(() => store.batch(ops));
    },
    close: () => store.close(),
  };
}

const store = killing(
  kind === "kv"
    ? await DenoKvStateStore.wrap(await openKv(path!), { prefix: ["restore-crash"] })
    : await FsStateStore.open(path!),
);
const job = crashPipeline(slowly(ndjsonFileSource<CrashEvent>(input!, { chunkSize: 40 }), 8))
  .checkpoint({ store, id: JOB_ID, every: { ms: 100 } });
console.log("started");
await job.pipeTo(storeSink({ store, job: JOB_ID }));
await store.close();
console.log("done");
process.exit(0);
