// The single source of truth for weir's subpath exports: ".", "./testing", "./live", "./state" and one
// "./adapters/<name>" per folder under adapters/. Both manifests (deno.json for JSR,
// package.json for npm) and the tsup entries are derived from or checked against this.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One public entry point: its subpath key and its TypeScript source, relative to the repo root. */
export interface ExportEntry {
  key: string;
  source: string;
}

/** The npm target of an entry: the built module and its declarations under dist/. */
export interface NpmTarget {
  types: string;
  import: string;
}

export const root = new URL("..", import.meta.url).pathname;

/** The entries the repository should export, from what exists on disk. */
export function expectedEntries(dir = root): ExportEntry[] {
  const entries: ExportEntry[] = [
    { key: ".", source: "./mod.ts" },
    { key: "./testing", source: "./src/testing/mod.ts" },
    { key: "./live", source: "./src/live/mod.ts" },
    { key: "./state", source: "./src/state/mod.ts" },
  ];
  const adapters = join(dir, "adapters");
  if (existsSync(adapters)) {
    const names = readdirSync(adapters, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    for (const name of names) entries.push({ key: `./adapters/${name}`, source: `./adapters/${name}/mod.ts` });
  }
  return entries;
}

/** "./adapters/fs/mod.ts" -> "adapters/fs/mod": the path that dist/ mirrors. */
export function stem(source: string): string {
  return source.replace(/^\.\//, "").replace(/\.ts$/, "");
}

export function npmTarget(source: string): NpmTarget {
  const s = stem(source);
  return { types: `./dist/${s}.d.ts`, import: `./dist/${s}.js` };
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, file), "utf8")) as Record<string, unknown>;
}

/** deno.json's export map, which the build (tsup.config.ts) reads as its list of entries. */
export function denoExports(): Record<string, string> {
  const exports = readJson("deno.json").exports;
  if (typeof exports === "string") return { ".": exports };
  if (exports === null || typeof exports !== "object") {
    throw new TypeError(
      `Cannot read deno.json exports as they must be an object: current value is ${JSON.stringify(exports)}`,
    );
  }
  return exports as Record<string, string>;
}
