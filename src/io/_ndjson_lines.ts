// The byte-level engine behind NdjsonDecoderStream: splits bytes into lines, keeps line numbers
// and byte offsets exact, bounds what one line may buffer, and parses each line as JSON.
// It works on bytes rather than decoded text so offsets are byte offsets in the original input
// (a resumable position in a file) whatever CRLF, BOM or multibyte characters the input holds.
import { DecodeError } from "../errors.ts";
import type { NdjsonErrorPolicy, NdjsonRecord } from "./ndjson_decoder_stream.ts";

const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;
/** Bytes of whole lines decoded into one string (see #scan). */
const RUN_BYTES = 64 * 1024;

export interface NdjsonLinesConfig {
  maxLineBytes: number;
  onError: NdjsonErrorPolicy;
  offsets: boolean;
  startOffset: number;
  startLine: number;
}

type Emit = (chunk: unknown) => void;

export class NdjsonLines {
  readonly #config: NdjsonLinesConfig;
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #encoder: TextEncoder | undefined;
  // Bytes of the unfinished current line; never grows past maxLineBytes + 1.
  #pending = new Uint8Array(256);
  #pendingLength = 0;
  // First bytes of the input while they may still turn out to be a split BOM.
  #head: Uint8Array | undefined = new Uint8Array(0);
  // The current line was reported as too long; its remaining bytes are dropped up to its newline.
  #discarding = false;
  #base: number; // absolute byte offset of the chunk being processed
  #lineStart: number; // absolute byte offset of the current line's first byte
  #line: number; // number of the current line

  constructor(config: NdjsonLinesConfig) {
    this.#config = config;
    this.#base = config.startOffset;
    this.#lineStart = config.startOffset;
    this.#line = config.startLine;
  }

  push(chunk: Uint8Array | string, emit: Emit): void {
    let bytes: Uint8Array;
    if (typeof chunk === "string") {
      bytes = (this.#encoder ??= new TextEncoder()).encode(chunk);
    } else if (chunk instanceof Uint8Array) {
      bytes = chunk;
    } else {
      throw new TypeError(
        `Cannot decode NDJSON chunk as it must be a Uint8Array or a string: received ${describe(chunk)}`,
      );
    }
    if (this.#head !== undefined) {
      const head = concat(this.#head, bytes);
      if (head.length < BOM.length && head.every((b, i) => b === BOM[i])) {
        this.#head = head;
        return;
      }
      this.#head = undefined;
      bytes = head;
      if (BOM.every((b, i) => head[i] === b)) {
        bytes = head.subarray(BOM.length);
        this.#base += BOM.length;
        this.#lineStart += BOM.length;
      }
    }
    this.#scan(bytes, emit);
  }

  end(emit: Emit): void {
    if (this.#head !== undefined) {
      // Input shorter than a BOM: its bytes are data.
      const head = this.#head;
      this.#head = undefined;
      this.#scan(head, emit);
    }
    if (this.#discarding) {
      this.#discarding = false;
      this.#line++;
    } else if (this.#pendingLength > 0) {
      this.#completeLine(this.#pending.subarray(0, this.#pendingLength), this.#base, emit);
      this.#pendingLength = 0;
    }
  }

  #scan(bytes: Uint8Array, emit: Emit): void {
    const max = this.#config.maxLineBytes;
    let pos = 0;
    const last = bytes.lastIndexOf(LF);
    if (last !== -1) {
      const first = bytes.indexOf(LF);
      if (this.#discarding) {
        this.#discarding = false;
        this.#line++;
        this.#lineStart = this.#base + first + 1;
        pos = first + 1;
      } else if (this.#pendingLength > 0) {
        if (this.#pendingLength + first > max + 1) {
          // Too long even if it ends in CR: report without copying it.
          this.#tooLong(this.#pending.subarray(0, this.#pendingLength), this.#line++);
          this.#lineStart = this.#base + first + 1;
        } else {
          this.#append(bytes.subarray(0, first));
          this.#completeLine(this.#pending.subarray(0, this.#pendingLength), this.#base + first + 1, emit);
        }
        this.#pendingLength = 0;
        pos = first + 1;
      }
      // At most RUN_BYTES decoded at a time: lines sliced out of one string per 1 MiB chunk parsed
      // a third slower on V8 than out of 64 KiB strings.
      while (pos <= last) {
        const end = last - pos <= RUN_BYTES ? last : bytes.indexOf(LF, pos + RUN_BYTES);
        this.#completeRun(bytes, pos, end, emit);
        pos = end + 1;
      }
      pos = last + 1;
    }
    if (!this.#discarding && pos < bytes.length) {
      const length = this.#pendingLength + bytes.length - pos;
      // A line of exactly maxLineBytes may still be followed by the CR of a CRLF.
      if (length > max + 1 || (length === max + 1 && bytes[bytes.length - 1] !== CR)) {
        this.#tooLong(
          concat(this.#pending.subarray(0, this.#pendingLength), bytes.subarray(pos, pos + max)),
          this.#line,
        );
        this.#pendingLength = 0;
        this.#discarding = true;
      } else {
        this.#append(bytes.subarray(pos));
      }
    }
    this.#base += bytes.length;
  }

  // Completes the whole lines in bytes[pos..last], `last` being the position of a LF. One decode
  // call for all of them is much faster than one per line; as the decoder is fatal, the text holds
  // exactly one "\n" per LF byte, which keeps text and byte positions in step.
  #completeRun(bytes: Uint8Array, pos: number, last: number, emit: Emit): void {
    let text: string;
    try {
      text = this.#decoder.decode(bytes.subarray(pos, last));
    } catch {
      // Invalid UTF-8 somewhere: go line by line, so that the error names its line.
      for (let nl = bytes.indexOf(LF, pos); nl !== -1 && nl <= last; nl = bytes.indexOf(LF, pos)) {
        this.#completeLine(bytes.subarray(pos, nl), this.#base + nl + 1, emit);
        pos = nl + 1;
      }
      return;
    }
    const max = this.#config.maxLineBytes;
    let start = 0;
    for (let nl = bytes.indexOf(LF, pos); nl !== -1 && nl <= last; nl = bytes.indexOf(LF, pos)) {
      const end = nl === last ? text.length : text.indexOf("\n", start);
      const line = this.#line++;
      const offset = this.#lineStart;
      const nextOffset = this.#base + nl + 1;
      this.#lineStart = nextOffset;
      const cr = nl > pos && bytes[nl - 1] === CR ? 1 : 0;
      if (nl - pos - cr > max) {
        this.#tooLong(bytes.subarray(pos, nl), line);
      } else {
        const lineText = text.slice(start, end - cr);
        if (!isBlank(lineText)) this.#parse(lineText, line, offset, nextOffset, emit);
      }
      start = end + 1;
      pos = nl + 1;
    }
  }

