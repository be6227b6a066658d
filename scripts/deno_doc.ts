// `deno doc` over every public entry, the list read from deno.json's exports (so a new adapter is
// covered without editing package.json): `lint` fails on any documentation problem (missing JSDoc,
// private types in public signatures, missing return types), `html` writes the API reference to
// docs/api. Run: npm run check:doc / npm run docs
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
process.exit(status ?? 1);
