import { checkOptionNames } from "../option_names.ts";
import { settled, writeBatches } from "../pipeline/from_input.ts";

/** A `JSON.stringify` replacer: a function, or the list of property names to keep. */
export type JsonReplacer = ((this: unknown, key: string, value: unknown) => unknown) | (string | number)[];

/** Options for {@linkcode NdjsonEncoderStream}. */
export interface NdjsonEncoderStreamOptions {
  /** Passed to `JSON.stringify` for every value (for example to turn a `Map` into an object). */
  replacer?: JsonReplacer;
}

/**
 * Encodes values as newline-delimited JSON: one `JSON.stringify` line, terminated by `\n`, per
 * value, as UTF-8 bytes. Lines written while the reader is busy come out together as one chunk
 * (up to 64 KiB of text; a write then waits for the reader): reading a web stream chunk by chunk
 * costs more than encoding a line.
 *
 * A weir job piped into it (`stream(...).pipeThrough(encoder)`, `.pipeTo(encoder.writable)`, or either on
 * `toReadableStream()`) hands it all the outputs of a step as one write.
 *
 * A value JSON cannot represent — `undefined`, a function, a symbol, a `BigInt`, a cyclic
 * structure — errors the stream with a `TypeError` naming the element's 0-based index, rather
 * than writing an empty or partial line. JSON's own rules still apply inside values: `NaN` and
 * `±Infinity` become `null`, and `undefined` or function properties are left out (array slots
 * become `null`). Use `replacer` to encode such values differently.
 *
 * @example Write results as NDJSON
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NdjsonEncoderStream } from "weirjs";
 *
 * const encoder = new NdjsonEncoderStream();
 * const text = new Response(encoder.readable).text();
 * const writer = encoder.writable.getWriter();
 * await writer.write({ key: "a", n: 2 });
 * await writer.write({ key: "b", n: 1 });
 * await writer.close();
 * assertEquals(await text, '{"key":"a","n":2}\n{"key":"b","n":1}\n');
 * ```
 *
 * @example BigInt through a replacer
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { NdjsonEncoderStream } from "weirjs";
 *
 * const encoder = new NdjsonEncoderStream({
 *   replacer: (_key, v) => (typeof v === "bigint" ? v.toString() : v),
 * });
 * const text = new Response(encoder.readable).text();
 * const writer = encoder.writable.getWriter();
 * await writer.write({ id: 12345678901234567890n });
 * await writer.close();
 * assertEquals(await text, '{"id":"12345678901234567890"}\n');
 * ```
 */
export class NdjsonEncoderStream extends TransformStream<unknown, Uint8Array> {
  /** Creates the encoder (see {@linkcode NdjsonEncoderStreamOptions}). */
  constructor(options: NdjsonEncoderStreamOptions = {}) {
    checkOptionNames("create NdjsonEncoderStream", options ?? {}, ["replacer"]);
    const { replacer } = options;
    if (replacer !== undefined && typeof replacer !== "function" && !Array.isArray(replacer)) {
      throw new TypeError(
        `Cannot create NdjsonEncoderStream as replacer must be a function or an array of property names: current value is ${
          String(replacer)
        }`,
      );
    }
    let index = 0;
    const lines = new EncodedLines();
    const encode = (value: unknown): string => {
      const i = index++;
      let text: string | undefined;
      try {
        // The overloads of JSON.stringify take either replacer form, not their union.
        text = JSON.stringify(value, replacer as (string | number)[] | undefined);
      } catch (cause) {
        // JSON reports BigInt and cycles as TypeError; other errors come from the replacer or a toJSON.
        if (!(cause instanceof TypeError)) throw cause;
        throw new TypeError(`Cannot encode element ${i} as NDJSON: ${cause.message}`, { cause });
      }
      if (text === undefined) {
        throw new TypeError(
          `Cannot encode element ${i} as NDJSON as JSON cannot represent a value of type ${typeof value}`,
        );
      }
      return text;
    };
    let transformController!: TransformStreamDefaultController<Uint8Array>;
    super(
      {
        start: (controller) => void (transformController = controller),
        transform: (value) => lines.add(encode(value)),
        flush: () => lines.end(),
        // With room for a chunk it never gets, the inner readable side never holds writes back; the
        // reader's pace reaches the writes through EncodedLines.
      },
      undefined,
      { highWaterMark: 1 },
    );
    // The inner readable side carries no data; it errors when the writable side does (a transform
    // threw, the writer aborted), and so must the readable side.
    super.readable.getReader().closed.catch((reason: unknown) => lines.fail(reason));
    Object.defineProperty(this, "readable", {
      value: lines.readable((reason) => transformController.error(reason)),
      enumerable: true,
    });
    const writable = super.writable;
    Object.defineProperty(writable, writeBatches, {
      value: (): WritableStreamDefaultWriter<readonly unknown[]> | undefined => {
        if (writable.locked) return undefined;
        return batchWriter(writable.getWriter(), lines, encode);
      },
    });
  }
}

