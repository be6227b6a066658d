// The state-store surface of weir. The root mod.ts re-exports it; adapters reach it through the root.
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
