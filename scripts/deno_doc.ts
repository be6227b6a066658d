// `deno doc` over every public entry, the list read from deno.json's exports (so a new adapter is
// covered without editing package.json): `lint` fails on any documentation problem (missing JSDoc,
// private types in public signatures, missing return types) and on an exported function or class
// without an `@example` (the examples run as tests: npm run test:doc), `html` writes the API
// reference to docs/api. Run: npm run check:doc / npm run docs
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { denoExports, root } from "./export_map.ts";

const mode = process.argv[2];
if (mode !== "lint" && mode !== "html") {
  console.error("usage: tsx scripts/deno_doc.ts lint|html");
  process.exit(2);
}
const entries = Object.values(denoExports());
const args = mode === "lint"
  ? ["doc", "--lint", ...entries]
  : ["doc", "--html", "--name=weir", "--output=docs/api", ...entries];
if (mode === "html") mkdirSync(join(root, "docs"), { recursive: true });
console.log(`$ deno ${args.join(" ")}`);
const { status, error } = spawnSync(join(root, "node_modules/.bin/deno"), args, { cwd: root, stdio: "inherit" });
if (error) throw error;
if (status !== 0 || mode !== "lint") process.exit(status ?? 1);

// Every exported function and class has an example.
interface DocNode {
  name: string;
  declarations: { kind: string; location: { filename: string }; jsDoc?: { tags?: { kind: string }[] } }[];
}
const json = spawnSync(join(root, "node_modules/.bin/deno"), ["doc", "--json", ...entries], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 256 * 2 ** 20,
});
if (json.error) throw json.error;
if (json.status !== 0) {
  console.error(json.stderr);
  process.exit(json.status ?? 1);
}
const files = (JSON.parse(json.stdout) as { nodes: Record<string, { symbols: DocNode[] }> }).nodes;
const seen = new Set<string>();
const missing: string[] = [];
for (const { symbols } of Object.values(files)) {
  for (const symbol of symbols) {
    for (const d of symbol.declarations) {
      if (d.kind !== "function" && d.kind !== "class") continue;
      const where = d.location.filename.replace(/^file:\/\//, "").replace(root, "");
      if (seen.has(`${symbol.name} ${where}`)) continue;
      seen.add(`${symbol.name} ${where}`);
      if (!(d.jsDoc?.tags ?? []).some((t) => t.kind === "example")) missing.push(`${d.kind} ${symbol.name} (${where})`);
    }
  }
}
if (missing.length > 0) {
  console.error(`${missing.length} exported functions and classes have no @example:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(`every exported function and class (${seen.size}) has an @example`);
