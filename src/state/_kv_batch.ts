import { StateStoreError } from "../errors.ts";
import type { AtomicKvBackend, KvMutation } from "./atomic_kv_backend.ts";
import { commitSize, fitsOneCommit, packCommits } from "./_commit_packing.ts";
import {
  type BlobRef,
  chunkKey,
  decodeBlobList,
  decodeHeader,
  encodeBlobHeader,
  encodeBlobList,
  encodeInline,
  garbageKey,
  headerKey,
  pendingKey,
  randomId,
} from "./_kv_layout.ts";

// How AtomicKvStateStore applies a batch atomically when it does not fit one backend commit
// (shadow paging): 1. a pending marker lists the blobs about to be written; 2. the chunks are written in
// as many commits as needed, invisible because no header points at them yet; 3. ONE "flip" commit writes
// every header, deletes the pending marker and records the replaced blobs in a garbage marker; 4. the
// replaced chunks and the garbage marker are deleted. A crash before 3 leaves a pending marker, after 3 a
// garbage marker: recoverKvStore deletes what they list, and the batch is wholly absent or wholly present.

/** Largest value stored inline in its header: larger ones go to chunks so that listing stays cheap. */
const INLINE_LIMIT = 8 * 1024;

interface PlannedPut {
  readonly header: string;
  readonly value: Uint8Array;
  blob: BlobRef | undefined;
}

export async function applyKvBatch(
  backend: AtomicKvBackend,
  effect: Map<string, Uint8Array | undefined>,
): Promise<void> {
  const keys = [...effect.keys()];
  const headers = keys.map(headerKey);
  const replaced: BlobRef[] = [];
  const deletes: KvMutation[] = [];
  const puts: PlannedPut[] = [];
  await wrap(async () => {
    const old = await backend.get(headers);
    keys.forEach((key, i) => {
      const previous = old[i];
      if (previous !== undefined) {
        const h = decodeHeader(previous);
        if ("blob" in h) replaced.push(h.blob);
      }
      const value = effect.get(key);
      if (value !== undefined) puts.push({ header: headers[i]!, value, blob: undefined });
      // Deleting an absent key needs no mutation, which keeps the commit small.
      else if (previous !== undefined) deletes.push({ key: headers[i]!, value: undefined });
    });
  }, keys.length);
  const inlineLimit = Math.min(INLINE_LIMIT, backend.maxValueBytes - 1);
  for (const p of puts) if (p.value.length > inlineLimit) p.blob = newBlob(backend, p.value);

  const single = [
    ...headerMutations(puts),
    ...deletes,
    ...puts.flatMap((p) => chunkMutations(backend, p)),
    ...replaced.flatMap(chunkDeletes),
  ];
  if (fitsOneCommit(backend, single)) {
    if (single.length > 0) await wrap(() => backend.commit(single), keys.length);
    return;
  }

  const batchId = randomId();
  const flip = (): KvMutation[] => {
    const blobs = puts.flatMap((p) => (p.blob ? [p.blob] : []));
    const markers: KvMutation[] = [];
    if (blobs.length > 0) markers.push({ key: pendingKey(batchId), value: undefined });
    if (replaced.length > 0) markers.push({ key: garbageKey(batchId), value: encodeBlobList(replaced) });
    return [...headerMutations(puts), ...deletes, ...markers];
  };
  const tooLarge = () =>
    new StateStoreError(
      `Cannot apply batch of ${keys.length} ops as its keys do not fit one atomic commit of this store ` +
        `(at most ${backend.maxCommitMutations} entries and ${backend.maxCommitKeyBytes} key bytes): nothing was applied`,
    );
  // The flip commit carries every key whatever happens, plus up to two markers (the pending one as soon
  // as any value goes to chunks, which the loop below may cause).
  const pendingLater = puts.some((p) => p.blob) ? 0 : backend.keyBytes(pendingKey(batchId));
  const size = commitSize(backend, flip());
  if (
    puts.length + deletes.length + 2 > backend.maxCommitMutations ||
    size.keyBytes + pendingLater > backend.maxCommitKeyBytes
  ) {
    throw tooLarge();
  }
  // Inline values make the flip commit heavy: move the largest ones to chunks until its bytes fit.
  let bytes = size.bytes + pendingLater;
  for (const p of puts.filter((p) => !p.blob).sort((a, b) => b.value.length - a.value.length)) {
    if (bytes <= backend.maxCommitBytes || p.value.length === 0) break;
    p.blob = newBlob(backend, p.value);
    bytes -= p.value.length + 1 - encodeBlobHeader(p.blob).length;
  }
  const flipMutations = flip();
  if (!fitsOneCommit(backend, flipMutations)) throw tooLarge();

  const blobs = puts.flatMap((p) => (p.blob ? [p.blob] : []));
  if (blobs.length > 0) {
    await wrap(() => backend.commit([{ key: pendingKey(batchId), value: encodeBlobList(blobs) }]), keys.length);
    try {
      for (const pack of packCommits(backend, puts.flatMap((p) => chunkMutations(backend, p)))) {
        await backend.commit(pack);
      }
      await backend.commit(flipMutations);
    } catch (cause) {
      // The flip deletes the pending marker, so the marker tells whether the batch was applied (a remote
      // backend may fail after committing): present means not applied, and its blobs are garbage.
      let applied: boolean;
      try {
        applied = !(await discardMarker(backend, pendingKey(batchId)));
      } catch (cleanupError) {
        throw new StateStoreError(
          `Cannot tell whether the batch of ${keys.length} ops was applied: reopen the store, which completes or discards it`,
          { cause: new AggregateError([cause, cleanupError]) },
        );
      }
      if (!applied) {
        throw new StateStoreError(`Cannot apply batch of ${keys.length} ops: nothing was applied`, { cause });
      }
    }
  } else {
    await wrap(() => backend.commit(flipMutations), keys.length);
  }
  // The batch is applied. A failure below only leaves garbage, which the next open deletes.
  if (replaced.length > 0) await discardMarker(backend, garbageKey(batchId)).catch(() => undefined);
}

