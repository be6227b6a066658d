// Encoding for checkpoints (see _codec_tags.ts for the format).
import {
  ARRAY,
  ASCII,
  BIGINT,
  BUFFER,
  DATE,
  FALSE,
  FLOAT,
  INT,
  MAP,
  MAX_DEPTH,
  NULL,
  OBJECT,
  SET,
  TRUE,
  TYPED,
  TYPED_ARRAYS,
  UNDEFINED,
  UnencodableError,
  UTF8,
} from "./_codec_tags.ts";

const utf8 = new TextEncoder();

/** Bytes `value()` reserves before each value: a tag and a float64 or a varint fit. */
const HEADROOM = 16;

/** `steps()` pauses after about this many bytes: a fraction of a millisecond of encoding. */
const STEP_BYTES = 16 * 1024;

/** Below this depth `steps()` hands everything to `value()`: deep nesting is small, and nested generators cost stack. */
const STEP_DEPTH = 16;

/** Containers with at least this many entries are large: `steps()` does not descend into their small entries. */
const LARGE = 256;

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `steps()` walks entry `x` of a container of `size` entries itself: in small containers every container, in large ones only large ones. */
function descends(x: unknown, size: number): x is object {
  if (typeof x !== "object" || x === null) return false;
  if (size < LARGE) return true;
  if (Array.isArray(x)) return x.length >= LARGE;
  return (x instanceof Map || x instanceof Set) && x.size >= LARGE;
}

