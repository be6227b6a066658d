// The ingestion log's memory of idempotency keys: the newest `max` keys with the offsets their batch
// got and the fingerprint of its content (when the caller gave one), persisted as `k/<seq>` records
// written in the same atomic batch as the events.
import type { StateStore, StateStoreOp } from "../state/mod.ts";
import { decodeJson, encodeJson, type LogKeys, pad } from "./_log_format.ts";

/** What a remembered key maps to. */
export interface KeyRecord {
  readonly seq: number;
  readonly first: number;
  readonly count: number;
  readonly fingerprint?: string;
}

/** A key with the batch it names, as remembered. */
export interface KeyedBatch {
  readonly key: string;
  readonly first: number;
  readonly count: number;
  readonly fingerprint: string | undefined;
}

/** Longest idempotency key accepted, in UTF-16 code units (a UUID is 36). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export function checkIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new TypeError(
      `Cannot append with idempotency key ${
        JSON.stringify(key)
      }: it must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
}

/** Longest fingerprint accepted (a SHA-256 in hex is 64). */
const MAX_FINGERPRINT_LENGTH = 128;

export function checkFingerprint(fingerprint: unknown): asserts fingerprint is string | undefined {
  if (
    fingerprint !== undefined &&
    (typeof fingerprint !== "string" || fingerprint.length === 0 || fingerprint.length > MAX_FINGERPRINT_LENGTH)
  ) {
    throw new TypeError(
      `Cannot append with fingerprint ${
        JSON.stringify(fingerprint)
      }: it must be a string of 1 to ${MAX_FINGERPRINT_LENGTH} characters`,
    );
  }
}

export class IdempotencyKeys {
  readonly #keys: LogKeys;
  readonly #max: number;
  /** Insertion order is seq order, so the first entry is the oldest. */
  readonly #records = new Map<string, KeyRecord>();
  #nextSeq = 0;

  private constructor(keys: LogKeys, max: number) {
    this.#keys = keys;
    this.#max = max;
  }

  static async load(store: StateStore, keys: LogKeys, max: number): Promise<IdempotencyKeys> {
    const ring = new IdempotencyKeys(keys, max);
    const names = await store.list(keys.idempotency);
    // Read a few at a time: a cold start with thousands of keys should not take thousands of round trips in a row.
    for (let i = 0; i < names.length; i += 32) {
      const group = names.slice(i, i + 32);
      const values = await Promise.all(group.map((name) => store.get(name)));
      group.forEach((name, j) => {
        const bytes = values[j];
        if (bytes === undefined) return;
        const r = decodeJson(name, bytes) as { key: string; first: number; count: number; fingerprint?: string };
        const seq = Number(name.slice(keys.idempotency.length));
        ring.#records.set(
          r.key,
          typeof r.fingerprint === "string"
            ? { seq, first: r.first, count: r.count, fingerprint: r.fingerprint }
            : { seq, first: r.first, count: r.count },
        );
        ring.#nextSeq = seq + 1;
      });
    }
    return ring;
  }

  get size(): number {
    return this.#records.size;
  }

  get(key: string): KeyRecord | undefined {
    return this.#records.get(key);
  }

  /**
   * The store operations that remember `entries` (in order), evicting the oldest keys beyond the
   * bound, and a function that applies the same change in memory once the batch is durable.
   */
  plan(entries: readonly KeyedBatch[]): { ops: StateStoreOp[]; apply: () => void } {
    const ops: StateStoreOp[] = [];
    let seq = this.#nextSeq;
    const added: [string, KeyRecord][] = [];
    for (const e of entries) {
      const stored = e.fingerprint === undefined
        ? { key: e.key, first: e.first, count: e.count }
        : { key: e.key, first: e.first, count: e.count, fingerprint: e.fingerprint };
      const record: KeyRecord = e.fingerprint === undefined
        ? { seq: seq++, first: e.first, count: e.count }
        : { seq: seq++, first: e.first, count: e.count, fingerprint: e.fingerprint };
      ops.push({ type: "put", key: this.#keys.idempotency + pad(record.seq), value: encodeJson(stored) });
      added.push([e.key, record]);
    }
    const evict: string[] = [];
    let excess = this.#records.size + added.length - this.#max;
    for (const [key, record] of this.#records) {
      if (excess-- <= 0) break;
      evict.push(key);
      ops.push({ type: "delete", key: this.#keys.idempotency + pad(record.seq) });
    }
    return {
      ops,
      apply: () => {
        for (const key of evict) this.#records.delete(key);
        for (const [key, record] of added) this.#records.set(key, record);
        this.#nextSeq = seq;
      },
    };
  }
}
