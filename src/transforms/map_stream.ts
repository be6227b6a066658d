/**
 * A `TransformStream` that maps each chunk with `fn` (the stand-alone form of `.map`).
 *
 * @example Doubling numbers
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { MapStream } from "weirjs";
 *
 * const out = ReadableStream.from([1, 2]).pipeThrough(new MapStream((n: number) => n * 2));
 * assertEquals(await Array.fromAsync(out), [2, 4]);
 * ```
 */
export class MapStream<I, O> extends TransformStream<I, O> {
  /** Creates the stream; `fn` transforms each chunk (and may return a promise). */
  constructor(fn: (value: I) => O | Promise<O>) {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot create MapStream as fn must be a function: current value is ${String(fn)}`);
    }
    super({ transform: async (chunk, c) => c.enqueue(await fn(chunk)) });
  }
}
