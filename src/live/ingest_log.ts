import { WeirError } from "../errors.ts";
import type { Source, SourceEvent } from "../pipeline/source.ts";
import type { StateStore } from "../state/mod.ts";
import { checkOptionNames } from "../option_names.ts";
import {
  checkFingerprint,
  checkIdempotencyKey,
  IdempotencyKeys,
  MAX_IDEMPOTENCY_KEY_LENGTH,
} from "./_idempotency_keys.ts";
import { IdempotencyConflictError } from "./idempotency_conflict_error.ts";
import { checkFits, encodeEvents, planGroup, type QueuedAppend, takeGroup } from "./_log_batch.ts";
import { LogCache } from "./_log_cache.ts";
import {
  decodeEntry,
  decodeJson,
  entryRange,
  type LogKeys,
  logKeys,
  packEntries,
  resolveLogOptions,
} from "./_log_format.ts";
import { type LogAccess, LogReader } from "./_log_reader.ts";
import { readStoredAt, truncateBelow } from "./_log_store.ts";
import type { AppendLog, AppendOptions, AppendResult } from "./append_log.ts";

/** Options of {@linkcode IngestLog.open}. */
export interface IngestLogOptions {
  /** Name of the log; its data lives under `ingest/<name>/` in the store. Default `"events"`. */
  name?: string;
  /** Largest entry, in bytes of JSON, that a batch is split into (default 32 KiB; a larger single event gets its own entry). */
  maxEntryBytes?: number;
  /** How many idempotency keys are remembered (default 10 000); the oldest are forgotten first. */
  maxIdempotencyKeys?: number;
  /** How many recently appended events stay in memory for readers that follow the log live (default 100 000). */
  maxCachedEvents?: number;
}

/**
 * A durable, append-only log of JSON events in a {@linkcode StateStore}, and a replayable weir
 * `Source` over it: the ingestion log behind the HTTP endpoint (an {@linkcode AppendLog}).
 *
 * - `append` writes a whole batch in one atomic store batch (split into entries of at most
 *   `maxEntryBytes`) and resolves with its offsets only once that write is durable. Appends made while
 *   a write is in flight are written together next (group commit), in call order.
 * - `open({ offset })` replays the events from `offset`, then follows new appends as they become
 *   durable (woken by the append, never by polling). Each chunk is one entry, and its `offset` is where
 *   the next chunk starts.
 * - `commit(offset)`, called by weir once a checkpoint covering `offset` is durable, deletes the entries
 *   below it.
 * - Idempotency keys are remembered (the newest `maxIdempotencyKeys`), persisted with their batch.
 * - `pending` counts events appended but not yet read by any reader: the HTTP layer refuses new
 *   batches (429) beyond a bound, so memory and lag stay bounded.
 *
 * Events are stored as JSON: a reader gets `JSON.parse` copies (keys such as `__proto__` stay plain
 * data), never the objects passed to `append`. The log is live, so its end does not fire open
 * windows (`flushOnEnd` is false). One `IngestLog` object must be the only writer of its name in a store.
 *
 * @example Appending a batch, and retrying it
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MemoryStateStore } from "weirjs";
 * import { IngestLog } from "weirjs/live";
 *
 * const log = await IngestLog.open<{ page: string; ts: number }>(new MemoryStateStore(), { name: "clicks" });
 * const batch = [{ page: "/", ts: 1_000 }, { page: "/a", ts: 1_500 }];
 * assertEquals(await log.append(batch, { idempotencyKey: "b1" }), { first: 0, last: 1, count: 2, duplicate: false });
 * assertEquals(await log.append(batch, { idempotencyKey: "b1" }), { first: 0, last: 1, count: 2, duplicate: true });
 * assertEquals(log.next, 2); // the retry appended nothing
 * ```
 */
