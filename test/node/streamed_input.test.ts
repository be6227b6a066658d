// How stream() reads streamed input (issue 9, items 2 and 3): whatever has already arrived becomes
// one micro-batch, a lone element goes on at once, and the results never depend on it.
import { describe, expect, test } from "vitest";
import { count, stream, sum, tumbling, WindowStream } from "../../mod.ts";
import { DecodeError } from "../../src/errors.ts";
import { NdjsonDecoderStream, type NdjsonRecord } from "../../src/io/ndjson_decoder_stream.ts";
import { toSource } from "../../src/pipeline/from_input.ts";
import type { SourceEvent } from "../../src/pipeline/source.ts";

type Ev = { k: string; ts: number; v: number };
const events: Ev[] = Array.from({ length: 500 }, (_, i) => ({ k: `k${i % 7}`, ts: i * 13 - (i % 5) * 9, v: i % 11 }));

/** One element per chunk, all of them in the queue before anyone reads. */
function queued<T>(items: readonly T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(c) {
      for (const x of items) c.enqueue(x);
      c.close();
    },
  });
}

async function collect<T>(readable: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of readable as unknown as AsyncIterable<T>) out.push(x);
  return out;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

async function steps<T>(input: Parameters<typeof toSource<T>>[0], chunkSize = 4096): Promise<T[][]> {
  const it = toSource(input, chunkSize).open({}) as AsyncIterator<SourceEvent<T>>;
  const out: T[][] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.type === "elements") out.push([...r.value.values]);
  }
  return out;
}

const windowed = (input: Parameters<typeof stream<Ev>>[0]) =>
  stream(input)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 40 })
    .keyBy((e) => e.k)
    .window(tumbling(100))
    .aggregate({ n: count(), total: sum((e: Ev) => e.v) })
    .toArray();

describe("stream() over streamed input", () => {
  test("a ReadableStream's queued chunks become one step, up to chunkSize", async () => {
    const all = await steps(queued(events), 128);
    expect(all.flat()).toStrictEqual(events);
    expect(all.length).toBeLessThan(events.length / 10);
    expect(Math.max(...all.map((s) => s.length))).toBe(128);
  });

  test("an async generator's values become one step", async () => {
    async function* gen() {
      yield* events;
    }
    const all = await steps(gen());
    expect(all.flat()).toStrictEqual(events);
    expect(all.length).toBeLessThan(events.length / 10);
  });

  test("a pull-based ReadableStream (ReadableStream.from) is read in a few steps, in order", async () => {
    const from = (ReadableStream as unknown as { from<T>(it: Iterable<T>): ReadableStream<T> }).from(events);
    const all = await steps(from);
    expect(all.flat()).toStrictEqual(events);
    expect(all.length).toBeLessThan(events.length / 10);
  });

  test("a ReadableStream that turns from pulled one at a time to queued keeps its order and its batches", async () => {
    // Reads land one at a time for the first 250 values (fewer reads are then kept in flight), then
    // the rest is queued at once and must again come in one step.
    let i = 0;
    const readable = new ReadableStream<Ev>({
      pull(c) {
        if (i < 250) return void c.enqueue(events[i++]!);
        while (i < events.length) c.enqueue(events[i++]!);
        c.close();
      },
    }, { highWaterMark: 0 });
    const all = await steps(readable);
    expect(all.flat()).toStrictEqual(events);
    expect(all.at(-1)!.length).toBeGreaterThanOrEqual(events.length - 250);
  });

  test("an async generator stopped early is returned, though two next() calls were in flight", async () => {
    const returned = deferred();
    let yielded = 0;
    async function* endless() {
      try {
        for (;;) yield yielded++;
      } finally {
        returned.resolve();
      }
    }
    const it = toSource(endless(), 16).open({}) as AsyncIterator<SourceEvent<number>>;
    const first = await it.next();
    expect(first.value).toStrictEqual({ type: "elements", values: Array.from({ length: 16 }, (_, j) => j) });
    await it.return!();
    await returned.promise;
    // Read ahead of the pipeline: at most one more step and the reads that were in flight.
    expect(yielded).toBeLessThanOrEqual(16 + 16 + 2);
  });

  test("a lone element goes on at once, without waiting for the next one", async () => {
    const second = deferred();
    let controller!: ReadableStreamDefaultController<number>;
    const readable = new ReadableStream<number>({ start: (c) => void (controller = c) });
    const it = toSource(readable, 4096).open({}) as AsyncIterator<SourceEvent<number>>;
    controller.enqueue(1);
    const first = await it.next();
    expect(first.value).toStrictEqual({ type: "elements", values: [1] });
    void second.promise.then(() => {
      controller.enqueue(2);
      controller.enqueue(3);
      controller.close();
    });
    const next = it.next();
    second.resolve();
    expect((await next).value).toStrictEqual({ type: "elements", values: [2, 3] });
    expect((await it.next()).done).toBe(true);
  });

  test("the same results whether the input is an array, a ReadableStream, an async generator or a WindowStream", async () => {
    async function* gen() {
      for (const e of events) {
        yield e;
        if (e.ts % 3 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    }
    const expected = await windowed(events);
    expect(await windowed(queued(events))).toStrictEqual(expected);
    expect(await windowed(gen())).toStrictEqual(expected);
    const through = queued(events).pipeThrough(
      new WindowStream({
        eventTime: (e: Ev) => e.ts,
        maxOutOfOrderness: 40,
        key: (e: Ev) => e.k,
        window: tumbling(100),
        aggregate: { n: count(), total: sum((e: Ev) => e.v) },
      }),
    );
    expect(await collect(through)).toStrictEqual(expected);
  });

  test("values read before an input error are processed, then the error ends the job", async () => {
    const boom = new Error("boom");
    const readable = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.enqueue(2);
      },
      pull(c) {
        c.error(boom);
      },
    });
    const seen: number[] = [];
    await expect(stream(readable).forEach((x) => void seen.push(x))).rejects.toBe(boom);
    expect(seen).toStrictEqual([1, 2]);
  });

  test("an async iterator that is not a generator never sees overlapping next() calls", async () => {
    let inFlight = 0, most = 0, i = 0;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        async next() {
          most = Math.max(most, ++inFlight);
          await null;
          inFlight--;
          return i < 50 ? { done: false, value: i++ } : { done: true, value: undefined };
        },
      }),
    };
    expect(await stream(iterable).toArray()).toStrictEqual(Array.from({ length: 50 }, (_, j) => j));
    expect(most).toBe(1);
  });

  test("stopping early cancels the ReadableStream", async () => {
    let cancelled = false;
    let n = 0;
    const readable = new ReadableStream<number>({
      pull: (c) => c.enqueue(n++),
      cancel: () => void (cancelled = true),
    });
    const it = toSource(readable, 16).open({}) as AsyncIterator<SourceEvent<number>>;
    await it.next();
    await it.return!();
    expect(cancelled).toBe(true);
  });

  test("cancelling the pipeline while its ReadableStream input is idle cancels the input", async () => {
    let controller!: ReadableStreamDefaultController<number>;
    let cancelled = false;
    const input = new ReadableStream<number>({
      start: (c) => void (controller = c),
      cancel: () => void (cancelled = true),
    });
    const reader = stream(input).map((x) => x * 2).toReadableStream().getReader();
    controller.enqueue(1);
    expect((await reader.read()).value).toBe(2);
    await reader.cancel();
    expect(cancelled).toBe(true);
  });
});

