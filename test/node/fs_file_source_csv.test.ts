// fileSource over CSV files: csv-parse's records, byte offsets exact through quoted newlines, CRLF,
// a BOM and multibyte text, so that a job resumes from any offset to the same remainder.
import { mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { type SourceEvent, stream } from "../../mod.ts";
import { fileSource, type FileSourceOffset, type FileSourceOptions } from "../../adapters/fs/mod.ts";

type Row = Record<string, string>;

async function dirWith(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-csv-"));
  let t = 100;
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    await utimes(join(dir, name), t, t);
    t += 100;
  }
  return dir;
}

async function events<T>(dir: string, options: FileSourceOptions<T>, offset?: unknown) {
  const out: { values: T[]; offset: FileSourceOffset }[] = [];
  const it = fileSource<T>(dir, options).open({ offset }) as AsyncIterator<SourceEvent<T>>;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.type === "elements") {
      out.push({ values: [...r.value.values], offset: r.value.offset as FileSourceOffset });
    }
  }
  return out;
}

// A BOM, CRLF and LF line ends, quoted fields holding CRLF, LF, quotes and the delimiter, and
// multibyte UTF-8 (2, 3 and 4 bytes), with a blank line in the middle and no newline at the end.
const PARTS = [
  "\uFEFFid,text,city\r\n",
  '1,"first\r\nsecond",Zürich\r\n',
  '2,"say ""hi"", ok",東京\n',
  "\r\n",
  '3,"a\nb\nc",🚀x\r\n',
  '4,"",""\n',
  "5,plain,São Paulo",
];
const TRICKY = PARTS.join("");
// [byte, line] after each part: UTF-8 lengths and newlines counted independently of the reader.
const BOUNDARIES = PARTS.map((_, i) => {
  const before = PARTS.slice(0, i + 1).join("");
  return [new TextEncoder().encode(before).length, before.split("\n").length - (i === PARTS.length - 1 ? 0 : 1)];
});
const TRICKY_ROWS: Row[] = [
  { id: "1", text: "first\r\nsecond", city: "Zürich" },
  { id: "2", text: 'say "hi", ok', city: "東京" },
  { id: "3", text: "a\nb\nc", city: "🚀x" },
  { id: "4", text: "", city: "" },
  { id: "5", text: "plain", city: "São Paulo" },
];

describe("fileSource over CSV", () => {
  test("fileSource() parses CSV with a header row into objects, quoted newlines, CRLF, BOM and multibyte text included", async () => {
    const dir = await dirWith({ "t.csv": TRICKY });
    expect(await stream(fileSource<Row>(dir)).toArray()).toEqual(TRICKY_ROWS);
  });

  test("fileSource() resumed at every record's offset of a CSV file gives the same remainder (plain and gzip)", async () => {
    for (const [name, content] of [["t.csv", TRICKY], ["t.csv.gz", gzipSync(TRICKY)]] as const) {
      const dir = await dirWith({ [name]: content, "u.csv": "id,text,city\n6,six,Oslo\n" });
      // One byte per read: each record completes in a read of its own, so every offset shows up.
      const all = await events<Row>(dir, { readBytes: 1 });
      const rows = all.flatMap((e) => e.values);
      expect(rows).toEqual([...TRICKY_ROWS, { id: "6", text: "six", city: "Oslo" }]);
      const offsets = all.map((e) => e.offset);
      // After the header, after each record, after the blank line: every record boundary, exactly.
      expect(offsets.filter((o) => o.file === name).map((o) => [o.byte, o.line])).toEqual(BOUNDARIES);
      expect(BOUNDARIES.slice(0, 3)).toEqual([[17, 1], [44, 3], [70, 4]]);
      for (const [i, offset] of offsets.entries()) {
        const rest = all.slice(i + 1).flatMap((e) => e.values);
        for (const readBytes of [1, 5, 64 * 1024]) {
          const got = (await events<Row>(dir, { readBytes }, offset)).flatMap((e) => e.values);
          expect(got, `${name} from ${JSON.stringify(offset)} in reads of ${readBytes}`).toEqual(rest);
        }
      }
    }
  });

  test("fileSource() resumed between leading blank lines and the header row reads the header once", async () => {
    const dir = await dirWith({ "b.csv": "\r\n\nk,v\n1,a\n2,b\n" });
    const all = await events<Row>(dir, { readBytes: 1 });
    expect(all.flatMap((e) => e.values)).toEqual([{ k: "1", v: "a" }, { k: "2", v: "b" }]);
    expect(all.map((e) => e.offset.line)).toEqual([1, 2, 3, 4, 5]);
    for (const [i, e] of all.entries()) {
      const got = (await events<Row>(dir, {}, e.offset)).flatMap((x) => x.values);
      expect(got, `from ${JSON.stringify(e.offset)}`).toEqual(all.slice(i + 1).flatMap((x) => x.values));
    }
  });

  test("fileSource() reads CSV with given column names, without names as arrays, with cast and a parse function", async () => {
    const dir = await dirWith({ "a.csv": "1;x\n2;y\n" });
    expect(await stream(fileSource(dir, { columns: ["n", "s"], delimiter: ";" })).toArray()).toEqual([
      { n: "1", s: "x" },
      { n: "2", s: "y" },
    ]);
    expect(await stream(fileSource(dir, { columns: false, delimiter: ";", cast: true })).toArray()).toEqual([
      [1, "x"],
      [2, "y"],
    ]);
    const parsed = await stream(fileSource(dir, {
      columns: ["n", "s"],
      delimiter: ";",
      cast: (value, context) => context.column === "n" ? Number(value) * 10 : value.toUpperCase(),
      parse: (r: { n: number; s: string }, at) => `${at.file}:${at.line}:${at.byte}:${r.n}${r.s}`,
    })).toArray();
    expect(parsed).toEqual(["a.csv:1:0:10X", "a.csv:2:4:20Y"]);
  });

  test("fileSource() takes the format from the extension: CSV and NDJSON files in one directory", async () => {
    const dir = await dirWith({ "a.csv": "n\n1\n", "b.ndjson": '{"n":2}\n', "c.jsonl.gz": gzipSync('{"n":3}\n') });
    expect(await stream(fileSource<{ n: string | number }>(dir)).map((e) => e.n).toArray()).toEqual(["1", 2, 3]);
    expect(await stream(fileSource<{ n: string }>(dir, { format: "csv" })).map((e) => e.n).toArray()).toEqual(["1"]);
    await expect(stream(fileSource(dir, { pattern: /^a/, format: undefined })).toArray()).resolves.toHaveLength(1);
    const odd = await dirWith({ "x.txt": "n\n1\n" });
    await expect(stream(fileSource(odd, { pattern: /\.txt$/ })).toArray()).rejects.toThrow(
      /Cannot read x\.txt as its format is unknown/,
    );
    expect(await stream(fileSource(odd, { pattern: /\.txt$/, format: "csv" })).toArray()).toEqual([{ n: "1" }]);
  });

  test("fileSource() rejects bad CSV options naming the value", () => {
    expect(() => fileSource("d", { delimiter: "ab" })).toThrow(/delimiter must be one ASCII character.*"ab"/);
    expect(() => fileSource("d", { delimiter: '"' })).toThrow(/delimiter/);
    expect(() => fileSource("d", { columns: [] })).toThrow(/columns must be true, false or a non-empty array/);
    expect(() => fileSource("d", { format: "tsv" as "csv" })).toThrow(/format must be "ndjson" or "csv".*"tsv"/);
    expect(() => fileSource("d", { colums: true } as FileSourceOptions)).toThrow(/colums.*columns/);
  });
});
