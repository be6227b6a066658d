// Decoding for checkpoints (see _codec_tags.ts for the format).
import {
  ARRAY,
  ASCII,
  BIGINT,
  BUFFER,
  DATE,
  FALSE,
  FLOAT,
  INT,
  MalformedError,
  MAP,
  MAX_DEPTH,
  NULL,
  OBJECT,
  SET,
  TRUE,
  TYPED,
  TYPED_ARRAYS,
  UNDEFINED,
  UTF8,
} from "./_codec_tags.ts";

// ignoreBOM: a string that starts with U+FEFF keeps it (the default would strip it as a byte-order mark).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new MalformedError(`it ends early (at byte ${this.pos} of ${this.buf.length})`);
    }
  }

  uint(): number {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new MalformedError(`it has an overlong number at byte ${this.pos}`);
  }

  ascii(): string {
    const n = this.uint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (n < 64) {
      let s = "";
      for (let i = start; i < start + n; i++) s += String.fromCharCode(this.buf[i]!);
      return s;
    }
    return strictUtf8.decode(this.buf.subarray(start, start + n));
  }

  utf8(): string {
    const n = this.uint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    try {
      return strictUtf8.decode(this.buf.subarray(start, start + n));
    } catch {
      throw new MalformedError(`it has invalid UTF-8 at byte ${start}`);
    }
  }

  float(): number {
    this.need(8);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  count(): number {
    const n = this.uint();
    // Each element takes at least one byte: a larger count can only come from damage.
    if (n > this.buf.length - this.pos) {
      throw new MalformedError(`it announces ${n} elements with ${this.buf.length - this.pos} bytes left`);
    }
    return n;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH + 1) throw new MalformedError(`it nests deeper than ${MAX_DEPTH} levels`);
    this.need(1);
    const tag = this.buf[this.pos++]!;
    switch (tag) {
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case INT: {
        const z = this.uint();
        return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      case FLOAT:
        return this.float();
      case ASCII:
        return this.ascii();
      case UTF8:
        return this.utf8();
      case ARRAY: {
        const n = this.count();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value(depth + 1);
        return a;
      }
      case OBJECT: {
        const n = this.count();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.value(depth + 1);
          if (typeof k !== "string") {
            throw new MalformedError(`it has a ${typeof k} as an object key at byte ${this.pos}`);
          }
          // defineProperty, so that a "__proto__" key stays an own property as it was.
          Object.defineProperty(o, k, {
            value: this.value(depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return o;
      }
      case BIGINT: {
        const s = this.ascii();
        if (!/^-?\d+$/.test(s)) throw new MalformedError(`it has a bad bigint ${JSON.stringify(s)}`);
        return BigInt(s);
      }
      case DATE:
        return new Date(this.float());
      case MAP: {
        const n = this.count();
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const k = this.value(depth + 1);
          m.set(k, this.value(depth + 1));
        }
        return m;
      }
      case SET: {
        const n = this.count();
        const s = new Set<unknown>();
        for (let i = 0; i < n; i++) s.add(this.value(depth + 1));
        return s;
      }
      case TYPED: {
        this.need(1);
        const C = TYPED_ARRAYS[this.buf[this.pos++]!];
        if (C === undefined) throw new MalformedError(`it has an unknown typed array kind at byte ${this.pos - 1}`);
        const bytes = this.rawBytes();
        if (bytes.length % C.BYTES_PER_ELEMENT !== 0) {
          throw new MalformedError(`it has a ${C.name} of ${bytes.length} bytes`);
        }
        return new C(bytes.buffer, 0, bytes.length / C.BYTES_PER_ELEMENT);
      }
      case BUFFER:
        return this.rawBytes().buffer;
      default:
        throw new MalformedError(`it has an unknown tag ${tag} at byte ${this.pos - 1}`);
    }
  }

  /** A copy (aligned, and not aliasing the input). */
  rawBytes(): Uint8Array<ArrayBuffer> {
    const n = this.uint();
    this.need(n);
    const copy = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return copy;
  }
}

/** Decodes what `encodeValue` wrote; throws `MalformedError` on bytes it cannot have written. */
export function decodeValue(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  const v = r.value(0);
  if (r.pos !== bytes.length) throw new MalformedError(`it has ${bytes.length - r.pos} bytes after the value`);
  return v;
}
