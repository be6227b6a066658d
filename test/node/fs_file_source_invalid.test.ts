// fileSource's bad records: every one reaches onInvalid with file, line and byte offset while the
// job reads on, or fails the job with an error naming file and line; none is dropped silently.
// And the chunk size files are read with changes neither records nor offsets (a property test).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type SourceEvent, stream } from "../../mod.ts";
import { fileSource, type FileSourceOffset, type FileSourceOptions } from "../../adapters/fs/mod.ts";

const MAX = 40;
const utf8 = (s: string) => new TextEncoder().encode(s);
const cat = (parts: (string | Uint8Array)[]) => {
  const bytes = parts.map((p) => typeof p === "string" ? utf8(p) : p);
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
};
const INVALID_UTF8 = new Uint8Array([0xff, 0xfe]);

interface Bad {
  name: string;
  record: (string | Uint8Array)[];
}

// One bad record of each kind, per format, written as a whole line.
const BAD: Record<"ndjson" | "csv", Bad[]> = {
  ndjson: [
    { name: "malformed JSON", record: ["{oops"] },
    { name: "wrong fields (parse throws)", record: ['{"m":1}'] },
    { name: "bad quote", record: ['{"n":"unterminated}'] },
    { name: "invalid UTF-8", record: ['{"n":"', INVALID_UTF8, '"}'] },
    { name: "line over maxLineBytes", record: [`{"n":"${"x".repeat(MAX)}"}`] },
  ],
  csv: [
    { name: "malformed (text after a closing quote)", record: ['"a"b,c'] },
    { name: "wrong column count", record: ["1,2,3"] },
    { name: "bad quote (inside an unquoted field)", record: ['x,a"b'] },
    { name: "invalid UTF-8", record: ["x,", INVALID_UTF8] },
    { name: "line over maxLineBytes", record: [`${"z".repeat(MAX)},b`] },
  ],
};

const GOOD = { ndjson: (n: number) => `{"n":${n}}`, csv: (n: number) => `${n},é${n}` };
const HEADER = { ndjson: [], csv: ["n,s\n"] };
const options = (format: "ndjson" | "csv"): FileSourceOptions<unknown> => ({
  maxLineBytes: MAX,
  ...(format === "ndjson"
    ? {
      parse: (r: { n?: unknown }) => {
        if (r.n === undefined) throw new TypeError("no field n");
        return r;
      },
    }
    : {}),
});
const nOf = (v: unknown) => Number((v as { n: unknown }).n);

async function dirWith(name: string, content: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bad-"));
  await writeFile(join(dir, name), content);
  return dir;
}

describe("fileSource bad-line matrix", () => {
  for (const format of ["ndjson", "csv"] as const) {
    const file = `x.${format}`;
    for (const bad of BAD[format]) {
      // good 1, the bad record, a blank line, good 2, and the bad record again as the last line, unterminated.
      const parts = [...HEADER[format], GOOD[format](1), "\n", ...bad.record, "\r\n", "\n", GOOD[format](2), "\n"];
      const content = cat([...parts, ...bad.record]);
      const firstLine = HEADER[format].length + 2;
      const firstByte = cat([...HEADER[format], GOOD[format](1), "\n"]).length;
      const lastByte = cat(parts).length;

      test(`${format} × ${bad.name} × onInvalid: reported with file, line and byte, the job reads on`, async () => {
        const dir = await dirWith(file, content);
        for (const readBytes of [1, 3, 64 * 1024]) {
          const reports: [string, number, number, string][] = [];
          const values = await stream(fileSource(dir, {
            ...options(format),
            readBytes,
            onInvalid: (error, at) => reports.push([at.file, at.line, at.byte, error.message]),
          })).toArray();
          expect(values.map(nOf)).toEqual([1, 2]);
          expect(reports.map((r) => r.slice(0, 3))).toEqual([
            [file, firstLine, firstByte],
            [file, firstLine + 3, lastByte],
          ]);
          expect(reports[0]![3]).toMatch(
            new RegExp(`^Cannot decode x\\.${format} line ${firstLine} \\(byte ${firstByte}\\): `),
          );
        }
      });

      test(`${format} × ${bad.name} × no onInvalid: the job fails naming file and line`, async () => {
        const dir = await dirWith(file, content);
        await expect(stream(fileSource(dir, options(format))).toArray()).rejects.toThrow(
          new RegExp(`x\\.${format} line ${firstLine} \\(byte ${firstByte}\\)`),
        );
      });
    }

    test(`${format} × empty lines: skipped without a report, offsets move past them`, async () => {
      const dir = await dirWith(
        file,
        cat([...HEADER[format], "\n\r\n", GOOD[format](1), "\n\n\n", GOOD[format](2), "\n\n"]),
      );
      const reports: unknown[] = [];
      const source = fileSource(dir, { ...options(format), onInvalid: (e) => reports.push(e) });
      expect((await stream(source).toArray()).map(nOf)).toEqual([1, 2]);
      expect(reports).toEqual([]);
    });
  }

  test("csv × a quote never closed: the rest of the file is one bad record, reported", async () => {
    const dir = await dirWith("x.csv", cat(['n,s\n1,a\n2,"open\n3,c\n']));
    const reports: [number, number, string][] = [];
    const values = await stream(fileSource(dir, { onInvalid: (e, at) => reports.push([at.line, at.byte, e.message]) }))
      .toArray();
    expect(values).toEqual([{ n: "1", s: "a" }]);
    expect(reports.map((r) => r.slice(0, 2))).toEqual([[3, 8]]);
    expect(reports[0]![2]).toMatch(/Quote Not Closed/);
  });

  test("csv × a bad header row: every record of the file is reported, the next file is read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-bad-"));
    await writeFile(join(dir, "a.csv"), 'n,"s\n1,a\n');
    await writeFile(join(dir, "b.csv"), "n\n2\n");
    const reports: [string, number][] = [];
    const values = await stream(fileSource(dir, { onInvalid: (_e, at) => reports.push([at.file, at.line]) }))
      .toArray();
    expect(values).toEqual([{ n: "2" }]);
    expect(reports).toEqual([["a.csv", 1]]);
  });
});

