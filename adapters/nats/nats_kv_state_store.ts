import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { BackedStateStore, checkOptionNames, StateStoreError } from "../../src/state/mod.ts";
import type { NatsConnection } from "./nats_connection.ts";
import { randomId } from "./_nats_kv_layout.ts";
import { NatsKvBackend } from "./_nats_kv_backend.ts";

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
 * the store rejects every further call but `close` with it: a zombie worker cannot overwrite its
 * successor's checkpoints.
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
   * every further call but `close` from then on) when another store object claimed it since. One read of
   * the head entry, for a worker that wants to know before it does anything costly; a commit checks by
   * itself.
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