describe("NdjsonDecoderStream in batches", () => {
  const text = (lines: string[]) => new TextEncoder().encode(lines.map((l) => l + "\n").join(""));

  test("stream() takes all the values of an input chunk as one step", async () => {
    const chunks = [text(['{"n":1}', '{"n":2}', '{"n":3}']), text(['{"n":4}', '{"n":5}'])];
    const all = await steps(queued(chunks).pipeThrough(new NdjsonDecoderStream<{ n: number }>()));
    expect(all).toStrictEqual([[{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]]);
  });

  test("batch: true emits one array per chunk that completes lines", async () => {
    const chunks = [text(['{"n":1}', '{"n":2}']), new TextEncoder().encode('{"n":'), text(["3}"])];
    const out = await collect(
      queued(chunks).pipeThrough(
        new NdjsonDecoderStream<NdjsonRecord<{ n: number }>[]>({ batch: true, offsets: true }),
      ),
    );
    expect(out.map((batch) => batch.map((r) => [r.value.n, r.line, r.nextOffset]))).toStrictEqual([
      [[1, 1, 8], [2, 2, 16]],
      [[3, 3, 24]],
    ]);
  });

  test("a bad line still errors the stream with a DecodeError naming it, batch or not", async () => {
    const chunks = [text(['{"n":1}', "{oops", '{"n":3}'])];
    for (const batch of [false, true]) {
      const error = await stream(queued(chunks).pipeThrough(new NdjsonDecoderStream({ batch }))).toArray().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).message).toMatch(/line 2/);
    }
    const skipped: string[] = [];
    const decoder = new NdjsonDecoderStream<{ n: number }>({ onError: (_e, line) => void skipped.push(line) });
    expect(await stream(queued(chunks).pipeThrough(decoder)).toArray()).toStrictEqual([{ n: 1 }, { n: 3 }]);
    expect(skipped).toStrictEqual(["{oops"]);
  });

  test("a decoder already read from gives stream() the rest one value at a time", async () => {
    const readable = queued([text(['{"n":1}', '{"n":2}', '{"n":3}'])]).pipeThrough(new NdjsonDecoderStream());
    const reader = readable.getReader();
    expect((await reader.read()).value).toStrictEqual({ n: 1 });
    reader.releaseLock();
    expect(await stream(readable).toArray()).toStrictEqual([{ n: 2 }, { n: 3 }]);
  });

  test("batch must be a boolean", () => {
    expect(() => new NdjsonDecoderStream({ batch: "yes" as unknown as boolean })).toThrow(
      /batch must be a boolean: current value is yes/,
    );
  });
});

describe("WindowStream input", () => {
  const options = () => ({
    eventTime: (e: Ev) => e.ts,
    maxOutOfOrderness: 0,
    window: tumbling(100),
    aggregate: count(),
  });

  test("cancelling the readable side while no input comes errors the writable side", async () => {
    const ws = new WindowStream(options());
    const writer = ws.writable.getWriter();
    const reader = ws.readable.getReader();
    await writer.write({ k: "a", ts: 1, v: 1 });
    await writer.write({ k: "a", ts: 150, v: 1 });
    expect((await reader.read()).value).toMatchObject({ window: { start: 0, end: 100 }, value: 1 });
    await reader.cancel();
    await expect(writer.closed).rejects.toThrow(/readable side was cancelled/);
  });

  test("aborting the writable side errors the readable side with the reason", async () => {
    const ws = new WindowStream(options());
    const writer = ws.writable.getWriter();
    await writer.write(events[0]!);
    const reason = new Error("gone");
    await writer.abort(reason);
    await expect(collect(ws.readable)).rejects.toBe(reason);
  });
});
