// Finding the checkpoint to restore on start: the newest one that passes every check. Damaged or
// incomplete ones are skipped with a warning; once the choice is made, everything newer than it (torn
// writes, damaged checkpoints, and the results committed with them, which the job will produce again)
// is deleted, so the store holds exactly one line of checkpoints and results.
import type { StateStore } from "../state/state_store.ts";
import type { Layout } from "./_layout.ts";
import { DamagedCheckpoint, loadCheckpoint, type LoadedCheckpoint, loadManifest } from "./_load.ts";
import type { Manifest } from "./_manifest.ts";
import { scanResults } from "./_results_scan.ts";
import { deleteKeys, listAll } from "./_store_ops.ts";

export interface Recovered {
  /** The checkpoint to restore, or null to start from scratch. */
  checkpoint: LoadedCheckpoint | null;
  /** Manifests kept (oldest first), the restored one last. */
  live: number[];
  /** The sequence number for the next checkpoint (never reused). */
  nextSeq: number;
}

function seqs(keys: string[], layout: Layout, dir: string): Set<number> {
  const out = new Set<number>();
  for (const k of keys) {
    const s = layout.seqOf(k, dir);
    if (s >= 0) out.add(s);
  }
  return out;
}

/** Finds the newest intact checkpoint; `warn` receives one message per checkpoint skipped. */
export async function findCheckpoint(store: StateStore, layout: Layout, warn: (message: string) => void): Promise<{
  chosen: LoadedCheckpoint | null;
  keys: { manifests: string[]; states: string[]; results: string[] };
}> {
  const manifests = await listAll(store, layout.manifests);
  const states = await listAll(store, layout.states);
  const results = await listAll(store, layout.results);
  const manifestSeqs = [...seqs(manifests, layout, layout.manifests)].sort((a, b) => b - a);
  const newestManifest = manifestSeqs[0] ?? -1;
  const torn = [...seqs(states, layout, layout.states), ...seqs(results, layout, layout.results)]
    .filter((s) => s > newestManifest);
  const quote = JSON.stringify(layout.job);
  for (const s of [...new Set(torn)].sort((a, b) => b - a)) {
    warn(
      `weir: skipping checkpoint ${s} of job ${quote}: it has no manifest, so its write was interrupted (it is deleted)`,
    );
  }
  for (const seq of manifestSeqs) {
    try {
      return { chosen: await loadCheckpoint(store, layout, seq), keys: { manifests, states, results } };
    } catch (e) {
      if (!(e instanceof DamagedCheckpoint)) throw e;
      const next = manifestSeqs.find((s) => s < seq);
      const instead = next === undefined
        ? "no earlier checkpoint is left, so the job starts from scratch"
        : `trying checkpoint ${next} instead`;
      warn(
        `weir: skipping checkpoint ${seq} of job ${quote}: it ${e.message}; ${instead} (the skipped one is deleted)`,
      );
    }
  }
  return { chosen: null, keys: { manifests, states, results } };
}

/**
 * Deletes everything of the job newer than `keepUpTo` (-1: everything), and state entries whose
 * manifest is gone (left by an interrupted prune). Manifests go first, so that a crash in between
 * never leaves a manifest without its entries.
 */
export async function deleteNewer(
  store: StateStore,
  layout: Layout,
  keys: { manifests: string[]; states: string[]; results: string[] },
  keepUpTo: number,
): Promise<{ live: number[]; nextSeq: number }> {
  const manifestSeqs = seqs(keys.manifests, layout, layout.manifests);
  let maxSeq = -1;
  const first: string[] = [];
  const rest: string[] = [];
  const live: number[] = [];
  for (const k of keys.manifests) {
    const s = layout.seqOf(k, layout.manifests);
    maxSeq = Math.max(maxSeq, s);
    if (s > keepUpTo || s < 0) first.push(k);
    else live.push(s);
  }
  for (const k of keys.states) {
    const s = layout.seqOf(k, layout.states);
    maxSeq = Math.max(maxSeq, s);
    if (s > keepUpTo || !manifestSeqs.has(s)) rest.push(k);
  }
  for (const k of keys.results) {
    const s = layout.seqOf(k, layout.results);
    maxSeq = Math.max(maxSeq, s);
    if (s > keepUpTo || s < 0) rest.push(k);
  }
  await deleteKeys(store, first, rest);
  return { live: live.sort((a, b) => a - b), nextSeq: maxSeq + 1 };
}

/** `findCheckpoint` then `deleteNewer`: the state a job starts from. */
export async function recover(
  store: StateStore,
  layout: Layout,
  warn: (message: string) => void,
  check: (c: LoadedCheckpoint) => void,
): Promise<Recovered> {
  const { chosen, keys } = await findCheckpoint(store, layout, warn);
  // Checked before anything is deleted: an incompatible pipeline must leave the store as it was.
  if (chosen !== null) check(chosen);
  const { live, nextSeq } = await deleteNewer(store, layout, keys, chosen?.manifest.seq ?? -1);
  if (chosen !== null) await verifyResults(store, layout, chosen.manifest, live, warn);
  return { checkpoint: chosen, live, nextSeq };
}

/**
 * Reads back the results committed before the restored checkpoint (its own were checked with it), so that
 * damage is reported when the job starts rather than when someone reads the results. The job runs on: its
 * results are committed already, and no restore can bring damaged ones back.
 */
async function verifyResults(
  store: StateStore,
  layout: Layout,
  restored: Manifest,
  live: readonly number[],
  warn: (message: string) => void,
): Promise<void> {
  const older = new Map<number, Manifest>();
  for (const seq of live) {
    if (seq >= restored.seq) continue;
    try {
      older.set(seq, await loadManifest(store, layout, seq));
    } catch (e) {
      if (!(e instanceof DamagedCheckpoint)) throw e;
    }
  }
  const job = JSON.stringify(layout.job);
  for (const d of await scanResults(store, layout, restored, older, () => {})) {
    const of = `of ${restored.results.total} (counted from 0 in commit order)`;
    const lost = d.to - d.from === 0
      ? "no result is known to be lost"
      : d.to - d.from === 1
      ? `result ${d.from} ${of} is lost`
      : `results ${d.from} to ${d.to - 1} ${of} are lost`;
    warn(
      `weir: job ${job} has damaged committed results: ${d.reason}; ${lost}. ` +
        `The job runs on; readResults(store, ${job}, { onDamaged }) returns the others`,
    );
  }
}

/** Deletes every checkpoint and committed result of the job (`discardState`). */
export async function discardAll(store: StateStore, layout: Layout): Promise<number> {
  const keys = {
    manifests: await listAll(store, layout.manifests),
    states: await listAll(store, layout.states),
    results: await listAll(store, layout.results),
  };
  return (await deleteNewer(store, layout, keys, -1)).nextSeq;
}
