// The manifest: the last entry of a checkpoint, whose presence makes it complete. It lists every other
// entry (by count and CRC, so a missing, stale or altered one is found) and what a restore needs besides
// operator state: the source offset, the clock, the operator signatures.
import { decodeValue } from "./_decode.ts";
import { encodeValue } from "./_encode.ts";
import { MANIFEST, openEntry, sealEntry } from "./_entry.ts";

export interface OperatorEntry {
  id: string;
  signature: string;
  /** Bytes of the encoded state, over all chunks. */
  bytes: number;
  /** CRC of each chunk entry, in chunk order. */
  crcs: number[];
}

export interface Manifest {
  job: string;
  seq: number;
  /** Wall-clock time the checkpoint was taken (ms since the epoch), for people reading the store. */
  createdAt: number;
  offset: unknown;
  clock: { now: number; sourceWatermark: number };
  operators: OperatorEntry[];
  results: {
    /** Results committed with this checkpoint. */
    records: number;
    /** Results committed with this checkpoint and every earlier one it continues. */
    total: number;
    bytes: number;
    crcs: number[];
  };
}

export function sealManifest(m: Manifest): Uint8Array {
  return sealEntry(MANIFEST, encodeValue(m)).entry;
}

const isNat = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
const isCrcs = (x: unknown): x is number[] => Array.isArray(x) && x.every((c) => isNat(c) && c <= 0xffffffff);

/** Reads a manifest entry; throws an Error saying what is wrong with it. */
export function openManifest(entry: Uint8Array, job: string, seq: number): Manifest {
  const m = decodeValue(openEntry(MANIFEST, entry).payload) as Manifest;
  const ok = typeof m === "object" && m !== null && m.job === job && m.seq === seq && typeof m.createdAt === "number" &&
    typeof m.clock === "object" && m.clock !== null && typeof m.clock.now === "number" &&
    typeof m.clock.sourceWatermark === "number" &&
    Array.isArray(m.operators) &&
    m.operators.every((o) =>
      typeof o?.id === "string" && typeof o.signature === "string" && isNat(o.bytes) && isCrcs(o.crcs)
    ) &&
    typeof m.results === "object" && m.results !== null && isNat(m.results.records) && isNat(m.results.total) &&
    isNat(m.results.bytes) && isCrcs(m.results.crcs);
  if (!ok) throw new Error(`it does not describe checkpoint ${seq} of job ${JSON.stringify(job)}`);
  return m;
}
