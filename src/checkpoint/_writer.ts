// Building a checkpoint's store entries from a copy of the job's state (see _copy_state.ts), in steps:
// the encoding and the checksums run in slices between input steps (see _slices.ts).
import { CheckpointError } from "../errors.ts";
import type { JobSnapshot } from "./checkpointed_job.ts";
import type { StateStoreOp } from "../state/state_store.ts";
import { UnencodableError } from "./_codec_tags.ts";
import { encodeInSteps, encodeValue } from "./_encode.ts";
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
  take(): StagedParts {
    const taken = { parts: this.parts, bytes: this.bytes, records: this.records };
    this.parts = [];
    this.bytes = 0;
    this.records = 0;
    return taken;
  }
}

/** Results taken for one checkpoint: their encoded parts, joined when the checkpoint is encoded. */
export interface StagedParts {
  parts: Uint8Array[];
  bytes: number;
  records: number;
}

function join(staged: StagedParts): Uint8Array {
  const out = new Uint8Array(staged.bytes);
  let at = 0;
  for (const p of staged.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeOrThrow(value: unknown, what: string, hint: string): Uint8Array {
  try {
    return encodeValue(value);
  } catch (e) {
    throw refused(e, what, hint);
  }
}

function* encodeOrThrowInSteps(
  value: unknown,
  what: string,
  hint: string,
  sizeHint: number,
): Generator<void, Uint8Array, void> {
  try {
    return yield* encodeInSteps(value, sizeHint);
  } catch (e) {
    throw refused(e, what, hint);
  }
}

function refused(e: unknown, what: string, hint: string): unknown {
  if (!(e instanceof UnencodableError)) return e;
  return new CheckpointError(`Cannot checkpoint ${what} as ${e.message} (${hint})`, { cause: e });
}

/** Seals `bytes` as entries of CHUNK_BYTES, a step each; returns their CRCs. */
function* chunked(
  bytes: Uint8Array,
  kind: number,
  key: (i: number) => string,
  ops: StateStoreOp[],
): Generator<void, number[], void> {
  const crcs: number[] = [];
  for (let at = 0, i = 0; at < bytes.length; at += CHUNK_BYTES, i++) {
    const { entry, crc } = sealEntry(kind, bytes.subarray(at, at + CHUNK_BYTES));
    ops.push({ type: "put", key: key(i), value: entry });
    crcs.push(crc);
    yield;
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
 * `previous` checkpoint (whose result total it continues, and whose sizes size the buffers). A
 * generator: it yields between steps of a fraction of a millisecond; `snapshot` must not change
 * until it is done.
 */
export function* prepareCheckpoint(
  layout: Layout,
  seq: number,
  snapshot: JobSnapshot,
  staged: StagedParts,
  previous: Manifest | null,
): Generator<void, PreparedCheckpoint, void> {
  const before = new Map(previous?.operators.map((o) => [o.id, o.bytes]));
  const ops: StateStoreOp[] = [];
  const operators: Manifest["operators"] = [];
  let bytes = 0;
  let op = 0;
  for (const [id, state] of Object.entries(snapshot.operators)) {
    const sizeHint = Math.ceil((before.get(id) ?? 0) * 1.1) + 1024;
    const encoded = yield* encodeOrThrowInSteps(
      state,
      `operator "${id}"`,
      "its state, accumulators included, must be plain data",
      sizeHint,
    );
    const i = op++;
    const crcs = yield* chunked(encoded, STATE, (c) => layout.state(seq, i, c), ops);
    operators.push({ id, signature: snapshot.signatures[id] ?? "", bytes: encoded.length, crcs });
    bytes += encoded.length;
  }
  const results = { bytes: join(staged), records: staged.records };
  const crcs = yield* chunked(results.bytes, RESULTS, (c) => layout.result(seq, c), ops);
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
