import { WeirError } from "../errors.ts";

/**
 * An idempotency key was reused for a different batch (another size, or another `fingerprint`):
 * {@linkcode IngestLog.append} rejects with it (the HTTP layer answers `422`), and nothing is appended.
 *
 * @example A key reused for another batch
 * ```ts
 * import { assertRejects } from "@std/assert";
 * import { MemoryStateStore } from "weirjs";
 * import { IdempotencyConflictError, IngestLog } from "weirjs/live";
 *
 * const log = await IngestLog.open<{ ts: number }>(new MemoryStateStore());
 * await log.append([{ ts: 1 }], { idempotencyKey: "batch-1" });
 * await assertRejects(
 *   () => log.append([{ ts: 1 }, { ts: 2 }], { idempotencyKey: "batch-1" }),
 *   IdempotencyConflictError,
 * );
 * ```
 */
export class IdempotencyConflictError extends WeirError {}
