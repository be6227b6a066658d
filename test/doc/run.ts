// npm run test:doc: the `@example`s in the doc comments of mod.ts, src/ and adapters/ are
// type-checked (`deno check --doc`) and run as tests (`deno test --doc`), and `deno doc --lint`
// checks every public entry.
//
// The examples import "weirjs", "weirjs/<entry>" and "@std/assert" as a user would.
// test/doc/import_map.json maps them to this checkout and to test/doc/std_assert.ts (JSR is
// not reachable here, and the published deno.json must not carry test-only mappings). Deno reads
// one import map, so that file also repeats deno.json's "imports": this script fails when the two
// drift apart, and `tsx test/doc/run.ts --write` rewrites the map from deno.json.
// Run: npm run test:doc
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const mapFile = new URL("import_map.json", import.meta.url);
const mapPath = "test/doc/import_map.json";

const deno = JSON.parse(readFileSync(new URL("deno.json", root), "utf8")) as {
  imports: Record<string, string>;
  exports: Record<string, string>;
};

// "./adapters/fs" -> "weirjs/adapters/fs", pointing at "./adapters/fs/mod.ts" from test/doc/.
const entries = Object.entries(deno.exports).map(([key, source]) => ({
  specifier: key === "." ? "weirjs" : `weirjs/${key.slice(2)}`,
  source: source.slice(2),
}));
const expected = {
  imports: {
    "@std/assert": "./std_assert.ts",
    ...Object.fromEntries(entries.map((e) => [e.specifier, `../../${e.source}`])),
    ...deno.imports,
  },
};
const expectedText = JSON.stringify(expected, null, 2) + "\n";

if (process.argv.includes("--write")) {
  writeFileSync(mapFile, expectedText);
  console.log(`wrote ${mapPath}`);
  process.exit(0);
}
if (readFileSync(mapFile, "utf8") !== expectedText) {
  console.error(
    `${mapPath} differs from what deno.json implies (its "imports", and "weirjs/<entry>" for each export).\n` +
      `Run: npx tsx test/doc/run.ts --write`,
  );
  process.exit(1);
}

const dirs = ["mod.ts", "src", "adapters"];
const steps: string[][] = [
  ["check", "--doc", "--import-map", mapPath, ...dirs],
  ["test", "--doc", "-A", "--unstable-kv", "--import-map", mapPath, ...dirs],
];

for (const args of steps) {
  console.log(`$ deno ${args.join(" ")}`);
  const { status, error } = spawnSync("deno", args, { cwd: root, stdio: "inherit" });
  if (error) throw error;
  if (status !== 0) process.exit(status ?? 1);
}
