import { CheckpointError } from "../errors.ts";
import type { StateStore } from "../state/state_store.ts";
import type { WindowResult } from "../window/types.ts";
import { openEntry, RESULTS } from "./_entry.ts";
import { checkJobId, Layout } from "./_layout.ts";
import { DamagedCheckpoint, decodeRecords, describe, loadManifest, loadResults } from "./_load.ts";
import type { Manifest } from "./_manifest.ts";
import { getAll, listAll } from "./_store_ops.ts";

/** The newest manifest that reads back intact, or null when the job has no checkpoint. */
async function newestManifest(store: StateStore, layout: Layout): Promise<Manifest | null> {
  // A running job may prune the manifest we listed before we read it: list again then.
  for (let attempt = 0; attempt < 5; attempt++) {
    const seqs = (await listAll(store, layout.manifests)).map((k) => layout.seqOf(k, layout.manifests)).filter((s) =>
      s >= 0
    ).reverse();
    let pruned = false;
    for (const seq of seqs) {
      if (await store.get(layout.manifest(seq)) === undefined) {
        pruned = true;
        break;
      }
      try {
        return await loadManifest(store, layout, seq);
      } catch (e) {
        if (!(e instanceof DamagedCheckpoint)) throw e;
      }
    }
    if (!pruned) return null;
  }
  throw new CheckpointError(
    `Cannot read the results of job ${JSON.stringify(layout.job)}: its checkpoints kept changing while they were read`,
  );
}

/**
 * The results a {@linkcode storeSink} committed for job `job`, in the order they were committed: exactly
 * those of the checkpoints written so far, each once. Every entry is checked (checksums, and the count of
 * results the newest checkpoint records); damage raises `CheckpointError` rather than returning less.
 *
 * @example The results a job committed
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { global, MemoryStateStore, readResults, resultId, storeSink, stream, sum } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * await stream([{ v: 1, ts: 0 }, { v: 2, ts: 1 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(global())
 *   .aggregate(sum((e: { v: number }) => e.v))
 *   .checkpoint({ store, id: "total", every: { events: 1_000 } })
 *   .pipeTo(storeSink({ store, job: "total" }));
 * const results = await readResults(store, "total");
 * assertEquals(results.map((r) => [resultId("total", r), r.value]), [["total/onull/-Infinity/Infinity/0", 3]]);
 * ```
 */
export async function readResults<T = WindowResult>(store: StateStore, job: string): Promise<T[]> {
  checkJobId(job, "read results");
  const layout = new Layout(job);
  const newest = await newestManifest(store, layout);
  if (newest === null) return [];
  const bySeq = new Map<number, string[]>();
  for (const k of await listAll(store, layout.results)) {
    const seq = layout.seqOf(k, layout.results);
    if (seq < 0 || seq >= newest.seq) continue;
    let keys = bySeq.get(seq);
    if (keys === undefined) bySeq.set(seq, keys = []);
    keys.push(k);
  }
  const out: T[] = [];
  const fail = (what: string) => new CheckpointError(`Cannot read the results of job ${JSON.stringify(job)}: ${what}`);
  for (const [seq, keys] of [...bySeq].sort((a, b) => a[0] - b[0])) {
    keys.forEach((k, i) => {
      if (k !== layout.result(seq, i)) throw fail(`result chunk ${layout.result(seq, i)} is missing`);
    });
    const entries = await getAll(store, keys);
    const payloads: Uint8Array[] = [];
    let bytes = 0;
    entries.forEach((entry, i) => {
      if (entry === undefined) throw fail(`result chunk ${keys[i]} is missing`);
      try {
        const { payload } = openEntry(RESULTS, entry);
        payloads.push(payload);
        bytes += payload.length;
      } catch (e) {
        throw fail(`result chunk ${keys[i]} is damaged: ${describe(e)}`);
      }
    });
    const joined = new Uint8Array(bytes);
    let at = 0;
    for (const p of payloads) {
      joined.set(p, at);
      at += p.length;
    }
    try {
      for (const r of decodeRecords(joined, `checkpoint ${seq}`)) out.push(r as T);
    } catch (e) {
      throw fail(`checkpoint ${seq} ${describe(e)}`);
    }
  }
  try {
    for (const r of await loadResults(store, layout, newest)) out.push(r as T);
  } catch (e) {
    throw fail(`checkpoint ${newest.seq} ${describe(e)}`);
  }
  if (out.length !== newest.results.total) {
    const why = out.length < newest.results.total
      ? "result entries were lost"
      : "there are result entries that no checkpoint records";
    throw fail(
      `the store holds ${out.length} results where checkpoint ${newest.seq} records ${newest.results.total} (${why})`,
    );
  }
  return out;
}
