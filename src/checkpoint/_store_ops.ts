// Store access for checkpoints: writes split into batches the store accepts, bounded parallel reads.
import { DamagedValueError } from "../state/damaged_value_error.ts";
import type { StateStore, StateStoreOp } from "../state/state_store.ts";
import { utf8ByteLength } from "../state/state_store_args.ts";

/**
 * Applies `ops` in order in as few batches as `store.limits` allow. Each batch is atomic, the sequence
 * is not: callers put the operation that makes the rest visible (a manifest) last.
 */
export async function applyInBatches(store: StateStore, ops: readonly StateStoreOp[]): Promise<void> {
  const { maxBatchOps, maxBatchKeyBytes } = store.limits;
  let batch: StateStoreOp[] = [];
  let keyBytes = 0;
  for (const op of ops) {
    const k = utf8ByteLength(op.key);
    if (batch.length > 0 && (batch.length + 1 > maxBatchOps || keyBytes + k > maxBatchKeyBytes)) {
      await store.batch(batch);
      batch = [];
      keyBytes = 0;
    }
    batch.push(op);
    keyBytes += k;
  }
  if (batch.length > 0) await store.batch(batch);
}

/** Deletes `keys`, `first` ones in the first batch(es), so that what makes a checkpoint visible goes first. */
export function deleteKeys(store: StateStore, first: readonly string[], rest: readonly string[]): Promise<void> {
  return applyInBatches(store, [...first, ...rest].map((key) => ({ type: "delete" as const, key })));
}

/** Every key under `prefix` at or after `start`, read in pages (stores return snapshots, not cursors). */
export async function listAll(store: StateStore, prefix: string, start?: string): Promise<string[]> {
  const out: string[] = [];
  const page = 10_000;
  let from = start;
  for (;;) {
    const keys = await store.list(prefix, from === undefined ? { limit: page } : { start: from, limit: page });
    for (const k of keys) out.push(k);
    if (keys.length < page) return out;
    from = keys[keys.length - 1]! + "\0";
  }
}

/**
 * `get` of many keys, at most `parallel` at a time, in the order of `keys`. A value the store reports
 * damaged comes back as its `DamagedValueError`, so that one bad entry does not hide the others.
 */
export async function getAll(
  store: StateStore,
  keys: readonly string[],
  parallel = 8,
): Promise<(Uint8Array | undefined | DamagedValueError)[]> {
  const out = new Array<Uint8Array | undefined | DamagedValueError>(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const i = next++;
      out[i] = await getEntry(store, keys[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, keys.length) }, worker));
  return out;
}

/** `store.get(key)`, with a damaged value returned as its error (other failures still throw). */
export async function getEntry(store: StateStore, key: string): Promise<Uint8Array | undefined | DamagedValueError> {
  try {
    return await store.get(key);
  } catch (e) {
    if (e instanceof DamagedValueError) return e;
    throw e;
  }
}
