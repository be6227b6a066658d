/**
 * A `TransformStream` that keeps the chunks for which `fn` returns a truthy value (the stand-alone
 * form of `.filter`).
 *
 * @example Keeping the odd numbers
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { FilterStream } from "weirjs";
 *
 * const out = ReadableStream.from([1, 2, 3]).pipeThrough(new FilterStream((n: number) => n % 2 === 1));
 * assertEquals(await Array.fromAsync(out), [1, 3]);
 * ```
 */
export class FilterStream<T> extends TransformStream<T, T> {
  /** Creates the stream; chunks for which `fn` returns a falsy value are dropped. */
  constructor(fn: (value: T) => unknown) {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot create FilterStream as fn must be a function: current value is ${String(fn)}`);
    }
    super({
      transform: async (chunk, c) => {
        if (await fn(chunk)) c.enqueue(chunk);
      },
    });
  }
}
