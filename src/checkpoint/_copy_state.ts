// The copy a checkpoint takes at its barrier. Operator states share live structures with their
// operators (accumulators that combiners mutate in place, key and window lists); copying the mutable
// parts is the only work the job waits for, and the encoding of the copy overlaps further processing.
// Only containers are copied: strings, numbers and the other primitives are immutable. What the codec
// refuses (functions, class instances) is kept as is, and refused when the copy is encoded.
import { TYPED_ARRAYS, UnencodableError } from "./_codec_tags.ts";
import { decodeValue } from "./_decode.ts";
import { encodeValue } from "./_encode.ts";
import { isImmutableState } from "./immutable_state.ts";

/** Deeper than this the copy is the codec's round trip: recursion here takes more stack than the codec's. */
const COPY_DEPTH = 200;

/**
 * A copy of `value` that shares no mutable container with it, encoding to the same bytes. `reuse`, a
 * copy this function returned before that nothing else holds, lends its arrays: refilling memory the
 * process already touched costs a fraction of fresh arrays (a large state's key and accumulator lists,
 * and accumulators that are small arrays, come back in the same shape each checkpoint).
 */
export function copyState(value: unknown, reuse?: unknown): unknown {
  return typeof value === "object" && value !== null ? copyObject(value, 0, reuse) : value;
}

function copyObject(v: object, depth: number, reuse: unknown): unknown {
  if (isImmutableState(v)) return v;
  if (depth >= COPY_DEPTH) return roundTrip(v);
  // (a shared immutable part of the previous copy is not refilled)
  if (Array.isArray(v)) return copyArray(v, depth + 1, Array.isArray(reuse) && !isImmutableState(reuse) ? reuse : null);
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const from = typeof reuse === "object" && reuse !== null ? reuse : null;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = copyValue(
        (v as Record<string, unknown>)[k],
        depth + 1,
        from !== null && Object.hasOwn(from, k) ? (from as Record<string, unknown>)[k] : undefined,
      );
      // An own "__proto__" (JSON.parse makes one) must stay a property, not become the prototype.
      if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true });
      else out[k] = x;
    }
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof Map) {
    const out = new Map();
    for (const [k, x] of v) out.set(copyValue(k, depth + 1, undefined), copyValue(x, depth + 1, undefined));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    for (const x of v) out.add(copyValue(x, depth + 1, undefined));
    return out;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    // A copy of the codec's class (a Node Buffer's slice() would share its bytes): the previous copy's
    // array refilled when it has the same class and length, else slice() of an array of exactly that
    // class (a memcpy; `new C(v)` measured several times slower for a 1.6 MB Float64Array).
    const C = TYPED_ARRAYS.find((C) => v instanceof C);
    if (C === undefined) return v;
    const t = v as unknown as Float64Array;
    if (
      reuse !== undefined && reuse !== null && !isImmutableState(reuse as object) &&
      Object.getPrototypeOf(reuse) === C.prototype &&
      (reuse as Float64Array).length === t.length
    ) {
      (reuse as Float64Array).set(t);
      return reuse;
    }
    return Object.getPrototypeOf(v) === C.prototype ? t.slice() : new C(v as never);
  }
  if (v instanceof ArrayBuffer) return v.slice(0);
  return v;
}

/** A copy through the codec; what it refuses (a cycle?) is kept as is, to be refused with its reason when encoded. */
function roundTrip(v: object): unknown {
  try {
    return decodeValue(encodeValue(v));
  } catch (e) {
    if (e instanceof UnencodableError) return v;
    throw e;
  }
}

function copyValue(x: unknown, depth: number, reuse: unknown): unknown {
  return typeof x === "object" && x !== null ? copyObject(x, depth, reuse) : x;
}

/** Arrays are most of a large state (keys, accumulators): `out`'s entries lend themselves to the copies of `v`'s. */
function copyArray(v: unknown[], depth: number, out: unknown[] | null): unknown[] {
  const n = v.length;
  if (out === null) {
    out = v.slice();
    for (let i = 0; i < n; i++) {
      const x = out[i];
      if (typeof x === "object" && x !== null) out[i] = copyObject(x, depth, undefined);
    }
    return out;
  }
  // Shortened, never lengthened (a length set far ahead makes a slow, dictionary array): filled in order.
  if (out.length > n) out.length = n;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    out[i] = typeof x === "object" && x !== null ? copyObject(x, depth, out[i]) : x;
  }
  return out;
}
