/// <reference types="node" />
import { join } from "node:path";
import { DecodeError, type Source, type SourceEvent } from "../../mod.ts";
import { CsvRecordDecoder, loadCsvParse } from "./_csv_records.ts";
import { cleanFile, FileBytes, listFiles, sleep } from "./_file_source_bytes.ts";
import { NdjsonRecordDecoder, type ParseRecord, type RecordDecoder, type Report } from "./_file_source_decode.ts";
import { checkOptions, formatOf } from "./_file_source_options.ts";
import { RecordSplitter, type Split } from "./_file_source_records.ts";

/**
 * Where a {@linkcode fileSource} resumes: just after line `line` (byte `byte`, counted in the
 * decompressed text for `.gz`) of `file`, with the files in `done` already read to their end.
 */
export interface FileSourceOffset {
  /** Name (inside the directory) of the file being read. */
  readonly file: string;
  /** Byte offset where the next record of `file` starts. */
  readonly byte: number;
  /** Number of lines of `file` before `byte` (a CSV record may span several). */
  readonly line: number;
  /**
   * Names of the files read to their end before `file` (those still in the directory). Checkpoints
   * store the list, so a directory that keeps many thousands of read files is best read with
   * `cleanSource`, which takes them out of it.
   */
  readonly done: readonly string[];
}

/** Where a record is: its file, the line it starts on (1-based) and the byte offset of its first byte. */
export interface FileRecordPosition {
  /** Name (inside the directory) of the file. */
  readonly file: string;
  /** Line number of the record's first line. */
  readonly line: number;
  /** Byte offset of the record's first byte (in the decompressed text for `.gz`). */
  readonly byte: number;
}

/** What csv-parse tells a `cast` function about the field it converts. */
export interface CsvCastContext {
  /** The column's name (with columns) or index. */
  readonly column: number | string;
  /** Index of the field in the record. */
  readonly index: number;
  /** Whether the field was quoted. */
  readonly quoting: boolean;
  /** Whether the field belongs to the header row. */
  readonly header: boolean;
}

/** csv-parse's `cast`: `true` turns numbers into numbers; a function converts each field itself. */
export type CsvCast = boolean | ((value: string, context: CsvCastContext) => unknown);

/** Options of {@linkcode fileSource}. */
export interface FileSourceOptions<T = unknown> {
  /**
   * Which file names to read. Default: the names with the format's extensions, `.ndjson`, `.jsonl`,
   * `.json`, `.csv`, each optionally followed by `.gz` (gunzipped).
   */
  pattern?: RegExp;
  /** How to decode every file (default: from the extension, `.csv` is CSV and the others NDJSON). */
  format?: "ndjson" | "csv";
  /**
   * Poll the directory every `pollMs` for new files and end only on the abort signal (default: end
   * once a listing finds no file left to read).
   */
  follow?: { pollMs: number };
  /**
   * Keep reading the newest file as it grows, polling every `follow.pollMs` (needs `follow`). A file
   * counts as complete once a newer matching file exists: then its last line is read even without a
   * newline, and the next file begins. Until then a partial last line waits for its newline.
   * `.gz` files are always read as complete files. Files keep their names: a file renamed is a new file.
   */
  tail?: boolean;
  /** At most this many new files per listing of the directory (Spark's maxFilesPerTrigger); default all. */
  maxFilesPerBatch?: number;
  /**
   * Delete each file, or move it into `archiveDir`, once a durable checkpoint covers all of it
   * (Spark's cleanSource): when the job's checkpoint calls the source's `commit(offset)`.
   */
  cleanSource?: "archive" | "delete";
  /** Where `cleanSource: "archive"` moves files (created when missing; outside the pattern's reach). */
  archiveDir?: string;
  /**
   * Called with each bad record (malformed JSON or CSV, invalid UTF-8, a record longer than
   * `maxLineBytes`, a `parse` that threw) instead of failing the job; the record is skipped.
   */
  onInvalid?: (error: DecodeError, where: FileRecordPosition) => void;
  /** Bytes per file read (default 64 KiB); each read's complete records form one micro-batch. */
  readBytes?: number;
  /** Largest number of bytes one record may have, terminator aside (default 1 MiB). */
  maxLineBytes?: number;
  /**
   * CSV: `true` (default) takes the column names from each file's first row, an array names them,
   * `false` gives arrays (of any length).
   */
  columns?: boolean | readonly string[];
  /** CSV: csv-parse's `cast` (default: fields stay strings). */
  cast?: CsvCast;
  /** CSV: the field delimiter, one ASCII character (default `,`). */
  delimiter?: string;
  /**
   * Turns each decoded record (a JSON value, or a CSV row) into an element; what it throws makes the
   * record invalid.
   */
  parse?(record: unknown, where: FileRecordPosition): T;
}

interface Run {
  readonly signal: AbortSignal | undefined;
  /** Whether a file newer than the one being tailed exists (it is then complete). */
  readonly superseded: (file: string) => Promise<boolean>;
}

