// scripts/check_boundaries.ts on small in-memory trees: each rule accepts a clean tree and catches
// its violation.
import { describe, expect, it } from "vitest";
import { type BoundaryReport, checkBoundaries, formatReport, type Rule } from "../../scripts/check_boundaries.ts";

/** A tree that keeps every rule: folders import down, privately within a folder, adapters via mod.ts. */
const clean: Record<string, string> = {
  "mod.ts": `export { a } from "./src/a/mod.ts";\nexport type { B } from "./src/b/b.ts";\n`,
  "src/errors.ts": `export class WeirError extends Error {}\n`,
  "src/a/mod.ts": `export { a } from "./a.ts";\n`,
  "src/a/a.ts":
    `import { helper } from "./_helper.ts";\nimport type { B } from "../b/b.ts";\nexport const a = (b: B) => helper(b);\n`,
  "src/a/_helper.ts":
    `import { WeirError } from "../errors.ts";\nexport const helper = (x: unknown) => { if (!x) throw new WeirError(); return x; };\n`,
  "src/b/b.ts": `export interface B { readonly n: number }\nexport const lazy = () => import("./_lazy.ts");\n`,
  "src/b/_lazy.ts": `export const lazy = 1;\n`,
  "adapters/foo/mod.ts": `export { FooStore } from "./foo_store.ts";\nexport { use } from "./use.ts";\n`,
  "adapters/foo/use.ts":
    `import { a } from "../../mod.ts";\nimport type { B } from "../../src/b/mod.ts";\nexport const use = (b: B) => a(b);\n`,
  "src/b/mod.ts": `export type { B } from "./b.ts";\n`,
  "adapters/foo/foo_store.ts":
    `import { openDB } from "idb";\nimport { readFile } from "node:fs/promises";\nimport { journal } from "./_journal.ts";\nexport class FooStore { db = openDB; read = readFile; j = journal; env = process.env; }\n`,
  "adapters/foo/_journal.ts": `export const journal = [];\n`,
  // Outside the checked tree: never looked at.
  "test/node/x.test.ts": `import { readFileSync } from "node:fs";\nimport { helper } from "../../src/a/_helper.ts";\n`,
};

const check = (changes: Record<string, string>): BoundaryReport => checkBoundaries({ ...clean, ...changes });
const rules = (report: BoundaryReport): Rule[] => report.violations.map((v) => v.rule);
const messages = (report: BoundaryReport): string[] => report.violations.map((v) => v.message);

