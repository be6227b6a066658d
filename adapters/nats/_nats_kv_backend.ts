// The engine of NatsKvStateStore (see its doc comment for the protocol and _nats_kv_layout.ts for the
// entries): claim, redo and clean-up at open; reads through the batch being applied; writes as a redo log
// committed by one compare-and-set of the head, then applied by compare-and-set of each header.
import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import {
  DamagedValueError,
  SortedKeys,
  type StateKeyRange,
  type StateStoreBackend,
  StateStoreError,
  UNLIMITED_BATCH,
} from "../../src/state/mod.ts";
import { FencedError } from "./fenced_error.ts";
import {
  blobFilter,
  type BlobRef,
  chunkKey,
  dataKey,
  decodeHead,
  decodeHeader,
  decodeLog,
  encodeBlobHeader,
  encodeHead,
  encodeInline,
  encodeLog,
  HEAD,
  type HeadMeta,
  keyToken,
  logFilter,
  logKey,
  type LogMutation,
  randomId,
  tokenKey,
} from "./_nats_kv_layout.ts";
import { blobOf, concat, inParallel, isTransient, isWrongRevision, sameAs } from "./_nats_kv_io.ts";

/** Values up to this size live in their header (and in the batch log); larger ones are written once, in chunks. */
const INLINE_LIMIT = 8 * 1024;
const CLAIM_ATTEMPTS = 10;

interface Known {
  /** Revision of the key's last message (0: the key never existed or its history was purged). */
  revision: number;
  /** The blob the key's header names, if any. */
  blob: BlobRef | undefined;
}

export class NatsKvBackend implements StateStoreBackend {
  readonly name: string;
  readonly limits = UNLIMITED_BATCH;
  readonly queueWrites = true;
  readonly owner: string;
  readonly #kv: KV;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #subjects: string;
  readonly #prefix: string;
  readonly #maxEntry: number;
  readonly #retryMs: number;
  readonly #inlineLimit: number;
  readonly #keys = new Set<string>();
  #sorted = new SortedKeys();
  /** What this object knows of header entries it read or wrote, by NATS key (without the prefix). */
  readonly #known = new Map<string, Known>();
  /** Headers of the batch being applied (committed, not yet all written), by state key. */
  #overlay: Map<string, Uint8Array | undefined> | undefined;
  #head!: HeadMeta;
  #headRevision = 0;
  #refusal: StateStoreError | undefined;

  constructor(
    kv: KV,
    jsm: JetStreamManager,
    stream: string,
    bucket: string,
    prefix: string,
    owner: string,
    maxEntry: number,
    retryMs: number,
  ) {
    this.#retryMs = retryMs;
    this.#kv = kv;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#subjects = `$KV.${bucket}.${prefix}.`;
    this.#prefix = `${prefix}.`;
    this.owner = owner;
    this.#maxEntry = maxEntry;
    this.#inlineLimit = Math.min(INLINE_LIMIT, maxEntry - 1);
    this.name = `NATS KV state store ${bucket}/${prefix}`;
  }

