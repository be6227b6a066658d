// The ingestion log's reads and deletes of stored entries: finding the entry that holds an offset
// (for readers behind the in-memory cache), and truncating what a checkpoint covers.
import { WeirError } from "../errors.ts";
import type { StateStore } from "../state/mod.ts";
import { decodeEntry, entryKey, entryRange, type LogKeys, pad, utf8Length } from "./_log_format.ts";

/** The events from `pos` to the end of the stored entry holding `pos`. */
export async function readStoredAt(
  store: StateStore,
  keys: LogKeys,
  pos: number,
  log: string,
): Promise<{ values: unknown[]; end: number }> {
  const key = await findEntry(store, keys, pos, log);
  const bytes = await store.get(key);
  if (bytes === undefined) {
    throw new WeirError(
      `Cannot read offset ${pos} of ingestion log "${log}": entry ${key} was deleted while being read`,
    );
  }
  const { first, end } = entryRange(keys, key);
  const events = decodeEntry(key, bytes, first, end);
  return { values: pos === first ? events : events.slice(pos - first), end };
}

async function findEntry(store: StateStore, keys: LogKeys, pos: number, log: string): Promise<string> {
  const [atPos] = await store.list(keys.entries, { start: keys.entries + pad(pos), limit: 1 });
  if (atPos !== undefined && entryRange(keys, atPos).first === pos) return atPos;
  // Only a reader opened at an offset inside an entry gets here; chunks always end at entry boundaries.
  const below = await store.list(keys.entries, { end: keys.entries + pad(pos) });
  const last = below[below.length - 1];
  if (last !== undefined && entryRange(keys, last).end > pos) return last;
  throw new WeirError(
    `Cannot read offset ${pos} of ingestion log "${log}": no stored entry holds it (it was truncated)`,
  );
}

/**
 * Deletes the entries that end at or before `offset` (in batches within the store's limits; a crash
 * in between leaves entries a later truncation deletes). Returns the first offset still stored.
 */
export async function truncateBelow(store: StateStore, keys: LogKeys, offset: number): Promise<number> {
  const below = await store.list(keys.entries, { end: keys.entries + pad(offset) });
  const doomed = below.filter((k) => entryRange(keys, k).end <= offset);
  const { maxBatchOps, maxBatchKeyBytes } = store.limits;
  const per = Math.max(1, Math.min(maxBatchOps, Math.floor(maxBatchKeyBytes / utf8Length(entryKey(keys, 0, 1))), 1000));
  for (let i = 0; i < doomed.length; i += per) {
    await store.batch(doomed.slice(i, i + per).map((key) => ({ type: "delete" as const, key })));
  }
  const kept = below[doomed.length];
  return kept === undefined ? offset : entryRange(keys, kept).first;
}