describe("checkBoundaries", () => {
  it("accepts a clean tree and reports what it looked at in one line", () => {
    const report = checkBoundaries(clean);
    expect(report.violations).toEqual([]);
    expect(report.files).toBe(12);
    expect(formatReport(report)).toBe(`check_boundaries: 12 files, ${report.imports} imports, no violations`);
    expect(report.imports).toBe(15);
  });

  describe("cycle", () => {
    it("catches two src/ folders that import each other, a type-only import included", () => {
      const report = check({ "src/b/b.ts": `import type { a } from "../a/a.ts";\nexport interface B { n: number }\n` });
      expect(rules(report)).toEqual(["cycle"]);
      expect(messages(report)[0]).toBe(
        [
          "src/a, src/b import each other:",
          `      src/a → src/b: src/a/a.ts imports "../b/b.ts"`,
          `      src/b → src/a: src/b/b.ts imports "../a/a.ts"`,
        ].join("\n"),
      );
    });

    it("catches a cycle through three folders made of export-from and dynamic import()", () => {
      const report = check({
        "src/b/b.ts": `export interface B { n: number }\nexport * from "../c/c.ts";\n`,
        "src/c/c.ts": `export const load = () => import("../a/mod.ts");\n`,
        "src/c/mod.ts": `export { load } from "./c.ts";\n`,
      });
      expect(rules(report)).toEqual(["cycle"]);
      expect(messages(report)[0]).toMatch(/^src\/a, src\/b, src\/c import each other:/);
    });

    it("counts a file directly under src/ as a node of its own", () => {
      const report = check({
        "src/errors.ts": `import type { a } from "./a/a.ts";\nexport class WeirError extends Error {}\n`,
      });
      expect(rules(report)).toEqual(["cycle"]);
      expect(messages(report)[0]).toMatch(/^src\/a, src\/errors\.ts import each other:/);
    });

    it("does not count imports within one folder", () => {
      const report = check({ "src/a/_helper.ts": `import { a } from "./a.ts";\nexport const helper = a;\n` });
      expect(report.violations).toEqual([]);
    });
  });

  describe("private", () => {
    it("catches a file importing another folder's _ file", () => {
      const report = check({ "src/a/a.ts": `import { lazy } from "../b/_lazy.ts";\nexport const a = lazy;\n` });
      expect(rules(report)).toEqual(["private"]);
      expect(messages(report)).toEqual([`src/a/a.ts imports "../b/_lazy.ts", a private file of src/b`]);
    });

    it("catches mod.ts and adapters importing a folder's _ file, type-only or not", () => {
      const report = check({
        "mod.ts": `export { helper } from "./src/a/_helper.ts";\n`,
        "adapters/foo/_journal.ts":
          `import type { helper } from "../../src/a/_helper.ts";\nexport const journal = [];\n`,
      });
      expect(rules(report).sort()).toEqual(["adapter-reach", "private", "private"]);
    });
  });

  describe("adapter-reach", () => {
    it("catches an adapter importing a core file that is not a mod.ts", () => {
      const report = check({
        "adapters/foo/_journal.ts": `import { a } from "../../src/a/a.ts";\nexport const journal = [a];\n`,
      });
      expect(rules(report)).toEqual(["adapter-reach"]);
      expect(messages(report)).toEqual([
        `adapters/foo/_journal.ts imports "../../src/a/a.ts": an adapter imports the core only through mod.ts or src/<folder>/mod.ts`,
      ]);
    });

    it("catches an adapter importing another adapter, even its mod.ts", () => {
      const report = check({
        "adapters/bar/mod.ts": `export { FooStore } from "../foo/mod.ts";\n`,
        "adapters/baz/mod.ts": `export type { FooStore } from "../foo/foo_store.ts";\n`,
      });
      expect(messages(report)).toEqual([
        `adapters/bar/mod.ts imports "../foo/mod.ts": adapters never import another adapter`,
        `adapters/baz/mod.ts imports "../foo/foo_store.ts": adapters never import another adapter`,
      ]);
    });

    it("catches an adapter reaching outside the core and the adapters", () => {
      const report = check({
        "adapters/foo/_journal.ts": `import "../../test/fixtures/data.ts";\nexport const journal = [];\n`,
      });
      expect(rules(report)).toEqual(["adapter-reach"]);
    });
  });

  describe("runtime-api", () => {
    it("catches runtime modules and npm packages imported by the core", () => {
      const report = check({
        "src/a/a.ts": [
          `/// <reference types="node" />`,
          `import { readFile } from "node:fs/promises";`,
          `import type { Readable } from "node:stream";`,
          `import { file } from "bun";`,
          `import { DurableObject } from "cloudflare:workers";`,
          `import { stream } from "hono/streaming";`,
          `import { openDB } from "idb";`,
          `export const load = () => import("left-pad");`,
        ].join("\n"),
      });
      expect(rules(report).every((r) => r === "runtime-api")).toBe(true);
      expect(messages(report)).toEqual([
        `src/a/a.ts imports the Node module "node:fs/promises"`,
        `src/a/a.ts imports the Node module "node:stream"`,
        `src/a/a.ts imports the Bun module "bun"`,
        `src/a/a.ts imports the Cloudflare module "cloudflare:workers"`,
        `src/a/a.ts imports the package "hono/streaming"`,
        `src/a/a.ts imports the package "idb"`,
        `src/a/a.ts imports the package "left-pad"`,
        `src/a/a.ts references the types of "node"`,
      ]);
    });

    it("catches runtime globals used in code", () => {
      const report = check({
        "src/a/a.ts": [
          `export const home = Deno.env.get("HOME");`,
          `export const f = Bun.file("x");`,
          `export const argv = process.argv;`,
          `export const fs = require("node:fs");`,
          `export const db = indexedDB.open("x");`,
          `export const here = __dirname;`,
          `export const kv = (globalThis as any).Deno;`,
          `export const deno = globalThis.Deno;`,
          `export type Kv = Deno.Kv;`,
        ].join("\n"),
      });
      expect(messages(report)).toEqual([
        "src/a/a.ts uses Deno. (line 1)",
        "src/a/a.ts uses Bun. (line 2)",
        "src/a/a.ts uses process. (line 3)",
        "src/a/a.ts uses require( (line 4)",
        "src/a/a.ts uses indexedDB (line 5)",
        "src/a/a.ts uses __dirname (line 6)",
        "src/a/a.ts uses globalThis.Deno (line 8)",
        "src/a/a.ts uses Deno. in a type (line 9)",
      ]);
    });

    it("ignores comments, strings, doc examples, object keys and locally declared names", () => {
      const report = check({
        "src/a/a.ts": [
          `/**`,
          ` * @example`,
          " * ```ts",
          ` * import { readFile } from "node:fs";`,
          ` * const x = Deno.env.get("X"); process.exit(1);`,
          " * ```",
          ` */`,
          `// Bun.file and require("x") in a comment`,
          `export const s = "process.env and Deno.env and indexedDB in a string";`,
          "export const t = `__dirname ${s}`;",
          `export const o = { indexedDB: 1, process: 2 };`,
          `export interface Env { indexedDB?: unknown }`,
          `export function run(process: { exit(): void }) { process.exit(); }`,
          `export const p = o.process;`,
        ].join("\n"),
      });
      expect(report.violations).toEqual([]);
    });

    it("lets adapters use their runtime", () => {
      expect(rules(checkBoundaries(clean))).toEqual([]);
      expect(clean["adapters/foo/foo_store.ts"]).toContain("process.env");
    });
  });

  describe("core-imports-adapter", () => {
    it("catches src/ and mod.ts importing adapters/", () => {
      const report = check({
        "mod.ts": `export { FooStore } from "./adapters/foo/mod.ts";\n`,
        "src/b/b.ts":
          `export interface B { n: number }\nexport type { FooStore } from "../../adapters/foo/foo_store.ts";\n`,
      });
      expect(messages(report)).toEqual([
        `mod.ts imports "./adapters/foo/mod.ts"`,
        `src/b/b.ts imports "../../adapters/foo/foo_store.ts"`,
      ]);
      expect(rules(report)).toEqual(["core-imports-adapter", "core-imports-adapter"]);
    });
  });

  it("lists the violations grouped by rule", () => {
    const report = check({
      "src/a/a.ts": `import { lazy } from "../b/_lazy.ts";\nimport "node:fs";\nexport const a = lazy;\n`,
    });
    expect(formatReport(report)).toBe(
      [
        `check_boundaries: 2 violations in 12 files (15 imports)`,
        `  imports of another folder's _ file (private, 1):`,
        `    src/a/a.ts imports "../b/_lazy.ts", a private file of src/b`,
        `  runtime APIs in the core (runtime-api, 1):`,
        `    src/a/a.ts imports the Node module "node:fs"`,
      ].join("\n"),
    );
  });

  describe("front-door", () => {
    it("catches a folder without a mod.ts, and a mod.ts that does more than re-export", () => {
      const report = check({
        "src/c/c.ts": `export const c = 1;\n`,
        "src/a/mod.ts": `export { a } from "./a.ts";\nexport const extra = 2;\n`,
      });
      expect(rules(report)).toEqual(["front-door", "front-door"]);
      expect(messages(report)).toEqual(["src/c/ has no mod.ts", "src/a/mod.ts:2 is not a re-export"]);
    });
  });
});