  // Completes one line (`bytes` without its LF).
  #completeLine(bytes: Uint8Array, nextOffset: number, emit: Emit): void {
    const line = this.#line++;
    const offset = this.#lineStart;
    this.#lineStart = nextOffset;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (end > this.#config.maxLineBytes) return this.#tooLong(bytes, line);
    const content = bytes.subarray(0, end);
    let text: string;
    try {
      text = this.#decoder.decode(content);
    } catch (cause) {
      const error = new DecodeError(`Invalid UTF-8 on line ${line}`, { cause, line });
      return this.#fail(error, new TextDecoder().decode(content));
    }
    if (!isBlank(text)) this.#parse(text, line, offset, nextOffset, emit);
  }

  #parse(text: string, line: number, offset: number, nextOffset: number, emit: Emit): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      const error = new DecodeError(`Invalid JSON on line ${line}: ${(cause as Error).message}`, { cause, line });
      return this.#fail(error, text);
    }
    emit(this.#config.offsets ? { value, line, offset, nextOffset } satisfies NdjsonRecord : value);
  }

  // `prefix` is what was buffered of the line; the caller drops the rest of it.
  #tooLong(prefix: Uint8Array, line: number): void {
    const max = this.#config.maxLineBytes;
    const error = new DecodeError(
      `Line ${line} is longer than maxLineBytes (${max} bytes): raise maxLineBytes to accept longer lines`,
      { line },
    );
    this.#fail(error, new TextDecoder().decode(prefix.subarray(0, max)));
  }

  #fail(error: DecodeError, text: string): void {
    const policy = this.#config.onError;
    if (policy === "error") throw error;
    if (policy !== "skip") policy(error, text);
  }

  #append(bytes: Uint8Array): void {
    const needed = this.#pendingLength + bytes.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(Math.min(this.#config.maxLineBytes + 1, Math.max(needed, this.#pending.length * 2)));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(bytes, this.#pendingLength);
    this.#pendingLength = needed;
  }
}

// Blank: only spaces, tabs and carriage returns (the JSON whitespace a line can hold).
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
