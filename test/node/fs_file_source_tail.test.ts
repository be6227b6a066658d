// fileSource with tail: the newest file is read as it grows, a partial last line waits for its
// newline until a newer file supersedes the file, and offsets stay exact throughout.
import { appendFile, mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { SourceEvent } from "../../mod.ts";
import { fileSource, type FileSourceOffset, type FileSourceOptions } from "../../adapters/fs/mod.ts";

type Next<T> = { values: T[]; offset: FileSourceOffset };

// Steps the source by hand: each call to next() returns the next non-empty batch.
function stepper<T>(dir: string, options: FileSourceOptions<T>, offset?: unknown) {
  const c = new AbortController();
  const it = fileSource<T>(dir, options).open({ offset, signal: c.signal }) as AsyncIterator<SourceEvent<T>>;
  return {
    async next(): Promise<Next<T> | undefined> {
      for (;;) {
        const r = await it.next();
        if (r.done) return undefined;
        if (r.value.type === "elements" && r.value.values.length > 0) {
          return { values: [...r.value.values], offset: r.value.offset as FileSourceOffset };
        }
      }
    },
    async stop(): Promise<void> {
      c.abort();
      await it.return?.();
    },
  };
}

async function rest<T>(dir: string, options: FileSourceOptions<T>, offset: unknown): Promise<T[]> {
  const out: T[] = [];
  const it = fileSource<T>(dir, options).open({ offset }) as AsyncIterator<SourceEvent<T>>;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.type === "elements") out.push(...r.value.values);
  }
  return out;
}

const n = (i: number) => `{"n":${i}}\n`;

describe("fileSource tail", () => {
  test("tail: a growing file is read as it grows; a partial last line waits for its newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-tail-"));
    const a = join(dir, "a.ndjson");
    await writeFile(a, n(1));
    await utimes(a, 100, 100);
    const s = stepper<{ n: number }>(dir, { follow: { pollMs: 5 }, tail: true });
    const seen: Next<{ n: number }>[] = [];
    seen.push((await s.next())!);
    await appendFile(a, n(2) + '{"n":');
    seen.push((await s.next())!);
    const third = s.next(); // polls: the file ends in a partial line
    await appendFile(a, "3}\n");
    seen.push((await third)!);
    expect(seen.map((e) => [e.values.map((v) => v.n), e.offset.byte, e.offset.line])).toEqual([
      [[1], 8, 1],
      [[2], 16, 2],
      [[3], 24, 3],
    ]);
    // a gets a last line without a newline, then b appears: a is complete, its last line is read.
    await appendFile(a, '{"n":4}');
    await writeFile(join(dir, "b.ndjson"), n(5) + '{"n":');
    await utimes(a, 100, 100);
    await utimes(join(dir, "b.ndjson"), 200, 200);
    seen.push((await s.next())!, (await s.next())!);
    expect(seen.slice(3).map((e) => [e.values.map((v) => v.n), e.offset])).toEqual([
      [[4], { file: "a.ndjson", byte: 31, line: 4, done: [] }],
      [[5], { file: "b.ndjson", byte: 8, line: 1, done: ["a.ndjson"] }],
    ]);
    // b's partial line is not emitted while b is the newest file.
    const pending = s.next();
    const stopped = await Promise.race([pending, new Promise((r) => setTimeout(() => r("waiting"), 50))]);
    expect(stopped).toBe("waiting");
    await s.stop();
    // Every offset resumes exactly: the rest, once b's last line is complete.
    await appendFile(join(dir, "b.ndjson"), "6}\n");
    const all = seen.flatMap((e) => e.values.map((v) => v.n));
    for (const [i, e] of seen.entries()) {
      const got = (await rest<{ n: number }>(dir, {}, e.offset)).map((v) => v.n);
      expect(got).toEqual([...all.slice(i + 1), 6]);
    }
  });

  test("tail: a CSV record with a quoted newline split across appends is emitted once whole", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-tail-"));
    const a = join(dir, "a.csv");
    await writeFile(a, 'k,text\r\n1,"one\r\n');
    const s = stepper<{ k: string; text: string }>(dir, { follow: { pollMs: 5 }, tail: true });
    const first = s.next();
    await new Promise((r) => setTimeout(r, 20));
    await appendFile(a, 'line"\r\n2,two');
    const got = await first;
    expect(got).toEqual({
      values: [{ k: "1", text: "one\r\nline" }],
      offset: { file: "a.csv", byte: 23, line: 3, done: [] },
    });
    const second = s.next();
    await appendFile(a, "\n");
    expect((await second)!.values).toEqual([{ k: "2", text: "two" }]);
    await s.stop();
    // Resuming past the header reads the header again from the file's start.
    expect(await rest(dir, {}, got!.offset)).toEqual([{ k: "2", text: "two" }]);
  });

  test("tail: needs follow, and says so", () => {
    expect(() => fileSource("d", { tail: true })).toThrow(/tail needs follow: \{ pollMs \}/);
  });

  test("tail: a resumed tail continues the file from its offset and keeps tailing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-tail-"));
    const a = join(dir, "a.ndjson");
    await writeFile(a, n(1) + n(2));
    const s1 = stepper<{ n: number }>(dir, { follow: { pollMs: 5 }, tail: true, readBytes: 8 });
    const first = (await s1.next())!;
    expect(first.values).toEqual([{ n: 1 }]);
    await s1.stop();
    const s2 = stepper<{ n: number }>(dir, { follow: { pollMs: 5 }, tail: true }, first.offset);
    expect((await s2.next())!.values).toEqual([{ n: 2 }]);
    const next = s2.next();
    await appendFile(a, n(3));
    expect((await next)!.values).toEqual([{ n: 3 }]);
    await s2.stop();
  });
});

