import type { DecodeError } from "../errors.ts";
import { type BatchReadable, readBatches } from "../pipeline/from_input.ts";
import { NdjsonLines } from "./_ndjson_lines.ts";
import { checkOptionNames } from "../option_names.ts";

/** What to do with a line that is not valid JSON or is too long. */
export type NdjsonErrorPolicy = "error" | "skip" | ((error: DecodeError, line: string) => void);

/** One decoded line with its position, emitted when `offsets: true`. */
export interface NdjsonRecord<T = unknown> {
  /** The parsed JSON value. */
  value: T;
  /** 1-based line number (counting from `startLine`). */
  line: number;
  /** Byte offset of the line's first byte, counted from `startOffset` (a leading BOM is not part of the line). */
  offset: number;
  /** Byte offset just after the line's terminating `\n` (or the end of input): where to resume reading. */
  nextOffset: number;
}

/** Options for {@linkcode NdjsonDecoderStream}. */
export interface NdjsonDecoderStreamOptions {
  /**
   * Largest number of bytes one line may have, not counting its line terminator (`\n` or `\r\n`).
   * A longer line is a `DecodeError` as soon as it exceeds the limit, so a missing newline cannot
   * make the stream buffer without bound. Default 1 MiB.
   */
  maxLineBytes?: number;
  /**
   * What a malformed or too long line does: `"error"` (default) errors the stream with a
   * `DecodeError`, `"skip"` drops the line, and a function is called with the error and the line's
   * text (for a too long line, its first `maxLineBytes` bytes) and then the line is dropped.
   */
  onError?: NdjsonErrorPolicy;
  /**
   * Emit `{ value, line, offset, nextOffset }` records instead of bare values. Offsets count bytes
   * of the input, so reading again from `nextOffset` resumes right after that line.
   */
  offsets?: boolean;
  /** Byte offset of the first input byte in the whole file, added to reported offsets. Default 0. */
  startOffset?: number;
  /** Number of the first input line, for error messages and records. Default 1. */
  startLine?: number;
  /**
   * Emit one array per input chunk, holding the values (or records) of the lines that chunk
   * completed, instead of one chunk per line; chunks that complete no line emit nothing. Reading
   * a stream chunk by chunk costs far more than decoding a line, so a consumer that can take arrays
   * goes several times faster. `stream()` takes the arrays of a decoder without `batch` by itself.
   */
  batch?: boolean;
}

const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Decodes newline-delimited JSON: bytes (or strings) in, one parsed value per line out.
 *
 * Lines end with `\n` or `\r\n`; the last line needs no terminator. Blank and whitespace-only lines
 * are skipped, a UTF-8 BOM at the start of the input is ignored, and lines and multibyte characters
 * may be split across chunks anywhere. A line that is not valid JSON (or not valid UTF-8) errors the
 * stream with a `DecodeError` naming the line, with the parser's error as `cause`; see `onError` to
 * skip such lines instead. String chunks are treated as their UTF-8 bytes.
 *
 * `stream(body.pipeThrough(new NdjsonDecoderStream()))` takes all the values decoded from one input
 * chunk as one step rather than reading them one at a time; `batch: true` hands those arrays to any
 * other consumer.
 *
 * With `offsets: true` each value comes as an {@linkcode NdjsonRecord} whose byte offsets let a
 * reader resume a file after a checkpoint: slice the file at `nextOffset` and pass
 * `{ startOffset: nextOffset, startLine: line + 1 }`.
 *
 * @typeParam T The type of the emitted chunks: the parsed values, `NdjsonRecord<V>` with
 * `offsets: true`, and arrays of either with `batch: true`. Values are not validated against it.
 *
 * @example Decode a response body
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NdjsonDecoderStream } from "weirjs";
 *
 * const body = new Response('{"user":"a","ts":1}\n{"user":"b","ts":2}\n').body!;
 * const events = body.pipeThrough(new NdjsonDecoderStream<{ user: string; ts: number }>());
 * assertEquals(await Array.fromAsync(events), [{ user: "a", ts: 1 }, { user: "b", ts: 2 }]);
 * ```
 *
 * @example Resume from a byte offset
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NdjsonDecoderStream, type NdjsonRecord } from "weirjs";
 *
 * const file = new TextEncoder().encode('{"n":1}\r\n{"n":2}\n{"n":3}\n');
 * const checkpoint = { nextOffset: 9, line: 1 }; // saved after the first record
 * const rest = new Blob([file.subarray(checkpoint.nextOffset)]).stream().pipeThrough(
 *   new NdjsonDecoderStream<NdjsonRecord<{ n: number }>>({
 *     offsets: true,
 *     startOffset: checkpoint.nextOffset,
 *     startLine: checkpoint.line + 1,
 *   }),
 * );
 * const records = await Array.fromAsync(rest);
 * assertEquals(records.map((r) => [r.line, r.value.n, r.nextOffset]), [[2, 2, 17], [3, 3, 25]]);
 * ```
 */
