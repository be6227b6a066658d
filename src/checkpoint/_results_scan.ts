// Reading back every result a storeSink committed, entry by entry, so that damage is found and located
// instead of failing the whole read. The results of checkpoint <seq> are the payloads of
// ckpt/<id>/r/<seq>/<chunk> joined (length-prefixed batches, see _writer.ts); they outlive the checkpoint's
// manifest, so for older checkpoints each entry's own checksum is the only check, and a checkpoint whose
// manifest is gone has a result count that only the newest manifest's total can tell.
import type { StateStore } from "../state/state_store.ts";
import { DamagedValueError } from "../state/damaged_value_error.ts";
import { openEntry, RESULTS } from "./_entry.ts";
import type { Layout } from "./_layout.ts";
import { decodeRecordPrefix, describe, unreadable } from "./_load.ts";
import type { Manifest } from "./_manifest.ts";
import { getAll, listAll } from "./_store_ops.ts";
import type { DamagedResults } from "./read_results.ts";

interface Part {
  seq: number;
  /** Results read (those before the first damage). */
  kept: number;
  /** Results the checkpoint committed, when known. */
  count: number | undefined;
  damage?: { keys: string[]; reason: string };
}

/**
 * Reads the results of every checkpoint before `newest` (whose own results its caller has checked against
 * it), handing each checkpoint's readable results to `emit` in order, and returns what is damaged.
 * `manifests` are the other manifests still in the store (they give exact counts and checksums).
 */
export async function scanResults(
  store: StateStore,
  layout: Layout,
  newest: Manifest,
  manifests: ReadonlyMap<number, Manifest>,
  emit: (records: unknown[]) => void,
): Promise<DamagedResults[]> {
  const bySeq = new Map<number, number>();
  for (const k of await listAll(store, layout.results)) {
    const seq = layout.seqOf(k, layout.results);
    if (seq < 0 || seq >= newest.seq) continue;
    const chunk = Number(k.slice(layout.resultDir(seq).length));
    if (Number.isSafeInteger(chunk)) bySeq.set(seq, Math.max(bySeq.get(seq) ?? 0, chunk + 1));
  }
  for (const [seq, m] of manifests) if (seq < newest.seq && m.results.crcs.length > 0) bySeq.set(seq, 0);
  const parts: Part[] = [];
  for (const seq of [...bySeq.keys()].sort((a, b) => a - b)) {
    parts.push(await readSeq(store, layout, seq, manifests.get(seq), bySeq.get(seq)!, emit));
  }
  parts.push({ seq: newest.seq, kept: newest.results.records, count: newest.results.records });
  return locate(parts, newest);
}

async function readSeq(
  store: StateStore,
  layout: Layout,
  seq: number,
  manifest: Manifest | undefined,
  chunksFound: number,
  emit: (records: unknown[]) => void,
): Promise<Part> {
  const n = manifest?.results.crcs.length ?? chunksFound;
  const keys = Array.from({ length: n }, (_, i) => layout.result(seq, i));
  const entries = await getAll(store, keys);
  const bad: string[] = [];
  let reason: string | undefined;
  const payloads: Uint8Array[] = [];
  entries.forEach((entry, i) => {
    let why: string | undefined;
    if (entry === undefined) why = "is missing";
    else if (entry instanceof DamagedValueError) why = `cannot be read: ${unreadable(entry)}`;
    else {
      try {
        const { payload, crc } = openEntry(RESULTS, entry);
        if (manifest !== undefined && crc !== manifest.results.crcs[i]) {
          why = `is not the one checkpoint ${seq}'s manifest lists (another checkpoint's, or rewritten)`;
        } else if (bad.length === 0) payloads.push(payload);
      } catch (e) {
        why = `is damaged: ${describe(e)}`;
      }
    }
    if (why !== undefined) {
      bad.push(keys[i]!);
      reason ??= `result chunk ${keys[i]} ${why}`;
    }
  });
  const { records, error } = decodeRecordPrefix(join(payloads));
  emit(records);
  const count = manifest?.results.records;
  if (bad.length === 0 && error !== undefined) {
    reason = `the results of checkpoint ${seq} do not decode: ${error}`;
    bad.push(...keys);
  } else if (bad.length === 0 && count !== undefined && records.length !== count) {
    reason = `checkpoint ${seq} has ${records.length} results where its manifest lists ${count}`;
    bad.push(...keys);
  }
  if (reason === undefined) return { seq, kept: records.length, count: records.length };
  return { seq, kept: records.length, count, damage: { keys: bad, reason } };
}

/** Places each damage in commit order (see `DamagedResults.from`). */
function locate(parts: Part[], newest: Manifest): DamagedResults[] {
  const total = newest.results.total;
  const unknown = parts.filter((p) => p.count === undefined);
  const known = parts.reduce((n, p) => n + (p.count ?? 0), 0);
  if (unknown.length === 1) unknown[0]!.count = Math.max(unknown[0]!.kept, total - known);
  const out: DamagedResults[] = [];
  if (unknown.length > 1) {
    // Forward to the first unknown count, backward from the total to the last one.
    const first = parts.indexOf(unknown[0]!);
    const last = parts.indexOf(unknown[unknown.length - 1]!);
    const from = parts.slice(0, first).reduce((n, p) => n + p.count!, 0) + unknown[0]!.kept;
    const to = total - parts.slice(last + 1).reduce((n, p) => n + p.count!, 0);
    let at = 0;
    for (const p of parts) {
      if (p.damage && p.count === undefined) out.push({ checkpoint: p.seq, ...p.damage, from, to: Math.max(from, to) });
      else if (p.damage) out.push({ checkpoint: p.seq, ...p.damage, from: at + p.kept, to: at + p.count! });
      at += p.count ?? 0;
    }
    return out.sort((a, b) => a.from - b.from);
  }
  let at = 0;
  for (const p of parts) {
    if (p.damage) out.push({ checkpoint: p.seq, ...p.damage, from: at + p.kept, to: at + p.count! });
    at += p.count!;
  }
  if (out.length === 0 && at !== total) {
    // Nothing says where: whole checkpoints' results are gone (lost) or there are some no manifest counts.
    const lost = at < total;
    const why = lost ? "result entries were lost" : "there are result entries that no checkpoint records";
    out.push({
      checkpoint: undefined,
      keys: [],
      reason: `the store holds ${at} results where checkpoint ${newest.seq} records ${total} (${why})`,
      from: lost ? 0 : total,
      to: total,
    });
  }
  return out;
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
