import type { Scenario } from "./_scenario.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { DecodeError } from "../../src/errors.ts";
import { consoleSink } from "../../src/io/console_sink.ts";
import { NdjsonDecoderStream, type NdjsonRecord } from "../../src/io/ndjson_decoder_stream.ts";
import { NdjsonEncoderStream } from "../../src/io/ndjson_encoder_stream.ts";
import type { WindowResult } from "../../src/window/types.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { tumbling } from "../../src/window/tumbling.ts";
import { count } from "../../src/aggregate/count.ts";
import { sum } from "../../src/aggregate/sum.ts";

function source<T>(chunks: T[]): ReadableStream<T> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  await stream.pipeTo(new WritableStream({ write: (v) => void out.push(v) }));
  return out;
}

/** The text of a byte stream, rejecting with the stream's own error (a `Response` would not say it in every runtime). */
async function text(bytes: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let out = "";
  for (const reader = bytes.getReader();;) {
    const r = await reader.read();
    if (r.done) return out + decoder.decode();
    out += decoder.decode(r.value, { stream: true });
  }
}

/** Values 0, 1, 2... without end, `state.pulled` of them taken so far, `state.stopped` once it was stopped. */
async function* endless(state: { pulled: number; stopped: boolean }): AsyncGenerator<number> {
  try {
    for (;;) yield state.pulled++;
  } finally {
    state.stopped = true;
  }
}

/** Waits, a timer tick at a time (at most 100), until `cond()` holds; returns whether it does. */
async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  return cond();
}

/** A windowed job of many steps (chunks of 7 elements) and its outputs as NDJSON lines. */
function windowedJob() {
  const events = Array.from({ length: 500 }, (_, i) => ({ k: `k${i % 13}`, ts: i * 37, v: i % 10 }));
  return stream(events, { chunkSize: 7 })
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.k)
    .window(tumbling(1_000))
    .aggregate({ n: count(), total: sum((e: { v: number }) => e.v) })
    .map((r) => ({ key: r.key, window: r.window, value: r.value }));
}