/**
 * Deletes every blob listed by marker `key`, then the marker itself. Returns false, doing nothing, when the
 * marker is absent.
 */
export async function discardMarker(backend: AtomicKvBackend, key: string, value?: Uint8Array): Promise<boolean> {
  const bytes = value ?? (await backend.get([key]))[0];
  if (bytes === undefined) return false;
  const deletes = [...decodeBlobList(bytes).flatMap(chunkDeletes), { key, value: undefined }];
  // The marker goes last, in the last commit, so a crash in between leaves it to be retried.
  for (const pack of packCommits(backend, deletes)) await backend.commit(pack);
  return true;
}

function newBlob(backend: AtomicKvBackend, value: Uint8Array): BlobRef {
  return { id: randomId(), n: Math.ceil(value.length / backend.maxValueBytes), size: value.length };
}

function headerMutations(puts: readonly PlannedPut[]): KvMutation[] {
  return puts.map((p) => ({ key: p.header, value: p.blob ? encodeBlobHeader(p.blob) : encodeInline(p.value) }));
}

function chunkMutations(backend: AtomicKvBackend, p: PlannedPut): KvMutation[] {
  const blob = p.blob;
  if (!blob) return [];
  const out: KvMutation[] = [];
  for (let i = 0; i < blob.n; i++) {
    out.push({
      key: chunkKey(blob.id, i),
      value: p.value.subarray(i * backend.maxValueBytes, (i + 1) * backend.maxValueBytes),
    });
  }
  return out;
}

function chunkDeletes(blob: BlobRef): KvMutation[] {
  return Array.from({ length: blob.n }, (_, i) => ({ key: chunkKey(blob.id, i), value: undefined }));
}

async function wrap(fn: () => Promise<void>, ops: number): Promise<void> {
  try {
    await fn();
  } catch (cause) {
    throw new StateStoreError(`Cannot apply batch of ${ops} ops: nothing was applied`, { cause });
  }
}