export class IngestLog<T = unknown> implements Source<T>, AppendLog<T> {
  /** Longest idempotency key `append` accepts, in UTF-16 code units (a UUID is 36). */
  static readonly maxIdempotencyKeyLength: number = MAX_IDEMPOTENCY_KEY_LENGTH;
  /** Marks a weir source. */
  readonly kind = "source" as const;
  readonly replayable = true;
  readonly flushOnEnd = false;
  /** The log's name (its data lives under `ingest/<name>/`). */
  readonly name: string;
  readonly #store: StateStore;
  readonly #keys: LogKeys;
  readonly #maxEntryBytes: number;
  readonly #idem: IdempotencyKeys;
  readonly #cache: LogCache;
  #next: number;
  #start: number;
  #committed: number;
  #consumed: number;
  #lastCommitAt: number | undefined;
  #queue: QueuedAppend[] = [];
  #queuedEvents = 0;
  #drain: Promise<void> | null = null;
  readonly #inflight = new Map<string, { done: Promise<AppendResult>; fingerprint: string | undefined }>();
  readonly #readers = new Set<LogReader<unknown>>();
  #changed!: () => void;
  #changedPromise!: Promise<void>;
  #truncation: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    store: StateStore,
    name: string,
    keys: LogKeys,
    idem: IdempotencyKeys,
    o: Required<IngestLogOptions>,
    next: number,
    start: number,
  ) {
    this.#store = store;
    this.name = name;
    this.#keys = keys;
    this.#idem = idem;
    this.#maxEntryBytes = o.maxEntryBytes;
    this.#cache = new LogCache(o.maxCachedEvents);
    this.#next = next;
    this.#start = start;
    this.#committed = start;
    this.#consumed = start;
    this.#renewChanged();
  }

  /** Opens (or creates) the log `name` in `store`. */
  static async open<T = unknown>(store: StateStore, options: IngestLogOptions = {}): Promise<IngestLog<T>> {
    if (typeof store?.batch !== "function") {
      throw new TypeError(`Cannot open ingestion log as store is not a StateStore: current value is ${String(store)}`);
    }
    const o = resolveLogOptions(options);
    const keys = logKeys(o.name);
    const head = await store.get(keys.head);
    const next = head === undefined ? 0 : (decodeJson(keys.head, head) as { next: number }).next;
    const [firstEntry] = await store.list(keys.entries, { limit: 1 });
    const start = firstEntry === undefined ? next : entryRange(keys, firstEntry).first;
    const idem = await IdempotencyKeys.load(store, keys, o.maxIdempotencyKeys);
    return new IngestLog<T>(store, o.name, keys, idem, o, next, start);
  }

  /** The offset the next appended event gets. */
  get next(): number {
    return this.#next;
  }

  /** The first offset still stored (everything below was truncated by a checkpoint). */
  get start(): number {
    return this.#start;
  }

  /** The largest offset a durable checkpoint has covered (`commit`), or `start`. */
  get committed(): number {
    return this.#committed;
  }

  /** When `commit` was last called (epoch ms), if ever since `open`. */
  get lastCommitAt(): number | undefined {
    return this.#lastCommitAt;
  }

  /** Events accepted by `append` (durable or being written) that no reader has read yet. */
  get pending(): number {
    return this.#next + this.#queuedEvents - Math.max(this.#consumed, this.#committed);
  }

  /** Readers currently open. */
  get readers(): number {
    return this.#readers.size;
  }

  /** The offsets a remembered idempotency key got, if it is known. */
  lookup(idempotencyKey: string): AppendResult | undefined {
    const r = this.#idem.get(idempotencyKey);
    return r === undefined
      ? undefined
      : { first: r.first, last: r.first + r.count - 1, count: r.count, duplicate: true };
  }

  /**
   * Appends `events` atomically and resolves with their offsets once durable. Rejects with
   * `TypeError` for an event that is not JSON, `RangeError` for an empty batch or one too large for one
   * atomic store batch, `IdempotencyConflictError` when the key was used for a batch of another size
   * or fingerprint,
   * and the store's `StateStoreError` when the write fails (then nothing was appended).
   */
  async append(events: readonly T[], options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkOpen("append to");
    checkOptionNames(`append to ingestion log "${this.name}"`, options, ["idempotencyKey", "fingerprint"]);
    if (!Array.isArray(events) || events.length === 0) {
      throw new RangeError(
        `Cannot append to ingestion log "${this.name}" as the batch must be a non-empty array: it has ${
          Array.isArray(events) ? 0 : "no"
        } events`,
      );
    }
    const { idempotencyKey: key, fingerprint } = options;
    checkFingerprint(fingerprint);
    if (key !== undefined) {
      checkIdempotencyKey(key);
      // No await unless there is something to wait for: the enqueue below must stay in this same tick,
      // or a concurrent append with the same key would not see this one in flight.
      const stored = this.#idem.get(key);
      if (stored !== undefined) return this.#replay(key, stored, events.length, fingerprint);
      const inflight = this.#inflight.get(key);
      if (inflight !== undefined) {
        const r = await inflight.done;
        return this.#replay(
          key,
          { first: r.first, count: r.count, fingerprint: inflight.fingerprint },
          events.length,
          fingerprint,
        );
      }
    }
    const { jsons, sizes, bytes } = encodeEvents(events);
    const entries = packEntries(sizes, this.#maxEntryBytes).length;
    checkFits(this.#keys, this.#store.limits, { entries, key, bytes, jsons });
    const done = new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ jsons, sizes, bytes, entries, key, fingerprint, resolve, reject });
    });
    this.#queuedEvents += events.length;
    if (key !== undefined) {
      this.#inflight.set(key, { done, fingerprint });
      const forget = () => void this.#inflight.delete(key);
      done.then(forget, forget);
    }
    this.#drain ??= this.#writeQueued();
    return done;
  }

  /**
   * Reads the log from `offset` (default: its start), then follows new appends until the reader is
   * returned, `signal` aborts, or the log closes.
   */
  open(
    options: { offset?: unknown; signal?: AbortSignal } = {},
  ): AsyncIterator<SourceEvent<T>> & { return(): Promise<IteratorResult<SourceEvent<T>>> } {
    this.#checkOpen("read");
    checkOptionNames(`read ingestion log "${this.name}"`, options, ["offset", "signal"]);
    const o = options.offset;
    let pos = this.#start;
    if (o !== undefined) {
      if (typeof o !== "number" || !Number.isSafeInteger(o) || o < 0) {
        throw new TypeError(
          `Cannot read ingestion log "${this.name}" from offset ${String(o)}: offsets are integers >= 0`,
        );
      }
      if (o > this.#next) {
        throw new RangeError(`Cannot read ingestion log "${this.name}" from offset ${o}: it ends at ${this.#next}`);
      }
      if (o < this.#start) {
        throw new RangeError(
          `Cannot read ingestion log "${this.name}" from offset ${o}: it was truncated up to ${this.#start}`,
        );
      }
      pos = o;
    }
    const reader = new LogReader<T>(this.#access, pos, options.signal);
    this.#readers.add(reader as LogReader<unknown>);
    return reader;
  }

  /** Deletes the entries that lie wholly below `offset`: a durable checkpoint covers them. */
  commit(offset: unknown): Promise<void> {
    if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
      return Promise.reject(
        new TypeError(
          `Cannot commit ingestion log "${this.name}" at offset ${String(offset)}: offsets are integers >= 0`,
        ),
      );
    }
    if (offset > this.#next) {
      return Promise.reject(
        new RangeError(`Cannot commit ingestion log "${this.name}" at offset ${offset}: it ends at ${this.#next}`),
      );
    }
    this.#lastCommitAt = Date.now();
    if (offset <= this.#committed) return this.#truncation;
    this.#committed = offset;
    this.#trimCache();
    this.#truncation = this.#truncation.catch(() => {}).then(() => this.#truncate(offset));
    return this.#truncation;
  }

  /** Ends every reader and waits for queued appends and truncations; the store stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#changed();
    await this.#drain;
    await this.#truncation.catch(() => {});
  }

  readonly #access: LogAccess = {
    end: () => this.#next,
    closed: () => this.#closed,
    readAt: (pos) => this.#readAt(pos),
    changed: () => this.#changedPromise,
    advanced: (reader) => {
      if (reader.position > this.#consumed) this.#consumed = reader.position;
      this.#trimCache();
    },
    detach: (reader) => {
      this.#readers.delete(reader);
      this.#trimCache();
    },
  };

  #checkOpen(what: string): void {
    if (this.#closed) throw new WeirError(`Cannot ${what} ingestion log "${this.name}": it is closed`);
  }

  #replay(
    key: string,
    r: { first: number; count: number; fingerprint?: string | undefined },
    n: number,
    fingerprint: string | undefined,
  ): AppendResult {
    const differs = r.count !== n ||
      (r.fingerprint !== undefined && fingerprint !== undefined && r.fingerprint !== fingerprint);
    if (differs) {
      throw new IdempotencyConflictError(
        `Idempotency key ${JSON.stringify(key)} was used for a different batch (${r.count} events${
          r.fingerprint === undefined ? "" : `, fingerprint ${r.fingerprint.slice(0, 12)}…`
        }); this batch has ${n} events${fingerprint === undefined ? "" : `, fingerprint ${fingerprint.slice(0, 12)}…`}`,
      );
    }
    return { first: r.first, last: r.first + r.count - 1, count: r.count, duplicate: true };
  }

  #renewChanged(): void {
    this.#changedPromise = new Promise<void>((resolve) => {
      this.#changed = resolve;
    });
  }

  #notify(): void {
    const wake = this.#changed;
    this.#renewChanged();
    wake();
  }

  #trimCache(): void {
    let low = Math.max(this.#consumed, this.#committed);
    for (const r of this.#readers) if (r.position < low) low = r.position;
    this.#cache.trimBelow(low);
  }

  async #writeQueued(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#writeGroup(takeGroup(this.#queue, this.#keys, this.#store.limits));
    } finally {
      this.#drain = null;
    }
  }

  async #writeGroup(group: QueuedAppend[]): Promise<void> {
    const plan = planGroup(this.#keys, this.#next, group, this.#maxEntryBytes);
    const remember = this.#idem.plan(plan.keyed);
    const n = plan.end - this.#next;
    try {
      await this.#store.batch([...plan.ops, ...remember.ops]);
    } catch (error) {
      this.#queuedEvents -= n;
      for (const a of group) a.reject(error);
      return;
    }
    remember.apply();
    this.#next = plan.end;
    this.#queuedEvents -= n;
    for (const c of plan.cached) this.#cache.add(c);
    group.forEach((a, i) => {
      const first = plan.firsts[i]!;
      a.resolve({ first, last: first + a.jsons.length - 1, count: a.jsons.length, duplicate: false });
    });
    this.#notify();
  }

  #readAt(pos: number): Promise<{ values: unknown[]; end: number }> {
    const c = this.#cache.find(pos);
    if (c === undefined) return readStoredAt(this.#store, this.#keys, pos, this.name);
    const events = decodeEntry(c.key, c.bytes, c.first, c.end);
    return Promise.resolve({ values: pos === c.first ? events : events.slice(pos - c.first), end: c.end });
  }

  async #truncate(offset: number): Promise<void> {
    const start = await truncateBelow(this.#store, this.#keys, offset);
    if (start > this.#start) this.#start = start;
  }
}
