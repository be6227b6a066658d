// Turns the inputs `stream()` accepts into weir Sources that read micro-batches.
import { isSource, type Source, type SourceEvent } from "./source.ts";

/** What `stream()` accepts. */
export type StreamInput<T> = Iterable<T> | AsyncIterable<T> | ReadableStream<T> | Source<T>;

const MARK = Symbol("pending");

/**
 * Reads `next()` until a result is not immediately available, so elements that are already
 * buffered form one micro-batch, while a slow producer still sees each element promptly.
 */
async function* microBatches<T>(
  next: () => Promise<IteratorResult<T>>,
  max: number,
  onDone: () => void,
): AsyncGenerator<SourceEvent<T>> {
  let pending: Promise<IteratorResult<T>> | null = null;
  try {
    for (;;) {
      const first: IteratorResult<T> = await (pending ?? next());
      pending = null;
      if (first.done) return;
      const values: T[] = [first.value];
      let ended = false;
      while (values.length < max) {
        const p = next();
        const r = await Promise.race([p, Promise.resolve(MARK)]);
        if (r === MARK) {
          pending = p;
          break;
        }
        if ((r as IteratorResult<T>).done) {
          ended = true;
          break;
        }
        values.push((r as IteratorResult<T>).value);
      }
      yield { type: "elements", values };
      if (ended) return;
    }
  } finally {
    onDone();
  }
}

function fromArray<T>(items: readonly T[], chunkSize: number): Source<T> {
  return {
    kind: "source",
    replayable: true,
    *open({ offset }) {
      const from = offset === undefined ? 0 : Number(offset);
      if (!Number.isInteger(from) || from < 0 || from > items.length) {
        throw new RangeError(
          `Cannot replay array source from offset ${String(offset)}: it has ${items.length} elements`,
        );
      }
      for (let i = from; i < items.length; i += chunkSize) {
        const end = Math.min(items.length, i + chunkSize);
        yield { type: "elements", values: items.slice(i, end), offset: end };
      }
    },
  };
}

function fromIterable<T>(items: Iterable<T>, chunkSize: number): Source<T> {
  let opened = false;
  return {
    kind: "source",
    replayable: false,
    *open({ offset }) {
      if (opened || offset !== undefined) {
        throw new TypeError("Cannot replay an iterable source: only arrays and weir Sources are replayable");
      }
      opened = true;
      let values: T[] = [];
      for (const v of items) {
        values.push(v);
        if (values.length >= chunkSize) {
          yield { type: "elements", values };
          values = [];
        }
      }
      if (values.length > 0) yield { type: "elements", values };
    },
  };
}

function fromAsyncIterable<T>(items: AsyncIterable<T>, chunkSize: number): Source<T> {
  return {
    kind: "source",
    replayable: false,
    open({ offset }) {
      if (offset !== undefined) {
        throw new TypeError("Cannot replay an async iterable source: use a replayable weir Source");
      }
      const it = items[Symbol.asyncIterator]();
      return microBatches(() => it.next(), chunkSize, () => void it.return?.());
    },
  };
}

function fromReadable<T>(readable: ReadableStream<T>, chunkSize: number): Source<T> {
  return {
    kind: "source",
    replayable: false,
    open({ offset }) {
      if (offset !== undefined) {
        throw new TypeError("Cannot replay a ReadableStream source: use a replayable weir Source");
      }
      const reader = readable.getReader();
      let done = false;
      const next = async (): Promise<IteratorResult<T>> => {
        const r = await reader.read();
        if (r.done) done = true;
        return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
      };
      return microBatches(next, chunkSize, () => {
        if (!done) void reader.cancel().catch(() => {});
        reader.releaseLock();
      });
    },
  };
}

export function toSource<T>(input: StreamInput<T>, chunkSize: number): Source<T> {
  if (isSource(input)) return input as Source<T>;
  if (Array.isArray(input)) return fromArray(input as T[], chunkSize);
  if (typeof ReadableStream !== "undefined" && input instanceof ReadableStream) return fromReadable(input, chunkSize);
  if (input != null && typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === "function") {
    return fromAsyncIterable(input as AsyncIterable<T>, chunkSize);
  }
  if (input != null && typeof (input as Iterable<T>)[Symbol.iterator] === "function") {
    return fromIterable(input as Iterable<T>, chunkSize);
  }
  throw new TypeError(
    `Cannot create a stream from ${
      input === null ? "null" : typeof input
    }: pass an Iterable, AsyncIterable, ReadableStream or weir Source`,
  );
}
