// Decoder throughput on ~50 MB of generated NDJSON, fed in 64 KiB chunks (as a file or a
// network body would arrive), for bare values and with byte offsets.
// Run: npx tsx bench/ndjson_decode.ts, or node_modules/.bin/deno run bench/ndjson_decode.ts
import { NdjsonDecoderStream } from "../src/io/ndjson_decoder_stream.ts";

const TARGET_BYTES = 50 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

function generate(): Uint8Array {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < TARGET_BYTES; i++) {
    const line = JSON.stringify({
      ts: 1_700_000_000_000 + i * 37,
      user: `user-${i % 1000}`,
      city: i % 7 === 0 ? "Zürich" : "Lisbon",
      value: (i * 7919) % 1000 / 10,
      tags: ["a", "b"],
    }) + "\n";
    lines.push(line);
    size += line.length + 1;
  }
  return new TextEncoder().encode(lines.join(""));
}

async function run(input: Uint8Array, offsets: boolean): Promise<{ seconds: number; count: number }> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < input.length; i += CHUNK_BYTES) controller.enqueue(input.subarray(i, i + CHUNK_BYTES));
      controller.close();
    },
  });
  const started = performance.now();
  let count = 0;
  await source.pipeThrough(new NdjsonDecoderStream({ offsets })).pipeTo(
    new WritableStream({
      write() {
        count++;
      },
    }),
  );
  return { seconds: (performance.now() - started) / 1000, count };
}

const input = generate();
const mb = input.length / 1e6;
for (const offsets of [false, true, false, true]) {
  const { seconds, count } = await run(input, offsets);
  console.log(
    `offsets=${offsets}: ${mb.toFixed(1)} MB, ${count} lines in ${seconds.toFixed(2)} s = ${
      (mb / seconds).toFixed(1)
    } MB/s`,
  );
}
