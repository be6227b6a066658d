import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import {
  BackedStateStore,
  checkOptionNames,
  DamagedValueError,
  SortedKeys,
  type StateKeyRange,
  type StateStoreBackend,
  StateStoreError,
  UNLIMITED_BATCH,
} from "../../src/state/mod.ts";
import { FencedError } from "./fenced_error.ts";
import type { NatsConnection } from "./nats_connection.ts";
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

/** Options of {@linkcode NatsKvStateStore.open}. */
export interface NatsKvStateStoreOptions {
  /** The KV bucket; created (history 1, `replicas` copies) when it does not exist. Default `"weir"`. */
  bucket?: string;
  /**
   * Key prefix of this store inside the bucket, one or more tokens of `[-/_=a-zA-Z0-9]` joined by dots
   * (for example `"clicks.p3"`), so that one bucket holds many stores. Default `"weir"`.
   */
  prefix?: string;
  /** Names this process in {@linkcode FencedError} messages (a worker id, a host name). Default `"store"`. */
  owner?: string;
  /** Replicas of a bucket the store creates (1, 3 or 5). Default 1. */
  replicas?: number;
  /**
   * How long a request that fails transiently is retried before the call fails: long enough for a
   * cluster to elect a new stream leader after a node died. Default 30 000 ms.
   */
  retryMs?: number;
}

const OPTION_NAMES = ["bucket", "prefix", "owner", "replicas", "retryMs"];
const TOKENS = /^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/;
/** Room left in a message for its headers (the compare-and-set header and the KV operation). */
const HEADER_ROOM = 2_048;
/** Values up to this size live in their header (and in the batch log); larger ones are written once, in chunks. */
const INLINE_LIMIT = 8 * 1024;
const PARALLEL = 64;
const CLAIM_ATTEMPTS = 10;
/** JetStream's "message size exceeds maximum allowed". */
const MESSAGE_TOO_LARGE = 10054;

/**
 * A {@linkcode StateStore} in a NATS KV bucket (JetStream), for checkpoints that must survive the loss
 * of a machine (an R3 bucket) and for workers that move between machines: the checkpoint state of
 * `runWorker` lives here.
 *
 * **Atomic batches.** NATS KV (server 2.9) writes one key atomically, so a batch cannot be one commit as
 * in Deno KV. The store keeps a redo log instead: values larger than 8 KiB are first written to fresh
 * chunk entries (invisible: no header names them yet); then the batch's log — the new headers of every
 * key it changes, inline values included — goes into the store's single head entry (or, when larger than
 * one message, into log entries the head names); the one compare-and-set write of the head is the
 * commit. The headers are then written, and the replaced chunks and the previous log purged. Opening the
 * store redoes the last logged batch (idempotent) and purges whatever an interrupted batch left, so a
 * crash at any point leaves every batch wholly applied or wholly absent. Values of any size are split to
 * the server's `max_payload`; batches have no size limit (`limits` are `Infinity`). Small values are
 * written twice (log and header); values over 8 KiB once.
 *
 * **Ownership and fencing.** Opening claims the store: the head records the new owner, written by
 * compare-and-set. Every commit is a compare-and-set of the head on the revision this object last wrote,
 * and every header write one on the key's revision as read before the commit, so once another object
 * claimed the store, this one's next commit rejects with {@linkcode FencedError}, applies nothing, and
 * the store refuses all further writes: a zombie worker cannot overwrite its successor's checkpoints.
 *
 * **Failover.** Requests that fail transiently — an R3 bucket's stream electing a new leader after a node
 * died, a client reconnecting — are retried for up to `retryMs` (30 s), so a worker rides through the loss
 * of one server; a retried compare-and-set that finds its own first attempt applied counts as done.
 *
 * One object owns a prefix at a time; `list` answers from the key index it loaded at open and keeps
 * current. Deleted keys leave NATS KV delete markers (about 100 bytes each); `kv.purgeDeletes()` of
 * `@nats-io/kv` removes them while no store is open.
 *
 * @example A store in a NATS KV bucket (needs a nats-server with JetStream)
 * ```ts ignore
 * import { assertEquals } from "@std/assert";
 * import { connect } from "@nats-io/transport-node";
 * import { NatsKvStateStore } from "weirjs/adapters/nats";
 *
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * const store = await NatsKvStateStore.open(nc, { bucket: "weir", prefix: "clicks.p3", owner: "worker-1" });
 * await store.batch([
 *   { type: "put", key: "ckpt/a", value: new Uint8Array([1]) },
 *   { type: "put", key: "ckpt/b", value: new Uint8Array(3_000_000) }, // chunked to max_payload
 * ]);
 * assertEquals(await store.list("ckpt/"), ["ckpt/a", "ckpt/b"]);
 * await store.close(); // the connection stays open for its owner
 * await nc.close();
 * ```
 */
export class NatsKvStateStore extends BackedStateStore {
  /** The token this store wrote into the head when it claimed the data: its owner name and a random id. */
  readonly owner: string;
  readonly #backend: NatsKvBackend;

  private constructor(backend: NatsKvBackend) {
    super(backend);
    this.owner = backend.owner;
    this.#backend = backend;
  }

