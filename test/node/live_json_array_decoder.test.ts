// The streamed JSON-array splitter behind POST /events: any chunking gives the same elements and
// line numbers as JSON.parse of the whole body, and errors name line and column.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DecodeError } from "../../mod.ts";
import { JsonArrayDecoderStream, type LineValue } from "../../src/live/_json_array_decoder.ts";

async function decode(chunks: string[]): Promise<LineValue[]> {
  const out: LineValue[] = [];
  await new ReadableStream<string>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  }).pipeThrough(new JsonArrayDecoderStream()).pipeTo(new WritableStream({ write: (v) => void out.push(v) }));
  return out;
}

function cut(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let prev = 0;
  for (const c of at) {
    parts.push(text.slice(prev, c));
    prev = c;
  }
  parts.push(text.slice(prev));
  return parts;
}

describe("JsonArrayDecoderStream", () => {
  test("any chunking of a JSON array yields its elements with the line each starts on", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.jsonValue(), { maxLength: 12 }),
      fc.array(fc.constantFrom(" ", "\n", "\r\n", "\t", ""), { minLength: 13, maxLength: 13 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 8 }),
      async (values, gaps, pretty, cuts) => {
        let text = "\uFEFF[" + gaps[0];
        const lines: number[] = [];
        values.forEach((v, i) => {
          if (i > 0) text += "," + gaps[i];
          lines.push(1 + (text.match(/\n/g)?.length ?? 0));
          text += JSON.stringify(v, null, pretty ? 2 : undefined);
        });
        text += gaps[12] + "]\n";
        const got = await decode(cut(text, cuts));
        expect(got).toEqual(values.map((v, i) => ({ value: JSON.parse(JSON.stringify(v)), line: lines[i] })));
      },
    ));
  });

  test("a single JSON object is one element; scalars and strings inside arrays are elements too", async () => {
    expect(await decode(['{"a":', '[1,{"b":"]"}]}'])).toEqual([{ value: { a: [1, { b: "]" }] }, line: 1 }]);
    expect(await decode(['[1,"a\\"b",', "true , null,-2.5e3]"])).toEqual([
      { value: 1, line: 1 },
      { value: 'a"b', line: 1 },
      { value: true, line: 1 },
      { value: null, line: 1 },
      { value: -2500, line: 1 },
    ]);
  });

  test("errors name the line and, where the engine reports a position, the column", async () => {
    const error = (chunks: string[]) => decode(chunks).then(() => undefined, (e: unknown) => e as DecodeError);
    const e1 = await error(['[{"a":1},\n  {"b":', "2,}]"]);
    expect(e1).toBeInstanceOf(DecodeError);
    expect([e1!.message, e1!.line]).toEqual([
      "Malformed JSON at line 2, column 10: Expected double-quoted property name",
      2,
    ]);
    expect((await error(["[1 2]"]))!.message).toBe(
      "Malformed JSON at line 1: expected ',' or ']' after an element, found '2'",
    );
    expect((await error(["[1,]"]))!.message).toBe(
      "Malformed JSON at line 1: unexpected ']' where an element was expected",
    );
    expect((await error(["[1]\n\n x"]))!.message).toBe(
      "Malformed JSON at line 3: unexpected data after the end of the JSON body",
    );
    expect((await error(["[1,\n2"]))!.message).toBe("Malformed JSON at line 2: the JSON array is not closed");
    expect((await error(["  "]))!.message).toBe("Malformed JSON at line 1: the body is empty");
    expect((await error(['{"a":1']))!.message).toBe("Malformed JSON at line 1: the JSON object is not closed");
  });
});