export default [
  {
    name: "NdjsonDecoderStream decodes input split inside multibyte characters, with BOM and CRLF",
    async run() {
      const bytes = new TextEncoder().encode('\uFEFF{"city":"Zürich","sym":"€😀"}\r\n\n"東京"\n');
      const chunks = [...bytes].map((b) => Uint8Array.of(b));
      const records = await collect(
        source(chunks).pipeThrough(new NdjsonDecoderStream<NdjsonRecord>({ offsets: true })),
      );
      assertEquals(records, [
        { value: { city: "Zürich", sym: "€😀" }, line: 1, offset: 3, nextOffset: 39 },
        { value: "東京", line: 3, offset: 40, nextOffset: 49 },
      ]);
      const rest = await collect(
        source([bytes.subarray(39)]).pipeThrough(
          new NdjsonDecoderStream<NdjsonRecord>({ offsets: true, startOffset: 39, startLine: 2 }),
        ),
      );
      assertEquals(rest, records.slice(1));
    },
  },
  {
    name: "NdjsonDecoderStream errors with a DecodeError naming the malformed line",
    async run() {
      const error = await assertRejects(
        () => collect(source(['{"n":1}\n', '{"n":2}\n{"n":', "}\n"]).pipeThrough(new NdjsonDecoderStream())),
        DecodeError,
        "Invalid JSON on line 3: ",
      );
      assertEquals((error as DecodeError).line, 3);
      assert(error.cause instanceof SyntaxError, "the JSON parser's error is the cause");
    },
  },
  {
    name: "NdjsonEncoderStream output decodes back to the same values",
    async run() {
      const values = [{ user: "ü", ts: 1, tags: ["東京", "😀"] }, [], "line\nbreak", 0, null];
      const decoded = await collect(
        source<unknown>(values).pipeThrough(new NdjsonEncoderStream()).pipeThrough(new NdjsonDecoderStream()),
      );
      assertEquals(decoded, values);
      await assertRejects(
        () => collect(source<unknown>([1, 2n]).pipeThrough(new NdjsonEncoderStream())),
        TypeError,
        "element 1",
      );
    },
  },
  {
    name: "A job piped into NdjsonEncoderStream, in any of the three ways, writes the lines of a value-by-value pipe",
    async run() {
      const values = await windowedJob().toArray();
      assert(values.length > 100, "many results, over many steps");
      const expected = await text(source<unknown>(values).pipeThrough(new NdjsonEncoderStream()));
      assertEquals(expected, values.map((v) => JSON.stringify(v) + "\n").join(""));
      // Stream.pipeThrough
      const chunks = await windowedJob().pipeThrough(new NdjsonEncoderStream()).toArray();
      assertEquals(chunks.map((c) => new TextDecoder().decode(c)).join(""), expected);
      // toReadableStream().pipeThrough, which leaves the readable locked as a pipe does
      const readable = windowedJob().toReadableStream();
      const encoded = readable.pipeThrough(new NdjsonEncoderStream());
      assert(readable.locked, "piped through: locked");
      assertEquals(await text(encoded), expected);
      // toReadableStream().pipeTo the encoder's writable side
      const encoder = new NdjsonEncoderStream();
      const [written] = await Promise.all([text(encoder.readable), windowedJob().pipeTo(encoder.writable)]);
      assertEquals(written, expected);
    },
  },
  {
    name: "A job piped into NdjsonEncoderStream stops at a value JSON cannot represent, naming its element",
    async run() {
      const state = { pulled: 0, stopped: false };
      const values = stream(endless(state), { chunkSize: 4 }).map((n) => (n === 6 ? BigInt(n) : n));
      await assertRejects(
        () => text(values.toReadableStream().pipeThrough(new NdjsonEncoderStream())),
        TypeError,
        "Cannot encode element 6 as NDJSON",
      );
      assert(await until(() => state.stopped), "the job stopped and closed its source");
      // the same through Stream.pipeTo, which rejects with the error too
      const again = { pulled: 0, stopped: false };
      const encoder = new NdjsonEncoderStream();
      const read = text(encoder.readable);
      await assertRejects(
        () => stream(endless(again), { chunkSize: 4 }).map((n) => (n === 6 ? BigInt(n) : n)).pipeTo(encoder.writable),
        TypeError,
        "Cannot encode element 6",
      );
      await assertRejects(() => read, TypeError, "Cannot encode element 6");
      assert(again.stopped, "stopped before the pipe's promise settled");
    },
  },
  {
    name: "A job piped into NdjsonEncoderStream waits for its reader, and stops when the reader cancels",
    async run() {
      const state = { pulled: 0, stopped: false };
      // Lines of about 1 KiB: 64 KiB of them fill the encoder's room.
      const values = stream(endless(state), { chunkSize: 16 }).map((n) => ({ n, pad: "x".repeat(1_000) }));
      const reader = values.toReadableStream().pipeThrough(new NdjsonEncoderStream()).getReader();
      const first = await reader.read();
      assert(first.value !== undefined && first.value.length > 0, "a first chunk");
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 1));
      const pulled = state.pulled;
      // (what the reader holds, the encoder's 64 KiB of lines, one batch and the source's read-ahead)
      assert(pulled < 400, `the job waits for the reader: ${pulled} values pulled`);
      const reason = new Error("reader gone");
      await reader.cancel(reason);
      assert(await until(() => state.stopped), "the job stopped and closed its source");
    },
  },
  {
    name:
      "A job piped into NdjsonEncoderStream with a signal stops when it aborts; preventClose leaves the encoder open",
    async run() {
      const state = { pulled: 0, stopped: false };
      const encoder = new NdjsonEncoderStream();
      const controller = new AbortController();
      const reader = encoder.readable.getReader();
      const piped = stream(endless(state), { chunkSize: 16 }).pipeTo(encoder.writable, { signal: controller.signal });
      await reader.read();
      const reason = new Error("stop");
      controller.abort(reason);
      await assertRejects(() => piped, Error, "stop");
      await assertRejects(() => reader.read(), Error, "stop");
      assert(state.stopped, "the job stopped and closed its source");
      // preventClose: the writable side is unlocked and open afterwards, as after any pipe
      const open = new NdjsonEncoderStream();
      const all = text(open.readable);
      await stream([1, 2, 3]).pipeTo(open.writable, { preventClose: true });
      assert(!open.writable.locked, "unlocked after the pipe");
      const writer = open.writable.getWriter();
      await writer.write(4);
      await writer.close();
      assertEquals(await all, "1\n2\n3\n4\n");
    },
  },
  {
    name: "consoleSink prints results piped together as one table",
    async run() {
      const lines: string[] = [];
      const pane = { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true } as const;
      const results: WindowResult<string, number>[] = [
        { key: "a", window: { start: 0, end: 10_000 }, value: 3, timestamp: 9_999, pane },
        {
          key: "b",
          window: { start: 0, end: 10_000 },
          value: 1,
          timestamp: 9_999,
          pane: { ...pane, timing: "late", index: 1 },
        },
      ];
      await source(results).pipeTo(consoleSink({ time: "iso", write: (line) => void lines.push(line) }));
      assertEquals(lines, [
        "-------- Batch: 0 --------",
        "+---+----------------------------------------------------+----------------+-----+",
        "|key|                                              window|            pane|value|",
        "+---+----------------------------------------------------+----------------+-----+",
        "|  a|[1970-01-01T00:00:00.000Z, 1970-01-01T00:00:10.000Z)|on-time #0 final|    3|",
        "|  b|[1970-01-01T00:00:00.000Z, 1970-01-01T00:00:10.000Z)|   late #1 final|    1|",
        "+---+----------------------------------------------------+----------------+-----+",
      ]);
    },
  },
] satisfies Scenario[];
