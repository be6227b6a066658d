// CSV records of fileSource, parsed by csv-parse (loaded on first use, so that the rest of the fs
// adapter works without it). The splitter has already cut the file into records, so csv-parse gets
// whole records: a run of good ones in one call, and one record at a time when that call fails, to
// report each bad record with its own line and byte offset while the others go through.
import type { Options as CsvParseOptions } from "csv-parse/sync";
import { applyParse, contentEnd, type ParseRecord, type RecordDecoder, type Report } from "./_file_source_decode.ts";
import type { RecordRun } from "./_file_source_records.ts";

export type CsvParse = (input: Uint8Array, options: CsvParseOptions) => unknown[];

let loading: Promise<CsvParse> | undefined;

/** csv-parse's synchronous parser, imported once. */
export function loadCsvParse(): Promise<CsvParse> {
  loading ??= import("csv-parse/sync").then(
    (m) => m.parse as unknown as CsvParse,
    (cause) => {
      loading = undefined;
      throw new Error(
        `Cannot read CSV files as the package csv-parse is not installed: npm install csv-parse (Deno: npm:csv-parse@^7.0.3)`,
        { cause },
      );
    },
  );
  return loading;
}

export interface CsvConfig {
  /** true: the first record names the columns; an array names them; false: records are arrays. */
  readonly columns: boolean | readonly string[];
  readonly cast: CsvParseOptions["cast"];
  readonly delimiter: string;
}

export class CsvRecordDecoder<T> implements RecordDecoder<T> {
  readonly #parse: CsvParse;
  readonly #config: CsvConfig;
  readonly #report: Report;
  readonly #map: ParseRecord<T> | undefined;
  readonly #utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  // Still to come from the file (columns: true), or the failure of the header row.
  #needHeader: boolean;
  #headerError: string | undefined;
  #options: CsvParseOptions;

  constructor(parse: CsvParse, config: CsvConfig, report: Report, map: ParseRecord<T> | undefined) {
    this.#parse = parse;
    this.#config = config;
    this.#report = report;
    this.#map = map;
    this.#needHeader = config.columns === true;
    this.#options = this.#optionsFor(Array.isArray(config.columns) ? [...config.columns] : false);
  }

  #optionsFor(columns: string[] | false): CsvParseOptions {
    return {
      delimiter: this.#config.delimiter,
      record_delimiter: ["\r\n", "\n"],
      skip_empty_lines: true,
      columns,
      relax_column_count: columns === false,
      ...(this.#config.cast === undefined ? {} : { cast: this.#config.cast }),
    };
  }

  /** Whether the header row is still to be read (a reader resuming mid-file reads it first). */
  get needsHeader(): boolean {
    return this.#needHeader;
  }

  /**
   * Takes the header row from `run` (read from the file's start) without reporting it when bad, if it
   * starts before `resumeAt`; one that starts there or later is left to the reader. Returns whether the
   * header row was in `run`.
   */
  takeHeader(run: RecordRun, resumeAt: number): boolean {
    const i = this.#firstRecord(run);
    if (i === run.ends.length) return false;
    if (this.#byteOf(run, i) < resumeAt) this.#header(run, i, () => {});
    return true;
  }

  /** A record passed maxLineBytes: when it is the header row, the file has none. */
  tooLong(line: number): void {
    if (!this.#needHeader) return;
    this.#needHeader = false;
    this.#headerError = `the header row on line ${line} is longer than maxLineBytes`;
  }

  decode(run: RecordRun, out: T[]): void {
    let i = 0;
    if (this.#needHeader) {
      i = this.#firstRecord(run);
      if (i === run.ends.length) return;
      this.#header(run, i++, this.#report);
    }
    if (i === run.ends.length) return;
    if (this.#headerError !== undefined) return this.#oneByOne(run, i, out);
    const rows: number[] = []; // the non-blank records, which csv-parse returns one row each
    for (let j = i; j < run.ends.length; j++) if (!this.#blank(run, j)) rows.push(j);
    const start = i === 0 ? 0 : run.ends[i - 1]!;
    let parsed: unknown[];
    try {
      const bytes = run.bytes.subarray(start);
      this.#utf8.decode(bytes);
      parsed = this.#parse(bytes, this.#options);
    } catch {
      return this.#oneByOne(run, i, out);
    }
    if (parsed.length !== rows.length) return this.#oneByOne(run, i, out);
    for (let r = 0; r < rows.length; r++) {
      const j = rows[r]!;
      applyParse(this.#map, parsed[r], run.lines[j]!, this.#byteOf(run, j), this.#report, out);
    }
  }

  #firstRecord(run: RecordRun): number {
    let i = 0;
    while (i < run.ends.length && this.#blank(run, i)) i++;
    return i;
  }

  #header(run: RecordRun, i: number, report: Report): void {
    this.#needHeader = false;
    const row = this.#one(run, i, this.#optionsFor(false), report);
    if (row === undefined) {
      this.#headerError = `the header row on line ${run.lines[i]} is invalid`;
      return;
    }
    this.#options = this.#optionsFor((row as unknown[]).map(String));
  }

  #oneByOne(run: RecordRun, from: number, out: T[]): void {
    for (let j = from; j < run.ends.length; j++) {
      if (this.#blank(run, j)) continue;
      if (this.#headerError !== undefined) {
        this.#report(`Cannot read the record as ${this.#headerError}`, run.lines[j]!, this.#byteOf(run, j));
        continue;
      }
      const row = this.#one(run, j, this.#options, this.#report);
      if (row !== undefined) applyParse(this.#map, row, run.lines[j]!, this.#byteOf(run, j), this.#report, out);
    }
  }

  // Parses record j alone; reports it and returns undefined when it is bad.
  #one(run: RecordRun, j: number, options: CsvParseOptions, report: Report): unknown {
    const line = run.lines[j]!;
    const byte = this.#byteOf(run, j);
    const bytes = run.bytes.subarray(j === 0 ? 0 : run.ends[j - 1]!, run.ends[j]!);
    try {
      this.#utf8.decode(bytes);
    } catch (cause) {
      report("Invalid UTF-8", line, byte, cause);
      return undefined;
    }
    let rows: unknown[];
    try {
      rows = this.#parse(bytes, options);
    } catch (cause) {
      // csv-parse counts lines from 1 in what it was given: the record's first line.
      const message = (cause as Error).message.replace(/\bline (\d+)/g, (_, n) => `line ${line + Number(n) - 1}`);
      report(message, line, byte, cause);
      return undefined;
    }
    if (rows.length !== 1) {
      report(`Expected one record, csv-parse found ${rows.length}`, line, byte);
      return undefined;
    }
    return rows[0];
  }

  #byteOf(run: RecordRun, j: number): number {
    return run.byte + (j === 0 ? 0 : run.ends[j - 1]!);
  }

  // Empty, or only a CR: skipped like csv-parse's skip_empty_lines.
  #blank(run: RecordRun, j: number): boolean {
    return contentEnd(run, j) === (j === 0 ? 0 : run.ends[j - 1]!);
  }
}
