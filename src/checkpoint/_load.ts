// Reading a checkpoint back, checking every entry against the manifest before anything is used.
import { DamagedValueError } from "../state/damaged_value_error.ts";
import type { StateStore } from "../state/state_store.ts";
import { MalformedError } from "./_codec_tags.ts";
import { decodeValue } from "./_decode.ts";
import { openEntry, RESULTS, STATE } from "./_entry.ts";
import type { Layout } from "./_layout.ts";
import { type Manifest, openManifest } from "./_manifest.ts";
import { getAll, getEntry } from "./_store_ops.ts";

/** A checkpoint that passed every check. */
export interface LoadedCheckpoint {
  manifest: Manifest;
  /** Decoded operator states, in manifest order. */
  states: unknown[];
}

/** The damage found in a checkpoint: `message` completes "checkpoint N of job J ...". */
export class DamagedCheckpoint extends Error {}

export async function loadManifest(store: StateStore, layout: Layout, seq: number): Promise<Manifest> {
  const key = layout.manifest(seq);
  const entry = await getEntry(store, key);
  if (entry === undefined) throw new DamagedCheckpoint(`has no manifest (${key}): its write was interrupted`);
  if (entry instanceof DamagedValueError) {
    throw new DamagedCheckpoint(`has a damaged manifest (${key}): ${unreadable(entry)}`);
  }
  try {
    return openManifest(entry, layout.job, seq);
  } catch (e) {
    throw new DamagedCheckpoint(`has a damaged manifest (${key}): ${describe(e)}`);
  }
}

/** Reads and checks chunks `keys` (whose entry CRCs the manifest lists as `crcs`); returns their payloads joined. */
async function readChunks(
  store: StateStore,
  kind: number,
  keys: string[],
  crcs: number[],
  bytes: number,
  what: string,
): Promise<Uint8Array> {
  const entries = await getAll(store, keys);
  const out = new Uint8Array(bytes);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    const entry = entries[i];
    if (entry === undefined) throw new DamagedCheckpoint(`is missing ${what} chunk ${keys[i]}`);
    if (entry instanceof DamagedValueError) {
      throw new DamagedCheckpoint(`has a damaged ${what} chunk ${keys[i]}: ${unreadable(entry)}`);
    }
    let opened: { payload: Uint8Array; crc: number };
    try {
      opened = openEntry(kind, entry);
    } catch (e) {
      throw new DamagedCheckpoint(`has a damaged ${what} chunk ${keys[i]}: ${describe(e)}`);
    }
    if (opened.crc !== crcs[i]) {
      throw new DamagedCheckpoint(
        `has a ${what} chunk ${keys[i]} that its manifest does not list (another checkpoint's, or rewritten)`,
      );
    }
    if (at + opened.payload.length > bytes) {
      throw new DamagedCheckpoint(`has ${what} chunks longer than its manifest says`);
    }
    out.set(opened.payload, at);
    at += opened.payload.length;
  }
  if (at !== bytes) throw new DamagedCheckpoint(`has ${at} bytes of ${what} where its manifest lists ${bytes}`);
  return out;
}

/** Loads checkpoint `seq` in full (state and committed results); throws `DamagedCheckpoint` on any damage. */
export async function loadCheckpoint(store: StateStore, layout: Layout, seq: number): Promise<LoadedCheckpoint> {
  const manifest = await loadManifest(store, layout, seq);
  const states: unknown[] = [];
  for (let op = 0; op < manifest.operators.length; op++) {
    const o = manifest.operators[op]!;
    const keys = o.crcs.map((_, i) => layout.state(seq, op, i));
    const bytes = await readChunks(store, STATE, keys, o.crcs, o.bytes, `state`);
    try {
      states.push(decodeValue(bytes));
    } catch (e) {
      throw new DamagedCheckpoint(`has state for operator "${o.id}" that does not decode: ${describe(e)}`);
    }
  }
  await loadResults(store, layout, manifest);
  return { manifest, states };
}

/** The results committed with the checkpoint of `manifest`, checked against it. */
export async function loadResults(store: StateStore, layout: Layout, manifest: Manifest): Promise<unknown[]> {
  const r = manifest.results;
  const keys = r.crcs.map((_, i) => layout.result(manifest.seq, i));
  const bytes = await readChunks(store, RESULTS, keys, r.crcs, r.bytes, "result");
  const records = decodeRecords(bytes, `checkpoint ${manifest.seq}`);
  if (records.length !== r.records) {
    throw new DamagedCheckpoint(`has ${records.length} results where its manifest lists ${r.records}`);
  }
  return records;
}

/** Results are stored as a sequence of encoded arrays (one per output batch). */
export function decodeRecords(bytes: Uint8Array, where: string): unknown[] {
  const { records, error } = decodeRecordPrefix(bytes);
  if (error !== undefined) throw new DamagedCheckpoint(`has results (${where}) that do not decode: ${error}`);
  return records;
}

/** The results of the batches of `bytes` that decode, up to the first that does not (`error` says why). */
export function decodeRecordPrefix(bytes: Uint8Array): { records: unknown[]; error?: string } {
  const records: unknown[] = [];
  let at = 0;
  try {
    while (at < bytes.length) {
      const { value, end } = decodeOne(bytes, at);
      if (!Array.isArray(value)) throw new MalformedError(`a result batch at byte ${at} is not an array`);
      for (const v of value) records.push(v);
      at = end;
    }
  } catch (e) {
    return { records, error: describe(e) };
  }
  return { records };
}

function decodeOne(bytes: Uint8Array, at: number): { value: unknown; end: number } {
  // Each batch is prefixed with its length (4 bytes), so batches decode independently.
  if (at + 4 > bytes.length) throw new MalformedError(`a result batch header at byte ${at} is cut off`);
  const n = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  const end = at + 4 + n;
  if (end > bytes.length) throw new MalformedError(`a result batch at byte ${at} is cut off`);
  return { value: decodeValue(bytes.subarray(at + 4, end)), end };
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What a store said about a value it cannot read back. */
export function unreadable(e: DamagedValueError): string {
  return `the store cannot read it (${e.message}${e.cause === undefined ? "" : `: ${describe(e.cause)}`})`;
}