  checkUsable(): void {
    if (this.#refusal !== undefined) throw this.#refusal;
  }

  // ---- open: claim, redo, index, purge ---------------------------------------------------------------

  async claim(): Promise<void> {
    try {
      for (let attempt = 0;; attempt++) {
        const entry = await this.#get(this.#prefix + HEAD);
        let log: Uint8Array = new Uint8Array(0);
        let meta: HeadMeta = { v: 1, owner: this.owner, gen: 0, batch: null, parts: 0 };
        if (entry !== null && entry.operation === "PUT") {
          let previous: { meta: HeadMeta; log: Uint8Array };
          try {
            previous = decodeHead(entry.value);
          } catch (cause) {
            throw new StateStoreError(`Cannot open the ${this.name} as its head entry is damaged`, { cause });
          }
          log = previous.log;
          meta = { ...previous.meta, owner: this.owner };
        }
        try {
          this.#headRevision = await this.#put(this.#prefix + HEAD, encodeHead(meta, log), entry?.revision ?? 0);
          this.#head = meta;
          break;
        } catch (e) {
          // Another object claimed (or committed) between our read and write: read again.
          if (!isWrongRevision(e) || attempt >= CLAIM_ATTEMPTS) throw e;
        }
      }
      await this.#redo();
      await this.#index();
    } catch (cause) {
      if (cause instanceof StateStoreError) throw cause;
      throw new StateStoreError(`Cannot open the ${this.name}`, { cause });
    }
  }

  /** Writes the headers of the last committed batch again (it may have been cut short by a crash). */
  async #redo(): Promise<void> {
    const { batch, parts } = this.#head;
    if (batch === null) return;
    let log: Uint8Array;
    if (parts === 0) log = decodeHead((await this.#get(this.#prefix + HEAD))!.value).log;
    else {
      const entries = await inParallel(
        Array.from({ length: parts }, (_, i) => i),
        (i) => this.#get(this.#prefix + logKey(batch, i)),
      );
      if (entries.some((e) => e === null || e.operation !== "PUT")) {
        throw new StateStoreError(`Cannot open the ${this.name} as the log of its last batch ${batch} is incomplete`);
      }
      log = concat(entries.map((e) => e!.value));
    }
    const mutations = decodeLog(log);
    await inParallel(mutations, async (m) => {
      const current = await this.#get(this.#prefix + m.key);
      if (sameAs(current, m.value)) this.#remember(m.key, current, m.value);
      else {
        this.#known.set(m.key, { revision: current?.revision ?? 0, blob: blobOf(current) });
        await this.#writeHeader(m);
      }
    });
  }

  /** Loads the key index and purges chunks and logs that no header or head names. */
  async #index(): Promise<void> {
    const chunks = new Map<string, Set<string>>();
    const logs = new Set<string>();
    const keys: string[] = [];
    const listed = await this.#retry(async () => {
      const all: string[] = [];
      for await (const key of await this.#kv.keys(this.#prefix + ">")) all.push(key);
      return all;
    });
    for (const full of listed) {
      const parts = full.slice(this.#prefix.length).split(".");
      if (parts[0] === "d" && parts.length === 2) keys.push(tokenKey(parts[1]!));
      else if (parts[0] === "c" && parts.length === 4) {
        const ids = chunks.get(parts[1]!) ?? new Set<string>();
        ids.add(parts[2]!);
        chunks.set(parts[1]!, ids);
      } else if (parts[0] === "l" && parts.length === 3) logs.add(parts[1]!);
    }
    for (const key of keys) this.#keys.add(key);
    this.#sorted = new SortedKeys(keys);
    const purges: string[] = [];
    for (const batch of logs) if (batch !== this.#head.batch) purges.push(logFilter(batch));
    await inParallel([...chunks], async ([token, ids]) => {
      const key = dataKey(token);
      let known = this.#known.get(key);
      if (known === undefined) {
        const current = await this.#get(this.#prefix + key);
        known = { revision: current?.revision ?? 0, blob: blobOf(current) };
        this.#known.set(key, known);
      }
      for (const id of ids) if (id !== known.blob?.id) purges.push(blobFilter(token, id));
    });
    await inParallel(purges, (filter) => this.#purge(filter));
  }

  // ---- reads -----------------------------------------------------------------------------------------

  async get(key: string): Promise<Uint8Array | undefined> {
    const token = keyToken(key);
    let lastBlob: string | undefined;
    for (;;) {
      let bytes: Uint8Array | undefined;
      if (this.#overlay?.has(key)) bytes = this.#overlay.get(key);
      else {
        const entry = await this.#read(key, () => this.#get(this.#prefix + dataKey(token)));
        bytes = entry?.operation === "PUT" ? entry.value : undefined;
      }
      if (bytes === undefined) return undefined;
      let header;
      try {
        header = decodeHeader(bytes);
      } catch (cause) {
        throw new DamagedValueError(
          key,
          `Cannot get ${JSON.stringify(key)} from the ${this.name} as its header is damaged`,
          {
            cause,
          },
        );
      }
      if ("inline" in header) return header.inline.slice();
      const blob = header.blob;
      const chunks = await this.#read(
        key,
        () =>
          inParallel(
            Array.from({ length: blob.n }, (_, i) => i),
            (i) => this.#get(this.#prefix + chunkKey(token, blob.id, i)),
          ),
      );
      const values = chunks.map((c) => (c?.operation === "PUT" ? c.value : undefined));
      const size = values.reduce((sum, v) => sum + (v?.length ?? 0), 0);
      if (values.every((v) => v !== undefined) && size === blob.size) return concat(values as Uint8Array[]);
      // A concurrent batch may have replaced the value and purged its chunks: only a header that still
      // names the same incomplete blob is damage.
      if (lastBlob === blob.id) {
        throw new DamagedValueError(
          key,
          `Cannot get ${JSON.stringify(key)} from the ${this.name} as its value is incomplete: ` +
            `${
              values.filter((v) => v !== undefined).length
            } of ${blob.n} chunks (${size} of ${blob.size} bytes) were found`,
        );
      }
      lastBlob = blob.id;
    }
  }

  list(range: StateKeyRange): Promise<string[]> {
    return Promise.resolve(this.#sorted.list(range));
  }

  // ---- writes ----------------------------------------------------------------------------------------

  async write(effect: Map<string, Uint8Array | undefined>, action: string): Promise<void> {
    this.checkUsable();
    const what = `${action === "apply batch" ? `apply batch of ${effect.size} ops` : action}`;
    const batch = randomId();
    const mutations: LogMutation[] = [];
    const chunkWrites: Array<[string, Uint8Array]> = [];
    const headers = new Map<string, Uint8Array | undefined>();
    for (const [key, value] of effect) {
      const token = keyToken(key);
      if (value === undefined) {
        if (!this.#keys.has(key)) continue;
        mutations.push({ key: dataKey(token), value: undefined });
        headers.set(key, undefined);
      } else if (value.length <= this.#inlineLimit) {
        const header = encodeInline(value);
        mutations.push({ key: dataKey(token), value: header });
        headers.set(key, header);
      } else {
        const blob = { id: randomId(), n: Math.ceil(value.length / this.#maxEntry), size: value.length };
        for (let i = 0; i < blob.n; i++) {
          chunkWrites.push([chunkKey(token, blob.id, i), value.subarray(i * this.#maxEntry, (i + 1) * this.#maxEntry)]);
        }
        const header = encodeBlobHeader(blob);
        mutations.push({ key: dataKey(token), value: header });
        headers.set(key, header);
      }
    }
    if (mutations.length === 0) return;

    // 1. Before the commit: the revisions the header writes will expect (read now, so that a write made
    // after another object's claim fails), the chunks, and the log when it does not fit the head.
    const log = encodeLog(mutations);
    const parts = log.length + 1024 <= this.#maxEntry ? 0 : Math.ceil(log.length / this.#maxEntry);
    const meta: HeadMeta = { v: 1, owner: this.owner, gen: this.#head.gen + 1, batch, parts };
    await this.#io(what, async () => {
      await inParallel(mutations.filter((m) => !this.#known.has(m.key)), async (m) => {
        const current = await this.#get(this.#prefix + m.key);
        this.#known.set(m.key, { revision: current?.revision ?? 0, blob: blobOf(current) });
      });
      const writes = [...chunkWrites];
      for (let i = 0; i < parts; i++) {
        writes.push([logKey(batch, i), log.subarray(i * this.#maxEntry, (i + 1) * this.#maxEntry)]);
      }
      await inParallel(writes, ([key, value]) => this.#put(this.#prefix + key, value));
    });

    // 2. The commit: compare-and-set of the head on the revision this object last wrote.
    const previous = this.#head;
    await this.#commitHead(meta, parts === 0 ? log : new Uint8Array(0), what, chunkWrites, batch);
    for (const [key, header] of headers) {
      if (header === undefined) {
        if (this.#keys.delete(key)) this.#sorted.remove(key);
      } else if (!this.#keys.has(key)) {
        this.#keys.add(key);
        this.#sorted.insert(key);
      }
    }
    this.#overlay = headers;

    // 3. Apply: the headers, then the garbage (replaced chunks, the previous batch's log).
    try {
      const replaced: string[] = [];
      await inParallel(mutations, async (m) => {
        const old = this.#known.get(m.key)?.blob;
        await this.#writeHeader(m);
        if (old !== undefined && old.id !== this.#known.get(m.key)?.blob?.id) {
          replaced.push(blobFilter(m.key.slice(2), old.id));
        }
      });
      this.#overlay = undefined;
      if (previous.batch !== null && previous.parts > 0) replaced.push(logFilter(previous.batch));
      // Garbage only: a failure here is cleaned up by the next open.
      await inParallel(replaced, (filter) => this.#purge(filter)).catch(() => undefined);
    } catch (cause) {
      this.#overlay = undefined;
      if (cause instanceof FencedError) {
        this.#refusal = cause;
        throw cause;
      }
      this.#refusal = new StateStoreError(
        `Cannot ${what} completely: it is committed but not all of it is written; ` +
          `reopen the store, which completes it`,
        { cause },
      );
      throw this.#refusal;
    }
  }

  async #commitHead(
    meta: HeadMeta,
    log: Uint8Array,
    what: string,
    garbage: ReadonlyArray<[string, Uint8Array]>,
    batch: string,
  ): Promise<void> {
    const discard = async () => {
      const filters = new Set(garbage.map(([key]) => key.slice(0, key.lastIndexOf(".")) + ".>"));
      if (meta.parts > 0) filters.add(logFilter(batch));
      await inParallel([...filters], (f) => this.#purge(f)).catch(() => undefined);
    };
    try {
      this.#headRevision = await this.#put(this.#prefix + HEAD, encodeHead(meta, log), this.#headRevision);
      this.#head = meta;
      return;
    } catch (cause) {
      // The write may have been applied before the failure (a lost acknowledgement, then a retry refused
      // as the revision had moved on): the head tells.
      let entry: KvEntry | null;
      try {
        entry = await this.#get(this.#prefix + HEAD);
      } catch (readError) {
        this.#refusal = new StateStoreError(
          `Cannot tell whether the batch was committed (${what}): reopen the store, which completes or discards it`,
          { cause: new AggregateError([cause, readError]) },
        );
        throw this.#refusal;
      }
      const current = entry?.operation === "PUT" ? decodeHead(entry.value).meta : undefined;
      if (current?.batch === meta.batch) {
        if (current.owner === this.owner) {
          this.#headRevision = entry!.revision;
          this.#head = meta;
          return;
        }
        // Committed, then claimed by another object, whose open redoes this batch: keep its chunks and log.
        throw await this.#fenced(what, cause, true);
      }
      await discard();
      if (isWrongRevision(cause) || current?.owner !== this.owner) throw await this.#fenced(what, cause);
      throw new StateStoreError(`Cannot ${what}: nothing was applied`, { cause });
    }
  }

  async verifyOwnership(): Promise<void> {
    let entry: KvEntry | null;
    try {
      entry = await this.#get(this.#prefix + HEAD);
    } catch (cause) {
      throw new StateStoreError(`Cannot verify the ownership of the ${this.name}`, { cause });
    }
    const owner = entry?.operation === "PUT" ? decodeHead(entry.value).meta.owner : undefined;
    if (owner !== this.owner) throw await this.#fenced("verify ownership", undefined);
  }

  async #fenced(what: string, cause: unknown, committed = false): Promise<FencedError> {
    let claimedBy: string | undefined;
    try {
      const entry = await this.#get(this.#prefix + HEAD);
      if (entry?.operation === "PUT") claimedBy = decodeHead(entry.value).meta.owner;
    } catch {
      // The claimant stays unknown.
    }
    this.#refusal = new FencedError(
      this.owner,
      claimedBy,
      `Cannot ${what} as ${this.owner} no longer owns the ${this.name}: ${
        claimedBy === undefined ? "another store" : claimedBy
      } claimed it since; ${
        committed ? "the batch was committed before, and the claimant completes it" : "nothing was applied"
      } and this store refuses further calls`,
      { cause },
    );
    return this.#refusal as FencedError;
  }

  /** Writes one header by compare-and-set on the revision this object knows. */
  async #writeHeader(m: LogMutation): Promise<void> {
    const known = this.#known.get(m.key)!;
    const subject = this.#prefix + m.key;
    try {
      if (m.value === undefined) {
        if (known.revision === 0) return;
        await this.#delete(subject, known.revision);
        // A delete's revision is not returned; the next write of the key reads it again.
        this.#known.delete(m.key);
      } else {
        const revision = await this.#put(subject, m.value, known.revision);
        this.#remember(m.key, { revision } as KvEntry, m.value);
      }
    } catch (cause) {
      if (!isWrongRevision(cause)) throw cause;
      // Someone else wrote the key since we read it: harmless only if it holds what we write (a previous
      // owner finishing the batch we redo); anything else means another object owns the store now.
      const current = await this.#get(subject);
      if (sameAs(current, m.value)) {
        this.#remember(m.key, current, m.value);
        return;
      }
      throw await this.#fenced(`write ${JSON.stringify(tokenKey(m.key.slice(2)))}`, cause, true);
    }
  }

  #remember(key: string, entry: KvEntry | null, header: Uint8Array | undefined): void {
    if (header === undefined) {
      this.#known.set(key, { revision: entry?.revision ?? 0, blob: undefined });
      return;
    }
    const h = decodeHeader(header);
    this.#known.set(key, { revision: entry!.revision, blob: "blob" in h ? h.blob : undefined });
  }

  /** Removes every message under `filter` (relative to the prefix) from the stream: no delete markers. */
  async #purge(filter: string): Promise<void> {
    await this.#retry(() => this.#jsm.streams.purge(this.#stream, { filter: this.#subjects + filter }));
  }

  #get(key: string): Promise<KvEntry | null> {
    return this.#retry(() => this.#kv.get(key));
  }

  /** Puts `value`; with `previousSeq`, only if the key's last revision is that (0: the key has none). */
  #put(key: string, value: Uint8Array, previousSeq?: number): Promise<number> {
    return this.#retry(() => this.#kv.put(key, value, previousSeq === undefined ? {} : { previousSeq }));
  }

  #delete(key: string, previousSeq: number): Promise<void> {
    return this.#retry(() => this.#kv.delete(key, { previousSeq }));
  }

  /**
   * Runs `fn` again while it fails transiently (a cluster electing a stream leader after a node died, a
   * client reconnecting), for up to `retryMs`. A retried compare-and-set may find its own first attempt
   * applied: callers resolve a wrong-revision failure by reading what is stored.
   */
  async #retry<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#retryMs;
    for (let wait = 25;; wait = Math.min(2 * wait, 1_000)) {
      try {
        return await fn();
      } catch (e) {
        if (!isTransient(e) || Date.now() + wait > deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  async #read<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new StateStoreError(`Cannot get ${JSON.stringify(key)} from the ${this.name}`, { cause });
    }
  }

  async #io<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof StateStoreError) throw cause;
      throw new StateStoreError(`Cannot ${action} in the ${this.name}: nothing was applied`, { cause });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