/**
 * The writable side's {@linkcode writeBatches} port: a writer of arrays whose values are encoded as
 * the writable side would encode them one write each, with the same element numbers in errors and
 * the same wait for the reader once 64 KiB of lines are waiting. Closing or aborting it closes or
 * aborts the writable side (`writer`, which it holds locked), and so ends or errors the readable
 * side as a TransformStream's.
 */
function batchWriter(
  writer: WritableStreamDefaultWriter<unknown>,
  lines: EncodedLines,
  encode: (value: unknown) => string,
): WritableStreamDefaultWriter<readonly unknown[]> {
  return new WritableStream<readonly unknown[]>({
    async write(values) {
      try {
        for (let i = 0; i < values.length; i++) {
          lines.check();
          const wait = lines.add(encode(values[i]));
          if (wait !== undefined) await wait;
        }
      } catch (e) {
        // As a transform that throws: the writable side errors, and the readable side with it.
        await writer.abort(e).catch(() => {});
        throw e;
      }
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  }, { highWaterMark: 1 }).getWriter();
}

/** Characters of encoded lines after which a write waits for the reader to take them. */
const MAX_PENDING = 64 * 1024;

/**
 * Lines on their way from the writable side to the readable side: a read takes all that
 * accumulated as one chunk, after letting the writes already under way land (see `settled`).
 */
class EncodedLines {
  #text = "";
  #ended = false;
  #failure: { reason: unknown } | undefined;
  #wake: (() => void) | undefined; // the reader waits for a line
  #room: (() => void) | undefined; // a write waits for the reader to take the lines
  readonly #length = (): number => this.#text.length;
  readonly #ready = (): boolean => this.#text.length >= MAX_PENDING || this.#ended || this.#failure !== undefined;

  /** Adds a line; returns a promise to wait on when the reader has this much to take already. */
  add(line: string): Promise<void> | undefined {
    this.#text += line + "\n";
    this.#signal();
    if (this.#text.length >= MAX_PENDING) return new Promise<void>((resolve) => this.#room = resolve);
  }

  end(): void {
    this.#ended = true;
    this.#signal();
  }

  /** Throws what made the lines fail (the reader cancelled, the writable side errored), if anything did. */
  check(): void {
    if (this.#failure !== undefined) throw this.#failure.reason;
  }

  fail(reason: unknown): void {
    this.#failure ??= { reason };
    this.#signal();
    this.#freeRoom();
  }

  /** The readable side; cancelling it calls `cancel`. */
  readable(cancel: (reason: unknown) => void): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (!this.#ready() && this.#text.length === 0) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
        await settled(this.#length, this.#ready);
        // As a TransformStream's readable side, lines not yet read are dropped when the writable side fails.
        if (this.#failure !== undefined) return controller.error(this.#failure.reason);
        if (this.#text.length > 0) {
          controller.enqueue(encoder.encode(this.#text));
          this.#text = "";
          this.#freeRoom();
        }
        if (this.#ended) controller.close();
      },
      cancel: (reason) => {
        cancel(reason);
        this.fail(reason);
      },
    }, { highWaterMark: 0 });
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #freeRoom(): void {
    const room = this.#room;
    this.#room = undefined;
    room?.();
  }
}
