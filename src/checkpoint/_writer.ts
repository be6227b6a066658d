// Building a checkpoint's store entries. The synchronous part (encoding the snapshot) copies all state
// out of the operators, so the job may run on while the entries are written.
import { CheckpointError } from "../errors.ts";
import type { JobSnapshot } from "./checkpointed_job.ts";
import type { StateStoreOp } from "../state/state_store.ts";
import { UnencodableError } from "./_codec_tags.ts";
import { encodeValue } from "./_encode.ts";
import { RESULTS, sealEntry, STATE } from "./_entry.ts";
import type { Layout } from "./_layout.ts";
import { type Manifest, sealManifest } from "./_manifest.ts";

/**
 * Payload bytes per entry: with the header and the stores' own framing an entry stays under Deno KV's
 * 64 KiB value limit (and far under Durable Objects' 128 KiB), so no store has to split one.
 */
export const CHUNK_BYTES = 60 * 1024;

/** Results staged since the last checkpoint, already encoded (a result may alias live state). */
export class StagedResults {
  parts: Uint8Array[] = [];
  bytes = 0;
  records = 0;

  add(values: readonly unknown[]): void {
    const encoded = encodeOrThrow(values, "a result", "results");
    const part = new Uint8Array(4 + encoded.length);
    new DataView(part.buffer).setUint32(0, encoded.length, true);
    part.set(encoded, 4);
    this.parts.push(part);
    this.bytes += part.length;
    this.records += values.length;
  }

  /** Takes what is staged, leaving this empty. */
  take(): { bytes: Uint8Array; records: number } {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    const records = this.records;
    this.parts = [];
    this.bytes = 0;
    this.records = 0;
    return { bytes: out, records };
  }
}

function encodeOrThrow(value: unknown, what: string, hint: string, sizeHint?: number): Uint8Array {
  try {
    return encodeValue(value, sizeHint);
  } catch (e) {
    if (!(e instanceof UnencodableError)) throw e;
    throw new CheckpointError(`Cannot checkpoint ${what} as ${e.message} (${hint})`, { cause: e });
  }
}

function chunked(bytes: Uint8Array, kind: number, key: (i: number) => string, ops: StateStoreOp[]): number[] {
  const crcs: number[] = [];
  for (let at = 0, i = 0; at < bytes.length; at += CHUNK_BYTES, i++) {
    const { entry, crc } = sealEntry(kind, bytes.subarray(at, at + CHUNK_BYTES));
    ops.push({ type: "put", key: key(i), value: entry });
    crcs.push(crc);
  }
  return crcs;
}

export interface PreparedCheckpoint {
  seq: number;
  manifest: Manifest;
  /** Entries to write in order; the manifest is the last one. */
  ops: StateStoreOp[];
  bytes: number;
}

/**
 * Encodes `snapshot` (and the staged results) as the entries of checkpoint `seq`, following the
 * `previous` checkpoint (whose result total it continues, and whose sizes size the buffers).
 */
export function prepareCheckpoint(
  layout: Layout,
  seq: number,
  snapshot: JobSnapshot,
  results: { bytes: Uint8Array; records: number },
  previous: Manifest | null,
): PreparedCheckpoint {
  const before = new Map(previous?.operators.map((o) => [o.id, o.bytes]));
  const ops: StateStoreOp[] = [];
  const operators: Manifest["operators"] = [];
  let bytes = 0;
  let op = 0;
  for (const [id, state] of Object.entries(snapshot.operators)) {
    const sizeHint = Math.ceil((before.get(id) ?? 0) * 1.1) + 1024;
    const encoded = encodeOrThrow(
      state,
      `operator "${id}"`,
      "its state, accumulators included, must be plain data",
      sizeHint,
    );
    const i = op++;
    const crcs = chunked(encoded, STATE, (c) => layout.state(seq, i, c), ops);
    operators.push({ id, signature: snapshot.signatures[id] ?? "", bytes: encoded.length, crcs });
    bytes += encoded.length;
  }
  const crcs = chunked(results.bytes, RESULTS, (c) => layout.result(seq, c), ops);
  const manifest: Manifest = {
    job: layout.job,
    seq,
    createdAt: Date.now(),
    offset: snapshot.offset,
    clock: snapshot.clock,
    operators,
    results: {
      records: results.records,
      total: (previous?.results.total ?? 0) + results.records,
      bytes: results.bytes.length,
      crcs,
    },
  };
  let entry: Uint8Array;
  try {
    entry = sealManifest(manifest);
  } catch (e) {
    if (!(e instanceof UnencodableError)) throw e;
    throw new CheckpointError(`Cannot checkpoint the source offset ${String(snapshot.offset)} as ${e.message}`, {
      cause: e,
    });
  }
  ops.push({ type: "put", key: layout.manifest(seq), value: entry });
  bytes += results.bytes.length + entry.length;
  return { seq, manifest, ops, bytes };
}
