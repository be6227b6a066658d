// Small pieces of the NATS KV state store's I/O: which failures a retry may cure, comparing a stored
// entry with the bytes meant for it, and bounded parallelism.
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KvEntry } from "@nats-io/kv";
import { type BlobRef, decodeHeader } from "./_nats_kv_layout.ts";

const PARALLEL = 64;
/** JetStream's "message size exceeds maximum allowed". */
const MESSAGE_TOO_LARGE = 10054;

/** Failures a retry may cure: no answer, no stream leader yet, a connection being re-established. */
export function isTransient(e: unknown): boolean {
  if (e instanceof JetStreamApiError) {
    return !isWrongRevision(e) && e.code !== JetStreamApiCodes.StreamNotFound && e.code !== MESSAGE_TOO_LARGE;
  }
  const name = e instanceof Error ? e.name : "";
  return ["TimeoutError", "NoRespondersError", "JetStreamNotEnabled", "RequestError", "ConnectionError"].includes(name);
}

export function isWrongRevision(e: unknown): boolean {
  return e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
      e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** Whether `entry` holds exactly `value` (undefined: absent or deleted). */
export function sameAs(entry: KvEntry | null, value: Uint8Array | undefined): boolean {
  if (entry === null || entry.operation !== "PUT") return value === undefined;
  // KvEntry.value decodes the message at each access: read it once.
  const stored = entry.value;
  if (value === undefined || stored.length !== value.length) return false;
  for (let i = 0; i < value.length; i++) if (stored[i] !== value[i]) return false;
  return true;
}

export function blobOf(entry: KvEntry | null): BlobRef | undefined {
  if (entry === null || entry.operation !== "PUT") return undefined;
  try {
    const h = decodeHeader(entry.value);
    return "blob" in h ? h.blob : undefined;
  } catch {
    return undefined;
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs `fn` over `items` with at most PARALLEL in flight; results in order; the first failure rejects. */
export async function inParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
  return results;
}
