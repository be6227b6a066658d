/// <reference types="node" />
// NDJSON in, windows out: the same generated NDJSON bytes (W1 events: tumbling 10 s, 1,000 keys,
// count + sum, 2 s of disorder) fed in 64 KiB and in 1 MiB chunks, as a file or a network body would
// arrive, through
//   - a hand loop: TextDecoder + split + JSON.parse + one Map per window, results JSON.stringify'd;
//   - the decoder alone, read one value at a time, and with `batch: true`;
//   - decoder → window → encoder: stream(bytes.pipeThrough(new NdjsonDecoderStream())) windowed and
//     piped through NdjsonEncoderStream;
//   - ndjsonFileSource → window → encoder over the same bytes written to a temporary file.
// Variants are interleaved in every rep; the ratios to the hand loop of the same rep are what to compare.
//
// Run: npx tsx bench/ndjson_decode.ts [--mb 50] [--reps 3]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, NdjsonDecoderStream, NdjsonEncoderStream, type Source, stream, sum, tumbling } from "../mod.ts";
import { ndjsonFileSource } from "../adapters/fs/mod.ts";
import { intArg, uniformEvents } from "./_data.ts";

const MB = intArg("mb", 50);
const REPS = intArg("reps", 3);
const BOUND = 2_000;
const SIZE = 10_000;

interface Line {
  ts: number;
  user: string;
  city: string;
  value: number;
  tags: string[];
}

function generate(bytes: number): Uint8Array {
  const lines: string[] = [];
  let size = 0;
  for (const e of uniformEvents(Math.ceil(bytes / 80))) {
    const line = JSON.stringify(
      {
        ts: e.ts,
        user: `user-${e.key}`,
        city: e.key % 7 === 0 ? "Zürich" : "Lisbon",
        value: e.value,
        tags: ["a", "b"],
      } satisfies Line,
    ) + "\n";
    lines.push(line);
    size += line.length;
    if (size >= bytes) break;
  }
  return new TextEncoder().encode(lines.join(""));
}

function chunks(input: Uint8Array, readBytes: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= input.length) return controller.close();
      controller.enqueue(input.subarray(at, at += readBytes));
    },
  }, { highWaterMark: 0 });
}

/** What every variant that windows reports: windows fired and output bytes, to check they agree. */
interface Outcome {
  lines: number;
  windows: number;
  bytes: number;
}

// The hand loop: what one writes without a library (and without late-data handling beyond
// dropping, which never happens here: the disorder stays within the bound).
async function handLoop(input: Uint8Array, readBytes: number): Promise<Outcome> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const windows = new Map<number, Map<string, { n: number; total: number }>>();
  let carry = "";
  let maxTs = -Infinity;
  let lines = 0, fired = 0, bytes = 0;
  const fire = (watermark: number) => {
    for (const [start, keys] of windows) {
      if (start + SIZE > watermark) continue;
      let out = "";
      for (const [key, acc] of keys) {
        out += JSON.stringify({ key, window: { start, end: start + SIZE }, value: acc }) + "\n";
        fired++;
      }
      bytes += encoder.encode(out).length;
      windows.delete(start);
    }
  };
  const reader = chunks(input, readBytes).getReader();
  for (;;) {
    const r = await reader.read();
    const text = carry + (r.done ? decoder.decode() : decoder.decode(r.value, { stream: true }));
    const parts = text.split("\n");
    carry = r.done ? "" : parts.pop()!;
    for (const part of parts) {
      if (part === "") continue;
      const e = JSON.parse(part) as Line;
      lines++;
      const start = e.ts - (e.ts % SIZE);
      let keys = windows.get(start);
      if (keys === undefined) windows.set(start, keys = new Map());
      const acc = keys.get(e.user);
      if (acc === undefined) keys.set(e.user, { n: 1, total: e.value });
      else {
        acc.n++;
        acc.total += e.value;
      }
      if (e.ts > maxTs) maxTs = e.ts;
    }
    fire(maxTs - BOUND);
    if (r.done) break;
  }
  fire(Infinity);
  return { lines, windows: fired, bytes };
}

