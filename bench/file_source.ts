/// <reference types="node" />
// Directory reading throughput: the same events written as NDJSON and as CSV (header row, a quoted
// field in every tenth record) into FILES files, read by
//   - a hand loop: readFile + TextDecoder + split + JSON.parse (NDJSON), readFile + csv-parse's
//     synchronous parse with columns (CSV), one file after the other, whole files in memory;
//   - fileSource(dir), its micro-batches read straight from open() (no pipeline), 64 KiB reads;
//   - for NDJSON also ndjsonFileSource(path) per file (NdjsonDecoderStream), the single-file source.
// Every variant counts the records it got (checked equal). Variants are interleaved in every rep, in
// an order rotated each rep; compare the ratios to the hand loop of the same rep.
//
// Run: npx tsx bench/file_source.ts [--mb 40] [--files 20] [--reps 3]
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import type { Source, SourceEvent } from "../mod.ts";
import { fileSource, ndjsonFileSource } from "../adapters/fs/mod.ts";
import { intArg, uniformEvents } from "./_data.ts";

const MB = intArg("mb", 40);
const FILES = intArg("files", 20);
const REPS = intArg("reps", 3);

async function writeDir(): Promise<{ dir: string; records: number; bytes: { ndjson: number; csv: number } }> {
  const dir = await mkdtemp(join(tmpdir(), "weir-bench-files-"));
  const perFile = Math.ceil((MB * 1024 * 1024) / 90 / FILES);
  const events = uniformEvents(perFile * FILES);
  const bytes = { ndjson: 0, csv: 0 };
  for (let f = 0; f < FILES; f++) {
    const json: string[] = [];
    const csv: string[] = ["ts,user,city,value,note\n"];
    for (let i = 0; i < perFile; i++) {
      const e = events.next().value!;
      const city = e.key % 7 === 0 ? "Zürich" : "Lisbon";
      const note = i % 10 === 0 ? 'said "hi", then left' : "ok";
      json.push(JSON.stringify({ ts: e.ts, user: `user-${e.key}`, city, value: e.value, note }) + "\n");
      csv.push(`${e.ts},user-${e.key},${city},${e.value},${i % 10 === 0 ? `"${note.replaceAll('"', '""')}"` : note}\n`);
    }
    const name = `part-${String(f).padStart(4, "0")}`;
    const j = json.join("");
    const c = csv.join("");
    await writeFile(join(dir, `${name}.ndjson`), j);
    await writeFile(join(dir, `${name}.csv`), c);
    bytes.ndjson += Buffer.byteLength(j);
    bytes.csv += Buffer.byteLength(c);
  }
  return { dir, records: perFile * FILES, bytes };
}

async function countSource(source: Source<unknown>): Promise<number> {
  let n = 0;
  const it = source.open({}) as AsyncIterator<SourceEvent<unknown>>;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.type === "elements") n += r.value.values.length;
  }
  return n;
}

async function filesOf(dir: string, ext: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f));
}

async function handNdjson(dir: string): Promise<number> {
  let n = 0;
  const decoder = new TextDecoder();
  for (const path of await filesOf(dir, ".ndjson")) {
    for (const line of decoder.decode(await readFile(path)).split("\n")) {
      if (line.length === 0) continue;
      JSON.parse(line);
      n++;
    }
  }
  return n;
}

async function handCsv(dir: string): Promise<number> {
  let n = 0;
  for (const path of await filesOf(dir, ".csv")) n += parseCsv(await readFile(path), { columns: true }).length;
  return n;
}

async function singleFileSources(dir: string): Promise<number> {
  let n = 0;
  for (const path of await filesOf(dir, ".ndjson")) n += await countSource(ndjsonFileSource(path));
  return n;
}

const { dir, records, bytes } = await writeDir();
const variants: { name: string; bytes: number; hand?: string; run: () => Promise<number> }[] = [
  { name: "ndjson hand loop", bytes: bytes.ndjson, run: () => handNdjson(dir) },
  {
    name: "ndjson fileSource",
    bytes: bytes.ndjson,
    hand: "ndjson hand loop",
    run: () => countSource(fileSource(dir, { format: "ndjson", pattern: /\.ndjson$/ })),
  },
  {
    name: "ndjson ndjsonFileSource per file",
    bytes: bytes.ndjson,
    hand: "ndjson hand loop",
    run: () => singleFileSources(dir),
  },
  { name: "csv hand loop (csv-parse sync)", bytes: bytes.csv, run: () => handCsv(dir) },
  {
    name: "csv fileSource",
    bytes: bytes.csv,
    hand: "csv hand loop (csv-parse sync)",
    run: () => countSource(fileSource(dir, { format: "csv", pattern: /\.csv$/ })),
  },
];
console.log(
  `${records.toLocaleString("en")} records in ${FILES} files per format: NDJSON ${
    (bytes.ndjson / 2 ** 20).toFixed(1)
  } MiB, CSV ${(bytes.csv / 2 ** 20).toFixed(1)} MiB; ${REPS} reps`,
);
const best = new Map<string, number>();
try {
  for (let rep = 0; rep < REPS; rep++) {
    const times = new Map<string, number>();
    // Rotated each rep, so that no variant always follows the same one (and its garbage).
    for (const v of [...variants.slice(rep % variants.length), ...variants.slice(0, rep % variants.length)]) {
      const t0 = performance.now();
      const n = await v.run();
      const ms = performance.now() - t0;
      if (n !== records) throw new Error(`${v.name} read ${n} records, expected ${records}`);
      times.set(v.name, ms);
      best.set(v.name, Math.min(best.get(v.name) ?? Infinity, ms));
    }
    console.log(`rep ${rep + 1}`);
    for (const v of variants) {
      const ms = times.get(v.name)!;
      const ratio = v.hand === undefined ? "" : `  ${(ms / times.get(v.hand)!).toFixed(2)}x the hand loop's time`;
      console.log(
        `  ${v.name.padEnd(34)} ${(v.bytes / 2 ** 20 / (ms / 1000)).toFixed(1).padStart(6)} MiB/s ${
          (records / (ms / 1000) / 1e6).toFixed(2).padStart(5)
        } M rec/s${ratio}`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
