// Rewrites the export maps of deno.json and package.json from what exists on disk (see
// export_map.ts), e.g. after adding an adapter folder. Run: npm run sync:exports
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectedEntries, npmTarget, readJson, root } from "./export_map.ts";

const entries = expectedEntries();

const deno = readJson("deno.json");
deno.exports = Object.fromEntries(entries.map((e) => [e.key, e.source]));
writeFileSync(join(root, "deno.json"), JSON.stringify(deno, null, 2) + "\n");

const pkg = readJson("package.json");
pkg.exports = Object.fromEntries(entries.map((e) => [e.key, npmTarget(e.source)]));
writeFileSync(join(root, "package.json"), JSON.stringify(pkg, null, 2) + "\n");

console.log(`export maps written: ${entries.map((e) => e.key).join(", ")}`);
