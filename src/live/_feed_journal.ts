// The stored replay window of a LiveJob's result feed, in the job's checkpoint store:
//   feed/<job>/<seq>   results seq, seq+1, ... published together, as
//                      `weir-feed 1 <fnv-1a of the JSON, 8 hex digits>\n{"at":A,"items":[[id, result], ...]}`
// (<job> percent-encoded, <seq> zero-padded so that key order is numeric order; entries of at most
// ~60 KiB, so one publish of many results spans several).
//
// Written ahead: the job stores each step's new results before the feed shows them and before it
// reads on, so every result a checkpoint covers, and every id a client was ever sent, is stored. After
// a restart the feed starts from the stored window with the same numbers, and the results the job
// computes again (those since its checkpoint) carry ids the feed holds, so it drops them: each result
// once, in one order, across restarts and crashes. Entries wholly outside the retention (count, age)
// are deleted as new ones come.
import type { StateStore, StateStoreOp } from "../state/mod.ts";
import type { Clock } from "../time/clock.ts";
import type { WindowResult } from "../window/types.ts";
import { decodeValue, encodeValue } from "./_feed_codec.ts";
import { resultJson } from "./_result_json.ts";
import type { FeedItem } from "./result_feed.ts";

/** How much of the feed is kept: the newest `capacity` results, none older than `maxAge` ms. */
export interface FeedRetention {
  readonly capacity: number;
  readonly maxAge: number;
  readonly clock: Clock;
}

interface Entry {
  readonly key: string;
  readonly seq: number;
  readonly count: number;
  readonly at: number;
}

const MAGIC = "weir-feed 1 ";
const SEQ_DIGITS = 12;
const ENTRY_BYTES = 60 * 1024;
const READ_AHEAD = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Deletes and puts in batches within the store's limits (ordered: a crash between them loses nothing). */
async function apply(store: StateStore, ops: readonly StateStoreOp[]): Promise<void> {
  const { maxBatchOps, maxBatchKeyBytes } = store.limits;
  let batch: StateStoreOp[] = [];
  let keyBytes = 0;
  for (const op of ops) {
    const bytes = encoder.encode(op.key).length;
    if (batch.length > 0 && (batch.length + 1 > maxBatchOps || keyBytes + bytes > maxBatchKeyBytes)) {
      await store.batch(batch);
      batch = [];
      keyBytes = 0;
    }
    batch.push(op);
    keyBytes += bytes;
  }
  if (batch.length > 0) await store.batch(batch);
}

export class FeedJournal {
  readonly #store: StateStore;
  readonly #prefix: string;
  readonly #retention: FeedRetention;
  /** Stored entries, oldest first. */
  #entries: Entry[] = [];

  private constructor(store: StateStore, job: string, retention: FeedRetention) {
    this.#store = store;
    this.#prefix = `feed/${encodeURIComponent(job)}/`;
    this.#retention = retention;
  }