export class NdjsonDecoderStream<T = unknown> extends TransformStream<Uint8Array | string, T> {
  /** Creates the decoder (see {@linkcode NdjsonDecoderStreamOptions}). */
  constructor(options: NdjsonDecoderStreamOptions = {}) {
    checkOptionNames("create NdjsonDecoderStream", options ?? {}, [
      "maxLineBytes",
      "onError",
      "offsets",
      "startOffset",
      "startLine",
      "batch",
    ]);
    const {
      maxLineBytes = DEFAULT_MAX_LINE_BYTES,
      onError = "error",
      offsets = false,
      startOffset = 0,
      startLine = 1,
      batch = false,
    } = options;
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(
        `Cannot create NdjsonDecoderStream as maxLineBytes must be an integer >= 1: current value is ${maxLineBytes}`,
      );
    }
    if (onError !== "error" && onError !== "skip" && typeof onError !== "function") {
      throw new TypeError(
        `Cannot create NdjsonDecoderStream as onError must be "error", "skip" or a function: current value is ${
          String(onError)
        }`,
      );
    }
    if (!Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(
        `Cannot create NdjsonDecoderStream as startOffset must be an integer >= 0: current value is ${startOffset}`,
      );
    }
    if (!Number.isSafeInteger(startLine) || startLine < 1) {
      throw new RangeError(
        `Cannot create NdjsonDecoderStream as startLine must be an integer >= 1: current value is ${startLine}`,
      );
    }
    if (typeof batch !== "boolean") {
      throw new TypeError(
        `Cannot create NdjsonDecoderStream as batch must be a boolean: current value is ${String(batch)}`,
      );
    }
    const lines = new NdjsonLines({ maxLineBytes, onError, offsets: offsets === true, startOffset, startLine });
    // Every chunk becomes one array, even when values are emitted one by one (see flatten): one
    // enqueue per line costs more than parsing it, and a large chunk's lines would sit in one long
    // stream queue.
    const decode = (controller: TransformStreamDefaultController<T>, push: (values: unknown[]) => void) => {
      const values: unknown[] = [];
      try {
        push(values);
      } finally {
        // Before an error too: the values of the lines that precede the bad one are not lost.
        if (values.length > 0) controller.enqueue(values as T);
      }
    };
    super({
      transform: (chunk, controller) => decode(controller, (values) => lines.push(chunk, (v) => values.push(v))),
      flush: (controller) => decode(controller, (values) => lines.end((v) => values.push(v))),
    });
    if (!batch) {
      Object.defineProperty(this, "readable", {
        value: flatten(super.readable as unknown as ReadableStream<readonly T[]>),
        enumerable: true,
      });
    }
  }
}

/**
 * One value per chunk out of a stream of arrays. Until someone reads it, the stream also offers the
 * arrays themselves through the `readBatches` port, so `stream()` takes each as one step.
 */
function flatten<T>(arrays: ReadableStream<readonly T[]>): ReadableStream<T> & BatchReadable<T> {
  let reader: ReadableStreamDefaultReader<readonly T[]> | undefined;
  let array: readonly T[] = [];
  let index = 0;
  const flat = new ReadableStream<T>({
    async pull(controller) {
      reader ??= arrays.getReader();
      while (index === array.length) {
        const r = await reader.read();
        if (r.done) return controller.close();
        array = r.value;
        index = 0;
      }
      // A few at a time keeps the queue short (Node shifts it as an array).
      const end = Math.min(array.length, index + 64);
      while (index < end) controller.enqueue(array[index++]!);
    },
    cancel: (reason) => (reader ?? arrays).cancel(reason),
  }, { highWaterMark: 0 });
  return Object.defineProperty(flat, readBatches, {
    value: (): ReadableStreamDefaultReader<readonly T[]> | undefined => {
      if (reader !== undefined || flat.locked) return undefined;
      flat.getReader();
      return arrays.getReader();
    },
  }) as ReadableStream<T> & BatchReadable<T>;
}