/**
 * A replayable source that reads every NDJSON or CSV file of a directory (gzip-compressed when the
 * name ends in `.gz`), in order of modification time, then name, like Spark's file source. Each
 * micro-batch carries a {@linkcode FileSourceOffset}, so a checkpointed job restarted over the same
 * directory resumes mid-file and gives exactly-once results. With `follow`, it polls for files that
 * appear later; with `tail`, it also reads the newest file as it grows.
 *
 * Without `tail`, a file is read once, to its end: write a new file under a name the pattern does
 * not match and rename it into place. With `tail`, files are written one at a time, each complete
 * before the next one appears (a rolling log). CSV is parsed by csv-parse (install it beside weirjs);
 * quoted fields may span lines. A bad record errors the job with a `DecodeError` naming file, line
 * and byte offset, unless `onInvalid` takes it; blank lines are skipped. It uses `node:fs/promises`
 * only, so it runs on Node, Deno and Bun.
 *
 * @example Read a directory of plain and gzipped files
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp, utimes, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { stream } from "weirjs";
 * import { fileSource } from "weirjs/adapters/fs";
 *
 * const dir = await mkdtemp(join(tmpdir(), "weir-"));
 * await writeFile(join(dir, "b.ndjson"), '{"n":1}\n{"n":2}\n');
 * await utimes(join(dir, "b.ndjson"), 1, 1);
 * const gz = new Blob(['{"n":3}\n']).stream().pipeThrough(new CompressionStream("gzip"));
 * await writeFile(join(dir, "a.ndjson.gz"), new Uint8Array(await new Response(gz).arrayBuffer()));
 * await utimes(join(dir, "a.ndjson.gz"), 2, 2);
 * assertEquals(await stream(fileSource<{ n: number }>(dir)).map((e) => e.n).toArray(), [1, 2, 3]);
 * ```
 *
 * @example CSV with a header row, numbers cast, bad rows set aside
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { stream } from "weirjs";
 * import { fileSource } from "weirjs/adapters/fs";
 *
 * const dir = await mkdtemp(join(tmpdir(), "weir-"));
 * await writeFile(join(dir, "sales.csv"), 'shop,amount\n"Lyon\nGare",12\nParis,3,extra\nNice,4\n');
 * const bad: [string, number, number][] = [];
 * const rows = await stream(fileSource<{ shop: string; amount: number }>(dir, {
 *   cast: true,
 *   onInvalid: (_error, at) => bad.push([at.file, at.line, at.byte]),
 * })).toArray();
 * assertEquals(rows, [{ shop: "Lyon\nGare", amount: 12 }, { shop: "Nice", amount: 4 }]);
 * assertEquals(bad, [["sales.csv", 4, 27]]);
 * ```
 */
