// The binary encoding of checkpointed values. JSON cannot carry what operator state holds (±Infinity
// watermarks, global windows [-Infinity, Infinity), NaN, -0, undefined), so every number is stored
// exactly (float64 unless it is a small integer) and the structured-clone types accumulators may use
// (Map, Set, Date, bigint, typed arrays) have tags of their own. Shared references are written once per
// occurrence (a checkpoint is a tree); a cycle fails on the depth limit instead of looping.
// This file holds the tags and errors; _encode.ts and _decode.ts the two directions.

export const UNDEFINED = 0,
  NULL = 1,
  FALSE = 2,
  TRUE = 3,
  INT = 4,
  FLOAT = 5,
  ASCII = 6,
  UTF8 = 7,
  ARRAY = 8,
  OBJECT = 9;
export const BIGINT = 10, DATE = 11, MAP = 12, SET = 13, TYPED = 14, BUFFER = 15;

export const MAX_DEPTH = 2_000;

type TypedArrayCtor = {
  new (buffer: ArrayBuffer, offset?: number, length?: number): ArrayBufferView;
  BYTES_PER_ELEMENT: number;
};
export const TYPED_ARRAYS: TypedArrayCtor[] = [
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** A value that cannot be checkpointed (a function, a class instance, a cycle...). */
export class UnencodableError extends Error {}

/** A byte sequence that is not a valid encoding (truncated, or bytes that were changed). */
export class MalformedError extends Error {}