  /**
   * Opens the stored window of job `job` and returns what of it is within `retention` (deleting the
   * rest), or deletes all of it when `discard` is true (the job starts from scratch). A damaged entry,
   * or a missing one, drops every result before it, with a warning: the window restarts after it.
   */
  static async open(
    store: StateStore,
    job: string,
    retention: FeedRetention,
    discard: boolean,
  ): Promise<{ journal: FeedJournal; items: FeedItem[] }> {
    const journal = new FeedJournal(store, job, retention);
    const keys = await store.list(journal.#prefix);
    if (discard) {
      await apply(store, keys.map((key) => ({ type: "delete", key })));
      return { journal, items: [] };
    }
    let items: FeedItem[] = [];
    let entries: Entry[] = [];
    const drop = new Set<string>();
    const restart = (why: string, key: string, damaged: boolean) => {
      console.warn(
        `weir: dropping the stored results of job ${JSON.stringify(job)} ${
          damaged ? "up to" : "before"
        } ${key} (${why}): ` +
          `a client that resumes from an id before it gets a gap event`,
      );
      for (const e of entries) drop.add(e.key);
      if (damaged) drop.add(key);
      items = [];
      entries = [];
    };
    for (let i = 0; i < keys.length; i += READ_AHEAD) {
      const chunk = keys.slice(i, i + READ_AHEAD);
      const values = await Promise.all(chunk.map((k) => store.get(k)));
      chunk.forEach((key, j) => {
        const seq = Number(key.slice(journal.#prefix.length));
        const decoded = Number.isSafeInteger(seq) ? journal.#decode(seq, values[j]) : "a foreign key";
        if (typeof decoded === "string") return restart(decoded, key, true);
        const expected = items.length === 0 ? seq : items.at(-1)!.seq + 1;
        if (seq !== expected) restart(`results ${expected} to ${seq - 1} are missing`, key, false);
        entries.push({ key, seq, count: decoded.length, at: decoded[0]!.at });
        for (const item of decoded) items.push(item);
      });
    }
    journal.#entries = entries;
    const keep = journal.#keepFrom(items.at(-1)?.seq ?? 0, items);
    for (const e of journal.#stale(keep)) drop.add(e.key);
    await apply(store, [...drop].map((key) => ({ type: "delete", key })));
    return { journal, items: items.filter((item) => item.seq >= keep) };
  }

  /** Stores `items` (consecutive, from `prepare`), and deletes the entries that fell out of retention. */
  async append(items: readonly FeedItem[]): Promise<void> {
    const ops: StateStoreOp[] = [];
    for (let i = 0; i < items.length;) {
      const first = items[i]!;
      const parts: string[] = [];
      let bytes = 0;
      for (; i < items.length && (parts.length === 0 || bytes < ENTRY_BYTES); i++) {
        const item = items[i]!;
        const part = JSON.stringify([item.id, encodeValue(item.result)]);
        parts.push(part);
        bytes += part.length;
      }
      const json = `{"at":${first.at},"items":[${parts.join(",")}]}`;
      const key = this.#prefix + String(first.seq).padStart(SEQ_DIGITS, "0");
      ops.push({ type: "put", key, value: encoder.encode(MAGIC + fnv1a(json) + "\n" + json) });
      this.#entries.push({ key, seq: first.seq, count: parts.length, at: first.at });
    }
    const last = items.at(-1);
    if (last !== undefined) {
      for (const e of this.#stale(this.#keepFrom(last.seq, null))) ops.push({ type: "delete", key: e.key });
    }
    await apply(this.#store, ops);
  }

  /** The oldest sequence number within retention when `newest` is the newest. */
  #keepFrom(newest: number, items: readonly FeedItem[] | null): number {
    const { capacity, maxAge, clock } = this.#retention;
    let keep = newest + 1 - capacity;
    if (maxAge !== Infinity) {
      const before = clock.now() - maxAge;
      if (items !== null) {
        for (const item of items) if (item.at <= before) keep = Math.max(keep, item.seq + 1);
      } else {
        for (const e of this.#entries) if (e.at <= before) keep = Math.max(keep, e.seq + e.count);
      }
    }
    return keep;
  }

  /** Removes and returns the entries whose every result is below `keep`. */
  #stale(keep: number): Entry[] {
    let n = 0;
    while (n < this.#entries.length && this.#entries[n]!.seq + this.#entries[n]!.count <= keep) n++;
    return this.#entries.splice(0, n);
  }

  /** The items of entry `key`, or why it cannot be read. */
  #decode(seq: number, value: Uint8Array | undefined): FeedItem[] | string {
    if (value === undefined) return "it was deleted while being read";
    let text: string;
    try {
      text = decoder.decode(value);
    } catch {
      return "it is not UTF-8";
    }
    const newline = text.indexOf("\n");
    const json = text.slice(newline + 1);
    if (!text.startsWith(MAGIC) || newline !== MAGIC.length + 8 || text.slice(MAGIC.length, newline) !== fnv1a(json)) {
      return "its header or checksum does not match";
    }
    try {
      const { at, items } = JSON.parse(json) as { at: number; items: [string, unknown][] };
      if (typeof at !== "number" || !Array.isArray(items) || items.length === 0) return "it holds no results";
      return items.map(([id, encoded], i) => {
        const result = decodeValue(encoded as never) as WindowResult;
        return { seq: seq + i, at, id, result, data: resultJson(result) };
      });
    } catch (e) {
      return `it does not decode: ${(e as Error).message}`;
    }
  }
}
