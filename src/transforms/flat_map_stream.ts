/**
 * A `TransformStream` that replaces each chunk with the elements of the iterable `fn` returns (the
 * stand-alone form of `.flatMap`).
 *
 * @example
 * ```ts
 * import { FlatMapStream } from "weirjs";
 * const out = ReadableStream.from(["a b", "c"]).pipeThrough(new FlatMapStream((s: string) => s.split(" ")));
 * for await (const w of out) console.log(w); // a, b, c
 * ```
 */
export class FlatMapStream<I, O> extends TransformStream<I, O> {
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
