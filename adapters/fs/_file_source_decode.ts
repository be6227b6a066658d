// What the record decoders of fileSource share, and the NDJSON one: a run of complete records in,
// values out, each bad record reported with its line and byte offset.
import type { RecordRun } from "./_file_source_records.ts";

/** Reports a bad record: hands it to onInvalid, or throws when there is none. */
export type Report = (message: string, line: number, byte: number, cause?: unknown) => void;

/** The user's record-to-value function, with where the record is. */
export type ParseRecord<T> = (record: unknown, line: number, byte: number) => T;

export interface RecordDecoder<T> {
  /** Appends the values of the run's good records to `out`, reporting the bad ones in order. */
  decode(run: RecordRun, out: T[]): void;
  /** Told of each record that passed maxLineBytes (and was reported). */
  tooLong?(line: number): void;
}

const CR = 0x0d;

/** End of record `i`'s content in `run.bytes`: without its LF or CRLF. */
export function contentEnd(run: RecordRun, i: number): number {
  const start = i === 0 ? 0 : run.ends[i - 1]!;
  let end = run.ends[i]!;
  if (end > start && run.bytes[end - 1] === 0x0a) end--;
  if (end > start && run.bytes[end - 1] === CR) end--;
  return end;
}

/** Applies `parse` to a decoded record, reporting what it throws. */
export function applyParse<T>(
  parse: ParseRecord<T> | undefined,
  record: unknown,
  line: number,
  byte: number,
  report: Report,
  out: T[],
): void {
  if (parse === undefined) {
    out.push(record as T);
    return;
  }
  let value: T;
  try {
    value = parse(record, line, byte);
  } catch (cause) {
    report(
      `parse threw: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
      line,
      byte,
      cause,
    );
    return;
  }
  out.push(value);
}

/** One JSON value per line; blank lines are skipped. */
export class NdjsonRecordDecoder<T> implements RecordDecoder<T> {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  readonly #report: Report;
  readonly #parse: ParseRecord<T> | undefined;

  constructor(report: Report, parse: ParseRecord<T> | undefined) {
    this.#report = report;
    this.#parse = parse;
  }

  decode(run: RecordRun, out: T[]): void {
    let text: string;
    try {
      text = this.#decoder.decode(run.bytes);
    } catch {
      return this.#lineByLine(run, out);
    }
    // Valid UTF-8 holds exactly one "\n" per LF byte, so the text's lines are the records.
    let s = 0;
    for (let i = 0; i < run.ends.length; i++) {
      let e = text.indexOf("\n", s);
      if (e === -1) e = text.length;
      const end = e > s && text.charCodeAt(e - 1) === CR ? e - 1 : e;
      this.#line(text.slice(s, end), run.lines[i]!, run.byte + (i === 0 ? 0 : run.ends[i - 1]!), out);
      s = e + 1;
    }
  }

  #lineByLine(run: RecordRun, out: T[]): void {
    for (let i = 0; i < run.ends.length; i++) {
      const start = i === 0 ? 0 : run.ends[i - 1]!;
      const line = run.lines[i]!;
      const byte = run.byte + start;
      let text: string;
      try {
        text = this.#decoder.decode(run.bytes.subarray(start, contentEnd(run, i)));
      } catch (cause) {
        this.#report("Invalid UTF-8", line, byte, cause);
        continue;
      }
      this.#line(text, line, byte, out);
    }
  }

  #line(text: string, line: number, byte: number, out: T[]): void {
    if (isBlank(text)) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      this.#report(`Invalid JSON: ${(cause as Error).message}`, line, byte, cause);
      return;
    }
    applyParse(this.#parse, value, line, byte, this.#report, out);
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
