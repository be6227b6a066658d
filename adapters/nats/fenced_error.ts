import { StateStoreError } from "../../src/state/mod.ts";

/**
 * A {@linkcode NatsKvStateStore} lost ownership of its data: another store object (another process, a
 * restarted worker) opened the same bucket and prefix and claimed it, so this one's commit was refused by
 * NATS KV's compare-and-set. The store rejects every further call but `close` with it; a worker that sees it must stop,
 * because another process now owns its partitions.
 *
 * @example Telling fencing from other store failures
 * ```ts
 * import { assert } from "@std/assert";
 * import { StateStoreError } from "weirjs/state";
 * import { FencedError } from "weirjs/adapters/nats";
 *
 * const error = new FencedError("worker-1", "worker-1b", "Cannot apply batch as worker-1 no longer owns the store");
 * assert(error instanceof StateStoreError);
 * assert(error.claimedBy === "worker-1b");
 * ```
 */
export class FencedError extends StateStoreError {
  /** The owner name of the store that was fenced. */
  readonly owner: string;
  /** The owner name of the store that claimed the data since, when known. */
  readonly claimedBy: string | undefined;

  /** Creates the error for the store of `owner`, fenced by `claimedBy`. */
  constructor(owner: string, claimedBy: string | undefined, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.owner = owner;
    this.claimedBy = claimedBy;
  }
}
