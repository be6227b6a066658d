/**
 * Reads an async iterable (a stream, a `RunningJob`, a `ReadableStream`) to its end and returns
 * everything it produced.
 *
 * @example Everything a stream yields
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stream } from "weirjs";
 * import { readAll } from "weirjs/testing";
 *
 * assertEquals(await readAll(stream([1, 2])), [1, 2]);
 * ```
 */
export async function readAll<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of source) out.push(v);
  return out;
}
