// The part of Deno KV this adapter uses, declared here so that neither the npm build nor Node users need
// Deno's typings. `Deno.Kv` and the `Kv` of the npm package `@deno/kv` both satisfy it.

/** A part of a Deno KV key. */
export type DenoKvKeyPart = Uint8Array | string | number | bigint | boolean;

/** A Deno KV key: a tuple of parts. */
export type DenoKvKey = readonly DenoKvKeyPart[];

/** An atomic operation of Deno KV (`kv.atomic()`). */
export interface DenoKvAtomicOperation {
  /** Sets `key` to `value` when the operation commits. */
  set(key: DenoKvKey, value: unknown): this;
  /** Deletes `key` when the operation commits. */
  delete(key: DenoKvKey): this;
  /** Applies every mutation or none. */
  commit(): Promise<{ ok: boolean }>;
}

/** A Deno KV database: `await Deno.openKv(path)`, or `await openKv(path)` from `@deno/kv` under Node. */
export interface DenoKvLike {
  /** The value under `key` (`null` when there is none). */
  get(key: DenoKvKey): Promise<{ value: unknown }>;
  /**
   * Entries with `start <= key < end`, in key order. Keys read back are typed loosely: Deno's own key part
   * type has grown (symbols) beyond what this store writes.
   */
  list(
    selector: { start: DenoKvKey; end: DenoKvKey },
    options?: { limit?: number; batchSize?: number },
  ): AsyncIterable<{ key: readonly unknown[]; value: unknown }>;
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomicOperation;
  /** Closes the database. */
  close(): void;
}
