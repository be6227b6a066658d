// NdjsonDecoderStream decodes a large chunk 64 KiB of lines at a time (issue 9 item 3): the values,
// line numbers, byte offsets and errors must not depend on where those slices fall.
import { describe, expect, test } from "vitest";
import { DecodeError } from "../../src/errors.ts";
import {
  NdjsonDecoderStream,
  type NdjsonDecoderStreamOptions,
  type NdjsonRecord,
} from "../../src/io/ndjson_decoder_stream.ts";

/** About 400 KB of lines: multibyte text, a CRLF every third line, a blank line every seventh. */
function input(lines = 6_000): string {
  let text = "";
  for (let i = 1; i <= lines; i++) {
    text += i % 7 === 0
      ? "  "
      : JSON.stringify({ i, city: i % 5 === 0 ? "Zürich 東京 😀" : "Lisbon", pad: "x".repeat(i % 50) });
    text += i % 3 === 0 ? "\r\n" : "\n";
  }
  return text;
}

async function decode(
  chunks: Uint8Array[],
  options: NdjsonDecoderStreamOptions = {},
): Promise<NdjsonRecord[]> {
  const out: NdjsonRecord[] = [];
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  await source.pipeThrough(new NdjsonDecoderStream<NdjsonRecord>({ ...options, offsets: true })).pipeTo(
    new WritableStream({ write: (r) => void out.push(r) }),
  );
  return out;
}

function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

describe("NdjsonDecoderStream over large chunks", () => {
  const bytes = new TextEncoder().encode(input());

  test("one 400 KB chunk gives the same records, lines and offsets as 1,000-byte chunks", async () => {
    expect(bytes.length).toBeGreaterThan(5 * 64 * 1024);
    const small = await decode(split(bytes, 1_000));
    expect(small.length).toBe(6_000 - Math.floor(6_000 / 7));
    expect(await decode([bytes])).toStrictEqual(small);
    expect(await decode(split(bytes, 1024 * 1024 - 1))).toStrictEqual(small);
  });

  test("a bad line far into a large chunk is named by its line number", async () => {
    const text = input().split("\n");
    text[4_999] = "{oops";
    const error = await decode([new TextEncoder().encode(text.join("\n"))]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).line).toBe(5_000);
    expect((error as DecodeError).message).toMatch(/^Invalid JSON on line 5000: /);
  });

  test("invalid UTF-8 far into a large chunk is named by its line, and skipping it keeps later lines right", async () => {
    const at = bytes.indexOf(0x0a, 300_000) + 1; // the first byte of a line past 300 KB
    const line = new TextDecoder().decode(bytes.subarray(0, at)).split("\n").length;
    const broken = bytes.slice();
    broken[at + 1] = 0xff; // inside the line's JSON: `{` then 0xff
    const error = await decode([broken]).then(() => undefined, (e: unknown) => e);
    expect((error as DecodeError).message).toBe(`Invalid UTF-8 on line ${line}`);
    const skipped = await decode([broken], { onError: "skip" });
    const expected = (await decode([bytes])).filter((r) => r.line !== line);
    expect(skipped).toStrictEqual(expected);
  });

  test("a too long line in a later slice is reported with its number", async () => {
    const text = input().split("\n");
    text[3_999] = JSON.stringify({ long: "y".repeat(2_000) });
    const errors: DecodeError[] = [];
    const records = await decode([new TextEncoder().encode(text.join("\n"))], {
      maxLineBytes: 1_000,
      onError: (e) => void errors.push(e),
    });
    expect(errors.map((e) => e.line)).toStrictEqual([4_000]);
    expect(records.some((r) => r.line === 4_001)).toBe(true);
  });
});
