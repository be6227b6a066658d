/**
 * A `TransformStream` that replaces each chunk with the elements of the iterable `fn` returns (the
 * stand-alone form of `.flatMap`).
 *
 * @example Splitting lines into words
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FlatMapStream } from "weirjs";
 *
 * const out = ReadableStream.from(["a b", "c"]).pipeThrough(new FlatMapStream((s: string) => s.split(" ")));
 * assertEquals(await Array.fromAsync(out), ["a", "b", "c"]);
 * ```
 */
export class FlatMapStream<I, O> extends TransformStream<I, O> {
  /** Creates the stream; each chunk is replaced by the values `fn` returns. */
  constructor(fn: (value: I) => Iterable<O>) {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot create FlatMapStream as fn must be a function: current value is ${String(fn)}`);
    }
    super({
      transform: (chunk, c) => {
        for (const x of fn(chunk)) c.enqueue(x);
      },
    });
  }
}
