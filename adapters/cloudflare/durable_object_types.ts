// The part of Durable Object storage (`ctx.storage`, DurableObjectStorage) this adapter uses, declared
// here so that the npm build needs no Cloudflare typings. The real object satisfies it.

/** Options of `storage.list`. */
export interface DurableObjectListOptionsLike {
  /** First key to list (inclusive). */
  start?: string;
  /** Key to stop before (exclusive). */
  end?: string;
  /** Most entries to list. */
  limit?: number;
}

/** The storage operations available inside `storage.transaction`. */
export interface DurableObjectTransactionLike {
  /** The values of `keys` (absent keys are missing from the map). */
  get(keys: string[]): Promise<Map<string, unknown>>;
  /** Entries in key order. */
  list(options?: DurableObjectListOptionsLike): Promise<Map<string, unknown>>;
  /** Writes the entries. */
  put(entries: Record<string, unknown>): Promise<void>;
  /** Deletes `keys`; resolves with how many existed. */
  delete(keys: string[]): Promise<number>;
}

/** `ctx.storage` of a Durable Object. */
export interface DurableObjectStorageLike extends DurableObjectTransactionLike {
  /** Runs `closure` in a transaction: all of its writes or none. */
  transaction<T>(closure: (txn: DurableObjectTransactionLike) => Promise<T>): Promise<T>;
}