// Records of a random file, the model of what fileSource should make of it. Good records stay
// under MAX bytes (fields of at most 3 characters), so only the bad ones are too long.
type Item =
  | { kind: "good"; fields: string[]; crlf: boolean }
  | { kind: "bad"; which: number; crlf: boolean }
  | { kind: "blank"; crlf: boolean };

const FIELD_CHARS = ["a", "b", "é", "東", "🚀", ",", '"', "\n", "\r\n", " "];
const field = fc.array(fc.constantFrom(...FIELD_CHARS), { maxLength: 3 }).map((cs) => cs.join(""));
const item = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("good" as const), fields: fc.tuple(field, field), crlf: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("bad" as const), which: fc.nat(4), crlf: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("blank" as const), crlf: fc.boolean() }) },
);

const quoteCsv = (f: string) => /[",\r\n]/.test(f) || f === "" ? `"${f.replaceAll('"', '""')}"` : f;

function model(format: "ndjson" | "csv", items: Item[], leadingBlankLines: number) {
  const parts: (string | Uint8Array)[] = ["\n".repeat(leadingBlankLines), ...HEADER[format]];
  const values: unknown[] = [];
  const reports: [number, number][] = [];
  for (const it of items) {
    const before = cat(parts);
    const line = new TextDecoder().decode(before).split("\n").length;
    if (it.kind === "good") {
      if (format === "csv") {
        parts.push(it.fields.map(quoteCsv).join(","));
        values.push({ n: it.fields[0], s: it.fields[1] });
      } else {
        const value = { n: it.fields[0], s: it.fields[1] };
        parts.push(JSON.stringify(value));
        values.push(value);
      }
    } else if (it.kind === "bad") {
      parts.push(...BAD[format][it.which]!.record);
      reports.push([line, before.length]);
    }
    parts.push(it.crlf ? "\r\n" : "\n");
  }
  return { content: cat(parts), values, reports };
}

async function read(dir: string, format: "ndjson" | "csv", readBytes: number, from?: FileSourceOffset) {
  const reports: [number, number][] = [];
  const values: unknown[] = [];
  const offsets: [number, number][] = [];
  const events: { values: unknown[]; offset: FileSourceOffset }[] = [];
  const it = fileSource(dir, { ...options(format), readBytes, onInvalid: (_e, at) => reports.push([at.line, at.byte]) })
    .open({ offset: from }) as AsyncIterator<SourceEvent<unknown>>;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.type !== "elements") continue;
    values.push(...r.value.values);
    const o = r.value.offset as FileSourceOffset;
    offsets.push([o.byte, o.line]);
    events.push({ values: [...r.value.values], offset: o });
  }
  return { values, reports, offsets, events };
}

describe("fileSource chunking", () => {
  for (const format of ["ndjson", "csv"] as const) {
    test(
      `${format}: the read size changes neither records, nor reports, nor offsets; every offset resumes exactly`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(item, { maxLength: 12 }),
            fc.integer({ min: 1, max: 40 }),
            fc.nat(2),
            async (items, readBytes, leadingBlankLines) => {
              const { content, values, reports } = model(format, items, leadingBlankLines);
              const dir = await dirWith(`x.${format}`, content);
              const whole = await read(dir, format, 1 << 20);
              const perByte = await read(dir, format, 1);
              const chunked = await read(dir, format, readBytes);
              // Gzipped, offsets count decompressed bytes: the same as the plain file's.
              const gzipped = await read(await dirWith(`x.${format}.gz`, gzipSync(content)), format, readBytes);
              expect(gzipped.offsets.at(-1)).toEqual(perByte.offsets.at(-1));
              for (const got of [whole, perByte, chunked, gzipped]) {
                expect(got.values).toEqual(values);
                expect(got.reports).toEqual(reports);
              }
              // Reading byte by byte shows every record boundary; other sizes show some of them, and the last.
              const boundaries = new Set(perByte.offsets.map((o) => o.join()));
              expect(chunked.offsets.every((o) => boundaries.has(o.join()))).toBe(true);
              expect(chunked.offsets.at(-1)).toEqual(perByte.offsets.at(-1));
              expect(whole.offsets.at(-1)).toEqual(perByte.offsets.at(-1));
              // Resumed from any record boundary, the rest: the same records, the bad ones reported again.
              for (const [i, e] of perByte.events.entries()) {
                const resumed = await read(dir, format, readBytes, e.offset);
                expect(resumed.values).toEqual(perByte.events.slice(i + 1).flatMap((x) => x.values));
                expect(resumed.reports).toEqual(reports.filter(([, byte]) => byte >= e.offset.byte));
              }
            },
          ),
          { numRuns: 60 },
        );
      },
      60_000,
    );
  }
});