export function fileSource<T = unknown>(dir: string, options: FileSourceOptions<T> = {}): Source<T> {
  const checked = checkOptions(dir, options as FileSourceOptions<unknown>);
  const { onInvalid, parse, cast } = options;
  const { pattern, pollMs, tail, maxFilesPerBatch, cleanSource, archiveDir } = checked;
  // Files read to their end (and, tailing, superseded), with their length: what commit may clean.
  const completed = new Map<string, number>();
  const cleaned = new Set<string>();

  async function decoderFor(file: string, report: Report): Promise<RecordDecoder<T>> {
    const map: ParseRecord<T> | undefined = parse === undefined
      ? undefined
      : (record, line, byte) => parse.call(options, record, { file, line, byte });
    if (formatOf(file, checked.format) === "ndjson") return new NdjsonRecordDecoder(report, map);
    const config = { columns: checked.columns, cast: cast as never, delimiter: checked.delimiter };
    return new CsvRecordDecoder(await loadCsvParse(), config, report, map);
  }

  function splitterFor(file: string, byte: number, line: number): RecordSplitter {
    const csv = formatOf(file, checked.format) === "csv";
    const csvDelimiter = csv ? checked.delimiter.charCodeAt(0) : undefined;
    return new RecordSplitter({ csvDelimiter, maxLineBytes: checked.maxLineBytes, byte, line });
  }

  // Decodes what the splitter found; too long records are reported like bad ones.
  function decode(splits: Split[], decoder: RecordDecoder<T>, report: Report): T[] {
    const values: T[] = [];
    for (const s of splits) {
      if ("tooLong" in s) {
        report(
          `Record is longer than maxLineBytes (${checked.maxLineBytes} bytes): raise maxLineBytes to accept longer records`,
          s.line,
          s.byte,
        );
        decoder.tooLong?.(s.line);
      } else decoder.decode(s, values);
    }
    return values;
  }

  // Resuming a CSV file with a header row past it: the header is read again from the file's start.
  async function readHeader(file: string, decoder: CsvRecordDecoder<T>, resumeAt: number): Promise<void> {
    const bytes = await FileBytes.open(join(dir, file), file.endsWith(".gz"), 0, checked.readBytes);
    if (bytes === undefined) return;
    const splitter = splitterFor(file, 0, 0);
    try {
      let found = false;
      for (let chunk = await bytes.read(); !found; chunk = await bytes.read()) {
        for (const s of chunk === null ? splitter.end() : splitter.push(chunk)) {
          if (!("tooLong" in s)) found = decoder.takeHeader(s, resumeAt);
          else {
            found = true;
            if (s.byte < resumeAt) decoder.tooLong(s.line);
          }
          if (found) break;
        }
        if (chunk === null) break;
      }
    } finally {
      await bytes.close();
    }
  }

  async function* readFile(
    file: string,
    from: { byte: number; line: number },
    done: readonly string[],
    run: Run,
  ): AsyncGenerator<SourceEvent<T>> {
    const report: Report = (message, line, byte, cause) => {
      const error = new DecodeError(`Cannot decode ${file} line ${line} (byte ${byte}): ${message}`, { line, cause });
      if (onInvalid === undefined) throw error;
      onInvalid(error, { file, line, byte });
    };
    const gzip = file.endsWith(".gz");
    const decoder = await decoderFor(file, report);
    if (decoder instanceof CsvRecordDecoder && decoder.needsHeader && from.byte > 0) {
      await readHeader(file, decoder, from.byte);
    }
    const bytes = await FileBytes.open(join(dir, file), gzip, from.byte, checked.readBytes);
    if (bytes === undefined) {
      // Gone: cleaned after a checkpoint covered it, or listed and then removed before it was opened.
      if (from.byte > 0 && cleanSource === undefined) {
        throw new Error(`Cannot resume ${join(dir, file)} at byte ${from.byte} as the file no longer exists`);
      }
      return;
    }
    const splitter = splitterFor(file, from.byte, from.line);
    // Chunks that complete no record (or only bad or blank ones) still move the offset on, once per line.
    let yielded = from.line;
    const event = (values: T[]): SourceEvent<T> | undefined => {
      if (values.length === 0 && splitter.line === yielded) return undefined;
      yielded = splitter.line;
      return { type: "elements", values, offset: { file, byte: splitter.byte, line: splitter.line, done } };
    };
    try {
      for (;;) {
        let chunk = await bytes.read();
        if (chunk === null && tail && !gzip) {
          // Listed before the last read: bytes written before a newer file appeared are read.
          const complete = await run.superseded(file);
          chunk = await bytes.read();
          if (chunk === null && !complete) {
            await sleep(pollMs!, run.signal);
            if (run.signal?.aborted) return;
            continue;
          }
        }
        if (chunk === null) break;
        const e = event(decode(splitter.push(chunk), decoder, report));
        if (e !== undefined) yield e;
      }
      const e = event(decode(splitter.end(), decoder, report));
      if (e !== undefined) yield e;
      completed.set(file, splitter.byte);
    } finally {
      await bytes.close();
    }
  }

  return {
    kind: "source",
    replayable: true,
    async commit(offset: unknown): Promise<void> {
      if (cleanSource === undefined) return;
      const o = offsetOf(dir, offset);
      if (o === undefined) return;
      const covered = completed.get(o.file) === o.byte ? [...o.done, o.file] : o.done;
      for (const file of covered) {
        if (cleaned.has(file)) continue;
        await cleanFile(dir, file, archiveDir);
        cleaned.add(file);
      }
    },
    async *open({ offset, signal }): AsyncGenerator<SourceEvent<T>> {
      const start = offsetOf(dir, offset);
      let done = [...(start?.done ?? [])];
      const finished = new Set(done);
      let round: string[] = [];
      const run: Run = {
        signal,
        superseded: async (file) =>
          round.length > 0 || (await listFiles(dir, pattern)).some((f) => f !== file && !finished.has(f)),
      };
      const read = async function* (file: string, from: { byte: number; line: number }) {
        yield* readFile(file, from, [...done], run);
        done.push(file);
        finished.add(file);
      };
      if (start !== undefined) {
        yield* read(start.file, start);
        if (signal?.aborted) return;
      }
      for (;;) {
        const listed = await listFiles(dir, pattern);
        // Files gone from the directory (cleaned, say) need not be remembered.
        const present = new Set(listed);
        for (const f of done) if (!present.has(f)) finished.delete(f);
        done = done.filter((f) => present.has(f));
        round = listed.filter((f) => !finished.has(f)).slice(0, maxFilesPerBatch);
        const found = round.length > 0;
        while (round.length > 0) {
          if (signal?.aborted) return;
          yield* read(round.shift()!, { byte: 0, line: 0 });
          if (signal?.aborted) return;
        }
        if (found) continue;
        if (pollMs === undefined || signal?.aborted) return;
        await sleep(pollMs, signal);
        if (signal?.aborted) return;
      }
    },
  };
}

function offsetOf(dir: string, offset: unknown): FileSourceOffset | undefined {
  if (offset === undefined) return undefined;
  const o = offset as FileSourceOffset;
  const ok = typeof o === "object" && o !== null && typeof o.file === "string" && Number.isSafeInteger(o.byte) &&
    o.byte >= 0 && Number.isSafeInteger(o.line) && o.line >= 0 && Array.isArray(o.done) &&
    o.done.every((f) => typeof f === "string");
  if (!ok) {
    throw new RangeError(
      `Cannot replay ${dir} from offset ${JSON.stringify(offset)}: expected { file, byte, line, done }`,
    );
  }
  return o;
}
