/**
 * Text in and out: NDJSON decoding and encoding streams, and a console sink that prints window
 * results as tables.
 *
 * @module
 */
export { NdjsonDecoderStream } from "./ndjson_decoder_stream.ts";
export type { NdjsonDecoderStreamOptions, NdjsonErrorPolicy, NdjsonRecord } from "./ndjson_decoder_stream.ts";
export { NdjsonEncoderStream } from "./ndjson_encoder_stream.ts";
export type { JsonReplacer, NdjsonEncoderStreamOptions } from "./ndjson_encoder_stream.ts";
export { consoleSink } from "./console_sink.ts";
export type { ConsoleSinkOptions } from "./console_sink.ts";
