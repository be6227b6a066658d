// The checkpoint store of one partition of a worker: a NatsKvStateStore at `<job>.p<p>` of the bucket,
// claimed by opening it.
import type { NatsConnection } from "./nats_connection.ts";
import { FencedError } from "./fenced_error.ts";
import { NatsKvStateStore } from "./nats_kv_state_store.ts";

export function openPartitionStore(
  nc: NatsConnection,
  bucket: string,
  replicas: number,
  job: string,
  partition: number,
  owner: string,
): Promise<NatsKvStateStore> {
  return NatsKvStateStore.open(nc, { bucket, replicas, prefix: `${job}.p${partition}`, owner });
}

/**
 * Whether another worker claimed `store` since it was opened: a write is the only authoritative
 * question (the compare-and-set of the store's head), so this writes one small marker entry.
 */
export async function fencedSince(store: NatsKvStateStore): Promise<FencedError | undefined> {
  try {
    await store.put("worker/owner-check", new TextEncoder().encode(store.owner));
    return undefined;
  } catch (error) {
    return error instanceof FencedError ? error : undefined;
  }
}
