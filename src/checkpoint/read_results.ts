import { CheckpointError } from "../errors.ts";
import { checkOptionNames } from "../option_names.ts";
import type { StateStore } from "../state/state_store.ts";
import type { WindowResult } from "../window/types.ts";
import { checkJobId, Layout } from "./_layout.ts";
import { DamagedCheckpoint, loadManifest, loadResults } from "./_load.ts";
import type { Manifest } from "./_manifest.ts";
import { scanResults } from "./_results_scan.ts";
import { getEntry, listAll } from "./_store_ops.ts";

/** Committed results that cannot be read back, as `readResults` reports them to `onDamaged`. */
export interface DamagedResults {
  /** The checkpoint the results were committed with; `undefined` when no damaged entry explains a loss. */
  checkpoint: number | undefined;
  /** The store entries that are damaged or missing. */
  keys: string[];
  /** What is wrong, naming the entries ("result chunk ckpt/j/r/000000000001/000000 is damaged: ..."). */
  reason: string;
  /**
   * The results lost: positions in commit order (0 is the job's first result), `from` inclusive, `to`
   * exclusive. When several checkpoints whose manifests are gone are damaged, each names the span they
   * share, as their counts are not known one by one.
   */
  from: number;
  /** The first position after the lost ones (exclusive). */
  to: number;
}

/** Options of {@linkcode readResults}. */
export interface ReadResultsOptions {
  /**
   * Called once per damaged or missing stretch of results, after which `readResults` returns every
   * result that reads back intact. Without it, any damage rejects with `CheckpointError` (never less than
   * all the results without a word).
   */
  onDamaged?: (damage: DamagedResults) => void;
}

/**
 * The newest checkpoint whose manifest and results read back intact, with its results (null when the job
 * has none), and the older intact manifests. A newer damaged checkpoint is passed over as a restore would
 * pass it over: the job produces its results again.
 */
async function manifestsOf(
  store: StateStore,
  layout: Layout,
): Promise<{ newest: Manifest; records: unknown[]; older: Map<number, Manifest> } | null> {
  // A running job may prune the manifest we listed before we read it: list again then.
  for (let attempt = 0; attempt < 5; attempt++) {
    const seqs = (await listAll(store, layout.manifests)).map((k) => layout.seqOf(k, layout.manifests)).filter((s) =>
      s >= 0
    ).reverse();
    let pruned = false;
    let newest: { newest: Manifest; records: unknown[] } | null = null;
    const older = new Map<number, Manifest>();
    for (const seq of seqs) {
      if (await getEntry(store, layout.manifest(seq)) === undefined) {
        pruned = true;
        break;
      }
      try {
        const m = await loadManifest(store, layout, seq);
        if (newest === null) newest = { newest: m, records: await loadResults(store, layout, m) };
        else older.set(seq, m);
      } catch (e) {
        if (!(e instanceof DamagedCheckpoint)) throw e;
      }
    }
    if (!pruned) return newest === null ? null : { ...newest, older };
  }
  throw new CheckpointError(
    `Cannot read the results of job ${JSON.stringify(layout.job)}: its checkpoints kept changing while they were read`,
  );
}

/**
 * The results a {@linkcode storeSink} committed for job `job`, in the order they were committed: exactly
 * those of the checkpoints written so far, each once. Every entry is checked (checksums, and the count of
 * results the newest checkpoint records); damage raises `CheckpointError` rather than returning less,
 * unless `options.onDamaged` is given: then each damaged stretch is reported to it (which checkpoint,
 * which entries, which results by position) and every intact result is returned. A job finds the same
 * damage when it restores, and warns.
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
 *
 * @example Every intact result, and where the damaged ones were
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, type DamagedResults, MemoryStateStore, readResults, storeSink, stream, tumbling } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * const events = Array.from({ length: 6 }, (_, i) => ({ ts: i * 10 }));
 * await stream(events)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(10))
 *   .aggregate(count())
 *   .checkpoint({ store, id: "n", every: { events: 2 } })
 *   .pipeTo(storeSink({ store, job: "n" }));
 * const key = "ckpt/n/r/000000000000/000000"; // the first 5 results, committed with checkpoint 0
 * await store.put(key, new Uint8Array(3)); // damage them
 * const damaged: DamagedResults[] = [];
 * const results = await readResults(store, "n", { onDamaged: (d) => damaged.push(d) });
 * assertEquals(damaged.map((d) => [d.checkpoint, d.keys, d.from, d.to]), [[0, [key], 0, 5]]);
 * assertEquals(results.length, 1); // the 6th, committed with checkpoint 1
 * ```
 */
export async function readResults<T = WindowResult>(
  store: StateStore,
  job: string,
  options: ReadResultsOptions = {},
): Promise<T[]> {
  checkJobId(job, "read results");
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot read results as options must be an object: current value is ${String(options)}`);
  }
  checkOptionNames("read results", options, ["onDamaged"]);
  const { onDamaged } = options;
  if (onDamaged !== undefined && typeof onDamaged !== "function") {
    throw new TypeError(`Cannot read results as onDamaged must be a function: current value is ${String(onDamaged)}`);
  }
  const layout = new Layout(job);
  const found = await manifestsOf(store, layout);
  if (found === null) return [];
  const out: T[] = [];
  const damaged = await scanResults(store, layout, found.newest, found.older, (records) => {
    for (const r of records) out.push(r as T);
  });
  for (const r of found.records) out.push(r as T);
  if (damaged.length > 0 && onDamaged === undefined) {
    throw new CheckpointError(`Cannot read the results of job ${JSON.stringify(job)}: ${damaged[0]!.reason}`);
  }
  for (const d of damaged) onDamaged!(d);
  return out;
}
