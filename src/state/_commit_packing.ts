// What a commit weighs against a backend's limits, counted as Deno KV counts (the strictest backend with
// finite limits; see AtomicKvBackend): a set weighs its key twice plus its value, a delete its key once,
// and every mutation's key counts towards the key total.
import type { AtomicKvBackend, KvMutation } from "./atomic_kv_backend.ts";

/** The bytes one mutation with a `keyBytes`-byte key adds to a commit (see the file header). */
export function mutationBytes(keyBytes: number, value: Uint8Array | undefined): number {
  return value === undefined ? keyBytes : 2 * keyBytes + value.length;
}

/** What `mutations` weigh against the commit limits of `backend`. */
export function commitSize(
  backend: AtomicKvBackend,
  mutations: readonly KvMutation[],
): { keyBytes: number; bytes: number } {
  let keyBytes = 0;
  let bytes = 0;
  for (const m of mutations) {
    const k = backend.keyBytes(m.key);
    keyBytes += k;
    bytes += mutationBytes(k, m.value);
  }
  return { keyBytes, bytes };
}

/** Whether `mutations` fit into one commit of `backend`. */
export function fitsOneCommit(backend: AtomicKvBackend, mutations: readonly KvMutation[]): boolean {
  if (mutations.length > backend.maxCommitMutations) return false;
  const { keyBytes, bytes } = commitSize(backend, mutations);
  return keyBytes <= backend.maxCommitKeyBytes && bytes <= backend.maxCommitBytes;
}

/**
 * Splits `mutations` greedily, in order, into groups that each fit one commit. Every single mutation
 * fits on its own, because chunks and markers are sized to the backend's limits.
 */
export function packCommits(backend: AtomicKvBackend, mutations: readonly KvMutation[]): KvMutation[][] {
  const packs: KvMutation[][] = [];
  let pack: KvMutation[] = [];
  let keyBytes = 0;
  let bytes = 0;
  for (const m of mutations) {
    const k = backend.keyBytes(m.key);
    const b = mutationBytes(k, m.value);
    if (
      pack.length > 0 &&
      (pack.length + 1 > backend.maxCommitMutations || keyBytes + k > backend.maxCommitKeyBytes ||
        bytes + b > backend.maxCommitBytes)
    ) {
      packs.push(pack);
      pack = [];
      keyBytes = 0;
      bytes = 0;
    }
    pack.push(m);
    keyBytes += k;
    bytes += b;
  }
  if (pack.length > 0) packs.push(pack);
  return packs;
}
