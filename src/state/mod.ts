/**
 * State stores: the `StateStore` contract, `MemoryStateStore`, and what a store author needs
 * (argument checks, the key order, `BackedStateStore` over a small `StateStoreBackend`, atomic KV
 * stores over Deno KV-like backends). The root entry re-exports only the contract, the memory store
 * and `StateStoreError`; the rest is the `weirjs/state` entry.
 *
 * @module
 */
export type { StateStore, StateStoreLimits, StateStoreListOptions, StateStoreOp } from "./state_store.ts";
export { MAX_STATE_KEY_BYTES, UNLIMITED_BATCH } from "./state_store.ts";
export {
  checkStateKey,
  copyStateValue,
  normalizeStateBatch,
  stateKeyRange,
  utf8ByteLength,
} from "./state_store_args.ts";
export type { StateKeyRange } from "./state_store_args.ts";
export { MemoryStateStore } from "./memory_store.ts";
export { SortedKeys } from "./sorted_keys.ts";
export type { AtomicKvBackend, KvMutation } from "./atomic_kv_backend.ts";
export { AtomicKvStateStore } from "./atomic_kv_store.ts";
export { openAtomicKv } from "./open_atomic_kv.ts";
export { BackedStateStore } from "./backed_state_store.ts";
export type { StateStoreBackend } from "./state_store_backend.ts";
export { StateStoreError } from "../errors.ts";
export { DamagedValueError } from "./damaged_value_error.ts";
export { checkOptionNames } from "../option_names.ts";