// Records with quoted newlines, CRLF and multibyte text, appended in random pieces while tailed.
const FIELD_CHARS = ["a", "é", "🚀", ",", '"', "\n", "\r\n"];
const field = fc.array(fc.constantFrom(...FIELD_CHARS), { maxLength: 3 }).map((cs) => cs.join(""));
const quoteCsv = (f: string) => /[",\r\n]/.test(f) || f === "" ? `"${f.replaceAll('"', '""')}"` : f;

describe("fileSource tail, property", () => {
  for (const format of ["ndjson", "csv"] as const) {
    test(
      `${format}: appended in any pieces, a tailed file gives the records of the whole file, once each`,
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ k: field, v: field, crlf: fc.boolean() }), { minLength: 1, maxLength: 8 }),
            fc.array(fc.nat(), { maxLength: 6 }),
            fc.boolean(),
            async (rows, cuts, lastNewline) => {
              const lines = rows.map((r) =>
                (format === "csv" ? `${quoteCsv(r.k)},${quoteCsv(r.v)}` : JSON.stringify({ k: r.k, v: r.v })) +
                (r.crlf ? "\r\n" : "\n")
              );
              let text = (format === "csv" ? "k,v\n" : "") + lines.join("");
              if (!lastNewline) text = text.replace(/\r?\n$/, "");
              const bytes = new TextEncoder().encode(text);
              const at = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
              const pieces = [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
              const dir = await mkdtemp(join(tmpdir(), "weir-tail-prop-"));
              const file = join(dir, `a.${format}`);
              await writeFile(file, new Uint8Array(0));
              await utimes(file, 100, 100);
              const c = new AbortController();
              const it = fileSource<{ k: string; v: string }>(dir, { follow: { pollMs: 1 }, tail: true, readBytes: 7 })
                .open({ signal: c.signal }) as AsyncIterator<SourceEvent<{ k: string; v: string }>>;
              const seen: { k: string; v: string }[] = [];
              const events: { values: { k: string; v: string }[]; offset: FileSourceOffset }[] = [];
              const reading = (async () => {
                for (let r = await it.next(); !r.done; r = await it.next()) {
                  if (r.value.type !== "elements") continue;
                  seen.push(...r.value.values);
                  events.push({ values: [...r.value.values], offset: r.value.offset as FileSourceOffset });
                  if (seen.at(-1)?.k === "end") c.abort();
                }
              })();
              for (const piece of pieces) {
                await appendFile(file, piece);
                await new Promise((r) => setTimeout(r, 2));
              }
              // A newer file: a is complete, its last line read even without a newline.
              await writeFile(join(dir, `b.${format}`), format === "csv" ? "k,v\nend,x\n" : '{"k":"end","v":"x"}\n');
              await utimes(join(dir, `b.${format}`), 200, 200);
              await reading;
              expect(seen).toEqual([...rows.map((r) => ({ k: r.k, v: r.v })), { k: "end", v: "x" }]);
              // Each offset in a resumes the whole file's remainder.
              for (const [i, e] of events.entries()) {
                if (e.offset.file !== `a.${format}`) continue;
                expect(await rest(dir, {}, e.offset)).toEqual(events.slice(i + 1).flatMap((x) => x.values));
              }
            },
          ),
          { numRuns: 25 },
        );
      },
      60_000,
    );
  }
});
