// Splits the bytes of one file into records, keeping byte offsets and line numbers exact however
// the file is cut into chunks. A record ends at a LF (a CR before it belongs to the terminator);
// in CSV, a LF inside a quoted field does not end it (RFC 4180), so a record may span lines.
//
//   bytes   E F B B B F a , " x LF y " LF 1 , 2 CR LF
//   offset  0 1 2 3 4 5 6 7 8 9 10 ...
//           └─ BOM ─┘ └─ record 1, lines 1-2 ─┘ └─ record 2, line 3 ─┘
//
// The splitter only finds record boundaries; the records' contents are checked and parsed by the
// format's decoder. A record longer than maxLineBytes is cut where it passes the limit (a byte
// position, so it does not depend on chunking) and the rest is dropped up to the next LF.

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** A contiguous run of complete records. */
export interface RecordRun {
  /** The records' bytes, from the first one's start to the last one's end (terminators included). */
  readonly bytes: Uint8Array;
  /** Absolute file offset of `bytes[0]`. */
  readonly byte: number;
  /** End of each record in `bytes` (just after its LF, or the end of the file). */
  readonly ends: number[];
  /** Line number of each record's first line. */
  readonly lines: number[];
}

/** A record that passed maxLineBytes; its bytes are dropped. */
export interface TooLongRecord {
  readonly tooLong: true;
  readonly byte: number;
  readonly line: number;
}

export type Split = RecordRun | TooLongRecord;

export interface SplitterConfig {
  /** Track CSV quoting with this field delimiter byte; NDJSON records are single lines. */
  readonly csvDelimiter?: number;
  readonly maxLineBytes: number;
  /** Absolute offset of the first byte pushed; a BOM is skipped only at offset 0. */
  readonly byte: number;
  /** Number of lines before that byte. */
  readonly line: number;
}

export class RecordSplitter {
  readonly #csv: boolean;
  readonly #delimiter: number;
  readonly #max: number;
  // Bytes of the current record that arrived in earlier chunks.
  #pending = new Uint8Array(0);
  // First bytes of the file while they may still be a split BOM.
  #head: Uint8Array | undefined;
  #base: number; // absolute offset of the next byte to arrive
  #start: number; // absolute offset of the current record's first byte
  #line: number; // line number of the current record's first line
  #lfs = 0; // LFs inside quotes in the current record so far
  #quoted = false;
  #fieldStart = true;
  #closed = false; // the previous byte closed a quoted field (a quote now is an escaped quote)
  #discarding = false;

  constructor(config: SplitterConfig) {
    this.#csv = config.csvDelimiter !== undefined;
    this.#delimiter = config.csvDelimiter ?? -1;
    this.#max = config.maxLineBytes;
    this.#base = this.#start = config.byte;
    this.#line = config.line + 1;
    if (config.byte === 0) this.#head = new Uint8Array(0);
  }

  /** Where reading resumes to get the records that follow those split so far. */
  get byte(): number {
    return this.#start;
  }

  /** Lines before `byte`. */
  get line(): number {
    return this.#line - 1;
  }

