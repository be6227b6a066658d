import { type Stream, stream } from "../pipeline/stream.ts";

/**
 * Turns a weir pipeline into a `{ writable, readable }` pair for `pipeThrough`: whatever is written is
 * the pipeline's input (read in micro-batches), and the readable side carries its outputs. Closing the
 * writable side ends the input, which fires every open window.
 *
 * @example
 * ```ts
 * import { pipelineTransform, tumbling, count } from "weirjs";
 * const events = ReadableStream.from([{ ts: 1 }, { ts: 12 }]);
 * const results = events.pipeThrough(pipelineTransform((s) =>
 *   s.withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count())));
 * for await (const r of results) console.log(r.window, r.value);
 * ```
 */
export function pipelineTransform<I, O>(
  build: (input: Stream<I>) => Stream<O>,
): { writable: WritableStream<I>; readable: ReadableStream<O> } {
  const { readable, writable } = new TransformStream<I, I>();
  return { writable, readable: build(stream(readable)).toReadableStream() };
}
