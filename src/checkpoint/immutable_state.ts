// Parts of an operator's snapshot that nothing will change: the checkpoint shares them instead of copying
// them at its barrier (see _copy_state.ts). An operator marks only what it built for this snapshot alone
// and what holds no mutable container (an array of primitive keys, a typed array): copying such a part
// element by element was most of the first checkpoint's pause at 100k keys (cold code over every key).

const IMMUTABLE = new WeakSet<object>();

/**
 * Marks `part` (built for one snapshot, never changed afterwards, holding only primitives) as shared by
 * the checkpoint's copy as it is. Returns `part`.
 */
export function immutableState<T extends object>(part: T): T {
  IMMUTABLE.add(part);
  return part;
}

/** Whether `part` was marked by {@linkcode immutableState}. */
export function isImmutableState(part: object): boolean {
  return IMMUTABLE.has(part);
}