  push(chunk: Uint8Array): Split[] {
    let bytes = chunk;
    if (this.#head !== undefined) {
      const head = concat(this.#head, chunk);
      if (head.length < BOM.length && head.every((b, i) => b === BOM[i])) {
        this.#head = head;
        return [];
      }
      this.#head = undefined;
      bytes = head;
      if (BOM.every((b, i) => head[i] === b)) {
        bytes = head.subarray(BOM.length);
        this.#base += BOM.length;
        this.#start += BOM.length;
      }
    }
    return this.#scan(bytes);
  }

  /** The end of the file: an unterminated last record is complete. */
  end(): Split[] {
    // A file shorter than a BOM: its bytes are data.
    const head = this.#head;
    this.#head = undefined;
    const out = head !== undefined && head.length > 0 ? this.#scan(head) : [];
    if (this.#discarding) {
      this.#discarding = false;
      this.#next(this.#base);
    } else if (this.#pending.length > 0) {
      const bytes = this.#pending;
      out.push({ bytes, byte: this.#start, ends: [bytes.length], lines: [this.#line] });
      this.#pending = new Uint8Array(0);
      this.#next(this.#base);
    }
    return out;
  }

  // The current record ended just before `start`: the next one begins there.
  #next(start: number): void {
    this.#line += this.#lfs + 1;
    this.#lfs = 0;
    this.#start = start;
    this.#quoted = false;
    this.#fieldStart = true;
    this.#closed = false;
  }

  #scan(chunk: Uint8Array): Split[] {
    const out: Split[] = [];
    let bytes = chunk;
    let pos = 0;
    // Absolute offset of bytes[0].
    let base = this.#base;
    this.#base += chunk.length;
    if (this.#discarding) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) return out;
      this.#discarding = false;
      this.#next(base + lf + 1);
      pos = lf + 1;
    } else if (this.#pending.length > 0) {
      bytes = concat(this.#pending, chunk);
      pos = this.#pending.length;
      base -= this.#pending.length;
      this.#pending = new Uint8Array(0);
    }
    // Where the current record begins (pending bytes included), and the current run of complete records.
    let recStart = bytes === chunk ? pos : 0;
    let runStart = recStart;
    let ends: number[] = [];
    let lines: number[] = [];
    const flush = (end: number) => {
      if (ends.length > 0) {
        out.push({ bytes: bytes.subarray(runStart, end), byte: base + runStart, ends, lines });
        ends = [];
        lines = [];
      }
    };
    const max = this.#max;
    for (;;) {
      // The record's end (a LF outside quotes) and whether it passes the limit first.
      let lf: number;
      let cut = -1;
      if (this.#csv) {
        lf = -1;
        // The quoting state in locals: this loop sees every byte of a CSV file.
        let quoted = this.#quoted, closed = this.#closed, fieldStart = this.#fieldStart, lfs = this.#lfs;
        const delimiter = this.#delimiter;
        for (let i = pos; i < bytes.length; i++) {
          const b = bytes[i]!;
          if (quoted) {
            if (b === QUOTE) {
              quoted = false;
              closed = true;
            } else if (b === LF) lfs++;
          } else if (b === LF) {
            lf = i;
            break;
          } else if (b === QUOTE) {
            if (fieldStart || closed) quoted = true;
            closed = false;
            fieldStart = false;
          } else {
            closed = false;
            fieldStart = b === delimiter;
          }
          // Bytes so far (this one included) beyond max, unless this is the CR of a CRLF.
          const n = i - recStart;
          if (n >= max && (n > max || b !== CR)) {
            cut = i;
            break;
          }
        }
        this.#quoted = quoted;
        this.#closed = closed;
        this.#fieldStart = fieldStart;
        this.#lfs = lfs;
      } else {
        lf = bytes.indexOf(LF, pos);
        const end = lf === -1 ? bytes.length : lf;
        const n = end - recStart;
        if (n > max + 1 || (n === max + 1 && bytes[end - 1] !== CR)) cut = recStart + max;
        if (lf === -1 && cut === -1) break;
      }
      if (cut !== -1) {
        flush(recStart);
        out.push({ tooLong: true, byte: base + recStart, line: this.#line });
        const next = lf !== -1 && !this.#csv ? lf : bytes.indexOf(LF, cut + 1);
        if (next === -1) {
          this.#discarding = true;
          return out;
        }
        this.#next(base + next + 1);
        pos = runStart = recStart = next + 1;
        continue;
      }
      if (lf === -1) break;
      ends.push(lf + 1 - runStart);
      lines.push(this.#line);
      this.#next(base + lf + 1);
      pos = recStart = lf + 1;
    }
    flush(recStart);
    if (recStart < bytes.length) this.#pending = bytes.slice(recStart);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
