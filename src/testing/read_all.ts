/**
 * Reads an async iterable (a stream, a `RunningJob`, a `ReadableStream`) to its end and returns
 * everything it produced.
 *
 * @example
 * ```ts
 * import { stream } from "weirjs";
 * import { readAll } from "weirjs/testing";
 * const out = await readAll(stream([1, 2]));
 * if (out.join() !== "1,2") throw new Error("expected [1, 2]");
 * ```
 */
export async function readAll<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of source) out.push(v);
  return out;
}
