import { checkOptionNames } from "../option_names.ts";
/** A `JSON.stringify` replacer: a function, or the list of property names to keep. */
export type JsonReplacer = ((this: unknown, key: string, value: unknown) => unknown) | (string | number)[];

/** Options for {@linkcode NdjsonEncoderStream}. */
export interface NdjsonEncoderStreamOptions {
  /** Passed to `JSON.stringify` for every value (for example to turn a `Map` into an object). */
  replacer?: JsonReplacer;
}

/**
 * Encodes values as newline-delimited JSON: one `JSON.stringify` line, terminated by `\n`, per
 * value, as UTF-8 bytes.
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
    const encoder = new TextEncoder();
    let index = 0;
    super({
      transform(value, controller) {
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
        controller.enqueue(encoder.encode(text + "\n"));
      },
    });
  }
}
