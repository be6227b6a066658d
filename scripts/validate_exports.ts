// Fails when deno.json (JSR) and package.json (npm) disagree about weir's public entry points,
// or when either disagrees with the tree: every adapters/<name>/ folder must be exported as
// "./adapters/<name>" from its mod.ts, deno.json must point at the .ts source and package.json
// at dist/<same path>.js with dist/<same path>.d.ts. With --built, the dist/ files must exist.
// Run: npm run check:exports   (npm run sync:exports rewrites both maps from the tree)
import { existsSync } from "node:fs";
import { join } from "node:path";
import { denoExports, expectedEntries, npmTarget, readJson, root } from "./export_map.ts";

const problems: string[] = [];
const built = process.argv.includes("--built");

const deno = readJson("deno.json");
const pkg = readJson("package.json");
const denoMap = denoExports();
const npmMap = (pkg.exports ?? {}) as Record<string, unknown>;
const expected = expectedEntries();

if (deno.version !== pkg.version) {
  problems.push(
    `versions differ: deno.json has ${JSON.stringify(deno.version)}, package.json has ${JSON.stringify(pkg.version)}`,
  );
}
if (deno.license !== pkg.license) {
  problems.push(
    `licenses differ: deno.json has ${JSON.stringify(deno.license)}, package.json has ${JSON.stringify(pkg.license)}`,
  );
}

const keys = (m: object) => Object.keys(m).sort().join(", ");
const expectedKeys = expected.map((e) => e.key).sort().join(", ");
if (keys(denoMap) !== expectedKeys) {
  problems.push(`deno.json exports [${keys(denoMap)}], the tree needs [${expectedKeys}]`);
}
if (keys(npmMap) !== expectedKeys) {
  problems.push(`package.json exports [${keys(npmMap)}], the tree needs [${expectedKeys}]`);
}

for (const { key, source } of expected) {
  if (!existsSync(join(root, source))) problems.push(`${key}: source ${source} does not exist`);
  if (key in denoMap && denoMap[key] !== source) {
    problems.push(`${key}: deno.json points at ${JSON.stringify(denoMap[key])}, expected ${JSON.stringify(source)}`);
  }
  const want = npmTarget(source);
  if (key in npmMap && JSON.stringify(npmMap[key]) !== JSON.stringify(want)) {
    problems.push(`${key}: package.json points at ${JSON.stringify(npmMap[key])}, expected ${JSON.stringify(want)}`);
  }
  if (built) {
    for (const file of [want.import, want.types]) {
      if (!existsSync(join(root, file))) problems.push(`${key}: ${file} was not built`);
    }
  }
}

if (problems.length > 0) {
  console.error(
    `export maps are inconsistent (npm run sync:exports rewrites them from the tree):\n  ${problems.join("\n  ")}`,
  );
  process.exit(1);
}
console.log(`export maps agree${built ? " and dist/ is complete" : ""}: ${expectedKeys}`);