class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A varint; the caller made room for 5 bytes. */
  uint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  /** A string's bytes with a length prefix; returns whether it was all ASCII. */
  text(s: string): boolean {
    const n = s.length;
    if (n < 128) {
      this.ensure(n + 1);
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        this.buf[start + i] = c;
      }
      if (i === n) {
        this.buf[this.pos] = n;
        this.pos = start + n;
        return true;
      }
    }
    // Worst case 3 bytes per UTF-16 unit; the length prefix goes in front once the size is known.
    this.ensure(n * 3 + 5);
    const start = this.pos + 5;
    const { written } = utf8.encodeInto(s, this.buf.subarray(start));
    const prefix = this.pos;
    this.uint(written); // room: the 5 bytes reserved in front
    const used = this.pos - prefix;
    this.buf.copyWithin(prefix + used, start, start + written);
    this.pos = prefix + used + written;
    return false;
  }

  /** A float64; the caller made room for 8 bytes. */
  float(x: number): void {
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(5 + b.length);
    this.uint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** `pos` at the last pause of `steps()`. */
  mark = 0;

  /**
   * Writes what `value(v, depth)` writes, pausing (a `yield`) every STEP_BYTES or so. It walks the
   * containers itself down to the large ones (a state's key and accumulator lists) and hands their
   * small entries to `value()`, so that pausing costs no generator per entry.
   */
  *steps(v: unknown, depth: number): Generator<void, void, void> {
    if (
      depth >= STEP_DEPTH || typeof v !== "object" || v === null ||
      !(Array.isArray(v) || v instanceof Map || v instanceof Set || isPlain(v))
    ) {
      this.value(v, depth);
      return;
    }
    if (depth >= MAX_DEPTH) throw new UnencodableError(`it nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
    const d = depth + 1;
    if (this.pos + HEADROOM > this.buf.length) this.ensure(HEADROOM);
    if (Array.isArray(v)) {
      this.buf[this.pos++] = ARRAY;
      const n = v.length;
      this.uint(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (descends(x, n)) yield* this.steps(x, d);
        else this.value(x, d);
        if (this.pos - this.mark >= STEP_BYTES) yield* this.pause();
      }
    } else if (v instanceof Map) {
      this.buf[this.pos++] = MAP;
      const n = v.size;
      this.uint(n);
      for (const [k, x] of v) {
        if (descends(k, n)) yield* this.steps(k, d);
        else this.value(k, d);
        if (descends(x, n)) yield* this.steps(x, d);
        else this.value(x, d);
        if (this.pos - this.mark >= STEP_BYTES) yield* this.pause();
      }
    } else if (v instanceof Set) {
      this.buf[this.pos++] = SET;
      const n = v.size;
      this.uint(n);
      for (const x of v) {
        if (descends(x, n)) yield* this.steps(x, d);
        else this.value(x, d);
        if (this.pos - this.mark >= STEP_BYTES) yield* this.pause();
      }
    } else {
      this.buf[this.pos++] = OBJECT;
      const keys = Object.keys(v);
      this.uint(keys.length);
      for (const k of keys) {
        this.value(k, d);
        const x = (v as Record<string, unknown>)[k];
        if (descends(x, 0)) yield* this.steps(x, d);
        else this.value(x, d);
        if (this.pos - this.mark >= STEP_BYTES) yield* this.pause();
      }
    }
  }

  *pause(): Generator<void, void, void> {
    this.mark = this.pos;
    yield;
  }

  value(v: unknown, depth: number): void {
    // Room for a tag and what follows it except string and byte payloads (at most 10 bytes), so
    // the writes below need no checks of their own.
    if (this.pos + HEADROOM > this.buf.length) this.ensure(HEADROOM);
    switch (typeof v) {
      case "number":
        // Small integers as zig-zag varints; everything else (fractions, ±Infinity, NaN, -0) as float64.
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          this.buf[this.pos++] = INT;
          this.uint(((v << 1) ^ (v >> 31)) >>> 0);
        } else {
          this.buf[this.pos++] = FLOAT;
          this.float(v);
        }
        return;
      case "string": {
        const tagAt = this.pos;
        this.pos++;
        // Evaluated first: text() may grow (replace) the buffer.
        const ascii = this.text(v);
        this.buf[tagAt] = ascii ? ASCII : UTF8;
        return;
      }
      case "boolean":
        this.buf[this.pos++] = v ? TRUE : FALSE;
        return;
      case "undefined":
        this.buf[this.pos++] = UNDEFINED;
        return;
      case "bigint":
        this.buf[this.pos++] = BIGINT;
        this.text(v.toString());
        return;
      case "object":
        if (v === null) {
          this.buf[this.pos++] = NULL;
          return;
        }
        if (depth >= MAX_DEPTH) throw new UnencodableError(`it nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
        this.object(v, depth + 1);
        return;
      default:
        throw new UnencodableError(`it holds a ${typeof v}, which is not data`);
    }
  }

  object(v: object, depth: number): void {
    if (Array.isArray(v)) {
      this.buf[this.pos++] = ARRAY;
      const n = v.length;
      this.uint(n);
      for (let i = 0; i < n; i++) this.value(v[i], depth);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      this.buf[this.pos++] = OBJECT;
      const keys = Object.keys(v);
      this.uint(keys.length);
      for (const k of keys) {
        this.value(k, depth);
        this.value((v as Record<string, unknown>)[k], depth);
      }
      return;
    }
    if (v instanceof Date) {
      this.buf[this.pos++] = DATE;
      this.float(v.getTime());
    } else if (v instanceof Map) {
      this.buf[this.pos++] = MAP;
      this.uint(v.size);
      for (const [k, x] of v) {
        this.value(k, depth);
        this.value(x, depth);
      }
    } else if (v instanceof Set) {
      this.buf[this.pos++] = SET;
      this.uint(v.size);
      for (const x of v) this.value(x, depth);
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const kind = TYPED_ARRAYS.findIndex((C) => v instanceof C);
      if (kind < 0) throw new UnencodableError(`it holds a ${v.constructor.name}, which has no checkpoint encoding`);
      this.buf[this.pos++] = TYPED;
      this.buf[this.pos++] = kind;
      this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else if (v instanceof ArrayBuffer) {
      this.buf[this.pos++] = BUFFER;
      this.bytes(new Uint8Array(v));
    } else {
      const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? "object";
      throw new UnencodableError(
        `it holds an instance of ${name}; only plain objects, arrays, Map, Set, Date, bigint and typed arrays are data`,
      );
    }
  }
}

/**
 * Encodes `value` exactly; throws `UnencodableError` for what is not data. `sizeHint` (bytes) sizes the
 * buffer up front, so that a large state (such as the same operator's at the previous checkpoint) is
 * not copied each time the buffer grows.
 */
export function encodeValue(value: unknown, sizeHint = 1024): Uint8Array {
  const w = new Writer(sizeHint);
  w.value(value, 0);
  return w.buf.subarray(0, w.pos);
}

/**
 * Encodes `value` to the bytes `encodeValue` writes, in steps: the generator yields about every
 * 16 KiB written, so that a caller can encode a large state in slices between other work. `value`
 * must not change until the generator is done.
 */
export function* encodeInSteps(value: unknown, sizeHint = 1024): Generator<void, Uint8Array, void> {
  const w = new Writer(sizeHint);
  yield* w.steps(value, 0);
  return w.buf.subarray(0, w.pos);
}