async function decoderAlone(input: Uint8Array, readBytes: number): Promise<Outcome> {
  let lines = 0;
  const reader = chunks(input, readBytes).pipeThrough(new NdjsonDecoderStream<Line>()).getReader();
  while (!(await reader.read()).done) lines++;
  return { lines, windows: 0, bytes: 0 };
}

async function decoderBatches(input: Uint8Array, readBytes: number): Promise<Outcome> {
  let lines = 0;
  const reader = chunks(input, readBytes).pipeThrough(new NdjsonDecoderStream<Line[]>({ batch: true }))
    .getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    if (!Array.isArray(r.value)) throw new Error("this NdjsonDecoderStream has no batch option");
    lines += r.value.length;
  }
  return { lines, windows: 0, bytes: 0 };
}

async function windowed(input: ReadableStream<Line> | Source<Line>): Promise<Outcome> {
  let windows = 0, bytes = 0;
  const results = stream(input)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
    .keyBy((e) => e.user)
    .window(tumbling(SIZE))
    .aggregate({ n: count(), total: sum((e: Line) => e.value) })
    .map((r) => {
      windows++;
      return { key: r.key, window: r.window, value: r.value };
    });
  const reader = results.toReadableStream().pipeThrough(new NdjsonEncoderStream()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
  return { lines: NaN, windows, bytes };
}

const input = generate(MB * 1e6);
const dir = await mkdtemp(join(tmpdir(), "weir-ndjson-bench-"));
const file = join(dir, "events.ndjson");
await writeFile(file, input);

type Variant = { name: string; run: (readBytes: number) => Promise<Outcome> };
const variants: Variant[] = [
  { name: "hand loop (split + JSON.parse + Map)", run: (rb) => handLoop(input, rb) },
  { name: "decoder alone, one value per read", run: (rb) => decoderAlone(input, rb) },
  { name: "decoder alone, batch: true", run: (rb) => decoderBatches(input, rb) },
  {
    name: "decoder → window → encoder",
    run: (rb) => windowed(chunks(input, rb).pipeThrough(new NdjsonDecoderStream<Line>())),
  },
  {
    name: "ndjsonFileSource → window → encoder",
    run: (rb) => windowed(ndjsonFileSource<Line>(file, { readBytes: rb })),
  },
];

try {
  const lineCount = (await handLoop(input, 1 << 16)).lines;
  console.log(
    `NDJSON: ${(input.length / 1e6).toFixed(1)} MB, ${
      lineCount.toLocaleString("en")
    } lines, ${REPS} reps (median shown)`,
  );
  for (const readBytes of [64 * 1024, 1024 * 1024]) {
    const reference = await handLoop(input, readBytes);
    const available: Variant[] = [];
    for (const v of variants) {
      try {
        const o = await v.run(readBytes); // also the warm-up
        const same = Number.isNaN(o.lines)
          ? o.windows === reference.windows && o.bytes === reference.bytes
          : o.lines === reference.lines;
        if (!same) throw new Error(`${JSON.stringify(o)}, hand loop: ${JSON.stringify(reference)}`);
        available.push(v);
      } catch (e) {
        console.log(`${v.name}: skipped (${(e as Error).message})`);
      }
    }
    const seconds: number[][] = available.map(() => []);
    for (let rep = 0; rep < REPS; rep++) {
      for (let i = 0; i < available.length; i++) {
        const t0 = performance.now();
        await available[i]!.run(readBytes);
        seconds[i]!.push((performance.now() - t0) / 1000);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const loop = median(seconds[0]!);
    console.log(`\n${readBytes / 1024} KiB reads`);
    for (let i = 0; i < available.length; i++) {
      const s = median(seconds[i]!);
      console.log(
        `  ${available[i]!.name.padEnd(40)} ${(input.length / 1e6 / s).toFixed(0).padStart(5)} MB/s ${
          (s * 1e9 / lineCount).toFixed(0).padStart(6)
        } ns/line   ${(loop / s).toFixed(2)}× hand loop`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
