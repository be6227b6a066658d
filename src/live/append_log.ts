/** Options of {@linkcode AppendLog.append}. */
export interface AppendOptions {
  /** A retried batch with the same key gets the first attempt's offsets and is not appended again. */
  idempotencyKey?: string;
  /**
   * What the batch's content hashes to (`createWeirApp` passes the SHA-256 of the request body),
   * remembered with the key: the key reused with another fingerprint is an `IdempotencyConflictError`.
   * Without one, only the batch sizes are compared.
   */
  fingerprint?: string;
}

/** Where an appended batch landed. */
export interface AppendResult {
  /** Offset of the batch's first event. */
  readonly first: number;
  /** Offset of the batch's last event. */
  readonly last: number;
  /** Number of events in the batch. */
  readonly count: number;
  /** True when the idempotency key was known: these are the offsets of the first attempt, nothing was appended. */
  readonly duplicate: boolean;
}

/**
 * What `createWeirApp` (in `weirjs/adapters/hono`) appends accepted batches to: a durable log that
 * takes a whole batch, answers only once it is durable, and keeps a batch retried under the same
 * idempotency key once. {@linkcode IngestLog} (in a `StateStore`) is one; `jetStreamIngestLog` (in
 * `weirjs/adapters/nats`, publishing to NATS JetStream) is another.
 *
 * The contract, which `POST /events` relies on:
 * - `append` resolves with the batch's offsets once it is durable; a known key resolves with the first
 *   attempt's offsets and `duplicate: true`. It rejects with `IdempotencyConflictError` (HTTP `422`) when
 *   the key was used for another batch, `RangeError` (`413`) when the batch can never fit, and
 *   `StateStoreError` (`503`) when the log cannot store it now; that error's message says whether part
 *   of the batch may be stored (retrying with the same key then completes it once).
 * - `lookup` answers synchronously whether a key is known (its retry is not refused for overload).
 * - `pending` counts events accepted but not yet done with (read by the job, or acknowledged by the
 *   log's server): beyond `maxPending` the app answers `429`.
 * - `start`, `next` and `committed`, when the log has contiguous offsets, are reported by `/health`
 *   and `/metrics`.
 *
 * @example A log of one's own, in memory
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import type { AppendLog, AppendOptions, AppendResult } from "weirjs/live";
 *
 * const events: unknown[] = [];
 * const keys = new Map<string, AppendResult>();
 * const log: AppendLog = {
 *   name: "memory",
 *   pending: 0,
 *   lookup: (key) => keys.get(key),
 *   append(batch: readonly unknown[], options: AppendOptions = {}) {
 *     const known = options.idempotencyKey === undefined ? undefined : keys.get(options.idempotencyKey);
 *     if (known !== undefined) return Promise.resolve(known);
 *     const first = events.push(...batch) - batch.length;
 *     const r = { first, last: first + batch.length - 1, count: batch.length, duplicate: false };
 *     if (options.idempotencyKey !== undefined) keys.set(options.idempotencyKey, { ...r, duplicate: true });
 *     return Promise.resolve(r);
 *   },
 * };
 * assertEquals((await log.append([{ ts: 1 }, { ts: 2 }], { idempotencyKey: "b1" })).last, 1);
 * assertEquals((await log.append([{ ts: 1 }, { ts: 2 }], { idempotencyKey: "b1" })).duplicate, true);
 * assertEquals(events.length, 2);
 * ```
 */
export interface AppendLog<T = unknown> {
  /** The log's name (reported by `/health`). */
  readonly name: string;
  /** Events accepted by `append` and not yet done with; the HTTP layer refuses batches beyond a bound. */
  readonly pending: number;
  /** The offsets a remembered idempotency key got, if it is known (`duplicate: true`). */
  lookup(idempotencyKey: string): AppendResult | undefined;
  /** Appends `events` durably and resolves with their offsets (see the contract above). */
  append(events: readonly T[], options?: AppendOptions): Promise<AppendResult>;
  /** The first offset still stored, for a log with contiguous offsets. */
  readonly start?: number;
  /** The offset the next appended event gets, for a log with contiguous offsets. */
  readonly next?: number;
  /** The largest offset a durable checkpoint has covered, for a log with contiguous offsets. */
  readonly committed?: number;
}
