import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DecodeError } from "../../src/errors.ts";
import {
  NdjsonDecoderStream,
  type NdjsonDecoderStreamOptions,
  type NdjsonRecord,
} from "../../src/io/ndjson_decoder_stream.ts";
import { NdjsonEncoderStream, type NdjsonEncoderStreamOptions } from "../../src/io/ndjson_encoder_stream.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const BOM = [0xef, 0xbb, 0xbf];

async function decode<T = unknown>(
  chunks: (Uint8Array | string)[],
  options?: NdjsonDecoderStreamOptions,
): Promise<T[]> {
  const out: T[] = [];
  const source = new ReadableStream<Uint8Array | string>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  await source.pipeThrough(new NdjsonDecoderStream<T>(options)).pipeTo(
    new WritableStream({ write: (v) => void out.push(v) }),
  );
  return out;
}

async function decodeError(
  chunks: (Uint8Array | string)[],
  options?: NdjsonDecoderStreamOptions,
): Promise<DecodeError> {
  const error = await decode(chunks, options).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DecodeError);
  return error as DecodeError;
}

/** Splits `bytes` at the given cut positions. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [
    0,
    ...[...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b),
    bytes.length,
  ];
  return points.slice(1).map((end, i) => bytes.slice(points[i], end));
}

const eachByte = (bytes: Uint8Array) => [...bytes].map((b) => Uint8Array.of(b));

describe("NdjsonDecoderStream", () => {
  test("decodes one value per line", async () => {
    expect(await decode(['{"a":1}\n[1,2]\n"s"\nnull\n3.5\ntrue\n'])).toEqual([{ a: 1 }, [1, 2], "s", null, 3.5, true]);
  });

  test("reassembles multibyte characters split across chunks at every byte", async () => {
    const text = '{"city":"Zürich","eur":"€","emoji":"😀","cjk":"東京"}\n';
    const bytes = utf8(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await decode(split(bytes, [cut]))).toEqual([JSON.parse(text)]);
    }
    expect(await decode(eachByte(bytes))).toEqual([JSON.parse(text)]);
  });

  test("reassembles lines split across chunks", async () => {
    const bytes = utf8('{"n":1}\n{"n":2}\n{"n":3}\n');
    expect(await decode(eachByte(bytes))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await decode(split(bytes, [3, 4, 5, 16, 20]))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test("accepts \\r\\n line endings, also with the \\r and \\n in different chunks", async () => {
    expect(await decode(["1\r\n2\r\n3"])).toEqual([1, 2, 3]);
    expect(await decode(["1\r", "\n2\r", "\n"])).toEqual([1, 2]);
  });

  test("ignores a UTF-8 BOM at the start, even split across chunks", async () => {
    const bytes = Uint8Array.from([...BOM, ...utf8('{"a":1}\n2\n')]);
    expect(await decode([bytes])).toEqual([{ a: 1 }, 2]);
    expect(await decode(eachByte(bytes))).toEqual([{ a: 1 }, 2]);
    expect(await decode(["\uFEFF1\n"])).toEqual([1]);
  });

  test("treats a BOM after the start as data, which is not JSON", async () => {
    const error = await decodeError(["1\n\uFEFF2\n"]);
    expect(error.line).toBe(2);
  });

  test("treats input shorter than a BOM as data", async () => {
    expect(await decode(["7"])).toEqual([7]);
    expect(await decode([Uint8Array.of(0x31), Uint8Array.of(0x32)])).toEqual([12]);
    const error = await decodeError([Uint8Array.of(0xef, 0xbb)]);
    expect(error.message).toBe("Invalid UTF-8 on line 1");
  });

  test("skips blank and whitespace-only lines but still counts them", async () => {
    expect(await decode(["\n1\n\n  \t \n\r\n2\n \r \r\n   \n"])).toEqual([1, 2]);
    const error = await decodeError(["1\n\n   \nnope\n"]);
    expect(error.line).toBe(4);
  });

  test("decodes a final line without a trailing newline", async () => {
    expect(await decode(["1\n2"])).toEqual([1, 2]);
    expect(await decode(["1\n", "2\r"])).toEqual([1, 2]);
    expect(await decode(['{"a":', '"b"}'])).toEqual([{ a: "b" }]);
  });

  test("emits nothing for empty input", async () => {
    expect(await decode([])).toEqual([]);
    expect(await decode(["", new Uint8Array(0)])).toEqual([]);
    expect(await decode(["\n\n\r\n"])).toEqual([]);
  });

  test("decodes string chunks, also mixed with bytes", async () => {
    expect(await decode(['{"a":"ü', 'x"}\n', utf8("2\n")])).toEqual([{ a: "üx" }, 2]);
  });

  test("rejects chunks that are neither bytes nor strings", async () => {
    const error = await decode([42 as unknown as string]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      "Cannot decode NDJSON chunk as it must be a Uint8Array or a string: received number",
    );
  });

  test("errors on a malformed line with a DecodeError naming the line, the parser's error as cause", async () => {
    const error = await decodeError(['{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n']);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^Invalid JSON on line 3: /);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.message).toBe(`Invalid JSON on line 3: ${(error.cause as Error).message}`);
  });

  test("delivers the values of earlier chunks, then errors", async () => {
    const stream = new NdjsonDecoderStream();
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    void writer.write("1\n2\n");
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    const third = reader.read();
    await expect(writer.write("{\n")).rejects.toBeInstanceOf(DecodeError);
    await expect(third).rejects.toMatchObject({ line: 3 });
  });

  test("errors on invalid UTF-8 with a DecodeError naming the line", async () => {
    const error = await decodeError([utf8("1\n"), Uint8Array.of(0x22, 0xff, 0x22, 0x0a)]);
    expect(error.line).toBe(2);
    expect(error.message).toBe("Invalid UTF-8 on line 2");
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  test("skips a line of invalid UTF-8 amid valid ones in the same chunk", async () => {
    const calls: [number | undefined, string][] = [];
    const bytes = Uint8Array.from([...utf8('1\n"'), 0xff, ...utf8('"\n"ü"\n')]);
    const values = await decode([bytes], { onError: (e, line) => void calls.push([e.line, line]) });
    expect(values).toEqual([1, "ü"]);
    expect(calls).toEqual([[2, '"\uFFFD"']]);
  });

  test('onError: "skip" drops bad lines and keeps line numbers right', async () => {
    const records = await decode<NdjsonRecord>(["1\nbad\n3\n{\n5"], { onError: "skip", offsets: true });
    expect(records.map((r) => [r.value, r.line])).toEqual([[1, 1], [3, 3], [5, 5]]);
  });

  test("onError as a function receives the error and the line's text", async () => {
    const calls: [number | undefined, string][] = [];
    const values = await decode(["1\r\nbad one\r\n3\n"], { onError: (e, line) => void calls.push([e.line, line]) });
    expect(values).toEqual([1, 3]);
    expect(calls).toEqual([[2, "bad one"]]);
  });

  test("an onError function that throws errors the stream with its error", async () => {
    const boom = new Error("boom");
    await expect(decode(["x\n"], {
      onError: () => {
        throw boom;
      },
    })).rejects.toBe(boom);
  });

  describe("maxLineBytes", () => {
    test("defaults to 1 MiB", async () => {
      const max = 1024 * 1024;
      const fits = `"${"x".repeat(max - 2)}"\n`;
      expect(await decode([fits])).toEqual(["x".repeat(max - 2)]);
      const error = await decodeError([`"${"x".repeat(max - 1)}"\n`]);
      expect(error.message).toBe(
        "Line 1 is longer than maxLineBytes (1048576 bytes): raise maxLineBytes to accept longer lines",
      );
    });

    test("accepts a line of exactly maxLineBytes, with \\n or \\r\\n, however split", async () => {
      for (const text of ['"abcdef"\n"x"\n', '"abcdef"\r\n"x"\r\n', '"abcdef"']) {
        const bytes = utf8(text);
        for (let cut = 1; cut < bytes.length; cut++) {
          expect(await decode(split(bytes, [cut]), { maxLineBytes: 8 })).toEqual(
            text.includes("x") ? ["abcdef", "x"] : ["abcdef"],
          );
        }
      }
    });

    test("counts bytes, not characters", async () => {
      expect(await decode(['"ü"\n'], { maxLineBytes: 4 })).toEqual(["ü"]);
      expect((await decodeError(['"ü"\n'], { maxLineBytes: 3 })).line).toBe(1);
    });

    test("rejects a longer line however it is split, naming the line", async () => {
      const bytes = utf8('1\n"abcdefg"\r\n3\n');
      for (let cut = 1; cut < bytes.length; cut++) {
        const error = await decodeError(split(bytes, [cut]), { maxLineBytes: 8 });
        expect(error.line).toBe(2);
      }
    });

    test("errors as soon as an unterminated line exceeds the limit, before any newline arrives", async () => {
      const stream = new NdjsonDecoderStream({ maxLineBytes: 8 });
      const reading = stream.readable.getReader().read();
      const writer = stream.writable.getWriter();
      await writer.write('"abcd');
      await expect(writer.write("efghijkl")).rejects.toBeInstanceOf(DecodeError);
      await expect(reading).rejects.toMatchObject({ line: 1 });
    });

    test("a skipped long line is dropped up to its newline; later lines and offsets stay right", async () => {
      const input = utf8('1\n"a long line that goes on"\n"ü"\n');
      const calls: [number | undefined, string][] = [];
      for (const chunks of [[input], eachByte(input)]) {
        calls.length = 0;
        const records = await decode<NdjsonRecord>(chunks, {
          maxLineBytes: 6,
          offsets: true,
          onError: (e, line) => void calls.push([e.line, line]),
        });
        expect(records).toEqual([
          { value: 1, line: 1, offset: 0, nextOffset: 2 },
          { value: "ü", line: 3, offset: 29, nextOffset: 34 },
        ]);
        expect(calls).toEqual([[2, '"a lon']]);
      }
    });

    test("a long last line without newline is reported once", async () => {
      const calls: number[] = [];
      const values = await decode(["1\n", "22222", "22222", "22"], {
        maxLineBytes: 4,
        onError: (e) => void calls.push(e.line!),
      });
      expect(values).toEqual([1]);
      expect(calls).toEqual([2]);
    });
  });

  describe("offsets", () => {
    test("reports byte offsets around CRLF, BOM and multibyte characters", async () => {
      const bytes = Uint8Array.from([...BOM, ...utf8('{"a":"€"}\r\n\n"😀"\n7')]);
      const records = await decode<NdjsonRecord>(eachByte(bytes), { offsets: true });
      expect(records).toEqual([
        { value: { a: "€" }, line: 1, offset: 3, nextOffset: 16 },
        { value: "😀", line: 3, offset: 17, nextOffset: 24 },
        { value: 7, line: 4, offset: 24, nextOffset: 25 },
      ]);
      const text = new TextDecoder();
      for (const r of records) {
        expect(JSON.parse(text.decode(bytes.subarray(r.offset, r.nextOffset)))).toEqual(r.value);
      }
    });

    test("counts string chunks as their UTF-8 bytes", async () => {
      const records = await decode<NdjsonRecord>(['"é"\n', "1\n"], { offsets: true });
      expect(records.map((r) => [r.offset, r.nextOffset])).toEqual([[0, 5], [5, 7]]);
    });

    test("resuming from any nextOffset yields exactly the remaining records", async () => {
      const bytes = Uint8Array.from([...BOM, ...utf8('{"a":"ü"}\r\n\n  \n[1,"東"]\n"x"\r\n42')]);
      const all = await decode<NdjsonRecord>([bytes], { offsets: true });
      expect(all.map((r) => r.value)).toEqual([{ a: "ü" }, [1, "東"], "x", 42]);
      for (const [i, r] of all.entries()) {
        const rest = await decode<NdjsonRecord>([bytes.subarray(r.nextOffset)], {
          offsets: true,
          startOffset: r.nextOffset,
          startLine: r.line + 1,
        });
        expect(rest).toEqual(all.slice(i + 1));
      }
    });

    test("startOffset and startLine shift offsets, line numbers and error messages", async () => {
      const records = await decode<NdjsonRecord>(["1\n2\n"], { offsets: true, startOffset: 100, startLine: 10 });
      expect(records).toEqual([
        { value: 1, line: 10, offset: 100, nextOffset: 102 },
        { value: 2, line: 11, offset: 102, nextOffset: 104 },
      ]);
      expect((await decodeError(["1\n?\n"], { startLine: 10 })).message).toMatch(/^Invalid JSON on line 11: /);
    });

    test("property: any split of any NDJSON input gives the same values and offsets", async () => {
      const line = fc.record({
        value: fc.jsonValue(),
        crlf: fc.boolean(),
        blankBefore: fc.constantFrom("", "\n", "  \r\n", "\t\n"),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(line, { maxLength: 12 }),
          fc.boolean(),
          fc.boolean(),
          fc.array(fc.nat(), { maxLength: 16 }),
          async (lines, bom, lastTerminated, cuts) => {
            const parts: number[] = bom ? [...BOM] : [];
            const expected: NdjsonRecord[] = [];
            let lineNo = 1;
            lines.forEach((l, i) => {
              const blank = utf8(l.blankBefore);
              parts.push(...blank);
              lineNo += l.blankBefore === "" ? 0 : 1;
              const offset = parts.length;
              const terminator = i === lines.length - 1 && !lastTerminated ? "" : l.crlf ? "\r\n" : "\n";
              parts.push(...utf8(JSON.stringify(l.value) + terminator));
              expected.push({
                value: JSON.parse(JSON.stringify(l.value)),
                line: lineNo++,
                offset,
                nextOffset: parts.length,
              });
            });
            const bytes = Uint8Array.from(parts);
            const chunks = split(bytes, cuts.map((c) => c % (bytes.length + 1)));
            expect(await decode<NdjsonRecord>(chunks, { offsets: true })).toEqual(expected);
            expect(await decode(chunks)).toEqual(expected.map((r) => r.value));
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  test("validates its options", () => {
    expect(() => new NdjsonDecoderStream({ maxLineBytes: 0 })).toThrow(
      new RangeError("Cannot create NdjsonDecoderStream as maxLineBytes must be an integer >= 1: current value is 0"),
    );
    expect(() => new NdjsonDecoderStream({ maxLineBytes: 1.5 })).toThrow(RangeError);
    expect(() => new NdjsonDecoderStream({ startOffset: -1 })).toThrow(
      new RangeError("Cannot create NdjsonDecoderStream as startOffset must be an integer >= 0: current value is -1"),
    );
    expect(() => new NdjsonDecoderStream({ startLine: 0 })).toThrow(
      new RangeError("Cannot create NdjsonDecoderStream as startLine must be an integer >= 1: current value is 0"),
    );
    expect(() => new NdjsonDecoderStream({ onError: "ignore" as "skip" })).toThrow(
      new TypeError(
        'Cannot create NdjsonDecoderStream as onError must be "error", "skip" or a function: current value is ignore',
      ),
    );
  });
});

async function encode(values: unknown[], options?: NdjsonEncoderStreamOptions): Promise<string> {
  const stream = new NdjsonEncoderStream(options);
  const text = new Response(stream.readable).text();
  const writer = stream.writable.getWriter();
  for (const v of values) writer.write(v).catch(() => undefined);
  writer.close().catch(() => undefined);
  return await text;
}

describe("NdjsonEncoderStream", () => {
  test("writes one JSON line per value", async () => {
    expect(await encode([{ a: 1 }, [1, "ü"], "s", null, 0])).toBe('{"a":1}\n[1,"ü"]\n"s"\nnull\n0\n');
  });

  test("keeps strings with line breaks on one line", async () => {
    const text = await encode(["a\nb\r\nc\u2028d"]);
    expect(text.split("\n")).toHaveLength(2);
    expect(JSON.parse(text)).toBe("a\nb\r\nc\u2028d");
  });

  test("round-trips through NdjsonDecoderStream", async () => {
    const values = [{ user: "ü", ts: 1, tags: ["東京"] }, [], {}, "😀", -1.5e300];
    const bytes = new NdjsonEncoderStream();
    const decoded: unknown[] = [];
    const done = bytes.readable.pipeThrough(new NdjsonDecoderStream()).pipeTo(
      new WritableStream({ write: (v) => void decoded.push(v) }),
    );
    const writer = bytes.writable.getWriter();
    for (const v of values) await writer.write(v);
    await writer.close();
    await done;
    expect(decoded).toEqual(values);
  });

  test("makes non-finite numbers null and drops undefined properties, as JSON does", async () => {
    expect(await encode([NaN, { a: Infinity, b: undefined }, [undefined, -Infinity]])).toBe(
      'null\n{"a":null}\n[null,null]\n',
    );
  });

  test.each([
    ["undefined", undefined, "Cannot encode element 1 as NDJSON as JSON cannot represent a value of type undefined"],
    ["a function", () => 1, "Cannot encode element 1 as NDJSON as JSON cannot represent a value of type function"],
    ["a symbol", Symbol("s"), "Cannot encode element 1 as NDJSON as JSON cannot represent a value of type symbol"],
    ["a BigInt", { n: 1n }, "Cannot encode element 1 as NDJSON: "],
  ])("errors with a TypeError naming the element for %s", async (_name, bad, message) => {
    const stream = new NdjsonEncoderStream();
    const text = new Response(stream.readable).text();
    const writer = stream.writable.getWriter();
    await writer.write({ ok: true });
    const error = await writer.write(bad).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    await expect(text).rejects.toBe(error);
  });

  test("errors on a cyclic value, with JSON's error as cause", async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const error = await encode([1, 2, 3, cyclic]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^Cannot encode element 3 as NDJSON: /);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  test("applies a replacer function or a list of property names", async () => {
    const replacer = (
      _k: string,
      v: unknown,
    ) => (typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v);
    expect(await encode([{ id: 10n, m: new Map([["x", 1]]) }], { replacer })).toBe('{"id":"10","m":{"x":1}}\n');
    expect(await encode([{ a: 1, b: 2, c: 3 }], { replacer: ["a", "c"] })).toBe('{"a":1,"c":3}\n');
  });

  test("passes errors thrown by the replacer through unchanged", async () => {
    const boom = new RangeError("boom");
    await expect(encode([1], {
      replacer: () => {
        throw boom;
      },
    })).rejects.toBe(boom);
  });

  test("validates its replacer", () => {
    expect(() => new NdjsonEncoderStream({ replacer: "a" as unknown as string[] })).toThrow(
      new TypeError(
        "Cannot create NdjsonEncoderStream as replacer must be a function or an array of property names: current value is a",
      ),
    );
  });
});
