// How NdjsonEncoderStream hands out its lines (issue 9 item 3): what was written while the reader
// was busy comes out as one chunk, a lone line goes out at once, a reader that does not read holds
// the writes back, and errors and cancellation cross from one side to the other as through a
// TransformStream.
import { describe, expect, test } from "vitest";
import { NdjsonEncoderStream } from "../../src/io/ndjson_encoder_stream.ts";

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
