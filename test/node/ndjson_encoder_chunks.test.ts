// How NdjsonEncoderStream hands out its lines (issue 9 item 3): what was written while the reader
// was busy comes out as one chunk, a lone line goes out at once, a reader that does not read holds
// the writes back, and errors and cancellation cross from one side to the other as through a
// TransformStream.
import { describe, expect, test, vi } from "vitest";
import { NdjsonEncoderStream } from "../../src/io/ndjson_encoder_stream.ts";
import { type BatchWritable, writeBatches } from "../../src/pipeline/from_input.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { arraySource } from "../scenarios/_checkpoint_helpers.ts";

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Lets the microtasks already queued (and the ones they queue) run, `n` deep. */
async function microtasks(n = 32): Promise<void> {
  for (let i = 0; i < n; i++) await undefined;
}

describe("NdjsonEncoderStream chunks", () => {
  test("lines written while the reader was busy come out as one chunk", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = encoder.writable.getWriter();
    const reader = encoder.readable.getReader();
    await Promise.all([writer.write({ n: 1 }), writer.write({ n: 2 }), writer.write({ n: 3 })]);
    expect(text((await reader.read()).value)).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    void writer.close();
    expect((await reader.read()).done).toBe(true);
  });

  test("a lone line goes out without waiting for the next write or the end", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = encoder.writable.getWriter();
    const reader = encoder.readable.getReader();
    void writer.write("only");
    expect(text((await reader.read()).value)).toBe('"only"\n');
    void writer.write("next");
    expect(text((await reader.read()).value)).toBe('"next"\n');
  });

  test("a write waits once 64 KiB of lines are waiting for the reader", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = encoder.writable.getWriter();
    const reader = encoder.readable.getReader();
    const line = "x".repeat(20_000);
    await writer.write(line);
    await writer.write(line);
    await writer.write(line);
    let written = false;
    void writer.write(line).then(() => written = true);
    await microtasks();
    expect(written).toBe(false);
    const chunk = (await reader.read()).value!;
    expect(chunk.length).toBe(4 * (line.length + 3));
    await microtasks();
    expect(written).toBe(true);
  });

  test("aborting the writable side errors the readable side with the reason", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = encoder.writable.getWriter();
    const reader = encoder.readable.getReader();
    await writer.write(1);
    const reason = new Error("upstream failed");
    await writer.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  test("cancelling the readable side errors the writable side with the reason", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = encoder.writable.getWriter();
    const reason = new Error("reader gone");
    await encoder.readable.cancel(reason);
    await expect(writer.write(1)).rejects.toBe(reason);
  });

  test("a failing value errors the readable side even while a read waits", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = encoder.writable.getWriter();
    const reader = encoder.readable.getReader();
    const read = reader.read();
    const error = await writer.write(1n).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    await expect(read).rejects.toBe(error);
  });
});

