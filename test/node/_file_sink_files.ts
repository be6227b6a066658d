// Reading a file sink's directory back in tests: committed parts (by relative path) and temporary files.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";

export interface SinkDir {
  /** Committed part files by relative path, with their text. */
  committed: Map<string, string>;
  /** Relative paths of files whose name starts with "." (in progress or prepared, not committed). */
  hidden: string[];
}

export async function readSinkDir(dir: string): Promise<SinkDir> {
  const out: SinkDir = { committed: new Map(), hidden: [] };
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1).replaceAll("\\", "/"));
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return out;
    throw e;
  }
  for (const p of names.sort()) {
    if (p.slice(p.lastIndexOf("/") + 1).startsWith(".")) out.hidden.push(p);
    else out.committed.set(p, await readFile(join(dir, p), "utf8"));
  }
  return out;
}

/** Every record of the committed NDJSON parts, parsed. */
export function ndjsonRecords(d: SinkDir): unknown[] {
  return [...d.committed].filter(([path]) => path.endsWith(".ndjson"))
    .flatMap(([, text]) => text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)));
}

/** Every row of the committed CSV parts, as objects keyed by the header (csv-parse). */
export function csvRecords(d: SinkDir): Record<string, string>[] {
  return [...d.committed.values()].flatMap((text) => parse(text, { columns: true }) as Record<string, string>[]);
}

/** Canonical JSON (sorted keys), to compare results as multisets. */
export function canonical(v: unknown): string {
  return JSON.stringify(
    v,
    (_, x) =>
      typeof x === "object" && x !== null && !Array.isArray(x)
        ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]))
        : x,
  );
}

export function multiset(values: readonly unknown[]): string[] {
  return values.map(canonical).sort();
}
