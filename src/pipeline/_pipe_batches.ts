// Pipes a job's output batches into a WritableStream that takes arrays (its writeBatches port), as
// ReadableStream's pipeTo would pipe them value by value: the same closing, aborting and cancelling,
// one write per batch instead of one per value.
import { type BatchWritable, writeBatches } from "./from_input.ts";

/**
 * A writer of arrays for `destination`, locking it, if it offers one and is not locked, and a pipe
 * with `options` may take it: not one that leaves either end open for more (`preventClose`,
 * `preventAbort`, `preventCancel`), as the port's writer keeps the destination locked.
 */
export function batchWriterOf(
  destination: unknown,
  options: StreamPipeOptions | undefined,
): WritableStreamDefaultWriter<readonly unknown[]> | undefined {
  if (typeof destination !== "object" || destination === null || !(writeBatches in destination)) return undefined;
  if (options != null && (options.preventClose || options.preventAbort || options.preventCancel)) return undefined;
  return (destination as BatchWritable<unknown>)[writeBatches]();
}

/**
 * Writes each batch of `batches` as one write of `writer`, waiting for the destination to take it
 * before pulling the next (a slow destination holds the job back), then closes it. As
 * `pipeTo`: an error of the job aborts the destination, an error of the destination stops the job,
 * an abort of `signal` does both (the job has the signal too), and the returned promise rejects with
 * what went wrong.
 */
export async function pipeBatches<T>(
  batches: AsyncGenerator<T[]>,
  writer: WritableStreamDefaultWriter<readonly T[]>,
  signal: AbortSignal | undefined,
): Promise<void> {
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (signal !== undefined) {
    aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
  }
  const orAbort = <V>(p: Promise<V>): Promise<V> => aborted === undefined ? p : Promise.race([p, aborted]);
  let sourceFailed = false;
  try {
    for (;;) {
      await orAbort(writer.ready);
      let r: IteratorResult<T[]>;
      try {
        r = await batches.next();
      } catch (e) {
        sourceFailed = true;
        throw e;
      }
      if (r.done) break;
      if (r.value.length === 0) continue;
      // Observed through `ready` or `close()`; this only keeps it from being reported as unhandled.
      writer.write(r.value).catch(() => {});
    }
    await orAbort(writer.close());
  } catch (e) {
    if (!sourceFailed) await batches.return(undefined).catch(() => {});
    await writer.abort(e).catch(() => {});
    throw e;
  } finally {
    if (onAbort !== undefined) signal!.removeEventListener("abort", onAbort);
    writer.releaseLock();
  }
}
