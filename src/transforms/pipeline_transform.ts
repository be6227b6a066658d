import { type Stream, stream } from "../pipeline/stream.ts";

/**
 * Turns a weir pipeline into a `{ writable, readable }` pair for `pipeThrough`: whatever is written is
 * the pipeline's input (read in micro-batches), and the readable side carries its outputs. Closing the
 * writable side ends the input, which fires every open window.
 *
 * @example A pipeline inside pipeThrough
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, pipelineTransform, tumbling } from "weirjs";
 *
 * const events = ReadableStream.from([{ ts: 1 }, { ts: 12 }]);
 * const results = events.pipeThrough(pipelineTransform((s) =>
 *   s.withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count())
 * ));
 * assertEquals((await Array.fromAsync(results)).map((r) => [r.window.start, r.value]), [[0, 1], [10, 1]]);
 * ```
 */
export function pipelineTransform<I, O>(
  build: (input: Stream<I>) => Stream<O>,
): { writable: WritableStream<I>; readable: ReadableStream<O> } {
  const { readable, writable } = new TransformStream<I, I>();
  return { writable, readable: build(stream(readable)).toReadableStream() };
}