  /**
   * Resolves when this store still owns its prefix; rejects with {@linkcode FencedError} (and refuses
   * further writes from then on) when another store object claimed it since. One read of the head entry,
   * for a worker that wants to know before it does anything costly; a commit checks by itself.
   */
  async verifyOwnership(): Promise<void> {
    this.#backend.checkUsable();
    await this.#backend.verifyOwnership();
  }

  /**
   * Opens (creating the bucket when needed) and claims the store at `prefix` of `bucket`, then completes
   * the last batch a crash may have interrupted. Any store object that owned the prefix before is fenced
   * from now on. `close` leaves the connection open.
   */
  static async open(nc: NatsConnection, options: NatsKvStateStoreOptions = {}): Promise<NatsKvStateStore> {
    checkOptionNames("open NATS KV state store", options, OPTION_NAMES);
    const { bucket = "weir", prefix = "weir", owner = "store", replicas = 1, retryMs = 30_000 } = options;
    if (typeof nc !== "object" || nc === null || typeof (nc as { request?: unknown }).request !== "function") {
      throw new TypeError(
        `Cannot open NATS KV state store as nc must be a NatsConnection: current type is ${typeof nc}`,
      );
    }
    if (typeof bucket !== "string" || !/^[-\w]+$/.test(bucket)) {
      throw new TypeError(
        `Cannot open NATS KV state store as bucket must be a name of [-_a-zA-Z0-9]: current value is ${
          JSON.stringify(bucket)
        }`,
      );
    }
    if (typeof prefix !== "string" || !TOKENS.test(prefix)) {
      throw new TypeError(
        `Cannot open NATS KV state store as prefix must be tokens of [-/_=a-zA-Z0-9] joined by dots: current value is ${
          JSON.stringify(prefix)
        }`,
      );
    }
    if (typeof owner !== "string" || owner === "") {
      throw new TypeError(
        `Cannot open NATS KV state store as owner must be a non-empty string: current value is ${
          JSON.stringify(owner)
        }`,
      );
    }
    if (![1, 3, 5].includes(replicas)) {
      throw new RangeError(
        `Cannot open NATS KV state store as replicas must be 1, 3 or 5: current value is ${String(replicas)}`,
      );
    }
    if (typeof retryMs !== "number" || !(retryMs >= 0)) {
      throw new RangeError(
        `Cannot open NATS KV state store as retryMs must be a number >= 0: current value is ${String(retryMs)}`,
      );
    }
    let jsm: JetStreamManager;
    let kv: KV;
    let maxMessage: number;
    const stream = `KV_${bucket}`;
    try {
      jsm = await jetstreamManager(nc);
      const kvm = new Kvm(nc);
      let info = await jsm.streams.info(stream).catch((e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return undefined;
        throw e;
      });
      if (info === undefined) {
        await kvm.create(bucket, { history: 1, replicas });
        info = await jsm.streams.info(stream);
      }
      // Bound without allow_direct, reads go to the stream leader: a direct get may be answered by a
      // replica that lags behind, and a stale revision would look like another owner's write.
      kv = await kvm.open(bucket);
      const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
      const maxMsg = info.config.max_msg_size ?? -1;
      maxMessage = maxMsg > 0 ? Math.min(maxMsg, maxPayload) : maxPayload;
    } catch (cause) {
      throw new StateStoreError(`Cannot open NATS KV state store as bucket ${JSON.stringify(bucket)} is unavailable`, {
        cause,
      });
    }
    const backend = new NatsKvBackend(
      kv,
      jsm,
      stream,
      bucket,
      prefix,
      `${owner}#${randomId()}`,
      maxMessage - HEADER_ROOM,
      retryMs,
    );
    await backend.claim();
    return new NatsKvStateStore(backend);
  }
}

interface Known {
  /** Revision of the key's last message (0: the key never existed or its history was purged). */
  revision: number;
  /** The blob the key's header names, if any. */
  blob: BlobRef | undefined;
}

class NatsKvBackend implements StateStoreBackend {
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
      } and this store refuses further writes`,
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

/** Failures a retry may cure: no answer, no stream leader yet, a connection being re-established. */
function isTransient(e: unknown): boolean {
  if (e instanceof JetStreamApiError) {
    return !isWrongRevision(e) && e.code !== JetStreamApiCodes.StreamNotFound && e.code !== MESSAGE_TOO_LARGE;
  }
  const name = e instanceof Error ? e.name : "";
  return ["TimeoutError", "NoRespondersError", "JetStreamNotEnabled", "RequestError", "ConnectionError"].includes(name);
}

function isWrongRevision(e: unknown): boolean {
  return e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
      e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** Whether `entry` holds exactly `value` (undefined: absent or deleted). */
function sameAs(entry: KvEntry | null, value: Uint8Array | undefined): boolean {
  if (entry === null || entry.operation !== "PUT") return value === undefined;
  // KvEntry.value decodes the message at each access: read it once.
  const stored = entry.value;
  if (value === undefined || stored.length !== value.length) return false;
  for (let i = 0; i < value.length; i++) if (stored[i] !== value[i]) return false;
  return true;
}

function blobOf(entry: KvEntry | null): BlobRef | undefined {
  if (entry === null || entry.operation !== "PUT") return undefined;
  try {
    const h = decodeHeader(entry.value);
    return "blob" in h ? h.blob : undefined;
  } catch {
    return undefined;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs `fn` over `items` with at most PARALLEL in flight; results in order; the first failure rejects. */
async function inParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
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
