import type { DecodeError } from "../errors.ts";
import { NdjsonLines } from "./_ndjson_lines.ts";

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
 * With `offsets: true` each value comes as an {@linkcode NdjsonRecord} whose byte offsets let a
 * reader resume a file after a checkpoint: slice the file at `nextOffset` and pass
 * `{ startOffset: nextOffset, startLine: line + 1 }`.
 *
 * @typeParam T The type of the emitted chunks: the parsed values, or `NdjsonRecord<V>` with
 * `offsets: true`. Values are not validated against it.
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
    const {
      maxLineBytes = DEFAULT_MAX_LINE_BYTES,
      onError = "error",
      offsets = false,
      startOffset = 0,
      startLine = 1,
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
    const lines = new NdjsonLines({ maxLineBytes, onError, offsets: offsets === true, startOffset, startLine });
    super({
      transform: (chunk, controller) => lines.push(chunk, (value) => controller.enqueue(value as T)),
      flush: (controller) => lines.end((value) => controller.enqueue(value as T)),
    });
  }
}
