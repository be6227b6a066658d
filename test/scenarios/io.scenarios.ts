import type { Scenario } from "./_scenario.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { DecodeError } from "../../src/errors.ts";
import { consoleSink } from "../../src/io/console_sink.ts";
import { NdjsonDecoderStream, type NdjsonRecord } from "../../src/io/ndjson_decoder_stream.ts";
import { NdjsonEncoderStream } from "../../src/io/ndjson_encoder_stream.ts";
import type { WindowResult } from "../../src/window/types.ts";

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
