import { MAX_STATE_KEY_BYTES, type StateStoreListOptions, type StateStoreOp } from "./state_store.ts";

// Argument checks shared by every StateStore, so that all stores reject the same calls the same way.

/**
 * UTF-8 length of `s` in bytes, or `-1` when `s` holds a lone surrogate (it has no UTF-8 encoding).
 *
 * @example Bytes of a key
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { utf8ByteLength } from "weirjs/state";
 *
 * assertEquals(utf8ByteLength("é/😀"), 7);
 * ```
 */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return -1;
      n += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else n += 3;
  }
  return n;
}

/**
 * Throws `TypeError`/`RangeError` unless `key` is a valid state key (see {@linkcode StateStore}).
 * `action` names the call in the message, e.g. `"get"`.
 *
 * @example Refusing a key that is not a string
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkStateKey } from "weirjs/state";
 *
 * checkStateKey("ckpt/1/manifest", "get"); // a valid key: no error
 * assertThrows(() => checkStateKey(42, "get"), TypeError, "Cannot get state key as it must be a string");
 * ```
 */
export function checkStateKey(key: unknown, action: string): asserts key is string {
  if (typeof key !== "string") {
    throw new TypeError(`Cannot ${action} state key as it must be a string: current type is ${typeof key}`);
  }
  const bytes = utf8ByteLength(key);
  if (bytes < 0) {
    throw new TypeError(
      `Cannot ${action} state key ${JSON.stringify(key)} as it holds a lone surrogate (not valid UTF-8)`,
    );
  }
  if (bytes > MAX_STATE_KEY_BYTES) {
    throw new RangeError(
      `Cannot ${action} state key as it must be at most ${MAX_STATE_KEY_BYTES} UTF-8 bytes: current length is ${bytes}`,
    );
  }
}

/**
 * Checks that `value` is a `Uint8Array` and returns a private copy of exactly its bytes (a view's window
 * of its buffer, never the whole buffer), so the caller may reuse the array at once.
 *
 * @example A copy of just the view
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { copyStateValue } from "weirjs/state";
 *
 * const buf = new Uint8Array([1, 2, 3, 4]);
 * const copy = copyStateValue(buf.subarray(1, 3), "put");
 * buf[1] = 9;
 * assertEquals(copy, new Uint8Array([2, 3]));
 * ```
 */
export function copyStateValue(value: unknown, action: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const type = value === null
      ? "null"
      : typeof value === "object"
      ? value.constructor?.name ?? "object"
      : typeof value;
    throw new TypeError(`Cannot ${action} state value as it must be a Uint8Array: current type is ${type}`);
  }
  return new Uint8Array(value);
}

/**
 * Checks a whole batch before any of it is applied and folds it into its effect: key → copied value, or
 * `undefined` for a delete, where a later operation on a key replaces an earlier one.
 *
 * @example The last write to a key wins
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { normalizeStateBatch } from "weirjs/state";
 *
 * const effect = normalizeStateBatch([
 *   { type: "put", key: "a", value: new Uint8Array([1]) },
 *   { type: "delete", key: "a" },
 * ]);
 * assertEquals(effect, new Map([["a", undefined]]));
 * ```
 */
export function normalizeStateBatch(ops: readonly StateStoreOp[]): Map<string, Uint8Array | undefined> {
  if (!Array.isArray(ops)) {
    throw new TypeError(`Cannot apply state batch as ops must be an array: current type is ${typeof ops}`);
  }
  const effect = new Map<string, Uint8Array | undefined>();
  ops.forEach((op: unknown, i) => {
    const o = op as Partial<{ type: unknown; key: unknown; value: unknown }> | null;
    if (typeof o !== "object" || o === null || (o.type !== "put" && o.type !== "delete")) {
      throw new TypeError(
        `Cannot apply state batch as op ${i} must be { type: "put" | "delete", key }: current value is ${
          String(o?.type ?? o)
        }`,
      );
    }
    checkStateKey(o.key, `apply batch op ${i} with`);
    // Re-inserting moves the key to the end, so the map's order is the order of last writes.
    effect.delete(o.key);
    effect.set(o.key, o.type === "put" ? copyStateValue(o.value, `apply batch op ${i} with`) : undefined);
  });
  return effect;
}

/** The range of keys a `list` call selects: `lower <= key < upper` (no upper bound when `undefined`). */
export interface StateKeyRange {
  /** Smallest key in the range. */
  readonly lower: string;
  /** First key above the range, or `undefined` for no upper bound. */
  readonly upper: string | undefined;
  /** Most keys to return (`Infinity` without a limit). */
  readonly limit: number;
  /** True when no key can match, so a store need not ask its backend. */
  readonly empty: boolean;
}

/**
 * Checks `list` arguments and turns prefix, `start` and `end` into one half-open range of keys.
 *
 * @example A prefix and a start key
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stateKeyRange } from "weirjs/state";
 *
 * assertEquals(
 *   stateKeyRange("ckpt/", { start: "ckpt/5" }),
 *   { lower: "ckpt/5", upper: "ckpt0", limit: Infinity, empty: false },
 * );
 * ```
 */
export function stateKeyRange(prefix: string, options: StateStoreListOptions = {}): StateKeyRange {
  checkBound(prefix, "prefix");
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot list state keys as options must be an object: current type is ${typeof options}`);
  }
  const { start, end, limit = Infinity } = options;
  if (start !== undefined) checkBound(start, "start");
  if (end !== undefined) checkBound(end, "end");
  if (typeof limit !== "number" || !(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new RangeError(
      `Cannot list state keys as limit must be a non-negative integer or Infinity: current value is ${String(limit)}`,
    );
  }
  const lower = start !== undefined && start > prefix ? start : prefix;
  const next = prefixSuccessor(prefix);
  const upper = end === undefined ? next : next === undefined || end < next ? end : next;
  return { lower, upper, limit, empty: limit === 0 || (upper !== undefined && lower >= upper) };
}

/** The smallest string greater than every string that starts with `prefix`, or `undefined` if none. */
function prefixSuccessor(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return undefined;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

function checkBound(bound: unknown, name: string): void {
  if (typeof bound !== "string") {
    throw new TypeError(`Cannot list state keys as ${name} must be a string: current type is ${typeof bound}`);
  }
  // Bounds may split a surrogate pair (a code-unit prefix), so only the length is limited.
  const bytes = utf8Upper(bound);
  if (bytes > MAX_STATE_KEY_BYTES) {
    throw new RangeError(
      `Cannot list state keys as ${name} must be at most ${MAX_STATE_KEY_BYTES} UTF-8 bytes: current length is ${bytes}`,
    );
  }
}

/** UTF-8 length counting a lone surrogate as the 3 bytes of its replacement character. */
function utf8Upper(s: string): number {
  const n = utf8ByteLength(s);
  return n >= 0 ? n : utf8ByteLength(s.replace(/\p{Cs}/gu, "\ufffd"));
}
