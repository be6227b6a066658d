/// <reference types="node" />
import { open } from "node:fs/promises";
import {
  NdjsonDecoderStream,
  type NdjsonDecoderStreamOptions,
  type NdjsonRecord,
  type Source,
  type SourceEvent,
} from "../../mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";

/** Where an {@linkcode ndjsonFileSource} resumes: just after line `line`, at byte `byte` of the file. */
export interface NdjsonFileOffset {
  /** Byte offset where the next line starts. */
  readonly byte: number;
  /** Number of lines read so far. */
  readonly line: number;
}

/** Options of {@linkcode ndjsonFileSource}. */
export interface NdjsonFileSourceOptions extends Pick<NdjsonDecoderStreamOptions, "maxLineBytes" | "onError"> {
  /** Lines per micro-batch (default 4096); each batch carries the offset to resume after it. */
  chunkSize?: number;
  /** Bytes per file read (default 64 KiB). */
  readBytes?: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create ndjsonFileSource as ${name} must be an integer >= 1: current value is ${String(v)}`,
    );
  }
  return v;
}

function startOf(path: string, offset: unknown): NdjsonFileOffset {
  if (offset === undefined) return { byte: 0, line: 0 };
  const o = offset as NdjsonFileOffset;
  const ok = typeof o === "object" && o !== null && Number.isSafeInteger(o.byte) && o.byte >= 0 &&
    Number.isSafeInteger(o.line) && o.line >= 0;
  if (!ok) {
    throw new RangeError(
      `Cannot replay ${path} from offset ${JSON.stringify(offset)}: expected { byte, line } with integers >= 0`,
    );
  }
  return o;
}

/**
 * A replayable source that reads a newline-delimited JSON file, one value per line, and reads on from
 * a byte offset after a restart: checkpointed jobs over it give exactly-once results. Each micro-batch
 * carries the offset just after its last line (`{ byte, line }`), which checkpoints store. Malformed
 * lines error the job with a `DecodeError` naming the line (see `onError` to skip them instead).
 *
 * Replaying needs the file to stay as it was up to the offset: append to it, never rewrite it.
 * It uses `node:fs/promises` only, so it runs on Node, Deno and Bun.
 *
 * @example Count events per user from a file, exactly once across restarts
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { count, readResults, storeSink, stream, tumbling } from "weirjs";
 * import { FsStateStore, ndjsonFileSource } from "weirjs/adapters/fs";
 *
 * const dir = await mkdtemp(join(tmpdir(), "weir-"));
 * const file = join(dir, "clicks.ndjson");
 * await writeFile(file, '{"user":"a","ts":1000}\n{"user":"b","ts":2000}\n{"user":"a","ts":3000}\n');
 * const store = await FsStateStore.open(join(dir, "state"));
 * const job = () =>
 *   stream(ndjsonFileSource<{ user: string; ts: number }>(file))
 *     .withEventTime((e) => e.ts, { maxOutOfOrderness: 5_000 })
 *     .keyBy((e) => e.user)
 *     .window(tumbling(60_000))
 *     .aggregate(count())
 *     .checkpoint({ store, id: "clicks", every: { ms: 1_000 } });
 * await job().pipeTo(storeSink({ store, job: "clicks" }));
 * await job().pipeTo(storeSink({ store, job: "clicks" })); // a restart resumes after the last line: nothing new
 * assertEquals((await readResults(store, "clicks")).map((r) => [r.key, r.value]), [["a", 2], ["b", 1]]);
 * await store.close();
 * ```
 */
export function ndjsonFileSource<T = unknown>(path: string, options: NdjsonFileSourceOptions = {}): Source<T> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `Cannot create ndjsonFileSource as path must be a non-empty string: current value is ${JSON.stringify(path)}`,
    );
  }
  checkOptionNames("create ndjsonFileSource", options ?? {}, ["chunkSize", "readBytes"]);
  const chunkSize = positiveInt("chunkSize", options.chunkSize ?? 4096);
  const readBytes = positiveInt("readBytes", options.readBytes ?? 64 * 1024);
  const decoderOptions = { maxLineBytes: options.maxLineBytes, onError: options.onError };
  // Validated now rather than at the first read.
  new NdjsonDecoderStream(decoderOptions);
  return {
    kind: "source",
    replayable: true,
    async *open({ offset }): AsyncGenerator<SourceEvent<T>> {
      const start = startOf(path, offset);
      const file = await open(path, "r");
      let position = start.byte;
      const bytes = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const buf = new Uint8Array(readBytes);
          const { bytesRead } = await file.read(buf, 0, readBytes, position);
          if (bytesRead === 0) controller.close();
          else {
            position += bytesRead;
            controller.enqueue(buf.subarray(0, bytesRead));
          }
        },
      }, { highWaterMark: 0 });
      // One array of records per file read, rather than one stream read per line.
      const reader = bytes.pipeThrough(
        new NdjsonDecoderStream<NdjsonRecord<T>[]>({
          ...decoderOptions,
          offsets: true,
          batch: true,
          startOffset: start.byte,
          startLine: start.line + 1,
        }),
      ).getReader();
      let done = false;
      try {
        // The next read runs while the pipeline works on this one's records.
        const readAhead = () => {
          const read = reader.read();
          read.catch(() => {}); // its error is thrown by the await, unless the job stopped first
          return read;
        };
        let next = readAhead();
        let values: T[] = [];
        let last: NdjsonRecord<T> | undefined;
        const batch = (): SourceEvent<T> => {
          const event: SourceEvent<T> = {
            type: "elements",
            values,
            offset: { byte: last!.nextOffset, line: last!.line } satisfies NdjsonFileOffset,
          };
          values = [];
          return event;
        };
        for (;;) {
          const r = await next;
          if (r.done) break;
          next = readAhead();
          for (const record of r.value) {
            values.push(record.value);
            last = record;
            if (values.length === chunkSize) yield batch();
          }
        }
        done = true;
        if (values.length > 0) yield batch();
      } finally {
        if (!done) await reader.cancel().catch(() => {});
        await file.close();
      }
    },
  };
}
