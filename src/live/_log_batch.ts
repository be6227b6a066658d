// Turning appended batches into store operations: each batch is encoded (and checked against the
// store's atomic-batch limits) when it is appended; appends waiting together are then written as one
// group — one atomic store batch with their entries, the new head and their idempotency keys.
import type { StateStoreLimits, StateStoreOp } from "../state/mod.ts";
import type { KeyedBatch } from "./_idempotency_keys.ts";
import type { CachedEntry } from "./_log_cache.ts";
import { encodeEntry, encodeJson, entryKey, type LogKeys, packEntries, utf8Length } from "./_log_format.ts";

/** An append waiting to be written. */
export interface QueuedAppend {
  readonly jsons: string[];
  readonly sizes: number[];
  readonly bytes: number;
  readonly entries: number;
  readonly key: string | undefined;
  readonly fingerprint: string | undefined;
  readonly resolve: (r: { first: number; last: number; count: number; duplicate: boolean }) => void;
  readonly reject: (e: unknown) => void;
}

/** Appends waiting while a write is in flight go out together, up to this many bytes of JSON. */
const MAX_GROUP_BYTES = 8 * 1024 * 1024;
/** Bytes of an idempotency record key beyond its prefix (a 16-digit sequence number). */
const SEQ_DIGITS = 16;

/** The events as JSON texts with their UTF-8 sizes; a value JSON cannot represent is a TypeError. */
export function encodeEvents(events: readonly unknown[]): { jsons: string[]; sizes: number[]; bytes: number } {
  const jsons = new Array<string>(events.length);
  const sizes = new Array<number>(events.length);
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    let s: string | undefined;
    try {
      s = JSON.stringify(events[i]);
    } catch (cause) {
      throw new TypeError(`Cannot append event #${i} as it cannot be serialized as JSON: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (typeof s !== "string") throw new TypeError(`Cannot append event #${i} as ${typeof events[i]} is not JSON`);
    jsons[i] = s;
    sizes[i] = utf8Length(s);
    bytes += sizes[i]!;
  }
  return { jsons, sizes, bytes };
}

/** Store operations and key bytes an append adds to a group (not counting the head record). */
export function appendCost(keys: LogKeys, entries: number, keyed: boolean): { ops: number; keyBytes: number } {
  const entryKeyBytes = utf8Length(entryKey(keys, 0, 1));
  return {
    ops: entries + (keyed ? 2 : 0),
    keyBytes: entries * entryKeyBytes + (keyed ? 2 * (keys.idempotency.length + SEQ_DIGITS) : 0),
  };
}

/** Throws RangeError when one append alone (with the head record) exceeds the store's atomic limits. */
export function checkFits(
  keys: LogKeys,
  limits: StateStoreLimits,
  a: Pick<QueuedAppend, "entries" | "key" | "bytes" | "jsons">,
): void {
  const cost = appendCost(keys, a.entries, a.key !== undefined);
  const ops = cost.ops + 1;
  const keyBytes = cost.keyBytes + utf8Length(keys.head);
  if (ops > limits.maxBatchOps || keyBytes > limits.maxBatchKeyBytes) {
    throw new RangeError(
      `Cannot append ${a.jsons.length} events (${a.bytes} bytes of JSON) as one atomic batch: it needs ${ops} store operations and ${keyBytes} key bytes, ` +
        `but the store guarantees ${limits.maxBatchOps} and ${limits.maxBatchKeyBytes}; send smaller batches or raise maxEntryBytes`,
    );
  }
}

/** Takes the longest prefix of `queue` that fits one atomic store batch (always at least one append). */
export function takeGroup(queue: QueuedAppend[], keys: LogKeys, limits: StateStoreLimits): QueuedAppend[] {
  const group: QueuedAppend[] = [];
  let ops = 1, keyBytes = utf8Length(keys.head), bytes = 0;
  while (queue.length > 0) {
    const a = queue[0]!;
    const cost = appendCost(keys, a.entries, a.key !== undefined);
    const full = ops + cost.ops > limits.maxBatchOps || keyBytes + cost.keyBytes > limits.maxBatchKeyBytes ||
      bytes + a.bytes > MAX_GROUP_BYTES;
    if (group.length > 0 && full) break;
    group.push(queue.shift()!);
    ops += cost.ops;
    keyBytes += cost.keyBytes;
    bytes += a.bytes;
  }
  return group;
}

/** The entries of a group starting at offset `first`, packed anew across its appends. */
export function planGroup(keys: LogKeys, first: number, group: readonly QueuedAppend[], maxEntryBytes: number): {
  ops: StateStoreOp[];
  cached: CachedEntry[];
  end: number;
  firsts: number[];
  keyed: KeyedBatch[];
} {
  const jsons: string[] = [];
  const sizes: number[] = [];
  const firsts: number[] = [];
  const keyed: KeyedBatch[] = [];
  for (const a of group) {
    firsts.push(first + jsons.length);
    if (a.key !== undefined) {
      keyed.push({ key: a.key, first: first + jsons.length, count: a.jsons.length, fingerprint: a.fingerprint });
    }
    for (let i = 0; i < a.jsons.length; i++) {
      jsons.push(a.jsons[i]!);
      sizes.push(a.sizes[i]!);
    }
  }
  const end = first + jsons.length;
  const ops: StateStoreOp[] = [];
  const cached: CachedEntry[] = [];
  let pos = first;
  for (const n of packEntries(sizes, maxEntryBytes)) {
    const key = entryKey(keys, pos, pos + n);
    const bytes = encodeEntry(pos, jsons.slice(pos - first, pos - first + n));
    ops.push({ type: "put", key, value: bytes });
    cached.push({ key, first: pos, end: pos + n, bytes });
    pos += n;
  }
  ops.push({ type: "put", key: keys.head, value: encodeJson({ v: 1, next: end }) });
  return { ops, cached, end, firsts, keyed };
}