// The writeBatches port (src/pipeline/from_input.ts): a job piped into a stream that offers it
// writes one array per step instead of one value per write.
describe("writeBatches", () => {
  /** A destination offering the port, recording the arrays it is given. */
  function batchDestination() {
    const batches: unknown[][] = [];
    const closed = { value: false };
    const writable = new WritableStream<unknown>({ write: (v) => void batches.push([v]) });
    Object.defineProperty(writable, writeBatches, {
      value: () => {
        if (writable.locked) return undefined;
        writable.getWriter();
        return new WritableStream<readonly unknown[]>({
          write: (values) => void batches.push([...values]),
          close: () => void (closed.value = true),
        }).getWriter();
      },
    });
    return { writable, batches, closed };
  }

  test("pipeTo and pipeThrough of a job write its steps as arrays, unless told to leave an end open", async () => {
    const values = Array.from({ length: 50 }, (_, i) => i);
    const a = batchDestination();
    await stream(values, { chunkSize: 8 }).pipeTo(a.writable);
    expect(a.batches.map((b) => b.length)).toEqual([8, 8, 8, 8, 8, 8, 2]);
    expect(a.batches.flat()).toEqual(values);
    expect(a.closed.value).toBe(true);
    const b = batchDestination();
    const readable = new ReadableStream<never>({ start: (c) => c.close() });
    const out = stream(values, { chunkSize: 25 }).toReadableStream().pipeThrough({ writable: b.writable, readable });
    expect(out).toBe(readable);
    await vi.waitFor(() => expect(b.closed.value).toBe(true));
    expect(b.batches.map((x) => x.length)).toEqual([25, 25]);
    // preventClose (and preventAbort, preventCancel) must leave the destination unlocked: value by value
    const c = batchDestination();
    await stream(values.slice(0, 3), { chunkSize: 8 }).pipeTo(c.writable, { preventClose: true });
    expect(c.batches).toEqual([[0], [1], [2]]);
    expect(c.writable.locked).toBe(false);
    // a readable read from already is piped value by value
    const d = batchDestination();
    const started = stream(values.slice(0, 4), { chunkSize: 2 }).toReadableStream();
    const reader = started.getReader();
    expect((await reader.read()).value).toBe(0);
    reader.releaseLock();
    await started.pipeTo(d.writable);
    expect(d.batches).toEqual([[1], [2], [3]]);
  });

  test("a checkpointed job piped into a stream that takes arrays writes a step's outputs at a time", async () => {
    const values = Array.from({ length: 30 }, (_, i) => i);
    const a = batchDestination();
    await stream(arraySource(values, 8)).checkpoint({ store: new MemoryStateStore(), id: "a", every: { events: 10 } })
      .pipeTo(a.writable);
    expect(a.batches.flat()).toEqual(values);
    expect(a.batches.length).toBeLessThan(values.length);
    expect(a.closed.value).toBe(true);
    const encoder = new NdjsonEncoderStream();
    const all = new Response(encoder.readable).text();
    await stream(arraySource(values, 8)).checkpoint({ store: new MemoryStateStore(), id: "b", every: { events: 10 } })
      .pipeTo(encoder.writable);
    expect(await all).toBe(values.map((v) => `${v}\n`).join(""));
  });

  test("NdjsonEncoderStream's port encodes arrays as one write each would, and locks the writable side", async () => {
    const encoder = new NdjsonEncoderStream();
    const port = (encoder.writable as unknown as BatchWritable<unknown>)[writeBatches];
    const writer = port()!;
    expect(encoder.writable.locked).toBe(true);
    expect(port()).toBeUndefined();
    const all = new Response(encoder.readable).text();
    await writer.write([1, "a"]);
    await writer.write([]);
    await writer.write([{ b: [2] }]);
    await writer.close();
    expect(await all).toBe('1\n"a"\n{"b":[2]}\n');

    const failing = new NdjsonEncoderStream();
    const failingWriter = (failing.writable as unknown as BatchWritable<unknown>)[writeBatches]()!;
    const reader = failing.readable.getReader();
    await failingWriter.write([1, 2]);
    const error = await failingWriter.write([3, 4n]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^Cannot encode element 3 as NDJSON/);
    // the lines before the bad value are not handed out, as with a TransformStream that errors
    await expect(reader.read()).rejects.toBe(error);
  });

  test("a large batch waits for the reader at 64 KiB of lines, as single writes do", async () => {
    const encoder = new NdjsonEncoderStream();
    const writer = (encoder.writable as unknown as BatchWritable<unknown>)[writeBatches]()!;
    const reader = encoder.readable.getReader();
    const line = "x".repeat(20_000);
    let written = false;
    void writer.write([line, line, line, line, line, line]).then(() => written = true);
    await microtasks();
    expect(written).toBe(false);
    let bytes = 0;
    while (!written) {
      bytes += (await reader.read()).value!.length;
      await microtasks();
    }
    void writer.close();
    for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
    expect(bytes).toBe(6 * (line.length + 3));
  });
});
