// The part of Durable Object storage (`ctx.storage`, DurableObjectStorage) this adapter uses, declared
// here so that the npm build needs no Cloudflare typings. The real object satisfies it.

/** Options of `storage.list`. */
export interface DurableObjectListOptionsLike {
  start?: string;
  end?: string;
  limit?: number;
}

/** The storage operations available inside `storage.transaction`. */
export interface DurableObjectTransactionLike {
  get(keys: string[]): Promise<Map<string, unknown>>;
  list(options?: DurableObjectListOptionsLike): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

/** `ctx.storage` of a Durable Object. */
export interface DurableObjectStorageLike extends DurableObjectTransactionLike {
  transaction<T>(closure: (txn: DurableObjectTransactionLike) => Promise<T>): Promise<T>;
}
