/// <reference types="node" />
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { DecodeError, NdjsonDecoderStream, type NdjsonRecord, type Source, type SourceEvent } from "../../mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";

/**
 * Where a {@linkcode fileSource} resumes: just after line `line` (byte `byte`, counted in the
 * decompressed text for `.gz`) of `file`, with the files in `done` already read to their end.
 */
export interface FileSourceOffset {
  /** Name (inside the directory) of the file being read. */
  readonly file: string;
  /** Byte offset where the next line of `file` starts. */
  readonly byte: number;
  /** Number of lines of `file` read so far. */
  readonly line: number;
  /** Names of the files read to their end before `file`. */
  readonly done: readonly string[];
}

/** Options of {@linkcode fileSource}. */
export interface FileSourceOptions {
  /** Which file names to read (default `/\.ndjson$|\.jsonl$|\.ndjson\.gz$/`); names ending in `.gz` are gunzipped. */
  pattern?: RegExp;
  /** Poll the directory every `pollMs` for new files and end only on the abort signal (default: end after the files present). */
  follow?: { pollMs: number };
  /** Called with each malformed line instead of erroring the job; the line is skipped. */
  onInvalid?: (error: DecodeError, where: { file: string; line: number }) => void;
  /** Bytes per file read (default 64 KiB); each read's complete lines form one micro-batch. */
  readBytes?: number;
  /** Largest number of bytes one line may have (default 1 MiB). */
  maxLineBytes?: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(`Cannot create fileSource as ${name} must be an integer >= 1: current value is ${String(v)}`);
  }
  return v;
}

function startOf(dir: string, offset: unknown): FileSourceOffset | undefined {
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

// The matching files in reading order: modification time, then name.
async function listFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => {
    pattern.lastIndex = 0;
    return pattern.test(n);
  });
  const files = await Promise.all(names.map(async (name) => ({ name, stats: await stat(join(dir, name)) })));
  return files.filter((f) => f.stats.isFile())
    .sort((a, b) => a.stats.mtimeMs - b.stats.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => f.name);
}

// The text of a file from byte `from` on: read in place, or (gzip) decompressed from the start and skipped.
function bytesOf(handle: import("node:fs/promises").FileHandle, gzip: boolean, from: number, readBytes: number) {
  let position = gzip ? 0 : from;
  const raw = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(readBytes);
      const { bytesRead } = await handle.read(buf, 0, readBytes, position);
      if (bytesRead === 0) controller.close();
      else {
        position += bytesRead;
        controller.enqueue(buf.subarray(0, bytesRead));
      }
    },
  }, { highWaterMark: 0 });
  if (!gzip) return raw;
  let skip = from;
  return raw.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (skip >= chunk.length) skip -= chunk.length;
          else {
            controller.enqueue(skip === 0 ? chunk : chunk.subarray(skip));
            skip = 0;
          }
        },
      }),
    );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * A replayable source that reads every NDJSON file of a directory (gzip-compressed when the name ends
 * in `.gz`), in order of modification time, then name, like Spark's file source. Each micro-batch
 * carries a {@linkcode FileSourceOffset}, so a checkpointed job restarted over the same directory
 * resumes mid-file and gives exactly-once results. With `follow`, it polls for files that appear later.
 *
 * A file is read once, to its end: write a new file under a name the pattern does not match and
 * rename it into place. A malformed line errors the job with a `DecodeError` naming file and line,
 * unless `onInvalid` takes it. It uses `node:fs/promises` only, so it runs on Node, Deno and Bun.
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
 */
export function fileSource<T = unknown>(dir: string, options: FileSourceOptions = {}): Source<T> {
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError(
      `Cannot create fileSource as dir must be a non-empty string: current value is ${JSON.stringify(dir)}`,
    );
  }
  checkOptionNames("create fileSource", options ?? {}, ["pattern", "follow", "onInvalid", "readBytes", "maxLineBytes"]);
  const pattern = options.pattern ?? /\.ndjson$|\.jsonl$|\.ndjson\.gz$/;
  if (!(pattern instanceof RegExp)) {
    throw new TypeError(`Cannot create fileSource as pattern must be a RegExp: current value is ${String(pattern)}`);
  }
  const pollMs = options.follow === undefined ? undefined : positiveInt("follow.pollMs", options.follow.pollMs);
  const readBytes = positiveInt("readBytes", options.readBytes ?? 64 * 1024);
  const { onInvalid, maxLineBytes } = options;
  // Validated now rather than at the first read.
  new NdjsonDecoderStream({ maxLineBytes });

  async function* readFile(
    file: string,
    from: { byte: number; line: number },
    done: readonly string[],
  ): AsyncGenerator<SourceEvent<T>> {
    const named = (e: DecodeError, line: number) =>
      new DecodeError(`Cannot decode ${file}: ${e.message}`, { line, cause: e });
    const handle = await open(join(dir, file), "r");
    const reader = bytesOf(handle, file.endsWith(".gz"), from.byte, readBytes).pipeThrough(
      new NdjsonDecoderStream<NdjsonRecord<T>[]>({
        maxLineBytes,
        offsets: true,
        batch: true,
        startOffset: from.byte,
        startLine: from.line + 1,
        onError: onInvalid === undefined ? "error" : (e) => {
          const line = e.line ?? from.line + 1;
          onInvalid(named(e, line), { file, line });
        },
      }),
    ).getReader();
    let finished = false;
    try {
      for (;;) {
        let r;
        try {
          r = await reader.read();
        } catch (e) {
          throw e instanceof DecodeError ? named(e, e.line ?? from.line + 1) : e;
        }
        if (r.done) break;
        if (r.value.length === 0) continue;
        const last = r.value[r.value.length - 1]!;
        const offset: FileSourceOffset = { file, byte: last.nextOffset, line: last.line, done };
        yield { type: "elements", values: r.value.map((record) => record.value), offset };
      }
      finished = true;
    } finally {
      if (!finished) await reader.cancel().catch(() => {});
      await handle.close();
    }
  }

  return {
    kind: "source",
    replayable: true,
    async *open({ offset, signal }): AsyncGenerator<SourceEvent<T>> {
      const start = startOf(dir, offset);
      const done = [...(start?.done ?? [])];
      const finished = new Set(done);
      if (start !== undefined) {
        yield* readFile(start.file, start, [...done]);
        done.push(start.file);
        finished.add(start.file);
      }
      for (;;) {
        const pending = (await listFiles(dir, pattern)).filter((f) => !finished.has(f));
        for (const file of pending) {
          if (signal?.aborted) return;
          yield* readFile(file, { byte: 0, line: 0 }, [...done]);
          done.push(file);
          finished.add(file);
        }
        if (pollMs === undefined || signal?.aborted) return;
        if (pending.length === 0) await sleep(pollMs, signal);
        if (signal?.aborted) return;
      }
    },
  };
}
